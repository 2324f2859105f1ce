// The changes between two prefix lists that share no history (a set replaced, or re-parsed from
// its JSON). Lists parsed from the same text keep its order, so a walk over both in step finds
// the differences with few hash probes; lists in another order fall back to two hash probes per
// member (0.3-0.5 s for a million).

import { PrefixChanges, PrefixList } from './address';

type Family = { addr: Uint32Array; len: Uint8Array };

/** The changes from `from` to `to`, or null as soon as there are more than `limit` of them. */
export function diffPrefixLists(from: PrefixList, to: PrefixList, limit = Infinity): PrefixChanges | null {
  if (Math.abs(from.countV4 - to.countV4) + Math.abs(from.countV6 - to.countV6) > limit) return null;
  const changes: PrefixChanges = { added: new PrefixList(), removed: new PrefixList() };
  const over = () => changes.added.size + changes.removed.size > limit;
  for (const width of [1, 4] as const) {
    const a = width === 1 ? from.v4() : from.v6();
    const b = width === 1 ? to.v4() : to.v6();
    const inTo = (f: Family, i: number) => (width === 1 ? to.hasV4(f.addr[i], f.len[i]) : to.hasV6(f.addr.subarray(i * 4, i * 4 + 4), f.len[i]));
    const inFrom = (f: Family, i: number) => (width === 1 ? from.hasV4(f.addr[i], f.len[i]) : from.hasV6(f.addr.subarray(i * 4, i * 4 + 4), f.len[i]));
    const put = (into: PrefixList, f: Family, i: number) => {
      if (width === 1) into.addV4(f.addr[i], f.len[i]);
      else into.add({ family: 6, words: Array.from(f.addr.subarray(i * 4, i * 4 + 4)), len: f.len[i] });
    };
    const aligned = walkInStep(a, b, width, (i) => inTo(a, i), (j) => inFrom(b, j), (i) => put(changes.removed, a, i), (j) => put(changes.added, b, j), over);
    if (aligned === null) return null;
    if (aligned) continue;
    // Another order: every member looked up on the other side.
    const mark = changes.added.size + changes.removed.size;
    if (mark > 0) return diffByLookup(from, to, limit);
    for (let j = 0; j < b.len.length; j++) if (!inFrom(b, j) && (put(changes.added, b, j), over())) return null;
    for (let i = 0; i < a.len.length; i++) if (!inTo(a, i) && (put(changes.removed, a, i), over())) return null;
  }
  return changes;
}

/**
 * Walks both lists in step: equal members pass, a member missing on the other side is a change.
 * False when both current members exist on the other side elsewhere (another order); null when
 * over the limit.
 */
function walkInStep(a: Family, b: Family, width: number, aInB: (i: number) => boolean, bInA: (j: number) => boolean, removed: (i: number) => void, added: (j: number) => void, over: () => boolean): boolean | null {
  const na = a.len.length;
  const nb = b.len.length;
  let i = 0;
  let j = 0;
  while (i < na || j < nb) {
    if (i < na && j < nb && same(a, i, b, j, width)) {
      i++;
      j++;
    } else if (i < na && !aInB(i)) {
      removed(i++);
      if (over()) return null;
    } else if (j < nb && !bInA(j)) {
      added(j++);
      if (over()) return null;
    } else {
      return false;
    }
  }
  return true;
}

function same(a: Family, i: number, b: Family, j: number, width: number): boolean {
  if (a.len[i] !== b.len[j]) return false;
  for (let k = 0; k < width; k++) if (a.addr[i * width + k] !== b.addr[j * width + k]) return false;
  return true;
}

/** Both families by lookups only. */
function diffByLookup(from: PrefixList, to: PrefixList, limit: number): PrefixChanges | null {
  const changes: PrefixChanges = { added: new PrefixList(), removed: new PrefixList() };
  const collect = (x: PrefixList, y: PrefixList, into: PrefixList): boolean => {
    const v4 = x.v4();
    for (let i = 0; i < v4.len.length; i++) {
      if (!y.hasV4(v4.addr[i], v4.len[i]) && (into.addV4(v4.addr[i], v4.len[i]), changes.added.size + changes.removed.size > limit)) return false;
    }
    const v6 = x.v6();
    for (let i = 0; i < v6.len.length; i++) {
      const words = v6.addr.subarray(i * 4, i * 4 + 4);
      if (!y.hasV6(words, v6.len[i]) && (into.add({ family: 6, words: Array.from(words), len: v6.len[i] }), changes.added.size + changes.removed.size > limit)) return false;
    }
    return true;
  };
  return collect(to, from, changes.added) && collect(from, to, changes.removed) ? changes : null;
}
