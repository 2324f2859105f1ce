// Ruleset -> the contents of the data path's tables. Pure: no kernel, no I/O.

import { Action, IPPROTO, LIMITS, Rule, Ruleset } from '../ruleset/model';
import {
  FLAGS_CLASSES,
  FLAGS_VALUES,
  Frag,
  IFACE_CLASSES,
  L3_CLASSES,
  L3_VALUES,
  L4_CLASSES,
  L4_VALUES,
  MAX_RULES,
} from '../dataplane/layout';
import { AddressEntries } from './address-classes';
import { AddressInputs, compileAddresses } from './compile-addresses';
import type { EntriesPool } from './entries-pool';
import { CapacityError, RuleBitmap, clearBit, emptyBitmap, setBit } from './bitmap';
import { assignSlots } from './slots';
import { ChangedIntervals, Interval, ValueClasses, classifyValues, reclassifyValues } from './value-classes';
import { changedPositions } from './rule-diff';

export interface CompileOptions {
  /** Attached interface name -> interface class (1..IFACE_CLASSES-1). */
  ifaceClasses?: ReadonlyMap<string, number>;
  /** Slots of the generation in force, so counters follow rule ids. */
  previousSlots?: ReadonlyMap<string, number>;
  /** The compiled generation in force. Its address entries are reused when the prefixes rules
   * name are the same (a rule change that adds no prefix costs no address work), and updated by
   * the difference when few changed: a set's new PrefixList made with `withChanges` carries its
   * exact changes; any other new list is diffed against the one compiled before. */
  previous?: CompiledRuleset | null;
  /** Arrays to recycle for merged address entries (the data plane's; see EntriesPool). */
  entriesPool?: EntriesPool;
}

export type { AddressInputs };

export interface CompiledRule {
  id: string;
  slot: number;
  action: Action;
}

export interface CompiledRuleset {
  /** Enabled rules in priority order: bit i of every bitmap is rules[i]. */
  rules: CompiledRule[];
  /** Every rule id in the ruleset (enabled or not) -> counter slot. */
  slots: Map<string, number>;
  config: { defaultAction: Action; ndpBypass: boolean; nonIpDrop: boolean };
  addresses: AddressEntries;
  addressInputs: AddressInputs;
  /** Per address class: the rules its source / destination satisfies. */
  srcBits: RuleBitmap[];
  dstBits: RuleBitmap[];
  l3: ValueClasses;
  l4w0: ValueClasses;
  l4w1: ValueClasses;
  flags: ValueClasses;
  /** Per interface class (0 = not attached / unnamed). */
  ifaceBits: RuleBitmap[];
  /** What the rule-side tables were compiled from, so the next compile can tell they stay. */
  source?: { enabled: Rule[]; ids: string[]; ifaceClasses: ReadonlyMap<string, number> };
}

export { CapacityError };

const PORT_PROTOCOLS = [IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP];

