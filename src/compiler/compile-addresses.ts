// Rules' address fields -> labels -> address entries and the per-class rule bitmaps. Labels: one
// per set used by an enabled rule, one per distinct literal prefix. Against the previous compile,
// the entries are reused as they are when no label's prefixes changed, updated by the difference
// when few did (set patches, new literals), and computed from scratch otherwise.

import { Prefix, PrefixList, type PrefixChanges } from '../ruleset/address';
import { diffPrefixLists } from '../ruleset/prefix-diff';
import { AddrField, Rule, Ruleset } from '../ruleset/model';
import { ADDR4_ENTRIES, ADDR6_ENTRIES, ADDR_CLASSES } from '../dataplane/layout';
import { AddressEntries, LABEL_SPACE, computeAddressClasses, newLabelled } from './address-classes';
import { LabelChanges, updateAddressClasses } from './address-delta';
import type { EntriesPool } from './entries-pool';
import { CapacityError, RuleBitmap, emptyBitmap, orInto, setBit } from './bitmap';

/** The label keys rules name: `set:NAME` or `lit:...`, in order of first use, and per rule. */
export interface RuleKeys {
  keys: string[];
  /** literal key -> its prefix */
  literals: Map<string, Prefix>;
  /** set key -> set name */
  setNames: Map<string, string>;
  src: (string[] | null)[];
  dst: (string[] | null)[];
}

/** What the address entries were computed from. */
export interface AddressInputs {
  /** label key -> label id */
  labelIds: Map<string, number>;
  /** each used set as seen then (a PrefixList's version changes when it is modified in place) */
  sets: Map<string, { list: PrefixList; version: number }>;
  ruleKeys: RuleKeys;
  /** rules per label (built when some class bitmap had to be computed) */
  index?: RulesByLabel;
}

export interface CompiledAddresses {
  entries: AddressEntries;
  inputs: AddressInputs;
  srcBits: RuleBitmap[];
  dstBits: RuleBitmap[];
}

/** The previous compile, as far as addresses go. */
export interface PreviousAddresses {
  addresses: AddressEntries;
  addressInputs: AddressInputs;
  srcBits: RuleBitmap[];
  dstBits: RuleBitmap[];
}

const NO_SET = new PrefixList();

/**
 * Changes beyond this share of the previous entries are computed from scratch: past it the
 * per-change searches, the sort and the recomputed ranges cost more than one sweep (1M + 250k
 * prefixes: 300k changes 0.9 s, from scratch 0.8 s; 100k changes 0.3 s).
 */
const INCREMENTAL_SHARE = 0.2;
const INCREMENTAL_MIN = 4096;

/** `sameRules`: the enabled rules are those `previous` was compiled from (their keys stay). */
export function compileAddresses(rs: Ruleset, enabled: Rule[], previous: PreviousAddresses | null, sameRules = false, pool: EntriesPool | null = null): CompiledAddresses {
  const ruleKeys = previous && sameRules ? previous.addressInputs.ruleKeys : collectKeys(enabled);
  const sets = new Map<string, { list: PrefixList; version: number }>();
  for (const name of ruleKeys.setNames.values()) {
    const list = rs.sets.get(name) ?? NO_SET;
    sets.set(name, { list, version: list.version });
  }

  const plan = previous ? planIncremental(previous, ruleKeys, sets, sameRules) : null;
  let entries: AddressEntries;
  let labelIds: Map<string, number>;
  if (plan && previous) {
    labelIds = plan.labelIds;
    entries = plan.changes.v4.size + plan.changes.v6.size === 0 ? previous.addresses : updateAddressClasses(previous.addresses, plan.changes, pool);
  } else {
    labelIds = new Map(ruleKeys.keys.map((k, i) => [k, i]));
    const v4 = newLabelled(1);
    const v6 = newLabelled(4);
    for (const [key, id] of labelIds) {
      const lit = ruleKeys.literals.get(key);
      addPrefixes(lit ? PrefixList.of([lit]) : (sets.get(ruleKeys.setNames.get(key) as string) as { list: PrefixList }).list, id, v4, v6);
    }
    entries = computeAddressClasses(v4, v6, ADDR_CLASSES);
  }
  checkAddressMapCapacity(entries);
  // Kept label ids (a plan) and a previous compile that had to index its rules: a class whose
  // label list is the same object, and whose labels name the same rules as then, keeps its bitmap.
  // The same rules under the same label ids: their index is the previous one.
  const was = plan && previous?.addressInputs.index ? previous : null;
  let index: RulesByLabel | undefined = was && sameRules ? was.addressInputs.index : undefined;
  if (!index && was) index = indexRules(ruleKeys, labelIds);
  const rulesByLabel = () => (index ??= indexRules(ruleKeys, labelIds));
  const then = (bits: RuleBitmap[], field: 'src' | 'dst') => (was ? { labels: was.addresses.classLabels, bits, index: (was.addressInputs.index as RulesByLabel)[field] } : null);
  const srcBits = addressBitmaps(entries.classLabels, () => rulesByLabel().src, then(was?.srcBits ?? [], 'src'));
  const dstBits = addressBitmaps(entries.classLabels, () => rulesByLabel().dst, then(was?.dstBits ?? [], 'dst'));
  return { entries, inputs: { labelIds, sets, ruleKeys, index }, srcBits, dstBits };
}

