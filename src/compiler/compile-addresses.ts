// Rules' address fields -> labels -> address entries and the per-class rule bitmaps. Labels: one
// per set used by an enabled rule, one per distinct literal prefix. Against the previous compile,
// the entries are reused as they are when no label's prefixes changed, updated by the difference
// when few did (set patches, new literals), and computed from scratch otherwise.

import { Prefix, PrefixList, type PrefixChanges } from '../ruleset/address';
import { diffPrefixLists } from '../ruleset/prefix-diff';
import { AddrField, Rule, Ruleset } from '../ruleset/model';
import { ADDR4_ENTRIES, ADDR6_ENTRIES, ADDR_CLASSES } from '../dataplane/layout';
import { AddressEntries, LABEL_SPACE, type LabelledPrefixes, computeAddressClasses, sizedLabelled } from './address-classes';
import { LabelChanges, updateAddressClasses } from './address-delta';
import type { EntriesPool } from './entries-pool';
import { CapacityError, RuleBitmap, clearBit, emptyBitmap, orInto, setBit } from './bitmap';

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

/** How the enabled rules differ from those of `previous`: the positions changed (none: the same rules). */
export interface RuleChanges {
  changed: number[];
  /** the enabled rules `previous` was compiled from */
  before: Rule[];
}

/** `rules`: null when the enabled rules are not known to relate to those of `previous`. */
export function compileAddresses(rs: Ruleset, enabled: Rule[], previous: PreviousAddresses | null, rules: RuleChanges | null = null, pool: EntriesPool | null = null): CompiledAddresses {
  const update = previous && rules ? updateKeys(previous.addressInputs.ruleKeys, enabled, rules.changed) : null;
  const ruleKeys = update?.keys ?? collectKeys(enabled);
  const sets = new Map<string, { list: PrefixList; version: number }>();
  for (const name of ruleKeys.setNames.values()) {
    const list = rs.sets.get(name) ?? NO_SET;
    sets.set(name, { list, version: list.version });
  }

  const plan = previous ? planIncremental(previous, ruleKeys, sets, update) : null;
  let entries: AddressEntries;
  let labelIds: Map<string, number>;
  if (plan && previous) {
    labelIds = plan.labelIds;
    entries = plan.changes.v4.size + plan.changes.v6.size === 0 ? previous.addresses : updateAddressClasses(previous.addresses, plan.changes, pool);
  } else {
    labelIds = new Map(ruleKeys.keys.map((k, i) => [k, i]));
    const lists = [...labelIds].map(([key, id]) => {
      const lit = ruleKeys.literals.get(key);
      return { id, list: lit ? PrefixList.of([lit]) : (sets.get(ruleKeys.setNames.get(key) as string) as { list: PrefixList }).list };
    });
    const [v4, v6] = labelPrefixes(lists);
    entries = computeAddressClasses(v4, v6, ADDR_CLASSES);
  }
  checkAddressMapCapacity(entries);
  // Kept label ids (a plan) and a previous compile that had to index its rules: its index, updated
  // at the changed rules, is this one's; a class whose label list is the same object keeps its
  // bitmap but for the changed rules' bits.
  const was = plan && previous?.addressInputs.index ? previous : null;
  const moved = was && update && rules ? { changed: rules.changed, prevKeys: was.addressInputs.ruleKeys, prevIds: was.addressInputs.labelIds } : null;
  let index: RulesByLabel | undefined = was && moved ? updateIndex(was.addressInputs.index as RulesByLabel, moved, ruleKeys, labelIds) : undefined;
  const rulesByLabel = () => (index ??= indexRules(ruleKeys, labelIds));
  const then = (bits: RuleBitmap[], field: 'src' | 'dst') => (was && moved ? { labels: was.addresses.classLabels, bits, changed: moved.changed, perRule: ruleKeys[field], labelIds } : null);
  const srcBits = addressBitmaps(entries.classLabels, () => rulesByLabel().src, then(was?.srcBits ?? [], 'src'));
  const dstBits = addressBitmaps(entries.classLabels, () => rulesByLabel().dst, then(was?.dstBits ?? [], 'dst'));
  return { entries, inputs: { labelIds, sets, ruleKeys, index }, srcBits, dstBits };
}

const setKey = (name: string) => `set:${name}`;

/** One address field's label keys, and what each names (cached per field: rules are not modified). */
interface FieldKeys {
  version: number;
  keys: string[];
  literals: (Prefix | null)[];
  setNames: (string | null)[];
}

const fieldKeyCache = new WeakMap<AddrField, FieldKeys>();

