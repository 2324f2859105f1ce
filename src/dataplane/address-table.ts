// One copy's address table for one family (xdp/include/addr-table.h): prefixes of up to 24 bits
// painted into the 2^24-entry root, then each root cell holding longer prefixes gets a bucket (up
// to BUCKET_SLOTS of them, longest first) or a node of 256 entries for the next 8 bits, and so on.
// Written straight into the idle copy's mmap'ed memory: no packet reads it until the flip.
//
// Either built whole (the first write of a copy, large changes), or only over ranges of root
// cells: their subtrees are freed (read back from this copy's own memory) and rebuilt from the
// sorted entries. Bucket and node indexes come from this copy's free lists.

import { CapacityError } from '../compiler/bitmap';
import { SortedEntries, containingEntries, lowerBound } from '../compiler/entry-search';
import { BUCKETS_PER_COPY, BUCKET_SLOTS, BUCKET_WORDS, NODES_PER_COPY, NODE_BITS, NODE_ENTRIES, ROOT_BITS, ROOT_ENTRIES } from './layout';

/** Compiled entries of one family: addr (1 or 4 words each) / len -> class, sorted by address. */
export interface AddrList {
  addr: Uint32Array;
  len: Uint8Array;
  cls: Uint32Array;
  /** entries per prefix length; counted when absent */
  lenCount?: Int32Array;
}

// Local copies: imported bindings are property loads (getters under tsx) in the hottest loops.
const ROOT = ROOT_BITS;
const CELLS = ROOT_ENTRIES;
const SLOTS = BUCKET_SLOTS;
const STRIDE = NODE_BITS;
const FANOUT = NODE_ENTRIES;
const KIND_SHIFT = 30;
const BUCKET = 1 << KIND_SHIFT;
const NODE = 2 << KIND_SHIFT;
const VALUE_MASK = BUCKET - 1;
const kindOf = (e: number) => e >>> KIND_SHIFT;

export interface AddressTableViews {
  /** addr_root as u32 entries: (copy, family) owns [(copy * 2 + family) * 2^24, +2^24). */
  root: Uint32Array;
  /** addr_node{4,6} as u32 entries: node n of copy c at (c * NODES_PER_COPY + n) * 256. */
  node: Uint32Array;
  /** addr_bucket{4,6} as u32 words: bucket b of copy c at (c * BUCKETS_PER_COPY + b) * BUCKET_WORDS. */
  bucket: Uint32Array;
}

export interface TableStats {
  nodes: number;
  buckets: number;
}

/** Indexes 0..limit-1 handed out lowest-unused first, freed ones reused. */
class IndexPool {
  private next = 0;
  private readonly free: number[] = [];

  /** `what`: e.g. "IPv4 address table", `unit`: "nodes" (error messages). */
  constructor(private readonly limit: number, private readonly what: string, private readonly unit: string) {}

  take(): number {
    const i = this.free.pop() ?? this.next++;
    if (i >= this.limit) throw new CapacityError(`${this.what}: more than ${this.limit} ${this.unit}`);
    return i;
  }

  give(i: number): void {
    this.free.push(i);
  }

  reset(): void {
    this.next = 0;
    this.free.length = 0;
  }

  get inUse(): number {
    return this.next - this.free.length;
  }
}

export class AddressTable {
  private readonly width: number;
  private readonly rootBase: number;
  private readonly nodeBase: number;
  private readonly bucketBase: number;
  private readonly bucketWords: number;
  private readonly nodes: IndexPool;
  private readonly buckets: IndexPool;
  private entries: AddrList = { addr: new Uint32Array(0), len: new Uint8Array(0), cls: new Uint32Array(0) };
  /** newBucket's scratch: the entries of one bucket, in slot order. */
  private readonly slots = new Int32Array(SLOTS);

  constructor(readonly family: 4 | 6, readonly copy: number, private readonly views: AddressTableViews) {
    this.width = family === 4 ? 1 : 4;
    this.rootBase = (copy * 2 + (family === 4 ? 0 : 1)) * CELLS;
    this.nodeBase = copy * NODES_PER_COPY[family] * FANOUT;
    this.bucketWords = BUCKET_WORDS[family];
    this.bucketBase = copy * BUCKETS_PER_COPY[family] * this.bucketWords;
    this.nodes = new IndexPool(NODES_PER_COPY[family], `IPv${family} address table`, 'nodes');
    this.buckets = new IndexPool(BUCKETS_PER_COPY[family], `IPv${family} address table`, 'buckets');
  }

  stats(): TableStats {
    return { nodes: this.nodes.inUse, buckets: this.buckets.inUse };
  }

  /** Writes the whole table for `entries`. */
  build(entries: AddrList): void {
    this.entries = entries;
    this.nodes.reset();
    this.buckets.reset();
    this.views.root.fill(0, this.rootBase, this.rootBase + CELLS);
    this.paint(0, CELLS, 0, entries.len.length);
  }