const setKey = (name: string) => `set:${name}`;

/** Label keys of the enabled rules' address fields. */
function collectKeys(enabled: Rule[]): RuleKeys {
  const k: RuleKeys = { keys: [], literals: new Map(), setNames: new Map(), src: [], dst: [] };
  const keysOf = (field: AddrField | null): string[] | null => {
    if (field === null) return null;
    const out: string[] = [];
    for (const name of field.sets) {
      const key = setKey(name);
      if (!k.setNames.has(key)) (k.keys.push(key), k.setNames.set(key, name));
      out.push(key);
    }
    const v4 = field.prefixes.v4();
    for (let i = 0; i < v4.len.length; i++) {
      const key = `lit:4:${v4.addr[i]}/${v4.len[i]}`;
      if (!k.literals.has(key)) (k.keys.push(key), k.literals.set(key, { family: 4, words: [v4.addr[i]], len: v4.len[i] }));
      out.push(key);
    }
    const v6 = field.prefixes.v6();
    for (let i = 0; i < v6.len.length; i++) {
      const words = Array.from(v6.addr.subarray(i * 4, i * 4 + 4));
      const key = `lit:6:${words.join(',')}/${v6.len[i]}`;
      if (!k.literals.has(key)) (k.keys.push(key), k.literals.set(key, { family: 6, words, len: v6.len[i] }));
      out.push(key);
    }
    return out;
  };
  for (const r of enabled) {
    k.src.push(keysOf(r.src));
    k.dst.push(keysOf(r.dst));
  }
  return k;
}

interface Plan {
  labelIds: Map<string, number>;
  changes: { v4: LabelChanges; v6: LabelChanges };
}

/**
 * The label changes from the previous compile's inputs to these, or null when they are unknown
 * (a set modified in place) or too many. Kept keys keep their label ids; new keys take ids the
 * previous compile did not use, so an id never means two keys in one delta. With the same rules
 * (the same keys) only the sets can have changed.
 */
