// One counters() read per scrape, so all counter series of a scrape come from the same instant and
// the per-CPU maps are read once rather than once per metric. ScrapeRegistry brackets each
// metrics() call; collect() callbacks inside it share one reading, and a collect() outside any
// scrape (a direct metric.get()) reads afresh.

import { Registry } from 'prom-client';
import type { MetricsSource } from '../service/metrics-source';

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

export class ScrapeRegistry extends Registry {
  constructor(private readonly snapshot: ScrapeSnapshot) {
    super();
  }

  override async metrics(): Promise<string> {
    this.snapshot.begin();
    try {
      return await super.metrics();
    } finally {
      this.snapshot.end();
    }
  }
}
