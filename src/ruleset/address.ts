// IP addresses and CIDR prefixes: parsing, canonical text, and a compact list for big sets.
// Addresses are held as 32-bit words in network order (1 word for IPv4, 4 for IPv6), so a
// million-prefix set is a few typed arrays rather than a million objects.

export type Family = 4 | 6;

export interface Prefix {
  family: Family;
  /** Address words, most significant first: 1 for IPv4, 4 for IPv6. Host bits are zero. */
  words: number[];
  len: number;
}

/** Parses an IPv4 dotted quad into a u32, or returns null. */
export function parseIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const octet = Number(part);
    if (octet > 255) return null;
    value = value * 256 + octet;
  }
  return value >>> 0;
}

/**
 * Parses an IPv6 address (RFC 4291 text forms, including an embedded IPv4 tail) into 4 words.
 * Scans characters rather than splitting and matching: sets hold up to 250,000 of these.
 */
export function parseIPv6(text: string): number[] | null {
  const end = text.length;
  const groups = [0, 0, 0, 0, 0, 0, 0, 0];
  let n = 0; // groups read
  let gap = -1; // where "::" stands, in groups
  let i = 0;
  if (end >= 2 && text.charCodeAt(0) === COLON && text.charCodeAt(1) === COLON) {
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let j = i;
    for (; j < end && j - i <= 4; j++) {
      const digit = hexDigit(text.charCodeAt(j));
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    if (j < end && text.charCodeAt(j) === DOT) {
      // An IPv4 tail fills the last two groups and ends the address.
      const v4 = n <= 6 ? parseIPv4(text.slice(i)) : null;
      if (v4 === null) return null;
      groups[n++] = v4 >>> 16;
      groups[n++] = v4 & 0xffff;
      break;
    }
    if (j === i || j - i > 4 || n === 8) return null;
    groups[n++] = value;
    if (j === end) break;
    if (text.charCodeAt(j) !== COLON || j + 1 === end) return null;
    i = j + 1;
    if (text.charCodeAt(i) === COLON) {
      if (gap !== -1) return null;
      gap = n;
      i++;
    }
  }
  if (gap === -1 ? n !== 8 : n > 7) return null;
  if (gap !== -1) {
    // Move the groups after "::" to the end and zero the ones it stands for.
    const tail = n - gap;
    for (let k = 1; k <= tail; k++) groups[8 - k] = groups[n - k];
    for (let k = gap; k < 8 - tail; k++) groups[k] = 0;
  }
  return [
    (groups[0] * 0x10000 + groups[1]) >>> 0,
    (groups[2] * 0x10000 + groups[3]) >>> 0,
    (groups[4] * 0x10000 + groups[5]) >>> 0,
    (groups[6] * 0x10000 + groups[7]) >>> 0,
  ];
}

const COLON = 0x3a;
const DOT = 0x2e;

/** The value of a hexadecimal digit's character code, or -1. */
function hexDigit(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Fast path for big sets: scans `text[start, end)` as a plain IPv4 `a.b.c.d` or `a.b.c.d/len`
 * without allocating, and returns the prefix packed as `addr * 64 + len` (unpack with
 * Math.floor(key / 64) and key % 64).
 * Returns -1 for anything else, host bits included: callers then fall back to parsePrefix,
 * which handles IPv6 and words the error.
 */
export function scanIPv4Prefix(text: string, start = 0, end = text.length): number {
  let addr = 0;
  let i = start;
  for (let octet = 0; octet < 4; octet++) {
    if (octet > 0) {
      if (i >= end || text.charCodeAt(i) !== 0x2e /* . */) return -1;
      i++;
    }
    const value = scanDecimal(text, i, end);
    if (value < 0 || value > 255) return -1;
    i += decimalLength(value);
    addr = addr * 256 + value;
  }
  let len = 32;
  if (i < end) {
    if (text.charCodeAt(i) !== 0x2f /* / */) return -1;
    len = scanDecimal(text, i + 1, end);
    if (len < 0 || len > 32 || i + 1 + decimalLength(len) !== end) return -1;
    if (len < 32 && addr % 2 ** (32 - len) !== 0) return -1;
  } else if (i !== end) {
    return -1;
  }
  return addr * 64 + len;
}

/** A decimal of at most 3 digits without a leading zero at `text[i]`, or -1. */
function scanDecimal(text: string, i: number, end: number): number {
  let value = -1;
  for (let n = 0; i < end && n < 3; i++, n++) {
    const digit = text.charCodeAt(i) - 0x30;
    if (digit < 0 || digit > 9) break;
    if (value === 0) return -1; // "01": leading zeros read as octal elsewhere, so refuse them
    value = value < 0 ? digit : value * 10 + digit;
  }
  if (i < end) {
    const next = text.charCodeAt(i) - 0x30;
    if (next >= 0 && next <= 9) return -1; // a fourth digit
  }
  return value;
}

function decimalLength(value: number): number {
  return value < 10 ? 1 : value < 100 ? 2 : 3;
}

const SLASH = 0x2f;
/** scanIPv6Prefix's groups, reused: the scan allocates nothing. */
const SCAN_GROUPS = new Uint32Array(8);

/**
 * Fast path for big sets, the IPv6 counterpart of scanIPv4Prefix: scans `text[start, end)` as a
 * plain IPv6 address or `address/len` (groups of 1-4 hex digits, at most one `::`) into
 * `out[0..3]` without allocating, and returns the length.
 * Returns -1 for anything else, an embedded IPv4 tail and host bits included: callers then fall
 * back to parsePrefix, which handles those and words the error. Whatever this accepts,
 * parsePrefix accepts as the same prefix.
 */
export function scanIPv6Prefix(text: string, out: Uint32Array, start = 0, end = text.length): number {
  let addrEnd = end;
  for (let i = start; i < end; i++) {
    if (text.charCodeAt(i) === SLASH) {
      addrEnd = i;
      break;
    }
  }
  let len = 128;
  if (addrEnd < end) {
    len = scanDecimal(text, addrEnd + 1, end);
    if (len < 0 || len > 128 || addrEnd + 1 + decimalLength(len) !== end) return -1;
  }
  const g = SCAN_GROUPS;
  let n = 0; // groups read
  let gap = -1; // where "::" stands, in groups
  let i = start;
  if (addrEnd - start >= 2 && text.charCodeAt(start) === COLON && text.charCodeAt(start + 1) === COLON) {
    gap = 0;
    i = start + 2;
  }
  while (i < addrEnd) {
    let value = 0;
    let j = i;
    for (; j < addrEnd && j - i < 4; j++) {
      const digit = hexDigit(text.charCodeAt(j));
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    if (j === i || n === 8) return -1;
    if (j < addrEnd && hexDigit(text.charCodeAt(j)) >= 0) return -1; // a fifth digit
    g[n++] = value;
    if (j === addrEnd) break;
    // Anything but ':' here (an IPv4 tail's '.', junk) is left to parsePrefix.
    if (text.charCodeAt(j) !== COLON || j + 1 === addrEnd) return -1;
    i = j + 1;
    if (text.charCodeAt(i) === COLON) {
      if (gap !== -1) return -1;
      gap = n;
      i++;
    }
  }
  if (gap === -1 ? n !== 8 : n > 7) return -1;
  // Group x of the full address: before the gap as read, after it the last n - gap read, else 0.
  const tailFrom = gap === -1 ? 8 : 8 - (n - gap);
  for (let k = 0; k < 4; k++) {
    let word = 0;
    for (let h = 2 * k; h < 2 * k + 2; h++) {
      const group = gap === -1 || h < gap ? g[h] : h >= tailFrom ? g[h - (8 - n)] : 0;
      word = word * 0x10000 + group;
    }
    if ((word & ~wordMask(len - 32 * k)) >>> 0 !== 0) return -1; // host bits
    out[k] = word;
  }
  return len;
}

/** Mask of the first `bits` bits of a 32-bit word (bits in 0..32). */
export function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** Whether `words` has any bit set past the first `len` bits. */
export function hasHostBits(words: number[], len: number): boolean {
  for (let i = 0; i < words.length; i++) {
    const keep = wordMask(len - 32 * i);
    if (((words[i] & ~keep) >>> 0) !== 0) return true;
  }
  return false;
}

/**
 * Parses `IP` or `IP/LEN`. Returns the prefix, or an error message. A bare address is a host
 * prefix (/32 or /128); host bits past LEN are an error.
 */
export function parsePrefix(text: string): Prefix | string {
  if (typeof text !== 'string') return 'must be an IP address or CIDR';
  const slash = text.indexOf('/');
  const addrText = slash === -1 ? text : text.slice(0, slash);
  const v4 = parseIPv4(addrText);
  const v6 = v4 === null ? parseIPv6(addrText) : null;
  if (v4 === null && v6 === null) return `"${text}" is not an IP address or CIDR`;
  const family: Family = v4 !== null ? 4 : 6;
  const words = v4 !== null ? [v4] : (v6 as number[]);
  const maxLen = family === 4 ? 32 : 128;
  let len = maxLen;
  if (slash !== -1) {
    const lenText = text.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(lenText) || Number(lenText) > maxLen) {
      return `"${text}": prefix length must be 0..${maxLen}`;
    }
    len = Number(lenText);
  }
  if (hasHostBits(words, len)) return `"${text}" has host bits set (the network is ${formatPrefix({ family, words: words.map((w, i) => (w & wordMask(len - 32 * i)) >>> 0), len })})`;
  return { family, words, len };
}

export function formatIPv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

export function formatIPv6(words: ArrayLike<number>): string {
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) groups.push(words[i] >>> 16, words[i] & 0xffff);
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first one on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(':');
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Canonical text: `a.b.c.d/len` or compressed IPv6 `/len`, always with the length. */
export function formatPrefix(p: Prefix): string {
  return `${p.family === 4 ? formatIPv4(p.words[0]) : formatIPv6(p.words)}/${p.len}`;
}

/** Whether prefix `outer` contains prefix `inner` (same family, shorter or equal length). */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || outer.len > inner.len) return false;
  for (let i = 0; i < outer.words.length; i++) {
    const m = wordMask(outer.len - 32 * i);
    if (((outer.words[i] ^ inner.words[i]) & m) >>> 0 !== 0) return false;
  }
  return true;
}

