// Set members given as strings (inline arrays, REST bodies, lines of a feed file) -> PrefixList.
// Sets reach a million entries, so plain IPv4 and IPv6 text take allocation-free fast paths and
// only the rest (IPv6 with an IPv4 tail, errors) goes through parsePrefix. (parsePrefix costs a
// few short-lived arrays and strings per member: ~100 MB of garbage for 250,000 IPv6 members.)

import { PrefixList, parsePrefix, scanIPv4Prefix, scanIPv6Prefix } from './address';

/** scanIPv6Prefix's output, reused. */
const WORDS = new Uint32Array(4);

/**
 * Adds the prefix written in `text[start, end)` to `list`. Returns null, or the error message
 * of parsePrefix for text that is not an IP address or CIDR without host bits.
 */
export function addPrefixText(list: PrefixList, text: string, start = 0, end = text.length): string | null {
  const key = scanIPv4Prefix(text, start, end);
  if (key >= 0) {
    list.addV4(Math.floor(key / 64), key % 64);
    return null;
  }
  const len = scanIPv6Prefix(text, WORDS, start, end);
  if (len >= 0) {
    list.addV6(WORDS, len);
    return null;
  }
  const parsed = parsePrefix(start === 0 && end === text.length ? text : text.slice(start, end));
  if (typeof parsed === 'string') return parsed;
  list.add(parsed);
  return null;
}

/** From this many members a list is sized once up front rather than grown by doubling. */
const RESERVE_FROM = 4096;

/** Parses an array of member strings; each bad one is reported with its index. */
export function parsePrefixStrings(items: readonly string[]): { list: PrefixList; errors: Array<{ index: number; message: string }> } {
  const list = new PrefixList();
  if (items.length >= RESERVE_FROM) {
    let v6 = 0;
    for (let i = 0; i < items.length; i++) if (typeof items[i] === 'string' && items[i].includes(':')) v6++;
    list.reserve(items.length - v6, v6);
  }
  const errors: Array<{ index: number; message: string }> = [];
  for (let i = 0; i < items.length; i++) {
    const message = addPrefixText(list, items[i]);
    if (message !== null) errors.push({ index: i, message });
  }
  return { list, errors };
}
