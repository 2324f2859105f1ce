// Binary searches over address entries sorted by (address, length): `width` words per address
// (1 for IPv4, 4 for IPv6). A prefix's descendants follow it contiguously in this order.

import { wordMask } from '../ruleset/address';

export interface SortedEntries {
  addr: Uint32Array;
  len: Uint8Array;
}

/** Entry i against prefix (words[at..at+width), len): negative, 0 or positive. */
export function compareEntry(e: SortedEntries, width: number, i: number, words: ArrayLike<number>, at: number, len: number): number {
  for (let k = 0; k < width; k++) {
    const d = e.addr[i * width + k] - words[at + k];
    if (d !== 0) return d;
  }
  return e.len[i] - len;
}

/** The first entry in [lo, hi) not before the prefix. */
export function lowerBound(e: SortedEntries, width: number, words: ArrayLike<number>, at: number, len: number, lo = 0, hi = e.len.length): number {
  if (width === 1) return lowerBound4(e.addr, e.len, words[at], len, lo, hi);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEntry(e, width, mid, words, at, len) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** IPv4 (one word): the same without the per-word loop, as searches run per change and per cell. */
function lowerBound4(addr: Uint32Array, lens: Uint8Array, a: number, len: number, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x = addr[mid];
    if (x < a || (x === a && lens[mid] < len)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the entry equal to the prefix, or -1. */
export function findEntry(e: SortedEntries, width: number, words: ArrayLike<number>, at: number, len: number, hi = e.len.length): number {
  const i = lowerBound(e, width, words, at, len, 0, hi);
  return i < hi && compareEntry(e, width, i, words, at, len) === 0 ? i : -1;
}

/** The first entry in [lo, hi) whose address is above `words` (lengths ignored). */
export function addressUpperBound(e: SortedEntries, width: number, words: ArrayLike<number>, lo = 0, hi = e.len.length): number {
  if (width === 1) {
    const a = words[0];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e.addr[mid] <= a) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    let d = 0;
    for (let k = 0; k < width && d === 0; k++) d = e.addr[mid * width + k] - words[k];
    if (d <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Whether prefix (a, alen) contains prefix (b, blen); both as words at offsets. */
export function prefixContainsWords(a: ArrayLike<number>, ao: number, alen: number, b: ArrayLike<number>, bo: number, blen: number, width: number): boolean {
  if (alen > blen) return false;
  for (let k = 0; k < width; k++) {
    const m = wordMask(alen - 32 * k);
    if (m === 0) break;
    if (((a[ao + k] ^ b[bo + k]) & m) !== 0) return false;
  }
  return true;
}

/** The prefix's words masked to `len` bits. */
export function maskedWords(words: ArrayLike<number>, at: number, len: number, width: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < width; k++) out.push((words[at + k] & wordMask(len - 32 * k)) >>> 0);
  return out;
}

/** The last address of the prefix (host bits all set). */
export function lastAddress(words: ArrayLike<number>, at: number, len: number, width: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < width; k++) out.push((words[at + k] | ~wordMask(len - 32 * k)) >>> 0);
  return out;
}

/**
 * The nearest entry strictly containing the prefix (the longest shorter one), or -1: one exact
 * search per prefix length present (lenCount), longest first.
 */
export function nearestAncestor(e: SortedEntries, width: number, lenCount: Int32Array, words: ArrayLike<number>, at: number, len: number, hi = e.len.length): number {
  if (width === 1) {
    for (let l = len - 1; l >= 0; l--) {
      if (lenCount[l] === 0) continue;
      const a = l === 0 ? 0 : (words[at] & (0xffffffff << (32 - l))) >>> 0;
      const i = lowerBound4(e.addr, e.len, a, l, 0, hi);
      if (i < hi && e.addr[i] === a && e.len[i] === l) return i;
    }
    return -1;
  }
  for (let l = len - 1; l >= 0; l--) {
    if (lenCount[l] === 0) continue;
    const i = findEntry(e, width, maskedWords(words, at, l, width), 0, l, hi);
    if (i >= 0) return i;
  }
  return -1;
}

/**
 * Entries of length <= maxLen containing the address (`width` words), longest first, as far as
 * `enough(i)` is false (the caller needs no shorter ones once an entry covers what it paints).
 */
export function containingEntries(e: SortedEntries, width: number, lenCount: Int32Array, words: ArrayLike<number>, maxLen: number, enough: (i: number) => boolean = () => false): number[] {
  const out: number[] = [];
  for (let l = maxLen; l >= 0; l--) {
    if (lenCount[l] === 0) continue;
    let i: number;
    if (width === 1) {
      const a = l === 0 ? 0 : (words[0] & (0xffffffff << (32 - l))) >>> 0;
      i = lowerBound4(e.addr, e.len, a, l, 0, e.len.length);
      if (i >= e.len.length || e.addr[i] !== a || e.len[i] !== l) i = -1;
    } else {
      i = findEntry(e, width, maskedWords(words, 0, l, width), 0, l);
    }
    if (i >= 0) {
      out.push(i);
      if (enough(i)) break;
    }
  }
  return out;
}