  /**
   * Rewrites root cells [start, end) pairs of `ranges` for `entries`; every other cell must hold
   * what it would for `entries` already (the table was built for entries equal outside them).
   */
  update(entries: AddrList, ranges: Uint32Array): void {
    this.entries = entries;
    const { root } = this.views;
    const lenCount = entries.lenCount ?? countLengths(entries.len, this.width * 32);
    for (let r = 0; r < ranges.length; r += 2) {
      const start = ranges[r];
      const end = ranges[r + 1];
      for (let c = start; c < end; c++) this.freeEntry(root[this.rootBase + c]);
      // The background: prefixes of up to 24 bits that start before the range and cover its
      // first cell, shortest first (each clipped to the range).
      root.fill(0, this.rootBase + start, this.rootBase + end);
      const first = (start << (32 - ROOT)) >>> 0;
      const words = [first, 0, 0, 0];
      // Longest first, stopping at one that covers the whole range; painted shortest first.
      const covers = (i: number) => this.cellOf(i) + 2 ** (ROOT - entries.len[i]) >= end;
      const around = containingEntries(entries, this.width, lenCount, words, ROOT, covers);
      for (let k = around.length - 1; k >= 0; k--) if (entries.addr[around[k] * this.width] < first) this.paintCells(around[k], start, end);
      const lo = lowerBound(entries, this.width, words, 0, 0);
      let hi = lo;
      while (hi < entries.len.length && entries.addr[hi * this.width] >>> (32 - ROOT) < end) hi++;
      this.paint(start, end, lo, hi);
    }
  }

  /** Paints entries [lo, hi) (all inside cells [start, end)), then builds the longer ones' subtrees. */
  private paint(start: number, end: number, lo: number, hi: number): void {
    const { len } = this.entries;
    for (let i = lo; i < hi; i++) if (len[i] <= ROOT) this.paintCells(i, start, end);
    // Longer prefixes, by root cell: a cell's are adjacent (sorted by address, and its shorter
    // ones sort before them), so each group is a range of entries.
    const root = this.views.root;
    for (let g = lo; g < hi; ) {
      if (len[g] <= ROOT) {
        g++;
        continue;
      }
      const cell = this.cellOf(g);
      let e = g + 1;
      while (e < hi && len[e] > ROOT && this.cellOf(e) === cell) e++;
      const at = this.rootBase + cell;
      root[at] = this.subtree(g, e, ROOT, root[at]);
      g = e;
    }
  }

  private cellOf(i: number): number {
    return this.entries.addr[i * this.width] >>> (32 - ROOT);
  }

  /** Fills the root cells of entry i (length <= 24) that lie in [start, end) with its class. */
  private paintCells(i: number, start: number, end: number): void {
    const first = this.cellOf(i);
    const from = Math.max(first, start);
    const to = Math.min(first + 2 ** (ROOT - this.entries.len[i]), end);
    if (from < to) this.views.root.fill(this.entries.cls[i], this.rootBase + from, this.rootBase + to);
  }

  /** The 8 bits of entry i starting at bit `bit`. */
  private byteAt(i: number, bit: number): number {
    const word = this.entries.addr[i * this.width + (bit >>> 5)];
    return (word >>> (32 - (bit & 31) - STRIDE)) & (FANOUT - 1);
  }

  /** The entry for a cell whose longer prefixes are entries [lo, hi) (all longer than `bit`). */
  private subtree(lo: number, hi: number, bit: number, dflt: number): number {
    if (hi - lo <= SLOTS) return this.newBucket(lo, hi, dflt);
    const { node } = this.views;
    const { len, cls } = this.entries;
    const index = this.nodes.take();
    const o = this.nodeBase + index * FANOUT;
    node.fill(dflt, o, o + FANOUT);
    const next = bit + STRIDE;
    // In address order a prefix comes before those it contains, so later paints are more specific.
    for (let i = lo; i < hi; i++) {
      const b = this.byteAt(i, bit);
      if (len[i] <= next) node.fill(cls[i], o + b, o + b + (1 << (next - len[i])));
    }
    // The longer ones with one byte are adjacent: those ending within it sort before them.
    for (let g = lo; g < hi; ) {
      if (len[g] <= next) {
        g++;
        continue;
      }
      const b = this.byteAt(g, bit);
      let e = g + 1;
      while (e < hi && len[e] > next && this.byteAt(e, bit) === b) e++;
      node[o + b] = this.subtree(g, e, next, node[o + b]);
      g = e;
    }
    return (NODE | index) >>> 0;
  }

  private newBucket(lo: number, hi: number, dflt: number): number {
    const { bucket } = this.views;
    const { addr, len, cls } = this.entries;
    const w = this.width;
    const index = this.buckets.take();
    const o = this.bucketBase + index * this.bucketWords;
    // Longest first, ties in address order (a stable insertion sort of at most SLOTS entries).
    const slots = this.slots;
    const n = hi - lo;
    for (let s = 0; s < n; s++) {
      const i = lo + s;
      let t = s;
      for (; t > 0 && len[slots[t - 1]] < len[i]; t--) slots[t] = slots[t - 1];
      slots[t] = i;
    }
    bucket[o] = dflt;
    bucket[o + 1] = n;
    for (let s = 0; s < n; s++) {
      const i = slots[s];
      const so = o + 2 + s * (w + 2);
      for (let k = 0; k < w; k++) bucket[so + k] = addr[i * w + k];
      bucket[so + w] = len[i];
      bucket[so + w + 1] = cls[i];
    }
    return (BUCKET | index) >>> 0;
  }

  /** Returns the buckets and nodes under a root or node entry of this copy to the free lists. */
  private freeEntry(e: number): void {
    const kind = kindOf(e);
    if (kind === kindOf(BUCKET)) this.buckets.give(e & VALUE_MASK);
    else if (kind === kindOf(NODE)) {
      const index = e & VALUE_MASK;
      const o = this.nodeBase + index * FANOUT;
      for (let b = 0; b < FANOUT; b++) if (this.views.node[o + b] >>> KIND_SHIFT !== 0) this.freeEntry(this.views.node[o + b]);
      this.nodes.give(index);
    }
  }
}

function countLengths(len: Uint8Array, max: number): Int32Array {
  const count = new Int32Array(max + 1);
  for (let i = 0; i < len.length; i++) count[len[i]]++;
  return count;
}

export type { SortedEntries };
