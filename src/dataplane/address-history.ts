// Which root cells differ between two versions of the address entries. Each compiled version
// says which cells it changed against the version it was computed from; a table copy holding an
// older version (the idle copy holds generation N-1 while N+1 is written) needs the cells of
// every step between them. Versions form a tree (a change that failed to apply leaves a branch),
// so the path goes through the nearest common ancestor.

import type { AddressDelta, AddressEntries } from '../compiler/address-classes';

const KEEP = 16;
const MAX_DEPTH = 8;

export interface DirtyCells {
  v4: Uint32Array;
  v6: Uint32Array;
}

export class AddressHistory {
  private readonly deltas = new Map<number, AddressDelta>();

  /** Remembers how `entries` differ from their base (no-op for entries computed from scratch). */
  record(entries: AddressEntries): void {
    if (!entries.delta || this.deltas.has(entries.version)) return;
    this.deltas.set(entries.version, entries.delta);
    if (this.deltas.size > KEEP) this.deltas.delete(this.deltas.keys().next().value as number);
  }

  /** The cells that may differ between version `from` and `to`, or null when the path is unknown. */
  between(from: number, to: number): DirtyCells | null {
    const up = (v: number): number[] => {
      const path = [v];
      for (let d = this.deltas.get(v); d && path.length <= MAX_DEPTH; d = this.deltas.get(d.base)) path.push(d.base);
      return path;
    };
    const a = up(to);
    const b = up(from);
    const common = a.find((v) => b.includes(v));
    if (common === undefined) return null;
    const steps = [...a.slice(0, a.indexOf(common)), ...b.slice(0, b.indexOf(common))].map((v) => this.deltas.get(v) as AddressDelta);
    return { v4: unionRanges(steps.map((s) => s.v4)), v6: unionRanges(steps.map((s) => s.v6)) };
  }
}

/** Sorted, merged [start, end) pairs covering every given pair. */
export function unionRanges(lists: Uint32Array[]): Uint32Array {
  if (lists.length === 1) return lists[0];
  const pairs: [number, number][] = [];
  for (const l of lists) for (let i = 0; i < l.length; i += 2) pairs.push([l[i], l[i + 1]]);
  pairs.sort((x, y) => x[0] - y[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    if (out.length > 0 && s <= out[out.length - 1]) out[out.length - 1] = Math.max(out[out.length - 1], e);
    else out.push(s, e);
  }
  return Uint32Array.from(out);
}

/** Cells covered by [start, end) pairs. */
export function cellCount(ranges: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < ranges.length; i += 2) n += ranges[i + 1] - ranges[i];
  return n;
}
