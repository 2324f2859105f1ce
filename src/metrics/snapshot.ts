// One counters() read per scrape, so all counter series of a scrape come from the same instant and
// the per-CPU maps are read once rather than once per metric. ScrapeRegistry brackets each
// metrics() call; collect() callbacks inside it share one reading, and a collect() outside any
// scrape (a direct metric.get()) reads afresh.

import { Registry } from 'prom-client';
import type { MetricsSource } from '../service/metrics-source';
import { ReadingCounter } from './reading-counter';

export type CounterReading = ReturnType<MetricsSource['counters']>;

export class ScrapeSnapshot {
  private reading: CounterReading | null = null;
  /** Scrapes in progress (overlapping scrapes share a reading). */
  private open = 0;

  constructor(private readonly source: MetricsSource) {}

  begin(): void {
    this.open++;
  }

  end(): void {
    if (--this.open === 0) this.reading = null;
  }

  counters(): CounterReading {
    if (this.open === 0) return this.source.counters();
    this.reading ??= this.source.counters();
    return this.reading;
  }
}

/**
 * A registry whose scrapes share one counter reading, and which writes ReadingCounter families
 * itself (fast path); every other metric is formatted by prom-client as usual. Default labels are
 * not supported (the fast path would miss them).
 */
export class ScrapeRegistry extends Registry {
  constructor(private readonly snapshot: ScrapeSnapshot) {
    super();
  }

  override setDefaultLabels(): void {
    throw new Error('ScrapeRegistry: default labels are not supported');
  }

  override async metrics(): Promise<string> {
    this.snapshot.begin();
    try {
      if (this.contentType !== Registry.PROMETHEUS_CONTENT_TYPE) return await super.metrics();
      const parts = await Promise.all(
        this.getMetricsAsArray().map((m) => (m instanceof ReadingCounter ? m.exposition() : this.getSingleMetricAsString((m as { name: string }).name))),
      );
      return `${parts.join('\n\n')}\n`; // prom-client's own separators
    } finally {
      this.snapshot.end();
    }
  }
}
