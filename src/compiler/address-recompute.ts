// After the edits of an incremental compile are merged in: the classes of the changed prefixes and
// of what lies inside them, and the root cells whose content changes. Classes follow the
// containment chain, so an entry whose class comes out as it was (and holds no edit) keeps its
// whole subtree: it is skipped. A prefix of up to 24 bits paints only the root cells that no
// longer prefix inside it paints (its gaps): only those are dirty when its class changes, not its
// whole range (a /8 removed from a set that holds its /9s too changes no cell at all).

import type { FamilyEntries } from './address-classes';
import type { ClassResolver } from './class-table';
import type { LabelChanges } from './address-delta';
import { addressUpperBound, compareEntry, lastAddress, nearestAncestor, prefixContainsWords } from './entry-search';
import { ROOT_BITS } from '../dataplane/layout';

/** A changed prefix: where it is (or would be) among the previous entries, and its new own labels. */
export interface Edit {
  /** index of one of its changes (for its words and length) */
  change: number;
  /** lower bound among the previous entries */
  pos: number;
  found: boolean;
  /** own-label code, or -1 when no label is left (the entry goes) */
  own: number;
  /** its index among the new entries (or where it would be) */
  at: number;
  /** its class before (found ones) */
  was: number;
}

export const NO_CLASS = 0xffffffff;
const ROOT = ROOT_BITS;

/** A prefix of up to 24 bits on the walk: its root cells, and the first one not yet accounted for. */
interface Frame {
  end: number;
  cursor: number;
  /** its painted class changed (or it came or went): its gaps are dirty */
  changed: boolean;
}

/** Dirty root cells as sorted [start, end) pairs, appended in increasing order. */
class Cells {
  readonly ranges: number[] = [];

  add(start: number, end: number): void {
    if (end <= start) return;
    const r = this.ranges;
    const n = r.length;
    if (n > 0 && start <= r[n - 1]) r[n - 1] = Math.max(r[n - 1], end);
    else r.push(start, end);
  }
}

const cellOf = (word0: number) => word0 >>> (32 - ROOT);
const span = (len: number) => (len <= ROOT ? 2 ** (ROOT - len) : 1);

/**
 * Recomputes the classes inside the outermost changed prefixes (their ranges hold the others) and
 * returns the root cells whose painted class or longer entries changed.
 *
 * A change that leaves the class at the prefix as it was (a member added inside a prefix of the
 * same set, or removed from one) changes nothing inside it: only the prefix's own entry is set,
 * and when it is 24 bits or shorter the root paints the same classes, so no cell is dirty.
 */
export function recomputeInside(next: FamilyEntries, ch: LabelChanges, edits: Edit[], resolver: ClassResolver): Uint32Array {
  const w = ch.width;
  const cells = new Cells();
  const frames: Frame[] = [];
  const classes: number[] = [];
  /** Closes the frames that do not hold root cell `cell` (all with -1), adding their gaps. */
  const leave = (cell: number) => {
    while (frames.length > 0 && !(cell >= 0 && cell < frames[frames.length - 1].end)) {
      const f = frames.pop() as Frame;
      if (f.changed) cells.add(f.cursor, f.end);
    }
  };
  /** A prefix of up to 24 bits starts: its parent's gap before it is accounted for. */
  const enter = (first: number, len: number, changed: boolean) => {
    const parent = frames[frames.length - 1];
    const end = first + span(len);
    if (parent) {
      if (parent.changed) cells.add(parent.cursor, first);
      parent.cursor = end;
    }
    frames.push({ end, cursor: first, changed });
  };
  /** A longer prefix changed: its cell, unless the frame around it repaints that anyway. */
  const longer = (word0: number) => {
    const f = frames[frames.length - 1];
    if (!f?.changed) cells.add(cellOf(word0), cellOf(word0) + 1);
  };

  /** A prefix inside the walk that went: a frame of its own, or its cell. */
  const gone = (r: Edit) => {
    const word0 = ch.addr[r.change * w];
    leave(cellOf(word0));
    if (ch.len[r.change] <= ROOT) enter(cellOf(word0), ch.len[r.change], true);
    else longer(word0);
  };

  let k = 0;
  while (k < edits.length) {
    const e = edits[k++];
    const at = e.change * w;
    const len = ch.len[e.change];
    const ancestor = nearestAncestor(next, w, next.lenCount, ch.addr, at, len, e.at);
    const base = ancestor < 0 ? 0 : next.cls[ancestor];
    const after = e.own >= 0 ? resolver.classOf(base, e.own) : base;
    if (after === (e.found ? e.was : base)) {
      if (e.own >= 0 && !e.found) {
        resolver.table.retain(after);
        next.cls[e.at] = after;
      }
      if (len > ROOT) cells.add(cellOf(ch.addr[at]), cellOf(ch.addr[at]) + 1);
      continue;
    }
    // Walk the prefix's range. A prefix that went is a frame of its own (its cells go to what is
    // around or inside it); one that stays is the walk's first entry.
    const end = len === w * 32 ? e.at + (e.own >= 0 ? 1 : 0) : addressUpperBound(next, w, lastAddress(ch.addr, at, len, w), e.at);
    if (e.own < 0) {
      if (len <= ROOT) enter(cellOf(ch.addr[at]), len, true);
      else cells.add(cellOf(ch.addr[at]), cellOf(ch.addr[at]) + 1);
    }
    classes.length = 0;
    for (let i = e.at; i < end; i++) {
      // Edits inside that went (they have no entry), before the first entry after them; then
      // this entry's own edit: edits[k] comes after entry i.
      for (; k < edits.length && compareEntry(next, w, i, ch.addr, edits[k].change * w, ch.len[edits[k].change]) >= 0; k++) if (edits[k].own < 0) gone(edits[k]);
      while (classes.length > 0 && !prefixContainsWords(next.addr, classes[classes.length - 1] * w, next.len[classes[classes.length - 1]], next.addr, i * w, next.len[i], w)) classes.pop();
      const word0 = next.addr[i * w];
      leave(cellOf(word0));
      const cls = resolver.classOf(classes.length > 0 ? next.cls[classes[classes.length - 1]] : base, next.own[i]);
      const old = next.cls[i];
      resolver.table.retain(cls);
      if (old !== NO_CLASS) resolver.table.release(old);
      next.cls[i] = cls;
      classes.push(i);
      const changed = cls !== old;
      if (next.len[i] <= ROOT) enter(cellOf(word0), next.len[i], changed);
      else if (changed) longer(word0);
      // The same class and no edit inside: everything inside is as it was.
      const full = next.len[i] === w * 32;
      if (!changed && !full && !(k < edits.length && prefixContainsWords(next.addr, i * w, next.len[i], ch.addr, edits[k].change * w, ch.len[edits[k].change], w))) {
        i = addressUpperBound(next, w, lastAddress(next.addr, i * w, next.len[i], w), i + 1, end) - 1;
      }
    }
    // Edits inside that went, after the last entry of the range.
    for (; k < edits.length && prefixContainsWords(ch.addr, at, len, ch.addr, edits[k].change * w, ch.len[edits[k].change], w); k++) gone(edits[k]);
    leave(-1);
  }
  return Uint32Array.from(cells.ranges);
}

/** Appends the root cells of a prefix (its first word, length) to sorted [start, end) pairs. */
export function addCells(ranges: number[], word0: number, len: number): void {
  const start = cellOf(word0);
  const end = start + span(len);
  const n = ranges.length;
  if (n > 0 && start <= ranges[n - 1]) ranges[n - 1] = Math.max(ranges[n - 1], end);
  else ranges.push(start, end);
}
