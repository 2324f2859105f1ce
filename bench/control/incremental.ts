// Incremental changes on the largest ruleset (4,096 rules + 1M IPv4 + 250k IPv6 prefixes): a
// 1,000-element set patch (500 members removed, 500 added, made with PrefixList.withChanges as the
// daemon does), a one-rule change right after it (the idle copy still holds the generation
// before the patch), and a one-rule change in steady state. Compile + apply, medians of trials.
// Changes follow each other at once, so apply first waits for the rest of the RCU grace period
// the previous one started (it runs on a native thread after each flip): shown on its own line.
//
//   npx tsx bench/control/incremental.ts [trials=9]

import { DataPlane } from '../../src/dataplane/dataplane';
import type { Prefix } from '../../src/ruleset/address';
import type { Rule, Ruleset } from '../../src/ruleset/model';
import { BenchRng } from '../lib/rng';
import { formatSummary, summarize } from '../lib/stats';
import { buildWorkload, randomV4Set } from '../lib/workload';

const trials = Number(process.argv[2] ?? 9);
const PATCH = 1000;
const SET = 'block4';
const RULE = 'r100';

const ms = () => performance.now();
const t0 = ms();
const base = buildWorkload(4096, 1_000_000, 250_000).ruleset;
console.log(`workload built in ${(ms() - t0).toFixed(0)} ms`);

const dp = DataPlane.open({ pinDir: null });
const rng = new BenchRng(4242);
const figures = new Map<string, number[]>();
const record = (name: string, value: number) => (figures.get(name) ?? figures.set(name, []).get(name)!).push(value);

/** Compile + apply, timed in parts. */
function change(name: string, rs: Ruleset): void {
  const a = ms();
  const compiled = dp.compile(rs);
  const b = ms();
  // What apply would wait first: the grace period the previous change started (back to back here).
  dp.settle();
  const wait = ms() - b;
  dp.apply(compiled);
  const c = ms();
  record(`${name}: compile`, b - a);
  record(`${name}: apply`, c - b);
  record(`${name}:   of which the previous grace period`, wait);
  record(`${name}: total`, c - a);
  const w = dp.lastAddressWrite();
  record(`${name}: tables v4 ${w[4]}, v6 ${w[6]}`, 1);
}

/** Half the patch removes random members, half adds new random prefixes. */
function patched(rs: Ruleset): { rs: Ruleset; withChangesMs: number } {
  const list = rs.sets.get(SET)!;
  const { addr, len } = list.v4();
  const picked = new Set<number>();
  while (picked.size < PATCH / 2) picked.add(rng.u32() % len.length);
  const removed = [...picked].map((j): Prefix => ({ family: 4, words: [addr[j]], len: len[j] }));
  const added = [...randomV4Set(rng, PATCH)].filter((p) => !list.has(p)).slice(0, PATCH / 2);
  const a = ms();
  const next = list.withChanges(added, removed);
  const withChangesMs = ms() - a;
  return { rs: { ...rs, sets: new Map([...rs.sets, [SET, next]]) }, withChangesMs };
}

let port = 20000;
function ruleEdited(rs: Ruleset): Ruleset {
  const lo = port++;
  return { ...rs, rules: rs.rules.map((r): Rule => (r.id === RULE ? { ...r, dport: [{ lo, hi: lo }] } : r)) };
}

try {
  let rs = base;
  change('first compile + apply (from scratch)', rs);
  change('second (the other copy, from scratch)', rs);
  for (let t = 0; t < trials; t++) {
    const p = patched(rs);
    record('PrefixList.withChanges (daemon side)', p.withChangesMs);
    rs = p.rs;
    change(`set patch (${PATCH} elements)`, rs);
    rs = ruleEdited(rs);
    change('one-rule change right after a set patch', rs);
    rs = ruleEdited(rs);
    change('one-rule change (steady)', rs);
  }
  console.log(`\nmedian (min–max) of ${trials} trials, ms\n`);
  for (const [name, values] of figures) {
    if (name.includes('tables')) console.log(`  ${name}: ${values.length}x`);
    else console.log(`  ${name.padEnd(68)} ${formatSummary(summarize(values))}`);
  }
} finally {
  dp.close();
}
