// Ruleset -> the contents of the data path's tables. Pure: no kernel, no I/O.

import { Prefix, PrefixList } from '../ruleset/address';
import { Action, AddrField, IPPROTO, LIMITS, Rule, Ruleset } from '../ruleset/model';
import {
  ADDR4_ENTRIES,
  ADDR6_ENTRIES,
  ADDR_CLASSES,
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
import { AddressEntries, LabelledPrefixes, computeAddressClasses, newLabelled } from './address-classes';
import { CapacityError, RuleBitmap, emptyBitmap, orInto, setBit } from './bitmap';
import { assignSlots } from './slots';
import { Interval, RuleIntervals, ValueClasses, classifyValues } from './value-classes';

export interface CompileOptions {
  /** Attached interface name -> interface class (1..IFACE_CLASSES-1). */
  ifaceClasses?: ReadonlyMap<string, number>;
  /** Slots of the generation in force, so counters follow rule ids. */
  previousSlots?: ReadonlyMap<string, number>;
  /** The compiled generation in force: its address entries are reused when the prefixes rules
   * name are the same (a rule change that adds no prefix costs no address work). */
  previous?: CompiledRuleset | null;
}

/** What the address entries were computed from: labels by key, and each used set as seen then. */
export interface AddressInputs {
  labelIds: Map<string, number>;
  sets: Map<string, { list: PrefixList; size: number }>;
}

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
}

export { CapacityError };

const PORT_PROTOCOLS = [IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP];

export function compileRuleset(rs: Ruleset, opts: CompileOptions = {}): CompiledRuleset {
  checkRulesetCapacity(rs);
  const slots = assignSlots(rs.rules.map((r) => r.id), opts.previousSlots ?? new Map());
  const enabled = rs.rules.filter((r) => r.enabled);
  const ifaceClasses = opts.ifaceClasses ?? new Map<string, number>();

  const addr = compileAddresses(rs, enabled, opts.previous ?? null);
  return {
    rules: enabled.map((r) => ({ id: r.id, slot: slots.get(r.id) as number, action: r.action })),
    slots,
    config: { defaultAction: rs.default, ndpBypass: rs.ndp === 'bypass', nonIpDrop: rs.nonIp === 'drop' },
    addresses: addr.entries,
    addressInputs: addr.inputs,
    srcBits: addr.srcBits,
    dstBits: addr.dstBits,
    l3: classifyValues(L3_VALUES, enabled.map(l3Intervals), L3_CLASSES, 'protocol classes'),
    l4w0: classifyValues(L4_VALUES, enabled.map(l4w0Intervals), L4_CLASSES, 'source port / ICMP classes'),
    l4w1: classifyValues(L4_VALUES, enabled.map((r) => portIntervals(r.dport)), L4_CLASSES, 'destination port classes'),
    flags: classifyValues(FLAGS_VALUES, enabled.map(flagIntervals), FLAGS_CLASSES, 'TCP flag classes'),
    ifaceBits: compileIfaces(enabled, ifaceClasses),
  };
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

/** The address maps hold set members plus rule literals: their own size is the last word. */
function checkAddressMapCapacity(entries: AddressEntries): void {
  if (entries.v4.len.length > ADDR4_ENTRIES) {
    throw new CapacityError(`${entries.v4.len.length} distinct IPv4 prefixes (sets and literals); the address map holds ${ADDR4_ENTRIES}`);
  }
  if (entries.v6.len.length > ADDR6_ENTRIES) {
    throw new CapacityError(`${entries.v6.len.length} distinct IPv6 prefixes (sets and literals); the address map holds ${ADDR6_ENTRIES}`);
  }
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
    if (r.iface === null) {
      for (const bm of bits) setBit(bm, i);
      return;
    }
    for (const name of r.iface) {
      const cls = ifaceClasses.get(name);
      if (cls !== undefined) setBit(bits[cls], i);
    }
  });
  return bits;
}

const setKey = (name: string) => `set:${name}`;
const literalKey = (p: Prefix) => `lit:${p.family}:${p.words.join(',')}/${p.len}`;

/**
 * Labels: one per set used by an enabled rule, one per distinct literal prefix. When the labels
 * and the sets behind them are those of the previous compile, its entries are reused as they are.
 */