function fieldKeys(field: AddrField): FieldKeys {
  const cached = fieldKeyCache.get(field);
  if (cached && cached.version === field.prefixes.version) return cached;
  const fk: FieldKeys = { version: field.prefixes.version, keys: [], literals: [], setNames: [] };
  const push = (key: string, lit: Prefix | null, set: string | null) => {
    fk.keys.push(key);
    fk.literals.push(lit);
    fk.setNames.push(set);
  };
  for (const name of field.sets) push(setKey(name), null, name);
  const v4 = field.prefixes.v4();
  for (let i = 0; i < v4.len.length; i++) push(`lit:4:${v4.addr[i]}/${v4.len[i]}`, { family: 4, words: [v4.addr[i]], len: v4.len[i] }, null);
  const v6 = field.prefixes.v6();
  for (let i = 0; i < v6.len.length; i++) {
    const words = Array.from(v6.addr.subarray(i * 4, i * 4 + 4));
    push(`lit:6:${words.join(',')}/${v6.len[i]}`, { family: 6, words, len: v6.len[i] }, null);
  }
  fieldKeyCache.set(field, fk);
  return fk;
}

/** Label keys of the enabled rules' address fields. */
function collectKeys(enabled: Rule[]): RuleKeys {
  const k: RuleKeys = { keys: [], literals: new Map(), setNames: new Map(), src: [], dst: [] };
  const keysOf = (field: AddrField | null): string[] | null => {
    if (field === null) return null;
    const fk = fieldKeys(field);
    fk.keys.forEach((key, j) => learnKey(k, key, fk.literals[j], fk.setNames[j]));
    return fk.keys;
  };
  for (const r of enabled) {
    k.src.push(keysOf(r.src));
    k.dst.push(keysOf(r.dst));
  }
  return k;
}

function learnKey(k: RuleKeys, key: string, lit: Prefix | null, set: string | null): void {
  if (k.literals.has(key) || k.setNames.has(key)) return;
  k.keys.push(key);
  if (lit) k.literals.set(key, lit);
  else k.setNames.set(key, set as string);
}

/** The previous rule keys with the changed rules' keys replaced; keys no rule names any more go, new ones come. */
interface KeyUpdate {
  keys: RuleKeys;
  added: string[];
  removed: string[];
}

