// Address classes. Every prefix that some enabled rule can name (a literal, or a member of a set
// a rule uses) carries labels: the literal itself, or the set's name. An address's class is the
// set of labels of all prefixes containing it; the longest matching prefix in the address map
// stores that class, so one lookup answers for every rule at once. Rules never enter here: a rule
// change that adds no prefix leaves this map as it is.

import { wordMask } from '../ruleset/address';
import { CapacityError } from './bitmap';
import { ClassResolver, ClassTable } from './class-table';
import { OwnLabelSets } from './own-labels';

/** One family's entries, sorted by (address, length). */
export interface FamilyEntries {
  /** addr[i * width .. +width] / len[i] -> cls[i] (width 1 for IPv4, 4 for IPv6) */
  addr: Uint32Array;
  len: Uint8Array;
  cls: Uint32Array;
  /** the entry's own labels (an OwnLabelSets code) */
  own: Uint32Array;
  /** entries per prefix length (0..32 or 0..128) */
  lenCount: Int32Array;
  /** set when the arrays went back to an EntriesPool: nothing may read them any more */
  released?: boolean;
}

/** Root cells (top 24 address bits) whose entries may differ from those of version `base`. */
export interface AddressDelta {
  base: number;
  /** [start, end) pairs of root cells, sorted and disjoint */
  v4: Uint32Array;
  v6: Uint32Array;
}

export interface AddressEntries {
  v4: FamilyEntries;
  v6: FamilyEntries;
  /** class id -> sorted label ids; class 0 is the empty set (no prefix contains the address). */
  classLabels: number[][];
  classes: ClassTable;
  ownSets: OwnLabelSets;
  /** Identifies these entries (the data plane remembers which version each table copy holds). */
  version: number;
  /** How they differ from the entries they were computed from; null when computed from scratch. */
  delta: AddressDelta | null;
}

let lastVersion = 0;
export const nextAddressVersion = (): number => ++lastVersion;

/** Labelled prefixes of one family, gathered before classes are computed. */
export interface LabelledPrefixes {
  /** words per prefix: 1 or 4 */
  width: 1 | 4;
  addr: ArrayLike<number>;
  len: ArrayLike<number>;
  label: ArrayLike<number>;
}

/** Labelled prefixes to push onto, when their number is not known up front. */
export function newLabelled(width: 1 | 4): LabelledPrefixes & { addr: number[]; len: number[]; label: number[] } {
  return { width, addr: [], len: [], label: [] };
}

/** Room for `count` labelled prefixes: typed arrays, so a million prefixes are not a million boxed pushes. */
export function sizedLabelled(width: 1 | 4, count: number): LabelledPrefixes & { addr: Uint32Array; len: Uint8Array; label: Uint32Array } {
  return { width, addr: new Uint32Array(count * width), len: new Uint8Array(count), label: new Uint32Array(count) };
}

/**
 * Computes the class of every labelled prefix. Prefixes are visited in address order, shorter
 * first, so the prefixes containing the current one are exactly the stack below it.
 */
export function computeAddressClasses(v4: LabelledPrefixes, v6: LabelledPrefixes, limit: number): AddressEntries {
  const table = ClassTable.create(limit);
  const ownSets = new OwnLabelSets();
  const resolver = new ClassResolver(table, (code) => ownSets.labels(code));
  const out4 = sweepFamily(v4, resolver, ownSets);
  const out6 = sweepFamily(v6, resolver, ownSets);
  table.seal();
  return { v4: out4, v6: out6, classLabels: table.labels, classes: table, ownSets, version: nextAddressVersion(), delta: null };
}

/** The labelled prefixes sorted by (address, length, label), as parallel typed arrays. */
interface SortedPrefixes {
  addr: Uint32Array;
  len: Uint8Array;
  label: Uint32Array;
}

export const LABEL_SPACE = 32768;

