// One rule field at a time: schema-valid JSON -> normalised value, plus the issues the schema
// cannot express (port ranges, flag names, addresses, set references).

import type { Family } from './address';
import { PrefixList } from './address';
import type { AddrField, OneOrMany, PortRange, ValidationIssue } from './model';
import { PROTO_NUMBERS, TCP_FLAG_BITS } from './model';
import { pointerJoin } from './pointer';
import { addPrefixText } from './set-elements';
import { didYouMean } from './suggest';

export interface FieldResult<T> {
  value: T;
  issues: ValidationIssue[];
}

/** Entries of a one-or-many field with their pointers: the field's own for a single value. */
export function entriesOf<T>(value: OneOrMany<T>, path: string): Array<{ item: T; path: string }> {
  if (!Array.isArray(value)) return [{ item: value, path }];
  return value.map((item, i) => ({ item, path: pointerJoin(path, i) }));
}

const PROTO_NAMES = new Map(Object.entries(PROTO_NUMBERS).map(([name, num]) => [num, name]));

/** Protocol names -> numbers, sorted and unique (`"tcp"` and `6` are one protocol). */
export function protoNumbers(value: OneOrMany<string | number>): number[] {
  const nums = entriesOf(value, '').map(({ item }) => (typeof item === 'number' ? item : PROTO_NUMBERS[item]));
  return sortedUnique(nums);
}

/** `tcp`, `udp, 99`: how messages name protocol numbers. */
export function protoText(nums: readonly number[]): string {
  return nums.map((n) => PROTO_NAMES.get(n) ?? String(n)).join(', ');
}

export function sortedUnique(nums: readonly number[]): number[] {
  return [...new Set(nums)].sort((a, b) => a - b);
}

/** Ports and `"lo-hi"` ranges -> sorted ranges, overlapping and adjacent ones merged. */
export function parsePorts(value: OneOrMany<number | string>, path: string): FieldResult<PortRange[]> {
  const issues: ValidationIssue[] = [];
  const ranges: PortRange[] = [];
  for (const { item, path: at } of entriesOf(value, path)) {
    if (typeof item === 'number') {
      ranges.push({ lo: item, hi: item });
      continue;
    }
    // The schema checked the form `digits-digits`; the bounds are checked here.
    const [lo, hi] = item.split('-').map(Number);
    if (lo > 65535 || hi > 65535) issues.push({ path: at, message: `range "${item}": must be <= 65535` });
    else if (lo > hi) issues.push({ path: at, message: `range "${item}": low end is above high end` });
    else ranges.push({ lo, hi });
  }
  return { value: mergeRanges(ranges), issues };
}

function mergeRanges(ranges: PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.lo - b.lo);
  const out: PortRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.lo <= last.hi + 1) last.hi = Math.max(last.hi, r.hi);
    else out.push({ ...r });
  }
  return out;
}

/** `"syn,!ack"` -> bits that must be set and bits that must be clear. */
export function parseTcpFlags(text: string, path: string): FieldResult<{ set: number; clear: number }> {
  const issues: ValidationIssue[] = [];
  let set = 0;
  let clear = 0;
  for (const word of text.split(',')) {
    const negated = word.startsWith('!');
    const name = negated ? word.slice(1) : word;
    const bit = Object.prototype.hasOwnProperty.call(TCP_FLAG_BITS, name) ? TCP_FLAG_BITS[name] : undefined;
    if (bit === undefined) {
      const known = Object.keys(TCP_FLAG_BITS);
      issues.push({ path, message: `unknown TCP flag "${name}"${didYouMean(name, known) || ` (flags: ${known.join(', ')})`}` });
    } else if (negated) {
      clear |= bit;
    } else {
      set |= bit;
    }
  }
  for (const [name, bit] of Object.entries(TCP_FLAG_BITS)) {
    if (set & clear & bit) issues.push({ path, message: `flag "${name}" is both required and negated` });
  }
  return { value: { set, clear }, issues };
}

/** `icmp_type`/`icmp_code` -> sorted unique values (the schema bounded them to 0..255). */
export function uint8List(value: OneOrMany<number>): number[] {
  return sortedUnique(Array.isArray(value) ? value : [value]);
}

/** Interface names, unique, in the order given; names not in `known` (when given) are errors. */
export function parseIfaces(value: OneOrMany<string>, path: string, known: readonly string[] | undefined): FieldResult<string[]> {
  const issues: ValidationIssue[] = [];
  const names: string[] = [];
  for (const { item, path: at } of entriesOf(value, path)) {
    if (known && !known.includes(item)) {
      issues.push({ path: at, message: `not attached: ${item} (attached: ${known.length ? known.join(', ') : 'none'})` });
    }
    if (!names.includes(item)) names.push(item);
  }
  return { value: names, issues };
}

/** `src`/`dst`: literal prefixes and `@set` references (which must name a set of the ruleset). */
export function parseAddrField(value: OneOrMany<string>, path: string, knownSets: ReadonlySet<string>): FieldResult<AddrField> {
  const issues: ValidationIssue[] = [];
  const prefixes = new PrefixList();
  const sets: string[] = [];
  for (const { item, path: at } of entriesOf(value, path)) {
    if (item.startsWith('@')) {
      const name = item.slice(1);
      if (!knownSets.has(name)) {
        const near = [...knownSets].map((n) => `@${n}`);
        issues.push({ path: at, message: `unknown set "${item}"${didYouMean(item, near)}` });
      } else if (!sets.includes(name)) {
        sets.push(name);
      }
      continue;
    }
    const message = addPrefixText(prefixes, item);
    if (message !== null) issues.push({ path: at, message });
  }
  return { value: { prefixes, sets }, issues };
}

/** Families an address field can match: a `@set` counts as both (its members change). */
export function addrFamilies(field: AddrField | null): Set<Family> {
  if (field === null || field.sets.length > 0) return new Set<Family>([4, 6]);
  const out = new Set<Family>();
  if (field.prefixes.countV4 > 0) out.add(4);
  if (field.prefixes.countV6 > 0) out.add(6);
  return out;
}