function planIncremental(previous: PreviousAddresses, now: RuleKeys, sets: Map<string, { list: PrefixList; version: number }>, sameKeys: boolean): Plan | null {
  const prev = previous.addressInputs;
  const entries = previous.addresses;
  if (entries.v4.released || entries.v6.released) return null;
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
  /** A kept set's changes, as label changes. */
  const setDelta = (key: string, id: number): boolean => {
    const name = now.setNames.get(key) as string;
    const nowSet = sets.get(name) as { list: PrefixList; version: number };
    const then = prev.sets.get(name);
    if (!then) return false;
    if (then.list === nowSet.list && then.version === nowSet.version) return true;
    const delta = setChanges(then, nowSet.list, room());
    return delta !== null && add(delta.removed, id, -1) && add(delta.added, id, 1);
  };

  if (sameKeys) {
    for (const key of now.setNames.keys()) if (!setDelta(key, prev.labelIds.get(key) as number)) return null;
    return { labelIds: prev.labelIds, changes };
  }
  const labelIds = new Map<string, number>();
  let used: Set<number> | null = null;
  let nextId = 0;
  for (const key of now.keys) {
    let id = prev.labelIds.get(key);
    if (id === undefined) {
      used ??= new Set(prev.labelIds.values());
      while (used.has(nextId)) nextId++;
      id = nextId++;
      if (id >= LABEL_SPACE) return null;
      const lit = now.literals.get(key);
      if (!add(lit ? PrefixList.of([lit]) : (sets.get(now.setNames.get(key) as string) as { list: PrefixList }).list, id, 1)) return null;
    } else if (now.setNames.has(key) && !setDelta(key, id)) {
      return null;
    }
    labelIds.set(key, id);
  }
  for (const [key, id] of prev.labelIds) {
    if (labelIds.has(key)) continue;
    const lit = prev.ruleKeys.literals.get(key);
    const then = lit ? null : prev.sets.get(prev.ruleKeys.setNames.get(key) as string);
    if (!lit && (!then || then.list.version !== then.version)) return null;
    if (!add(lit ? PrefixList.of([lit]) : (then as { list: PrefixList }).list, id, -1)) return null;
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

interface FieldIndex {
  /** rules without the field */
  wildcard: RuleBitmap;
  /** label id -> rules naming it */
  byLabel: (RuleBitmap | null)[];
}

interface RulesByLabel {
  src: FieldIndex;
  dst: FieldIndex;
}

/** Per field: the rules without it, and per label the rules naming it. */
function indexRules(keys: RuleKeys, labelIds: Map<string, number>): RulesByLabel {
  let labelCount = 0;
  for (const id of labelIds.values()) labelCount = Math.max(labelCount, id + 1);
  const index = (perRule: (string[] | null)[]): FieldIndex => {
    const wildcard = emptyBitmap();
    const byLabel = Array.from({ length: labelCount }, () => null as RuleBitmap | null);
    perRule.forEach((ruleKeys, i) => {
      if (ruleKeys === null) setBit(wildcard, i);
      else for (const key of ruleKeys) setBit((byLabel[labelIds.get(key) as number] ??= emptyBitmap()), i);
    });
    return { wildcard, byLabel };
  };
  return { src: index(keys.src), dst: index(keys.dst) };
}

/**
 * Class bitmap = rules without this field | rules naming any label of the class. Against the
 * previous compile (same label ids): a class whose label list is the same object keeps its bitmap
 * when the wildcard rules and the rules of each of its labels are as then. The index of this
 * compile's rules is built only when some class needs it.
 */
function addressBitmaps(classLabels: number[][], index: () => FieldIndex, prev: { labels: number[][]; bits: RuleBitmap[]; index: FieldIndex } | null): RuleBitmap[] {
  let same: Int8Array | null = null; // per label: 0 unknown, 1 same rules as then, -1 not
  const unchanged = (labels: number[]): boolean => {
    if (!prev) return false;
    const now = index();
    if (now !== prev.index && !equalBits(now.wildcard, prev.index.wildcard)) return false;
    same ??= new Int8Array(now.byLabel.length);
    for (const l of labels) {
      if (same[l] === 0) same[l] = now === prev.index || equalBits(now.byLabel[l], prev.index.byLabel[l] ?? null) ? 1 : -1;
      if (same[l] < 0) return false;
    }
    return true;
  };
  return classLabels.map((labels, id) => {
    if (prev && prev.labels[id] === labels && prev.bits[id] && unchanged(labels)) return prev.bits[id];
    const { wildcard, byLabel } = index();
    const bm = wildcard.slice();
    for (const l of labels) {
      const rules = byLabel[l];
      if (rules) orInto(bm, rules);
    }
    return bm;
  });
}

function equalBits(a: RuleBitmap | null, b: RuleBitmap | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
