// Address classes. Every prefix that some enabled rule can name (a literal, or a member of a set
// a rule uses) carries labels: the literal itself, or the set's name. An address's class is the
// set of labels of all prefixes containing it; the longest matching prefix in the address map
// stores that class, so one lookup answers for every rule at once. Rules never enter here: a rule
// change that adds no prefix leaves this map as it is.

import { wordMask } from '../ruleset/address';
import { CapacityError } from './bitmap';

export interface AddressEntries {
  /** IPv4: addr[i]/len[i] -> cls[i] */
  v4: { addr: Uint32Array; len: Uint8Array; cls: Uint32Array };
  /** IPv6: addr[4i..4i+3]/len[i] -> cls[i] */
  v6: { addr: Uint32Array; len: Uint8Array; cls: Uint32Array };
  /** class id -> sorted label ids; class 0 is the empty set (no prefix contains the address). */
  classLabels: number[][];
}

/** Labelled prefixes of one family, gathered before classes are computed. */
export interface LabelledPrefixes {
  /** words per prefix: 1 or 4 */
  width: 1 | 4;
  addr: number[];
  len: number[];
  label: number[];
}

export function newLabelled(width: 1 | 4): LabelledPrefixes {
  return { width, addr: [], len: [], label: [] };
}

class ClassTable {
  readonly classLabels: number[][] = [[]];
  private readonly memo = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** The class of (parent class's labels + own labels). */
  extend(parent: number, own: number[]): number {
    const key = `${parent}|${own.join(',')}`;
    let id = this.memo.get(key);
    if (id !== undefined) return id;
    const labels = [...new Set([...this.classLabels[parent], ...own])].sort((a, b) => a - b);
    const fullKey = `0|${labels.join(',')}`;
    id = this.memo.get(fullKey);
    if (id === undefined) {
      id = this.classLabels.length;
      if (id >= this.limit) throw new CapacityError(`address classes: more than ${this.limit}`);
      this.classLabels.push(labels);
      this.memo.set(fullKey, id);
    }
    this.memo.set(key, id);
    return id;
  }
}

/**
 * Computes the class of every labelled prefix. Prefixes are visited in address order, shorter
 * first, so the prefixes containing the current one are exactly the stack below it.
 */
export function computeAddressClasses(v4: LabelledPrefixes, v6: LabelledPrefixes, limit: number): AddressEntries {
  const table = new ClassTable(limit);
  return {
    v4: sweepFamily(v4, table),
    v6: sweepFamily(v6, table),
    classLabels: table.classLabels,
  };
}

function sweepFamily(input: LabelledPrefixes, table: ClassTable) {
  const n = input.len.length;
  const w = input.width;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => {
    for (let k = 0; k < w; k++) {
      const d = input.addr[a * w + k] - input.addr[b * w + k];
      if (d !== 0) return d;
    }
    return input.len[a] - input.len[b] || input.label[a] - input.label[b];
  });

  const outAddr: number[] = [];
  const outLen: number[] = [];
  const outCls: number[] = [];
  // The chain of entries containing the current prefix: indexes into out*.
  const stack: number[] = [];
  let i = 0;
  while (i < n) {
    const first = order[i];
    const own: number[] = [];
    let j = i;
    while (j < n && samePrefix(input, first, order[j])) {
      const label = input.label[order[j]];
      if (own[own.length - 1] !== label) own.push(label);
      j++;
    }
    while (stack.length > 0 && !contains(outAddr, outLen, stack[stack.length - 1], input, first)) stack.pop();
    const parentCls = stack.length > 0 ? outCls[stack[stack.length - 1]] : 0;
    const idx = outLen.length;
    for (let k = 0; k < w; k++) outAddr.push(input.addr[first * w + k]);
    outLen.push(input.len[first]);
    outCls.push(table.extend(parentCls, own));
    stack.push(idx);
    i = j;
  }
  return { addr: Uint32Array.from(outAddr), len: Uint8Array.from(outLen), cls: Uint32Array.from(outCls) };
}

function samePrefix(p: LabelledPrefixes, a: number, b: number): boolean {
  if (p.len[a] !== p.len[b]) return false;
  for (let k = 0; k < p.width; k++) if (p.addr[a * p.width + k] !== p.addr[b * p.width + k]) return false;
  return true;
}

/** Whether output entry `e` contains input prefix `q`. */
function contains(outAddr: number[], outLen: number[], e: number, p: LabelledPrefixes, q: number): boolean {
  const len = outLen[e];
  if (len > p.len[q]) return false;
  for (let k = 0; k < p.width; k++) {
    const m = wordMask(len - 32 * k);
    if (((outAddr[e * p.width + k] ^ p.addr[q * p.width + k]) & m) >>> 0 !== 0) return false;
  }
  return true;
}
