// Incremental address classes: the entries of the previous compile plus label changes (a prefix
// gains or loses a label: set members added or removed, literals appearing or disappearing) give
// the new entries without recomputing a million classes. Only the changed prefixes and the
// entries inside them (contiguous after them in sorted order) get their class recomputed
// (address-recompute.ts); the rest is copied with typed-array copies. Also reports the root cells
// whose content changes, so the data plane rewrites only those.

import { AddressEntries, FamilyEntries, nextAddressVersion } from './address-classes';
import { ClassResolver } from './class-table';
import { OwnLabelSets } from './own-labels';
import type { EntriesPool } from './entries-pool';
import { compareEntry, lowerBound } from './entry-search';
import { Edit, NO_CLASS, addCells, recomputeInside } from './address-recompute';

/** Label changes of one family: prefix i gains (sign 1) or loses (sign -1) label[i]. */
export class LabelChanges {
  readonly addr: number[] = [];
  readonly len: number[] = [];
  readonly label: number[] = [];
  readonly sign: number[] = [];

  constructor(readonly width: 1 | 4) {}

  get size(): number {
    return this.len.length;
  }

  push(words: ArrayLike<number>, at: number, len: number, label: number, sign: 1 | -1): void {
    for (let k = 0; k < this.width; k++) this.addr.push(words[at + k]);
    this.len.push(len);
    this.label.push(label);
    this.sign.push(sign);
  }
}

const EMPTY_RANGES = new Uint32Array(0);

export function updateAddressClasses(prev: AddressEntries, changes: { v4: LabelChanges; v6: LabelChanges }, pool: EntriesPool | null = null): AddressEntries {
  const table = prev.classes.fork();
  const resolver = new ClassResolver(table, (code) => prev.ownSets.labels(code));
  const v4 = updateFamily(prev.v4, changes.v4, resolver, prev.ownSets, pool);
  const v6 = updateFamily(prev.v6, changes.v6, resolver, prev.ownSets, pool);
  table.seal();
  return {
    v4: v4.entries,
    v6: v6.entries,
    classLabels: table.labels,
    classes: table,
    ownSets: prev.ownSets,
    version: nextAddressVersion(),
    delta: { base: prev.version, v4: v4.dirty, v6: v6.dirty },
  };
}

function updateFamily(prev: FamilyEntries, ch: LabelChanges, resolver: ClassResolver, owns: OwnLabelSets, pool: EntriesPool | null): { entries: FamilyEntries; dirty: Uint32Array } {
  if (ch.size === 0) return { entries: prev, dirty: EMPTY_RANGES };
  const edits = findEdits(prev, ch, owns);
  if (edits.length === 0) return { entries: prev, dirty: EMPTY_RANGES };
  const next = merge(prev, ch, edits, resolver, pool);
  const dirty = recomputeInside(next, ch, edits, resolver);
  return { entries: next, dirty };
}

/** Changes grouped by prefix, netted per label, located among the previous entries. */
function findEdits(prev: FamilyEntries, ch: LabelChanges, owns: OwnLabelSets): Edit[] {
  const w = ch.width;
  const order = Array.from({ length: ch.size }, (_, i) => i);
  order.sort((x, y) => {
    for (let k = 0; k < w; k++) {
      const d = ch.addr[x * w + k] - ch.addr[y * w + k];
      if (d !== 0) return d;
    }
    return ch.len[x] - ch.len[y];
  });
  const edits: Edit[] = [];
  const net = new Map<number, number>();
  for (let g = 0; g < order.length; ) {
    const first = order[g];
    net.clear();
    let h = g;
    for (; h < order.length && sameChangePrefix(ch, first, order[h]); h++) {
      const c = order[h];
      net.set(ch.label[c], (net.get(ch.label[c]) ?? 0) + ch.sign[c]);
    }
    const count = h - g;
    g = h;
    const pos = lowerBound(prev, w, ch.addr, first * w, ch.len[first]);
    const found = pos < prev.len.length && compareEntry(prev, w, pos, ch.addr, first * w, ch.len[first]) === 0;
    if (count === 1) {
      // One change (most patches): a member added where no prefix was, or a sole label removed.
      const sign = ch.sign[first];
      const label = ch.label[first];
      if (!found && sign > 0) edits.push({ change: first, pos, found, own: label, at: -1, was: NO_CLASS });
      else if (found && sign < 0 && prev.own[pos] === label) edits.push({ change: first, pos, found, own: -1, at: -1, was: prev.cls[pos] });
      if (!found || prev.own[pos] === label) continue;
    }
    const labels = new Set(found ? owns.labels(prev.own[pos]) : []);
    for (const [label, d] of net) {
      if (d > 0) labels.add(label);
      else if (d < 0) labels.delete(label);
    }
    const own = labels.size === 0 ? -1 : owns.code([...labels].sort((a, b) => a - b));
    if (found ? own === prev.own[pos] : own === -1) continue;
    edits.push({ change: first, pos, found, own, at: -1, was: found ? prev.cls[pos] : NO_CLASS });
  }
  return edits;
}

function sameChangePrefix(ch: LabelChanges, a: number, b: number): boolean {
  if (ch.len[a] !== ch.len[b]) return false;
  for (let k = 0; k < ch.width; k++) if (ch.addr[a * ch.width + k] !== ch.addr[b * ch.width + k]) return false;
  return true;
}

/** The new entries: previous ones copied in runs, edits applied (new entries have no class yet). */
function merge(prev: FamilyEntries, ch: LabelChanges, edits: Edit[], resolver: ClassResolver, pool: EntriesPool | null): FamilyEntries {
  const w = ch.width;
  let size = prev.len.length;
  for (const e of edits) size += e.found ? (e.own < 0 ? -1 : 0) : 1;
  const arrays = pool ? pool.take(w, size) : { addr: new Uint32Array(size * w), len: new Uint8Array(size), cls: new Uint32Array(size), own: new Uint32Array(size) };
  const next: FamilyEntries = { ...arrays, lenCount: prev.lenCount.slice() };
  let src = 0;
  let dst = 0;
  const copyUpTo = (end: number) => {
    if (end <= src) return;
    next.addr.set(prev.addr.subarray(src * w, end * w), dst * w);
    next.len.set(prev.len.subarray(src, end), dst);
    next.cls.set(prev.cls.subarray(src, end), dst);
    next.own.set(prev.own.subarray(src, end), dst);
    dst += end - src;
    src = end;
  };
  for (const e of edits) {
    copyUpTo(e.pos);
    e.at = dst;
    if (e.found && e.own < 0) {
      resolver.table.release(prev.cls[src]);
      next.lenCount[prev.len[src]]--;
      src++;
    } else if (e.found) {
      copyUpTo(src + 1);
      next.own[dst - 1] = e.own;
    } else {
      for (let k = 0; k < w; k++) next.addr[dst * w + k] = ch.addr[e.change * w + k];
      next.len[dst] = ch.len[e.change];
      next.cls[dst] = NO_CLASS;
      next.own[dst] = e.own;
      next.lenCount[ch.len[e.change]]++;
      dst++;
    }
  }
  copyUpTo(prev.len.length);
  return next;
}

export { addCells };
