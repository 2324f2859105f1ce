// Rules' address fields -> labels -> address entries and the per-class rule bitmaps. Labels: one
// per set used by an enabled rule, one per distinct literal prefix. Against the previous compile,
// the entries are reused as they are when no label's prefixes changed, updated by the difference
// when few did (set patches, new literals), and computed from scratch otherwise.

import { Prefix, PrefixList, diffPrefixLists, type PrefixChanges } from '../ruleset/address';
import { AddrField, Rule, Ruleset } from '../ruleset/model';
import { ADDR4_ENTRIES, ADDR6_ENTRIES, ADDR_CLASSES } from '../dataplane/layout';
import { AddressEntries, LABEL_SPACE, computeAddressClasses, newLabelled } from './address-classes';
import { LabelChanges, updateAddressClasses } from './address-delta';
import { CapacityError, RuleBitmap, emptyBitmap, orInto, setBit } from './bitmap';

/** What the address entries were computed from. */
export interface AddressInputs {
  /** label key (`set:NAME` or `lit:...`) -> label id */
  labelIds: Map<string, number>;
  /** each used set as seen then (a PrefixList's version changes when it is modified in place) */
  sets: Map<string, { list: PrefixList; version: number }>;
  /** literal label key -> its prefix */
  literals: Map<string, Prefix>;
}

export interface CompiledAddresses {
  entries: AddressEntries;
  inputs: AddressInputs;
  srcBits: RuleBitmap[];
  dstBits: RuleBitmap[];
}

/** Previous compile, as far as addresses go. */
export interface PreviousAddresses {
  addresses: AddressEntries;
  addressInputs: AddressInputs;
}

const NO_SET = new PrefixList();
const setKey = (name: string) => `set:${name}`;
const literalKey = (p: Prefix) => `lit:${p.family}:${p.words.join(',')}/${p.len}`;

/**
 * Changes beyond this share of the previous entries are computed from scratch: past it the
 * per-change searches and the sort cost more than one sweep (measured: bench/control/incremental.ts).
 */
const INCREMENTAL_SHARE = 0.25;
const INCREMENTAL_MIN = 4096;

/** The previous compile when its rules were the same: its bitmaps of unchanged classes stay. */
export interface PreviousBitmaps {
  addresses: AddressEntries;
  srcBits: RuleBitmap[];
  dstBits: RuleBitmap[];
}

export function compileAddresses(rs: Ruleset, enabled: Rule[], previous: PreviousAddresses | null, sameRules: PreviousBitmaps | null = null): CompiledAddresses {
  // Label keys in order of first use, and each rule's keys per field.
  const keys: string[] = [];
  const literals = new Map<string, Prefix>();
  const setNames = new Map<string, string>();
  const seen = new Set<string>();
  const keysOf = (field: AddrField | null): string[] | null => {
    if (field === null) return null;
    const out: string[] = [];
    for (const name of field.sets) {
      const key = setKey(name);
      if (!seen.has(key)) (seen.add(key), keys.push(key), setNames.set(key, name));
      out.push(key);
    }
    for (const p of field.prefixes) {
      const key = literalKey(p);
      if (!seen.has(key)) (seen.add(key), keys.push(key), literals.set(key, p));
      out.push(key);
    }
    return out;
  };
  const srcKeys = enabled.map((r) => keysOf(r.src));
  const dstKeys = enabled.map((r) => keysOf(r.dst));
  const sets = new Map<string, { list: PrefixList; version: number }>();
  for (const name of setNames.values()) {
    const list = rs.sets.get(name) ?? NO_SET;
    sets.set(name, { list, version: list.version });
  }

  const plan = previous ? planIncremental(previous, keys, literals, sets) : null;
  let entries: AddressEntries;
  let labelIds: Map<string, number>;
  if (plan && previous) {
    labelIds = plan.labelIds;
    entries = plan.changes.v4.size + plan.changes.v6.size === 0 ? previous.addresses : updateAddressClasses(previous.addresses, plan.changes);
  } else {
    labelIds = new Map(keys.map((k, i) => [k, i]));
    const v4 = newLabelled(1);
    const v6 = newLabelled(4);
    for (const [key, id] of labelIds) {
      const list = literals.has(key) ? PrefixList.of([literals.get(key) as Prefix]) : (sets.get(setNames.get(key) as string) as { list: PrefixList }).list;
      addPrefixes(list, id, v4, v6);
    }
    entries = computeAddressClasses(v4, v6, ADDR_CLASSES);
  }
  checkAddressMapCapacity(entries);
  let labelCount = 0;
  for (const id of labelIds.values()) labelCount = Math.max(labelCount, id + 1);
  const toLabels = (k: string[] | null) => (k === null ? null : k.map((key) => labelIds.get(key) as number));
  // Same rules and kept label ids: a class whose label list is the same object means the same rules.
  const keep = plan && sameRules ? sameRules.addresses.classLabels : null;
  return {
    entries,
    inputs: { labelIds, sets, literals },
    srcBits: addressBitmaps(entries.classLabels, srcKeys.map(toLabels), labelCount, keep, sameRules?.srcBits),
    dstBits: addressBitmaps(entries.classLabels, dstKeys.map(toLabels), labelCount, keep, sameRules?.dstBits),
  };
}

