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
  const result = { valueClass, bitmaps: interner.bitmaps };
  // Built now, while the whole ruleset is compiled anyway: the first one-rule change needs it.
  indexes.set(result, BitmapIndex.of(result.bitmaps));
  return result;
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

/** A rule whose intervals changed: its position (bit) and its new intervals (null = any value). */
export interface ChangedIntervals {
  rule: number;
  intervals: Interval[] | null;
}

/**
 * The classes after some rules' intervals changed, every other rule as it was at the same
 * position: a value's new bitmap is its old one with the changed rules' bits recomputed. A class
 * whose bitmap stays keeps its id and bitmap object (the data plane skips writing it); a new
 * bitmap reuses the id of an equal old one, else an id no value uses any more, else a new id.
 * Null when the ids run out: the caller computes from scratch (which names the limit).
 */
export function reclassifyValues(prev: ValueClasses, size: number, changed: ChangedIntervals[], maxClasses: number): ValueClasses | null {
  if (changed.length === 0) return prev;
  const segments = changedSegments(size, changed);
  const old = prev.bitmaps;
  const index = bitmapIndex(prev);
  // Per (old class, segment): the new class, or -(k + 1) for the k-th new bitmap.
  const stamp = new Int32Array(old.length).fill(-1);
  const memo = new Int32Array(old.length);
  const fresh: RuleBitmap[] = [];
  const freshKeys = new Map<string, number>();
  const codes = new Int32Array(size);
  const used = new Uint8Array(old.length);
  const outcome = (cls: number, bits: RuleBitmap): number => {
    let same = true;
    for (const c of changed) if (bitOf(old[cls], c.rule) !== bitOf(bits, c.rule)) same = false;
    if (same) return cls;
    const bm = old[cls].slice();
    for (const c of changed) {
      if (bitOf(bits, c.rule)) setBit(bm, c.rule);
      else clearBit(bm, c.rule);
    }
    const equal = index.find(bm, old);
    if (equal >= 0) return equal;
    const key = keyOf(bm);
    let k = freshKeys.get(key);
    if (k === undefined) {
      k = fresh.push(bm) - 1;
      freshKeys.set(key, k);
    }
    return -(k + 1);
  };
  let changedAny = false;
  for (let s = 0; s < segments.starts.length; s++) {
    const end = s + 1 < segments.starts.length ? segments.starts[s + 1] : size;
    for (let v = segments.starts[s]; v < end; v++) {
      const cls = prev.valueClass[v];
      if (stamp[cls] !== s) {
        stamp[cls] = s;
        memo[cls] = outcome(cls, segments.bits[s]);
      }
      const code = memo[cls];
      codes[v] = code;
      if (code >= 0) used[code] = 1;
      if (code !== cls) changedAny = true;
    }
  }
  if (!changedAny) return prev;
  // New bitmaps take ids no value uses any more, lowest first, then new ones.
  const bitmaps = old.slice();
  const ids: number[] = [];
  let hole = 0;
  for (const bm of fresh) {
    while (hole < old.length && used[hole]) hole++;
    const id = hole < old.length ? hole++ : bitmaps.length;
    if (id >= maxClasses) return null;
    bitmaps[id] = bm;
    ids.push(id);
  }
  const valueClass = new Uint32Array(size);
  for (let v = 0; v < size; v++) valueClass[v] = codes[v] >= 0 ? codes[v] : ids[-codes[v] - 1];
  const result: ValueClasses = { valueClass, bitmaps };
  indexes.set(result, index.with(bitmaps, ids));
  return result;
}

/** Boundaries where some changed rule's acceptance changes, and the changed rules' bits in each. */
function changedSegments(size: number, changed: ChangedIntervals[]): { starts: number[]; bits: RuleBitmap[] } {
  const merged = changed.map((c) => (c.intervals === null ? null : mergeIntervals(c.intervals)));
  const points = new Set<number>([0]);
  for (const m of merged) {
    if (m === null) continue;
    for (const [lo, hi] of m) {
      points.add(lo);
      if (hi + 1 < size) points.add(hi + 1);
    }
  }
  const starts = [...points].sort((a, b) => a - b);
  const cursor = merged.map(() => 0);
  const bits = starts.map((p) => {
    const bm = emptyBitmap();
    merged.forEach((m, k) => {
      if (m === null) return setBit(bm, changed[k].rule);
      while (cursor[k] < m.length && m[cursor[k]][1] < p) cursor[k]++;
      if (cursor[k] < m.length && m[cursor[k]][0] <= p) setBit(bm, changed[k].rule);
    });
    return bm;
  });
  return { starts, bits };
}

const bitOf = (bm: RuleBitmap, i: number): boolean => (bm[i >>> 5] & (1 << (i & 31))) !== 0;

const keyOf = (bm: RuleBitmap): string => Buffer.from(bm.buffer, bm.byteOffset, bm.byteLength).toString('latin1');

/** A 32-bit hash of a bitmap (FNV-1a over its words). */
function hashOf(bm: RuleBitmap): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bm.length; i++) h = Math.imul(h ^ bm[i], 0x01000193);
  return h >>> 0;
}

/** Hash -> class id of the classes' bitmaps, to find an equal old one (one id per hash). */
class BitmapIndex {
  constructor(private readonly byHash: Map<number, number>) {}

  static of(bitmaps: RuleBitmap[]): BitmapIndex {
    const byHash = new Map<number, number>();
    bitmaps.forEach((bm, id) => byHash.set(hashOf(bm), id));
    return new BitmapIndex(byHash);
  }

  find(bm: RuleBitmap, bitmaps: RuleBitmap[]): number {
    const id = this.byHash.get(hashOf(bm));
    if (id === undefined) return -1;
    const other = bitmaps[id];
    for (let i = 0; i < bm.length; i++) if (bm[i] !== other[i]) return -1;
    return id;
  }

  /** A copy for `bitmaps`, where the ids `replaced` hold new bitmaps. */
  with(bitmaps: RuleBitmap[], replaced: number[]): BitmapIndex {
    const byHash = new Map(this.byHash);
    for (const id of replaced) byHash.set(hashOf(bitmaps[id]), id);
    return new BitmapIndex(byHash);
  }
}

/** Indexes of compiled value classes, built when first needed (a ValueClasses is never modified). */
const indexes = new WeakMap<ValueClasses, BitmapIndex>();

function bitmapIndex(vc: ValueClasses): BitmapIndex {
  let index = indexes.get(vc);
  if (!index) indexes.set(vc, (index = BitmapIndex.of(vc.bitmaps)));
  return index;
}