/** Whether address words (full length) fall inside prefix `p`. */
export function addressInPrefix(p: Prefix, words: ArrayLike<number>): boolean {
  for (let i = 0; i < p.words.length; i++) {
    const m = wordMask(p.len - 32 * i);
    if (((p.words[i] ^ words[i]) & m) >>> 0 !== 0) return false;
  }
  return true;
}

/** What changed between two versions of a set: prefixes added, prefixes removed. */
export interface PrefixChanges {
  added: PrefixList;
  removed: PrefixList;
}

/** How a list was derived by withChanges: from which list (weakly held), and the exact changes. */
interface Derivation {
  origin: WeakRef<PrefixList>;
  originVersion: number;
  ownVersion: number;
  changes: PrefixChanges;
}

/**
 * A list of unique prefixes of both families, stored compactly. Duplicates (as prefixes:
 * `10.0.0.1` = `10.0.0.1/32`) are kept once.
 */
export class PrefixList {
  /** Bumped by every add or delete, so a reader can tell an in-place change. */
  private mutations = 0;
  private derivation: Derivation | null = null;

  private v4Addr: Uint32Array = new Uint32Array(16);
  private v4Len: Uint8Array = new Uint8Array(16);
  private v4Count = 0;
  private v6Addr: Uint32Array = new Uint32Array(64);
  private v6Len: Uint8Array = new Uint8Array(16);
  private v6Count = 0;
  // De-duplication: open-addressing hash tables of positions in the arrays (0 = empty, else
  // position + 1). A Set of numbers costs ~0.6 s per million keys above 2^31; this ~0.05 s.
  private v4Slots = new Int32Array(32);
  private v6Slots = new Int32Array(32); // the same for IPv6