function compileAddresses(rs: Ruleset, enabled: Rule[], previous: CompiledRuleset | null) {
  const labelIds = new Map<string, number>();
  const literals = new Map<string, Prefix>();
  const sets = new Map<string, { list: PrefixList; size: number }>();
  const labelsOf = (field: AddrField): number[] => {
    const labels: number[] = [];
    for (const name of field.sets) {
      const key = setKey(name);
      if (!labelIds.has(key)) {
        labelIds.set(key, labelIds.size);
        const list = rs.sets.get(name) ?? new PrefixList();
        sets.set(name, { list, size: list.size });
      }
      labels.push(labelIds.get(key) as number);
    }
    for (const p of field.prefixes) {
      const key = literalKey(p);
      if (!labelIds.has(key)) {
        labelIds.set(key, labelIds.size);
        literals.set(key, p);
      }
      labels.push(labelIds.get(key) as number);
    }
    return labels;
  };
  let srcLabels = enabled.map((r) => (r.src === null ? null : labelsOf(r.src)));
  let dstLabels = enabled.map((r) => (r.dst === null ? null : labelsOf(r.dst)));

  const reusable = previous !== null && sameAddressInputs(previous.addressInputs, labelIds, sets);
  let entries: AddressEntries;
  let inputs: AddressInputs = { labelIds, sets };
  if (reusable) {
    // Same labels, possibly numbered differently: speak the previous numbering.
    const old = previous.addressInputs.labelIds;
    const renumber = new Map([...labelIds].map(([key, id]) => [id, old.get(key) as number]));
    const map = (labels: number[] | null) => (labels === null ? null : labels.map((l) => renumber.get(l) as number));
    srcLabels = srcLabels.map(map);
    dstLabels = dstLabels.map(map);
    entries = previous.addresses;
    inputs = previous.addressInputs;
  } else {
    const v4 = newLabelled(1);
    const v6 = newLabelled(4);
    for (const [key, id] of labelIds) {
      const list = key.startsWith('set:') ? (sets.get(key.slice(4)) as { list: PrefixList }).list : PrefixList.of([literals.get(key) as Prefix]);
      addPrefixes(list, id, v4, v6);
    }
    entries = computeAddressClasses(v4, v6, ADDR_CLASSES);
    checkAddressMapCapacity(entries);
  }
  const labelCount = inputs.labelIds.size;
  return {
    entries,
    inputs,
    srcBits: addressBitmaps(entries.classLabels, srcLabels, labelCount),
    dstBits: addressBitmaps(entries.classLabels, dstLabels, labelCount),
  };
}

function sameAddressInputs(prev: AddressInputs, labelIds: Map<string, number>, sets: Map<string, { list: PrefixList; size: number }>): boolean {
  if (prev.labelIds.size !== labelIds.size) return false;
  for (const key of labelIds.keys()) if (!prev.labelIds.has(key)) return false;
  for (const [name, now] of sets) {
    const then = prev.sets.get(name);
    // Sets only grow in place (PrefixList is append-only): identity and size identify the content.
    if (!then || then.list !== now.list || then.size !== now.list.size) return false;
  }
  return true;
}

function addPrefixes(list: PrefixList, label: number, v4: LabelledPrefixes, v6: LabelledPrefixes): void {
  const a4 = list.v4();
  for (let i = 0; i < a4.len.length; i++) {
    v4.addr.push(a4.addr[i]);
    v4.len.push(a4.len[i]);
    v4.label.push(label);
  }
  const a6 = list.v6();
  for (let i = 0; i < a6.len.length; i++) {
    for (let k = 0; k < 4; k++) v6.addr.push(a6.addr[i * 4 + k]);
    v6.len.push(a6.len[i]);
    v6.label.push(label);
  }
}

/** Class bitmap = rules without this field | rules naming any label of the class. */
function addressBitmaps(classLabels: number[][], ruleLabels: (number[] | null)[], labelCount: number): RuleBitmap[] {
  const wildcard = emptyBitmap();
  const byLabel = Array.from({ length: labelCount }, () => null as RuleBitmap | null);
  ruleLabels.forEach((labels, i) => {
    if (labels === null) {
      setBit(wildcard, i);
      return;
    }
    for (const l of labels) setBit((byLabel[l] ??= emptyBitmap()), i);
  });
  return classLabels.map((labels) => {
    const bm = wildcard.slice();
    for (const l of labels) {
      const rules = byLabel[l];
      if (rules) orInto(bm, rules);
    }
    return bm;
  });
}
