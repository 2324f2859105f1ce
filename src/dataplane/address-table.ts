// Builds one copy's address table for one family (xdp/include/addr-table.h): paint prefixes of up
// to 24 bits into the 2^24-entry root, then give each root cell holding longer prefixes a bucket
// (up to BUCKET_SLOTS of them, longest first) or a node of 256 entries for the next 8 bits, and
// so on. Written straight into the idle copy's mmap'ed memory: no packet reads it until the flip.

import { CapacityError } from '../compiler/bitmap';
import { BUCKETS_PER_COPY, BUCKET_SLOTS, BUCKET_WORDS, NODES_PER_COPY, NODE_BITS, NODE_ENTRIES, ROOT_BITS, ROOT_ENTRIES } from './layout';

/** Compiled entries of one family: addr (1 or 4 words each) / len -> class, sorted by address. */
export interface AddrList {
  addr: Uint32Array;
  len: Uint8Array;
  cls: Uint32Array;
}

const KIND_SHIFT = 30;
const BUCKET = 1 << KIND_SHIFT;
const NODE = 2 << KIND_SHIFT;

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

export function buildAddressTable(family: 4 | 6, copy: number, entries: AddrList, views: AddressTableViews): TableStats {
  const width = family === 4 ? 1 : 4;
  const rootBase = (copy * 2 + (family === 4 ? 0 : 1)) * ROOT_ENTRIES;
  const nodeBase = copy * NODES_PER_COPY[family] * NODE_ENTRIES;
  const bucketWords = BUCKET_WORDS[family];
  const bucketBase = copy * BUCKETS_PER_COPY[family] * bucketWords;
  const stats: TableStats = { nodes: 0, buckets: 0 };
  const { addr, len, cls } = entries;
  const n = len.length;

  /** The 8 (or, at the root, 24) bits of entry i starting at bit `bit`. */
  const bitsAt = (i: number, bit: number, count: number) => {
    const word = addr[i * width + (bit >>> 5)];
    return (word >>> (32 - (bit & 31) - count)) & ((1 << count) - 1);
  };

  const newBucket = (group: number[], dflt: number): number => {
    const b = stats.buckets++;
    if (b >= BUCKETS_PER_COPY[family]) throw new CapacityError(`IPv${family} address table: more than ${BUCKETS_PER_COPY[family]} buckets`);
    const o = bucketBase + b * bucketWords;
    const slots = [...group].sort((x, y) => len[y] - len[x]); // longest first; stable
    views.bucket[o] = dflt;
    views.bucket[o + 1] = slots.length;
    slots.forEach((i, s) => {
      const so = o + 2 + s * (width + 2);
      for (let k = 0; k < width; k++) views.bucket[so + k] = addr[i * width + k];
      views.bucket[so + width] = len[i];
      views.bucket[so + width + 1] = cls[i];
    });
    return BUCKET | b;
  };

  /** The entry for a cell whose longer prefixes are `group` (all longer than `bit`). */
  const subtree = (group: number[], bit: number, dflt: number): number => {
    if (group.length <= BUCKET_SLOTS) return newBucket(group, dflt);
    const nodeIndex = stats.nodes++;
    if (nodeIndex >= NODES_PER_COPY[family]) throw new CapacityError(`IPv${family} address table: more than ${NODES_PER_COPY[family]} nodes`);
    const o = nodeBase + nodeIndex * NODE_ENTRIES;
    views.node.fill(dflt, o, o + NODE_ENTRIES);
    const next = bit + NODE_BITS;
    // In address order a prefix comes before those it contains, so later paints are more specific.
    const deeper = new Map<number, number[]>();
    for (const i of group) {
      const b = bitsAt(i, bit, NODE_BITS);
      if (len[i] <= next) views.node.fill(cls[i], o + b, o + b + (1 << (next - len[i])));
      else (deeper.get(b) ?? deeper.set(b, []).get(b)!).push(i);
    }
    for (const [b, sub] of deeper) views.node[o + b] = subtree(sub, next, views.node[o + b]);
    return NODE | nodeIndex;
  };

  views.root.fill(0, rootBase, rootBase + ROOT_ENTRIES);
  const long: number[] = [];
  for (let i = 0; i < n; i++) {
    if (len[i] <= ROOT_BITS) {
      const start = rootBase + bitsAt(i, 0, ROOT_BITS);
      views.root.fill(cls[i], start, start + (1 << (ROOT_BITS - len[i])));
    } else long.push(i);
  }
  // Longer prefixes, grouped by root cell (adjacent: entries are sorted by address).
  for (let g = 0; g < long.length; ) {
    const cell = bitsAt(long[g], 0, ROOT_BITS);
    let end = g;
    while (end < long.length && bitsAt(long[end], 0, ROOT_BITS) === cell) end++;
    const at = rootBase + cell;
    views.root[at] = subtree(long.slice(g, end), ROOT_BITS, views.root[at]);
    g = end;
  }
  return stats;
}

/** Whether two compiled entry lists are the same (the copy then needs no rewrite). */
export function sameEntries(a: AddrList, b: AddrList): boolean {
  return equalArrays(a.len, b.len) && equalArrays(a.cls, b.cls) && equalArrays(a.addr, b.addr);
}

function equalArrays(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
