// Set members given as strings (inline arrays, REST bodies, lines of a feed file) -> PrefixList.
// Sets reach a million entries, so plain IPv4 text takes an allocation-free fast path and only
// the rest (IPv6, errors) goes through parsePrefix.

import { PrefixList, parsePrefix, scanIPv4Prefix } from './address';

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
  const parsed = parsePrefix(start === 0 && end === text.length ? text : text.slice(start, end));
  if (typeof parsed === 'string') return parsed;
  list.add(parsed);
  return null;
}

/** Parses an array of member strings; each bad one is reported with its index. */
export function parsePrefixStrings(items: readonly string[]): { list: PrefixList; errors: Array<{ index: number; message: string }> } {
  const list = new PrefixList();
  const errors: Array<{ index: number; message: string }> = [];
  for (let i = 0; i < items.length; i++) {
    const message = addPrefixText(list, items[i]);
    if (message !== null) errors.push({ index: i, message });
  }
  return { list, errors };
}