export function compileRuleset(rs: Ruleset, opts: CompileOptions = {}): CompiledRuleset {
  checkRulesetCapacity(rs);
  const ids = rs.rules.map((r) => r.id);
  const enabled = rs.rules.filter((r) => r.enabled);
  const ifaceClasses = opts.ifaceClasses ?? new Map<string, number>();

  const previous = opts.previous ?? null;
  const before = previous?.source;
  // The enabled rules at the positions they had then, but for these (a set patch: none).
  const changed = previous && before ? changedPositions(before.enabled, enabled) : null;
  const sameRules = changed !== null && changed.length === 0 ? previous : null;
  // The same ids on top of the slots they got then: the same slots.
  const sameSlots = previous !== null && opts.previousSlots === previous.slots && sameStrings(before?.ids, ids) ? previous : null;
  const slots = sameSlots?.slots ?? assignSlots(ids, opts.previousSlots ?? new Map());
  const addr = compileAddresses(rs, enabled, previous, changed !== null ? { changed, before: before?.enabled ?? [] } : null, opts.entriesPool ?? null);
  /** A value dimension: updated at the changed positions, else computed over all rules. */
  const values = (held: ValueClasses | undefined, size: number, intervals: (r: Rule) => Interval[] | null, limit: number, what: string): ValueClasses => {
    if (held && changed !== null && before) {
      const diffs: ChangedIntervals[] = [];
      for (const i of changed) {
        const now = intervals(enabled[i]);
        if (!sameIntervals(intervals(before.enabled[i]), now)) diffs.push({ rule: i, intervals: now });
      }
      const updated = reclassifyValues(held, size, diffs, limit);
      if (updated) return updated;
    }
    return classifyValues(size, enabled.map(intervals), limit, what);
  };
  const sameIfaces = previous !== null && sameMap(before?.ifaceClasses, ifaceClasses);
  return {
    rules: sameRules && sameSlots ? sameRules.rules : enabled.map((r) => ({ id: r.id, slot: slots.get(r.id) as number, action: r.action })),
    slots,
    config: { defaultAction: rs.default, ndpBypass: rs.ndp === 'bypass', nonIpDrop: rs.nonIp === 'drop' },
    addresses: addr.entries,
    addressInputs: addr.inputs,
    srcBits: addr.srcBits,
    dstBits: addr.dstBits,
    l3: values(previous?.l3, L3_VALUES, l3Intervals, L3_CLASSES, 'protocol classes'),
    l4w0: values(previous?.l4w0, L4_VALUES, l4w0Intervals, L4_CLASSES, 'source port / ICMP classes'),
    l4w1: values(previous?.l4w1, L4_VALUES, (r) => portIntervals(r.dport), L4_CLASSES, 'destination port classes'),
    flags: values(previous?.flags, FLAGS_VALUES, flagIntervals, FLAGS_CLASSES, 'TCP flag classes'),
    ifaceBits: previous && sameIfaces && changed !== null && before ? updateIfaces(previous.ifaceBits, before.enabled, enabled, changed, ifaceClasses) : compileIfaces(enabled, ifaceClasses),
    source: { enabled, ids, ifaceClasses },
  };
}

function sameIntervals(a: Interval[] | null, b: Interval[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i][0] !== b[i][0] || a[i][1] !== b[i][1]) return false;
  return true;
}

