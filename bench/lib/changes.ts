// The small changes whose latency the benchmark measures on the largest ruleset: one rule edited,
// and a set patched with 1,000 elements (half removed, half added, so the set stays at capacity).

import { PrefixList } from '../../src/ruleset/address';
import type { Rule, Ruleset } from '../../src/ruleset/model';
import { BenchRng } from './rng';
import { randomV4Set } from './workload';

export const CHANGED_RULE = 'r100';

/** The ruleset with rule CHANGED_RULE's destination port moved (the edit a user makes). */
export function withRuleEdited(rs: Ruleset): { ruleset: Ruleset; rule: Rule } {
  const i = rs.rules.findIndex((r) => r.id === CHANGED_RULE);
  if (i < 0) throw new Error(`no rule ${CHANGED_RULE} to edit`);
  const rule: Rule = { ...rs.rules[i], dport: [{ lo: 20000, hi: 20000 }] };
  const rules = [...rs.rules];
  rules[i] = rule;
  return { ruleset: { ...rs, rules }, rule };
}

export interface SetPatch {
  /** n/2 new IPv4 prefixes, and n/2 of the set's members */
  add: string[];
  remove: string[];
  /** the ruleset with the set patched (derived with withChanges, as the daemon does) */
  forward(rs: Ruleset): Ruleset;
  /** the patch undone, derived from the patched list in turn */
  back(rs: Ruleset): Ruleset;
}

/**
 * A 1,000-element patch of `set`: its first n/2 IPv4 prefixes removed, n/2 new ones added.
 * Lists are derived with PrefixList.withChanges, so the compiler sees the exact difference the
 * way it does for PATCH /v1/sets/:name.
 */
export function planSetPatch(rs: Ruleset, set: string, n: number): SetPatch {
  const list = rs.sets.get(set);
  if (!list) throw new Error(`no set ${set}`);
  const half = n >> 1;
  const { addr, len } = list.v4();
  const removed = new PrefixList();
  for (let i = 0; i < half; i++) removed.addV4(addr[i], len[i]);
  const fresh = new PrefixList();
  const c = randomV4Set(new BenchRng(99), half * 4).v4();
  for (let i = 0; i < c.len.length && fresh.countV4 < half; i++) {
    if (!list.has({ family: 4, words: [c.addr[i]], len: c.len[i] })) fresh.addV4(c.addr[i], c.len[i]);
  }
  if (fresh.countV4 < half) throw new Error('could not find enough new prefixes for the set patch');
  const derive = (cur: Ruleset, add: PrefixList, remove: PrefixList): Ruleset => {
    const sets = new Map(cur.sets);
    sets.set(set, cur.sets.get(set)!.withChanges(add, remove));
    return { ...cur, sets };
  };
  return {
    add: fresh.toStrings(),
    remove: removed.toStrings(),
    forward: (cur) => derive(cur, fresh, removed),
    back: (cur) => derive(cur, removed, fresh),
  };
}