function sortPrefixes(input: LabelledPrefixes): SortedPrefixes {
  const n = input.len.length;
  const w = input.width;
  const addr = new Uint32Array(n * w);
  const len = new Uint8Array(n);
  const label = new Uint32Array(n);
  if (w === 1) {
    // One native sort of exact float keys: (address * 64 + length) * 2^15 + label < 2^53.
    for (let i = 0; i < n; i++) {
      if (input.label[i] >= LABEL_SPACE) throw new CapacityError(`address labels (distinct literal prefixes and sets): more than ${LABEL_SPACE}`);
    }
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (input.addr[i] * 64 + input.len[i]) * LABEL_SPACE + input.label[i];
    keys.sort();
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const prefix = Math.floor(k / LABEL_SPACE);
      label[i] = k - prefix * LABEL_SPACE;
      len[i] = prefix % 64;
      addr[i] = (prefix - len[i]) / 64;
    }
    return { addr, len, label };
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const a = input.addr instanceof Uint32Array ? input.addr : Uint32Array.from(input.addr);
  order.sort((x, y) => {
    for (let k = 0; k < w; k++) {
      const d = a[x * w + k] - a[y * w + k];
      if (d !== 0) return d;
    }
    return input.len[x] - input.len[y] || input.label[x] - input.label[y];
  });
  for (let i = 0; i < n; i++) {
    const j = order[i];
    for (let k = 0; k < w; k++) addr[i * w + k] = a[j * w + k];
    len[i] = input.len[j];
    label[i] = input.label[j];
  }
  return { addr, len, label };
}

function sweepFamily(input: LabelledPrefixes, resolver: ClassResolver, ownSets: OwnLabelSets): FamilyEntries {
  const w = input.width;
  const sorted = sortPrefixes(input);
  const n = sorted.len.length;
  const outAddr = new Uint32Array(n * w);
  const outLen = new Uint8Array(n);
  const outCls = new Uint32Array(n);
  const outOwn = new Uint32Array(n);
  const lenCount = new Int32Array(w * 32 + 1);
  let out = 0;
  // The chain of output entries containing the current prefix.
  const stack: number[] = [];
  let i = 0;
  while (i < n) {
    // Labels are sorted within a prefix: one label unless some neighbour differs. (An array per
    // prefix cost ~150 bytes each: emptying it drops its backing store.)
    let j = i + 1;
    let single = true;
    while (j < n && samePrefix(sorted, w, i, j)) {
      if (sorted.label[j] !== sorted.label[j - 1]) single = false;
      j++;
    }
    while (stack.length > 0 && !contains(outAddr, outLen, w, stack[stack.length - 1], sorted, i)) stack.pop();
    const parentCls = stack.length > 0 ? outCls[stack[stack.length - 1]] : 0;
    for (let k = 0; k < w; k++) outAddr[out * w + k] = sorted.addr[i * w + k];
    outLen[out] = sorted.len[i];
    lenCount[sorted.len[i]]++;
    outOwn[out] = single ? sorted.label[i] : ownSets.code(distinctLabels(sorted.label, i, j));
    outCls[out] = resolver.classOf(parentCls, outOwn[out]);
    resolver.table.retain(outCls[out]);
    stack.push(out++);
    i = j;
  }
  if (out === n) return { addr: outAddr, len: outLen, cls: outCls, own: outOwn, lenCount }; // nothing merged: no copies
  return { addr: outAddr.slice(0, out * w), len: outLen.slice(0, out), cls: outCls.slice(0, out), own: outOwn.slice(0, out), lenCount };
}

/** The distinct labels of sorted prefixes [i, j) (sorted: duplicates are adjacent). */
function distinctLabels(label: Uint32Array, i: number, j: number): number[] {
  const own = [label[i]];
  for (let k = i + 1; k < j; k++) if (label[k] !== label[k - 1]) own.push(label[k]);
  return own;
}

function samePrefix(p: SortedPrefixes, w: number, a: number, b: number): boolean {
  if (p.len[a] !== p.len[b]) return false;
  for (let k = 0; k < w; k++) if (p.addr[a * w + k] !== p.addr[b * w + k]) return false;
  return true;
}

/** Whether output entry `e` contains sorted prefix `q`. */
function contains(outAddr: Uint32Array, outLen: Uint8Array, w: number, e: number, p: SortedPrefixes, q: number): boolean {
  const len = outLen[e];
  if (len > p.len[q]) return false;
  for (let k = 0; k < w; k++) {
    const m = wordMask(len - 32 * k);
    if (((outAddr[e * w + k] ^ p.addr[q * w + k]) & m) >>> 0 !== 0) return false;
  }
  return true;
}
