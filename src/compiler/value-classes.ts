// Classes for the small dimensions (protocol/family/fragment, L4 words, TCP flags): a sweep over
// the value space, where each rule either accepts every value or a list of inclusive intervals.
// Between two interval boundaries the set of satisfied rules is constant: one class per set.

import { BitmapInterner, RuleBitmap, clearBit, emptyBitmap, setBit } from './bitmap';

export type Interval = [lo: number, hi: number];

/** Per rule (priority order): null = any value, else the accepted intervals. */
export type RuleIntervals = (Interval[] | null)[];

export interface ValueClasses {
  /** value -> class id */
  valueClass: Uint32Array;
  /** class id -> bitmap */
  bitmaps: RuleBitmap[];
}

export function classifyValues(size: number, rules: RuleIntervals, maxClasses: number, what: string): ValueClasses {
  const current = emptyBitmap();
  // Events packed as position * 2^13 * 2 + rule * 2 + (0 = add, 1 = remove): one numeric sort.
  const events: number[] = [];
  rules.forEach((intervals, rule) => {
    if (intervals === null) {
      setBit(current, rule);
      return;
    }
    for (const [lo, hi] of mergeIntervals(intervals)) {
      events.push((lo * 8192 + rule) * 2);
      if (hi + 1 < size) events.push(((hi + 1) * 8192 + rule) * 2 + 1);
    }
  });
  events.sort((a, b) => a - b);
  const interner = new BitmapInterner(maxClasses, what);
  const valueClass = new Uint32Array(size);
  let pos = 0;
  let e = 0;
  while (pos < size) {
    while (e < events.length && Math.floor(events[e] / 16384) === pos) {
      const ev = events[e++];
      const rule = Math.floor(ev / 2) % 8192;
      if (ev % 2 === 0) setBit(current, rule);
      else clearBit(current, rule);
    }
    const next = e < events.length ? Math.floor(events[e] / 16384) : size;
    valueClass.fill(interner.intern(current), pos, next);
    pos = next;
  }
  return { valueClass, bitmaps: interner.bitmaps };
}

/** Sorts and merges overlapping or adjacent intervals. */
export function mergeIntervals(intervals: Interval[]): Interval[] {
  const sorted = intervals.map(([lo, hi]) => [lo, hi] as Interval).sort((a, b) => a[0] - b[0]);
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last && iv[0] <= last[1] + 1) last[1] = Math.max(last[1], iv[1]);
    else out.push(iv);
  }
  return out;
}