  static of(prefixes: Iterable<Prefix>): PrefixList {
    const list = new PrefixList();
    for (const p of prefixes) list.add(p);
    return list;
  }

  /** Adds a prefix; returns false when it was already present. */
  add(p: Prefix): boolean {
    if (p.family === 4) return this.addV4(p.words[0], p.len);
    return this.addV6(p.words, p.len);
  }

  /** Adds an IPv6 prefix by its 4 words (no host bits); returns false when it was already present. */
  addV6(words: ArrayLike<number>, len: number): boolean {
    const slot = this.v6Slot(words, len);
    if (this.v6Slots[slot] !== 0) return false;
    this.v6Slots[slot] = this.v6Count + 1;
    if (this.v6Count === this.v6Len.length) {
      this.v6Addr = grow32(this.v6Addr, this.v6Count * 8);
      this.v6Len = grow8(this.v6Len, this.v6Count * 2);
    }
    const o = this.v6Count * 4;
    for (let k = 0; k < 4; k++) this.v6Addr[o + k] = words[k];
    this.v6Len[this.v6Count++] = len;
    this.mutations++;
    if (this.v6Count * 2 > this.v6Slots.length) this.rehashV6();
    return true;
  }

  /** Adds an IPv4 prefix by value (no host bits); returns false when it was already present. */
  addV4(addr: number, len: number): boolean {
    const slot = this.v4Slot(addr, len);
    if (this.v4Slots[slot] !== 0) return false;
    this.v4Slots[slot] = this.v4Count + 1;
    if (this.v4Count === this.v4Len.length) {
      this.v4Addr = grow32(this.v4Addr, this.v4Count * 2);
      this.v4Len = grow8(this.v4Len, this.v4Count * 2);
    }
    this.v4Addr[this.v4Count] = addr;
    this.v4Len[this.v4Count++] = len;
    this.mutations++;
    if (this.v4Count * 2 > this.v4Slots.length) this.rehashV4();
    return true;
  }