function sameStrings(a: readonly string[] | undefined, b: readonly string[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameMap<K, V>(a: ReadonlyMap<K, V> | undefined, b: ReadonlyMap<K, V>): boolean {
  if (a === b) return true;
  if (!a || a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

/**
 * Section 4 capacity, checked before any work: rules, and set prefixes of each family summed over
 * every set (used by a rule or not: a one-rule change may start using any of them).
 */
function checkRulesetCapacity(rs: Ruleset): void {
  if (rs.rules.length > MAX_RULES) {
    throw new CapacityError(`the ruleset has ${rs.rules.length} rules; at most ${MAX_RULES} fit`);
  }
  let v4 = 0;
  let v6 = 0;
  for (const list of rs.sets.values()) {
    v4 += list.countV4;
    v6 += list.countV6;
  }
  if (v4 > LIMITS.prefixesV4) throw new CapacityError(`the sets hold ${v4} IPv4 prefixes; at most ${LIMITS.prefixesV4} fit`);
  if (v6 > LIMITS.prefixesV6) throw new CapacityError(`the sets hold ${v6} IPv6 prefixes; at most ${LIMITS.prefixesV6} fit`);
}

function hasL4Fields(r: Rule): boolean {
  return r.sport !== null || r.dport !== null || r.tcpFlags !== null || r.icmpType !== null || r.icmpCode !== null;
}

/** L3 value = (family * 4 + fragment kind) * 256 + protocol. */
function l3Intervals(r: Rule): Interval[] | null {
  const families = r.family === null ? [0, 1] : [r.family === 4 ? 0 : 1];
  let frags = r.fragment === null ? [Frag.None, Frag.First, Frag.NonFirst] : [fragIndex(r.fragment)];
  // Section 3.7: a non-first fragment has no L4 header, so it never matches a rule on L4 fields.
  if (hasL4Fields(r)) frags = frags.filter((f) => f !== Frag.NonFirst);
  // Section 3.3: with no proto, a port rule means tcp|udp|sctp.
  const protos = r.proto ?? (r.sport !== null || r.dport !== null ? PORT_PROTOCOLS : null);
  if (r.family === null && frags.length === 3 && protos === null) return null;
  const out: Interval[] = [];
  for (const fam of families) {
    for (const frag of frags) {
      const base = (fam * 4 + frag) * 256;
      if (protos === null) out.push([base, base + 255]);
      else for (const p of protos) out.push([base + p, base + p]);
    }
  }
  return out;
}

function fragIndex(kind: 'none' | 'first' | 'non_first'): Frag {
  return kind === 'none' ? Frag.None : kind === 'first' ? Frag.First : Frag.NonFirst;
}

function portIntervals(ranges: { lo: number; hi: number }[] | null): Interval[] | null {
  return ranges === null ? null : ranges.map((p) => [p.lo, p.hi] as Interval);
}

/** The first L4 word: the source port, or ICMP type << 8 | code. */
function l4w0Intervals(r: Rule): Interval[] | null {
  if (r.sport !== null) return portIntervals(r.sport);
  if (r.icmpType === null && r.icmpCode === null) return null;
  const types = r.icmpType ?? Array.from({ length: 256 }, (_, i) => i);
  const out: Interval[] = [];
  for (const t of types) {
    if (r.icmpCode === null) out.push([t << 8, (t << 8) | 255]);
    else for (const c of r.icmpCode) out.push([(t << 8) | c, (t << 8) | c]);
  }
  return out;
}

function flagIntervals(r: Rule): Interval[] | null {
  if (r.tcpFlags === null) return null;
  const { set, clear } = r.tcpFlags;
  const out: Interval[] = [];
  for (let f = 0; f < FLAGS_VALUES; f++) if ((f & set) === set && (f & clear) === 0) out.push([f, f]);
  return out;
}

function compileIfaces(enabled: Rule[], ifaceClasses: ReadonlyMap<string, number>): RuleBitmap[] {
  const bits = Array.from({ length: IFACE_CLASSES }, emptyBitmap);
  enabled.forEach((r, i) => {
    for (const cls of ifaceClassesOf(r, ifaceClasses)) setBit(bits[cls], i);
  });
  return bits;
}

/** The interface classes a rule accepts. */
function ifaceClassesOf(r: Rule, ifaceClasses: ReadonlyMap<string, number>): number[] {
  if (r.iface === null) return Array.from({ length: IFACE_CLASSES }, (_, c) => c);
  const out: number[] = [];
  for (const name of r.iface) {
    const cls = ifaceClasses.get(name);
    if (cls !== undefined) out.push(cls);
  }
  return out;
}

/** The previous interface bitmaps with the changed rules' bits recomputed (copied where they change). */
function updateIfaces(held: RuleBitmap[], before: Rule[], enabled: Rule[], changed: number[], ifaceClasses: ReadonlyMap<string, number>): RuleBitmap[] {
  let bits = held;
  for (const i of changed) {
    if (sameNames(before[i].iface, enabled[i].iface)) continue;
    const want = new Set(ifaceClassesOf(enabled[i], ifaceClasses));
    for (let cls = 0; cls < held.length; cls++) {
      const has = (bits[cls][i >>> 5] & (1 << (i & 31))) !== 0;
      if (has === want.has(cls)) continue;
      if (bits === held) bits = held.slice();
      if (bits[cls] === held[cls]) bits[cls] = held[cls].slice();
      if (has) clearBit(bits[cls], i);
      else setBit(bits[cls], i);
    }
  }
  return bits;
}

function sameNames(a: string[] | null, b: string[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  return a.every((x, k) => x === b[k]);
}