function updateKeys(prev: RuleKeys, enabled: Rule[], changed: number[]): KeyUpdate {
  if (changed.length === 0) return { keys: prev, added: [], removed: [] };
  const src = prev.src.slice();
  const dst = prev.dst.slice();
  const gone = new Set<string>();
  const named = new Map<string, { lit: Prefix | null; set: string | null }>();
  for (const i of changed) {
    for (const k of prev.src[i] ?? []) gone.add(k);
    for (const k of prev.dst[i] ?? []) gone.add(k);
    for (const [perRule, field] of [[src, enabled[i].src], [dst, enabled[i].dst]] as const) {
      if (field === null) {
        perRule[i] = null;
        continue;
      }
      const fk = fieldKeys(field);
      perRule[i] = fk.keys;
      fk.keys.forEach((key, j) => named.set(key, { lit: fk.literals[j], set: fk.setNames[j] }));
    }
  }
  for (const key of named.keys()) gone.delete(key);
  const added = [...named.keys()].filter((key) => !prev.literals.has(key) && !prev.setNames.has(key));
  // A key the changed rules named before may still be named by another rule.
  if (gone.size > 0) {
    for (const perRule of [src, dst]) for (const keys of perRule) if (keys) for (const key of keys) gone.delete(key);
  }
  const removed = [...gone];
  if (added.length === 0 && removed.length === 0) return { keys: { ...prev, src, dst }, added, removed };
  const keys: RuleKeys = { keys: prev.keys.filter((key) => !gone.has(key)), literals: new Map(prev.literals), setNames: new Map(prev.setNames), src, dst };
  for (const key of removed) {
    keys.literals.delete(key);
    keys.setNames.delete(key);
  }
  for (const key of added) {
    const n = named.get(key) as { lit: Prefix | null; set: string | null };
    learnKey(keys, key, n.lit, n.set);
  }
  return { keys, added, removed };
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
function planIncremental(previous: PreviousAddresses, now: RuleKeys, sets: Map<string, { list: PrefixList; version: number }>, update: KeyUpdate | null): Plan | null {
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

  let used: Set<number> | null = null;
  let nextId = 0;
  /** A key no previous label had: a new id, its prefixes gain it. */
  const fresh = (key: string): number | null => {
    used ??= new Set(prev.labelIds.values());
    while (used.has(nextId)) nextId++;
    const id = nextId++;
    if (id >= LABEL_SPACE) return null;
    const lit = now.literals.get(key);
    return add(lit ? PrefixList.of([lit]) : (sets.get(now.setNames.get(key) as string) as { list: PrefixList }).list, id, 1) ? id : null;
  };
  /** A previous key no rule names now: its prefixes lose its label. */
  const dropped = (key: string, id: number): boolean => {
    const lit = prev.ruleKeys.literals.get(key);
    const then = lit ? null : prev.sets.get(prev.ruleKeys.setNames.get(key) as string);
    if (!lit && (!then || then.list.version !== then.version)) return false;
    return add(lit ? PrefixList.of([lit]) : (then as { list: PrefixList }).list, id, -1);
  };

  if (update) {
    // The keys the changed rules added and removed: the others keep their ids.
    const labelIds = update.added.length + update.removed.length === 0 ? prev.labelIds : new Map(prev.labelIds);
    for (const key of update.removed) {
      if (!dropped(key, prev.labelIds.get(key) as number)) return null;
      labelIds.delete(key);
    }
    for (const key of now.setNames.keys()) if (prev.labelIds.has(key) && !setDelta(key, prev.labelIds.get(key) as number)) return null;
    for (const key of update.added) {
      const id = fresh(key);
      if (id === null) return null;
      labelIds.set(key, id);
    }
    return { labelIds, changes };
  }
  const labelIds = new Map<string, number>();
  for (const key of now.keys) {
    let id = prev.labelIds.get(key);
    if (id === undefined) {
      const got = fresh(key);
      if (got === null) return null;
      id = got;
    } else if (now.setNames.has(key) && !setDelta(key, id)) {
      return null;
    }
    labelIds.set(key, id);
  }
  for (const [key, id] of prev.labelIds) if (!labelIds.has(key) && !dropped(key, id)) return null;
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

/** The lists' prefixes, each labelled with its list's id, per family. */
function labelPrefixes(lists: { id: number; list: PrefixList }[]): [LabelledPrefixes, LabelledPrefixes] {
  let n4 = 0;
  let n6 = 0;
  for (const { list } of lists) {
    n4 += list.countV4;
    n6 += list.countV6;
  }
  const v4 = sizedLabelled(1, n4);
  const v6 = sizedLabelled(4, n6);
  let at4 = 0;
  let at6 = 0;
  for (const { id, list } of lists) {
    const a4 = list.v4();
    v4.addr.set(a4.addr, at4);
    v4.len.set(a4.len, at4);
    v4.label.fill(id, at4, at4 + a4.len.length);
    at4 += a4.len.length;
    const a6 = list.v6();
    v6.addr.set(a6.addr, at6 * 4);
    v6.len.set(a6.len, at6);
    v6.label.fill(id, at6, at6 + a6.len.length);
    at6 += a6.len.length;
  }
  return [v4, v6];
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

/** The previous index with the changed rules' bits moved from their old labels to their new ones. */
function updateIndex(prev: RulesByLabel, moved: { changed: number[]; prevKeys: RuleKeys; prevIds: Map<string, number> }, now: RuleKeys, labelIds: Map<string, number>): RulesByLabel {
  if (moved.changed.length === 0) return prev;
  const field = (was: FieldIndex, before: (string[] | null)[], after: (string[] | null)[]): FieldIndex => {
    let wildcard = was.wildcard;
    const byLabel = was.byLabel.slice();
    const copied = new Set<number>();
    const bits = (l: number): RuleBitmap => {
      if (!copied.has(l)) {
        copied.add(l);
        byLabel[l] = byLabel[l]?.slice() ?? emptyBitmap();
      }
      return byLabel[l] as RuleBitmap;
    };
    for (const i of moved.changed) {
      if ((before[i] === null) !== (after[i] === null)) {
        if (wildcard === was.wildcard) wildcard = wildcard.slice();
        if (after[i] === null) setBit(wildcard, i);
        else clearBit(wildcard, i);
      }
      for (const key of before[i] ?? []) clearBit(bits(moved.prevIds.get(key) as number), i);
      for (const key of after[i] ?? []) setBit(bits(labelIds.get(key) as number), i);
    }
    return { wildcard, byLabel };
  };
  return { src: field(prev.src, moved.prevKeys.src, now.src), dst: field(prev.dst, moved.prevKeys.dst, now.dst) };
}

/** What the previous compile's class bitmaps were for, when only some rules changed since. */
interface PreviousBits {
  labels: number[][];
  bits: RuleBitmap[];
  changed: number[];
  /** this compile's keys per rule, and their label ids */
  perRule: (string[] | null)[];
  labelIds: Map<string, number>;
}

/**
 * Class bitmap = rules without this field | rules naming any label of the class. A class whose
 * label list is the same object as in the previous compile (same label ids; the rules changed only
 * at `changed`) keeps its bitmap, copied and corrected where a changed rule's bit differs. The
 * index of this compile's rules is built only when some class needs it.
 */
function addressBitmaps(classLabels: number[][], index: () => FieldIndex, prev: PreviousBits | null): RuleBitmap[] {
  const changedLabels = prev ? prev.changed.map((i) => prev.perRule[i]?.map((key) => prev.labelIds.get(key) as number) ?? null) : [];
  return classLabels.map((labels, id) => {
    if (prev && prev.labels[id] === labels && prev.bits[id]) {
      let bm = prev.bits[id];
      prev.changed.forEach((i, k) => {
        const own = changedLabels[k];
        const want = own === null || own.some((l) => sortedHas(labels, l));
        if (want === ((bm[i >>> 5] & (1 << (i & 31))) !== 0)) return;
        if (bm === prev.bits[id]) bm = bm.slice();
        if (want) setBit(bm, i);
        else clearBit(bm, i);
      });
      return bm;
    }
    const { wildcard, byLabel } = index();
    const bm = wildcard.slice();
    for (const l of labels) {
      const rules = byLabel[l];
      if (rules) orInto(bm, rules);
    }
    return bm;
  });
}

function sortedHas(sorted: number[], x: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] === x;
}
