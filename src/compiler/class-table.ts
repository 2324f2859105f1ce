// Address class ids <-> label sets, kept across compiles so that an entry whose labels did not
// change keeps its class id: the data plane then rewrites only the root cells of changed entries.
// Ids carry reference counts (entries holding them); an id no entry holds any more is released,
// and becomes reusable from the next compile on: the generation in force (the live copy) may still
// hold it with its old meaning, the one being compiled never does.

import { CapacityError } from './bitmap';

export class ClassTable {
  /** class id -> sorted label ids; [] for class 0 (no prefix) and for free ids. */
  readonly labels: number[][];
  private readonly byKey: Map<string, number>;
  private readonly refs: Int32Array;
  /** Ids free to reuse now. */
  private readonly free: number[];
  /** Ids released by this compile: free from the next one. */
  private readonly released: number[] = [];
  /** Ids whose count reached 0 during this compile (checked in seal). */
  private readonly drained: number[] = [];

  private constructor(readonly limit: number, labels: number[][], byKey: Map<string, number>, refs: Int32Array, free: number[]) {
    this.labels = labels;
    this.byKey = byKey;
    this.refs = refs;
    this.free = free;
  }

  static create(limit: number): ClassTable {
    return new ClassTable(limit, [[]], new Map([['', 0]]), new Int32Array(limit), []);
  }

  /** A copy to change: the table of a compiled ruleset is never modified (it may stay in force). */
  fork(): ClassTable {
    return new ClassTable(this.limit, this.labels.slice(), new Map(this.byKey), this.refs.slice(), [...this.free, ...this.released]);
  }

  /** The id of a sorted, duplicate-free label set; a new one when it has none. */
  idOf(labels: number[]): number {
    const key = labels.join(',');
    let id = this.byKey.get(key);
    if (id !== undefined) return id;
    id = this.free.pop() ?? this.labels.length;
    if (id >= this.limit) throw new CapacityError(`address classes: more than ${this.limit}`);
    this.labels[id] = labels;
    this.byKey.set(key, id);
    return id;
  }

  retain(id: number): void {
    this.refs[id]++;
  }

  release(id: number): void {
    if (--this.refs[id] === 0 && id !== 0) this.drained.push(id);
  }

  /** Ends a compile: ids no entry holds any more are released. */
  seal(): void {
    for (const id of this.drained) {
      if (this.refs[id] !== 0 || this.labels[id].length === 0) continue;
      this.byKey.delete(this.labels[id].join(','));
      this.labels[id] = [];
      this.released.push(id);
    }
    this.drained.length = 0;
  }
}

/** Class of (a parent class + an entry's own labels), memoised for one compile. */
export class ClassResolver {
  private readonly memo = new Map<number, number>();

  constructor(
    readonly table: ClassTable,
    private readonly ownLabels: (code: number) => readonly number[],
  ) {}

  classOf(parent: number, ownCode: number): number {
    // parent < 2^15: a small-integer key while the own code is a single label (< 2^16), an
    // exact double above 2^31 otherwise; the two ranges never meet.
    const key = ownCode < 0x10000 ? parent * 0x10000 + ownCode : parent * 0x100000000 + ownCode;
    let id = this.memo.get(key);
    if (id === undefined) {
      const own = this.ownLabels(ownCode);
      const from = this.table.labels[parent];
      const labels = from.length === 0 ? [...own] : [...new Set([...from, ...own])].sort((a, b) => a - b);
      id = this.table.idOf(labels);
      this.memo.set(key, id);
    }
    return id;
  }
}
