// A prom-client Counter whose series are exactly the values read at scrape time. The stock
// Counter would need reset() plus one inc() per series, hashing every label set on each scrape
// (about three times slower with 4,096 rules); here get() hands the reading over as it is, so
// there are no increments and no stale series to remove. exposition() writes the family's text
// directly for ScrapeRegistry (see exposition.ts).

import { Counter, type Registry } from 'prom-client';
import { formatFamily } from './exposition';

export interface CounterSeries<T extends string> {
  labels: Record<T, string>;
  value: number;
}

export interface ReadingCounterSpec<T extends string> {
  name: string;
  help: string;
  labelNames: readonly T[];
  registers: Registry[];
  read: () => CounterSeries<T>[];
}

export class ReadingCounter<T extends string> extends Counter<T> {
  private readonly spec: ReadingCounterSpec<T>;

  constructor(spec: ReadingCounterSpec<T>) {
    super({ name: spec.name, help: spec.help, labelNames: spec.labelNames, registers: spec.registers });
    this.spec = spec;
  }

  override async get(): ReturnType<Counter<T>['get']> {
    const metric = { name: this.spec.name, help: this.spec.help, type: 'counter', aggregator: 'sum', values: this.spec.read() };
    // prom-client's declared MetricObject also names a collect function and an enum type that its
    // registry never reads; the shape above is what Counter.get() itself returns.
    return metric as unknown as Awaited<ReturnType<Counter<T>['get']>>;
  }

  /** The family in Prometheus text format, as prom-client would write it. */
  exposition(): string {
    return formatFamily(this.spec.name, this.spec.help, 'counter', this.spec.labelNames, this.spec.read());
  }
}
