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
  ruleset: Ruleset;
  add: string[];
  remove: string[];
}

/** `set` patched: its first n/2 IPv4 prefixes removed, n/2 new ones added. */
export function withSetPatched(rs: Ruleset, set: string, n: number): SetPatch {
  const list = rs.sets.get(set);
  if (!list) throw new Error(`no set ${set}`);
  const half = n >> 1;
  const { addr, len } = list.v4();
  const removed = new PrefixList();
  for (let i = 0; i < half; i++) removed.addV4(addr[i], len[i]);
  const fresh = new PrefixList();
  const candidates = randomV4Set(new BenchRng(99), half * 4);
  const c = candidates.v4();
  for (let i = 0; i < c.len.length && fresh.countV4 < half; i++) {
    const p = { family: 4 as const, words: [c.addr[i]], len: c.len[i] };
    if (!list.has(p)) fresh.addV4(c.addr[i], c.len[i]);
  }
  if (fresh.countV4 < half) throw new Error('could not find enough new prefixes for the set patch');
  const patched = new PrefixList();
  for (let i = half; i < len.length; i++) patched.addV4(addr[i], len[i]);
  const f = fresh.v4();
  for (let i = 0; i < f.len.length; i++) patched.addV4(f.addr[i], f.len[i]);
  const v6 = list.v6();
  for (let i = 0; i < v6.len.length; i++) patched.add({ family: 6, words: Array.from(v6.addr.subarray(i * 4, i * 4 + 4)), len: v6.len[i] });
  const sets = new Map(rs.sets);
  sets.set(set, patched);
  return { ruleset: { ...rs, sets }, add: fresh.toStrings(), remove: removed.toStrings() };
}