  /**
   * Makes room for `v4` more IPv4 and `v6` more IPv6 prefixes (plus a little headroom, so that a
   * patch of the copy still fits): a big set parsed whole then needs no growth steps and no
   * rehashes, each of which leaves the old arrays as garbage.
   */
  reserve(v4: number, v6: number): void {
    const room = (n: number) => Math.ceil(n * (1 + 1 / 16)) + 16;
    const n4 = this.v4Count + v4;
    if (n4 > this.v4Len.length) {
      this.v4Addr = grow32(this.v4Addr, room(n4));
      this.v4Len = grow8(this.v4Len, room(n4));
    }
    if (n4 * 2 > this.v4Slots.length) this.rehashV4(slotsFor(n4));
    const n6 = this.v6Count + v6;
    if (n6 > this.v6Len.length) {
      this.v6Addr = grow32(this.v6Addr, room(n6) * 4);
      this.v6Len = grow8(this.v6Len, room(n6));
    }
    if (n6 * 2 > this.v6Slots.length) this.rehashV6(slotsFor(n6));
  }

  /** The slot holding (addr, len), or the empty slot where it belongs (linear probing). */
  private v4Home(addr: number, len: number): number {
    return mix(addr ^ Math.imul(len, 0x9e3779b1)) & (this.v4Slots.length - 1);
  }