interface Plan {
  labelIds: Map<string, number>;
  changes: { v4: LabelChanges; v6: LabelChanges };
}

/**
 * The label changes from the previous compile's inputs to these, or null when they are unknown
 * (a set modified in place) or too many. Kept keys keep their label ids; new keys take ids the
 * previous compile did not use, so an id never means two keys in one delta.
 */
function planIncremental(previous: PreviousAddresses, keys: string[], literals: Map<string, Prefix>, sets: Map<string, { list: PrefixList; version: number }>): Plan | null {
  const prev = previous.addressInputs;
  const entries = previous.addresses;
  const limit = Math.max(INCREMENTAL_MIN, (entries.v4.len.length + entries.v6.len.length) * INCREMENTAL_SHARE);
  const changes = { v4: new LabelChanges(1), v6: new LabelChanges(4) };
  const room = () => limit - changes.v4.size - changes.v6.size;
  const add = (list: PrefixList, label: number, sign: 1 | -1): boolean => {
    if (list.size > room()) return false;
    const a4 = list.v4();
    for (let i = 0; i < a4.len.length; i++) changes.v4.push(a4.addr, i, a4.len[i], label, sign);
    const a6 = list.v6();
    for (let i = 0; i < a6.len.length; i++) changes.v6.push(a6.addr, i * 4, a6.len[i], label, sign);
    return true;
  };

  const labelIds = new Map<string, number>();
  const used = new Set(prev.labelIds.values());
  let nextId = 0;
  for (const key of keys) {
    let id = prev.labelIds.get(key);
    if (id === undefined) {
      while (used.has(nextId)) nextId++;
      id = nextId++;
      if (id >= LABEL_SPACE) return null;
      const lit = literals.get(key);
      const list = lit ? PrefixList.of([lit]) : (sets.get(key.slice(4)) as { list: PrefixList }).list;
      if (!add(list, id, 1)) return null;
    } else if (!literals.has(key)) {
      const name = key.slice(4);
      const now = sets.get(name) as { list: PrefixList; version: number };
      const then = prev.sets.get(name);
      if (!then) return null;
      if (then.list !== now.list || then.version !== now.version) {
        const delta = setChanges(then, now.list, room());
        if (!delta || !add(delta.removed, id, -1) || !add(delta.added, id, 1)) return null;
      }
    }
    labelIds.set(key, id);
  }
  for (const [key, id] of prev.labelIds) {
    if (labelIds.has(key)) continue;
    const lit = prev.literals.get(key);
    const then = lit ? { list: PrefixList.of([lit]), version: -1 } : prev.sets.get(key.slice(4));
    if (!then || (!lit && then.list.version !== then.version)) return null;
    if (!add(then.list, id, -1)) return null;
  }
  return { labelIds, changes };
}

/** A set's changes since the previous compile saw it: recorded by withChanges, else by diffing. */
function setChanges(then: { list: PrefixList; version: number }, now: PrefixList, limit: number): PrefixChanges | null {
  if (then.list.version !== then.version) return null; // modified in place: what it held is gone
  return now.changesSince(then.list) ?? diffPrefixLists(then.list, now, limit);
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

function addPrefixes(list: PrefixList, label: number, v4: ReturnType<typeof newLabelled>, v6: ReturnType<typeof newLabelled>): void {
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

/**
 * Class bitmap = rules without this field | rules naming any label of the class. With the
 * previous compile's classes and bitmaps (same rules), a class with the same label list keeps its bitmap.
 */
function addressBitmaps(classLabels: number[][], ruleLabels: (number[] | null)[], labelCount: number, keepLabels: number[][] | null = null, keepBits?: RuleBitmap[]): RuleBitmap[] {
  let index: { wildcard: RuleBitmap; byLabel: (RuleBitmap | null)[] } | null = null;
  const build = (labels: number[]): RuleBitmap => {
    index ??= rulesByLabel(ruleLabels, labelCount);
    const bm = index.wildcard.slice();
    for (const l of labels) {
      const rules = index.byLabel[l];
      if (rules) orInto(bm, rules);
    }
    return bm;
  };
  return classLabels.map((labels, id) => (keepLabels && keepBits && keepLabels[id] === labels && keepBits[id] ? keepBits[id] : build(labels)));
}

/** Rules without the field (wildcard), and per label the rules naming it. */
function rulesByLabel(ruleLabels: (number[] | null)[], labelCount: number): { wildcard: RuleBitmap; byLabel: (RuleBitmap | null)[] } {
  const wildcard = emptyBitmap();
  const byLabel = Array.from({ length: labelCount }, () => null as RuleBitmap | null);
  ruleLabels.forEach((labels, i) => {
    if (labels === null) {
      setBit(wildcard, i);
      return;
    }
    for (const l of labels) setBit((byLabel[l] ??= emptyBitmap()), i);
  });
  return { wildcard, byLabel };
}