  private v4Slot(addr: number, len: number): number {
    const mask = this.v4Slots.length - 1;
    let slot = this.v4Home(addr, len);
    for (;;) {
      const at = this.v4Slots[slot];
      if (at === 0 || (this.v4Addr[at - 1] === addr && this.v4Len[at - 1] === len)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  /** Doubles the table (or makes it `size` slots, a power of two), keeping it at most half full. */
  private rehashV4(size = this.v4Slots.length * 2): void {
    this.v4Slots = new Int32Array(size);
    for (let i = 0; i < this.v4Count; i++) this.v4Slots[this.v4Slot(this.v4Addr[i], this.v4Len[i])] = i + 1;
  }

  private v6Home(words: ArrayLike<number>, len: number): number {
    return mix(mix(mix(mix(words[0] ^ Math.imul(len, 0x9e3779b1)) ^ words[1]) ^ words[2]) ^ words[3]) & (this.v6Slots.length - 1);
  }

  private v6Slot(words: ArrayLike<number>, len: number): number {
    const mask = this.v6Slots.length - 1;
    let slot = this.v6Home(words, len);
    for (;;) {
      const at = this.v6Slots[slot];
      if (at === 0) return slot;
      const o = (at - 1) * 4;
      const a = this.v6Addr;
      if (a[o] === words[0] && a[o + 1] === words[1] && a[o + 2] === words[2] && a[o + 3] === words[3] && this.v6Len[at - 1] === len) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private rehashV6(size = this.v6Slots.length * 2): void {
    this.v6Slots = new Int32Array(size);
    for (let i = 0; i < this.v6Count; i++) {
      this.v6Slots[this.v6Slot(this.v6Addr.subarray(i * 4, i * 4 + 4), this.v6Len[i])] = i + 1;
    }
  }

  /**
   * Removes a prefix; returns false when it was not there. The last member moves into its place
   * (members keep no particular order after a removal).
   */
  delete(p: Prefix): boolean {
    if (p.family === 4) return this.deleteV4(p.words[0], p.len);
    const slot = this.v6Slot(p.words, p.len);
    const at = this.v6Slots[slot];
    if (at === 0) return false;
    this.unslot(this.v6Slots, slot, (pos) => this.v6Home(this.v6Addr.subarray(pos * 4, pos * 4 + 4), this.v6Len[pos]));
    const last = --this.v6Count;
    if (at - 1 !== last) {
      const moved = this.v6Addr.subarray(last * 4, last * 4 + 4);
      this.v6Slots[this.v6Slot(moved, this.v6Len[last])] = at;
      this.v6Addr.copyWithin((at - 1) * 4, last * 4, last * 4 + 4);
      this.v6Len[at - 1] = this.v6Len[last];
    }
    this.mutations++;
    return true;
  }

  deleteV4(addr: number, len: number): boolean {
    const slot = this.v4Slot(addr, len);
    const at = this.v4Slots[slot];
    if (at === 0) return false;
    this.unslot(this.v4Slots, slot, (pos) => this.v4Home(this.v4Addr[pos], this.v4Len[pos]));
    const last = --this.v4Count;
    if (at - 1 !== last) {
      this.v4Slots[this.v4Slot(this.v4Addr[last], this.v4Len[last])] = at;
      this.v4Addr[at - 1] = this.v4Addr[last];
      this.v4Len[at - 1] = this.v4Len[last];
    }
    this.mutations++;
    return true;
  }

  /**
   * Empties `slot` of a linear-probing table without breaking later probe chains: entries after
   * it move back when their home slot allows (no tombstones, so the table never degrades).
   */
  private unslot(slots: Int32Array, slot: number, home: (pos: number) => number): void {
    const mask = slots.length - 1;
    let hole = slot;
    for (let j = (hole + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const h = home(slots[j] - 1);
      // j's entry may fill the hole unless its home lies cyclically in (hole, j].
      const between = hole <= j ? h > hole && h <= j : h > hole || h <= j;
      if (!between) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole] = 0;
  }

  /** An independent copy: typed arrays copied as they are, no re-hashing. */
  clone(): PrefixList {
    const c = new PrefixList();
    c.v4Addr = this.v4Addr.slice();
    c.v4Len = this.v4Len.slice();
    c.v4Count = this.v4Count;
    c.v6Addr = this.v6Addr.slice();
    c.v6Len = this.v6Len.slice();
    c.v6Count = this.v6Count;
    c.v4Slots = this.v4Slots.slice();
    c.v6Slots = this.v6Slots.slice();
    return c;
  }

  /**
   * A new list: this one minus `removed`, plus `added` (a prefix in both ends up present). This
   * list is unchanged. The result remembers the exact changes, so the compiler can update the
   * address tables by the difference instead of recomputing them (see changesSince).
   */
  withChanges(added: Iterable<Prefix>, removed: Iterable<Prefix>): PrefixList {
    const next = this.clone();
    const add = added instanceof PrefixList ? added : PrefixList.of(added);
    const changes: PrefixChanges = { added: new PrefixList(), removed: new PrefixList() };
    for (const p of removed) if (!add.has(p) && next.delete(p)) changes.removed.add(p);
    for (const p of add) if (next.add(p)) changes.added.add(p);
    next.derivation = { origin: new WeakRef(this), originVersion: this.mutations, ownVersion: next.mutations, changes };
    return next;
  }

  /**
   * The changes from `base` to this list, when this list was derived from it by withChanges (a
   * few steps at most) and neither was modified in place since; otherwise null.
   */
  changesSince(base: PrefixList, maxSteps = 8): PrefixChanges | null {
    const steps: PrefixChanges[] = [];
    let cur: PrefixList = this;
    while (cur !== base) {
      const d = cur.derivation;
      if (!d || steps.length === maxSteps || cur.mutations !== d.ownVersion) return null;
      const origin = d.origin.deref();
      if (!origin || origin.mutations !== d.originVersion) return null;
      steps.push(d.changes);
      cur = origin;
    }
    if (steps.length === 1) return steps[0];
    // Compose oldest first; each step's changes are exact, so an add cancels an earlier removal.
    const net: PrefixChanges = { added: new PrefixList(), removed: new PrefixList() };
    for (const step of steps.reverse()) {
      for (const p of step.removed) if (!net.added.delete(p)) net.removed.add(p);
      for (const p of step.added) if (!net.removed.delete(p)) net.added.add(p);
    }
    return net;
  }

  /** Counts every add and delete: the same list at the same version holds the same members. */
  get version(): number {
    return this.mutations;
  }

  hasV4(addr: number, len: number): boolean {
    return this.v4Slots[this.v4Slot(addr, len)] !== 0;
  }

  hasV6(words: ArrayLike<number>, len: number): boolean {
    return this.v6Slots[this.v6Slot(words, len)] !== 0;
  }

  has(p: Prefix): boolean {
    if (p.family === 4) return this.v4Slots[this.v4Slot(p.words[0], p.len)] !== 0;
    return this.v6Slots[this.v6Slot(p.words, p.len)] !== 0;
  }

  get size(): number { return this.v4Count + this.v6Count; }
  get countV4(): number { return this.v4Count; }
  get countV6(): number { return this.v6Count; }

  /** IPv4 prefixes as parallel arrays (views; do not keep across add()). */
  v4(): { addr: Uint32Array; len: Uint8Array } {
    return { addr: this.v4Addr.subarray(0, this.v4Count), len: this.v4Len.subarray(0, this.v4Count) };
  }

  /** IPv6 prefixes: 4 words per prefix in `addr`. */
  v6(): { addr: Uint32Array; len: Uint8Array } {
    return { addr: this.v6Addr.subarray(0, this.v6Count * 4), len: this.v6Len.subarray(0, this.v6Count) };
  }

  *[Symbol.iterator](): IterableIterator<Prefix> {
    for (let i = 0; i < this.v4Count; i++) yield { family: 4, words: [this.v4Addr[i]], len: this.v4Len[i] };
    for (let i = 0; i < this.v6Count; i++) {
      yield { family: 6, words: Array.from(this.v6Addr.subarray(i * 4, i * 4 + 4)), len: this.v6Len[i] };
    }
  }

  /** Canonical texts, IPv4 first, in insertion order (a delete moves the last member into the gap). */
  toStrings(): string[] {
    return Array.from(this, formatPrefix);
  }
}

/** murmur3's 32-bit finaliser: prefixes differ in few bits, so spread them over the low ones. */
function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A compact identity for a prefix, e.g. as a Map key. */
export function prefixKey(p: Prefix): string {
  return `${p.family}:${p.words.join(',')}/${p.len}`;
}

/** Hash slots for `n` members: the smallest power of two at least twice n. */
function slotsFor(n: number): number {
  let size = 32;
  while (size < n * 2) size *= 2;
  return size;
}

function grow32(a: Uint32Array, n: number): Uint32Array {
  const b = new Uint32Array(Math.max(n, 16));
  b.set(a);
  return b;
}

function grow8(a: Uint8Array, n: number): Uint8Array {
  const b = new Uint8Array(Math.max(n, 16));
  b.set(a);
  return b;
}
