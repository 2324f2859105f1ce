// REST edits are validated alone and applied to the model in force (not re-parsed whole), and
// persisted as journal lines. Both shortcuts must land where the long way does: after random
// sequences of edits, the service's model equals a fresh parse of the JSON it serves, and the
// state a restart loads (snapshot + journal) equals that JSON too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { PrefixList } from '../src/ruleset/address';
import type { Rule, RuleJson, Ruleset, RulesetJson } from '../src/ruleset/model';
import { parseRuleset } from '../src/ruleset/validate';
import { StateStore } from '../src/service/state-store';
import { isRoot } from './lib/netdev';
import { Rng } from './lib/rng';
import { caller, serviceFixture } from './lib/service-fixture';

const ROUNDS = 6;
const EDITS = 40;

// A few spellings per prefix, so PATCH removals must match members spelled otherwise.
const POOL = [
  ['10.0.0.1', '10.0.0.1/32'],
  ['10.1.0.0/16'],
  ['192.0.2.0/24'],
  ['198.51.100.0/25'],
  ['203.0.113.7', '203.0.113.7/32'],
  ['2001:db8::/32', '2001:DB8::/32'],
  ['2001:db8:1::1', '2001:db8:1:0:0:0:0:1/128'],
  ['fd00::/8'],
];

const sorted = (list: PrefixList) => list.toStrings().sort();
const plainRule = (r: Rule) => ({
  ...r,
  src: r.src && { sets: r.src.sets, prefixes: sorted(r.src.prefixes) },
  dst: r.dst && { sets: r.dst.sets, prefixes: sorted(r.dst.prefixes) },
});
const plainModel = (m: Ruleset) => ({
  ...m,
  sets: Object.fromEntries([...m.sets].map(([name, list]) => [name, sorted(list)])),
  rules: m.rules.map(plainRule),
});

function randomRule(rng: Rng, id: string): RuleJson {
  const rule: RuleJson = { id, action: rng.chance(0.5) ? 'drop' : 'pass' };
  if (rng.chance(0.5)) rule.src = rng.chance(0.5) ? `@${rng.pick(['a', 'b'])}` : rng.pick(POOL)[0];
  if (rng.chance(0.5)) rule.proto = rng.pick(['tcp', 'udp']);
  if (rule.proto && rng.chance(0.5)) rule.dport = 1 + rng.int(0, 999);
  if (rng.chance(0.25)) rule.enabled = false;
  return rule;
}

function members(rng: Rng, n: number): string[] {
  return Array.from({ length: n }, () => {
    const spellings = rng.pick(POOL);
    return spellings[rng.int(0, spellings.length - 1)];
  });
}

for (const [mode, journalFrom] of [['snapshots', undefined], ['journal', 0]] as const) {
test(`random REST edits (${mode}): the model in force equals a fresh parse of the served ruleset; a restart loads the same`, { skip: !isRoot() && 'needs root (BPF maps)', timeout: 300_000 }, async (t) => {
  const fx = serviceFixture({ journalFrom });
  t.after(() => fx.close());
  const rng = new Rng(2024);
  let nextId = 0;
  let replayed = 0;
  for (let round = 0; round < ROUNDS; round++) {
    await fx.service.replaceRuleset({ sets: { a: members(rng, 4), b: [] }, rules: [randomRule(rng, `r${nextId++}`)] }, caller);
    for (let e = 0; e < EDITS; e++) {
      const ids = fx.service.rules().rules.map((r) => r.id);
      const kind = rng.int(0, 5);
      try {
        if (kind === 0 || ids.length === 0) await fx.service.addRule(randomRule(rng, `r${nextId++}`), rng.chance(0.5) && ids.length > 0 ? { before: rng.pick(ids) } : {}, caller);
        else if (kind === 1) await fx.service.replaceRule(rng.pick(ids), randomRule(rng, 'x'), caller);
        else if (kind === 2) await fx.service.deleteRule(rng.pick(ids), caller);
        else if (kind === 3) await fx.service.replaceSet(rng.pick(['a', 'b']), { elements: members(rng, rng.int(0, 4)) }, caller);
        else await fx.service.patchSet(rng.pick(['a', 'b']), { add: members(rng, rng.int(0, 2)), remove: members(rng, rng.int(0, 2)) }, caller);
      } catch (err) {
        // A replace whose body id differs from the path, or add and remove naming one prefix.
        assert.match(String((err as Error).message), /id in the path|add and remove/);
      }
    }
    const served = fx.service.ruleset().json;
    const fresh = parseRuleset(structuredClone(served), { allowFileSets: false, knownIfaces: ['eth0', 'eth1'] });
    assert.ok(fresh.ok, JSON.stringify(fresh));
    const inForce = (fx.service as unknown as { inForce: { model: Ruleset } }).inForce.model;
    assert.deepEqual(plainModel(inForce), plainModel(fresh.ruleset), `round ${round}: the edited model`);
    for (const name of ['a', 'b']) {
      const got = fx.service.set(name);
      assert.deepEqual(new Set(got.elements).size, got.count, `round ${round}: set ${name} lists a prefix twice`);
    }
    if (journalFrom === undefined) {
      // A small state: every change rewrote state.json whole (CONTRACT section 4).
      assert.equal(fs.existsSync(fx.store.journal), false);
      assert.equal(JSON.parse(fs.readFileSync(fx.store.file, 'utf8')).generation, fx.service.generation());
    }
    if (fs.existsSync(fx.store.journal)) replayed++;
    const loaded = new StateStore(fx.stateDir).load()!;
    assert.equal(loaded.generation, fx.service.generation());
    assert.deepEqual(loaded.ruleset, JSON.parse(JSON.stringify(served)) as RulesetJson, `round ${round}: the state a restart loads`);
  }
  if (journalFrom === 0) assert.ok(replayed > 0, 'no round ended with journal lines to replay');
});
}

test('a REST edit is refused exactly when PUT of the ruleset it would make is, with the same error', { skip: !isRoot() && 'needs root (BPF maps)', timeout: 300_000 }, async (t) => {
  const fx = serviceFixture();
  t.after(() => fx.close());
  const full = { sets: { a: ['10.0.0.0/8'] }, rules: Array.from({ length: 4095 }, (_, i): RuleJson => ({ id: `r${i}`, proto: 'tcp', dport: 1 + (i % 60000), action: 'drop' })) };
  await fx.service.replaceRuleset(full, caller);
  const v6 = Array.from({ length: 250_001 }, (_, i) => `2001:db8:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`);
  const code = async (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));
  const cases: [string, () => Promise<unknown>, RulesetJson][] = [
    ['an unknown set', () => fx.service.addRule({ id: 'x', src: '@nope', action: 'drop' }, {}, caller), { ...full, rules: [...full.rules, { id: 'x', src: '@nope', action: 'drop' }] }],
    ['an unknown interface', () => fx.service.addRule({ id: 'x', iface: 'eth9', action: 'drop' }, {}, caller), { ...full, rules: [...full.rules, { id: 'x', iface: 'eth9', action: 'drop' }] }],
    ['a duplicate id', () => fx.service.addRule({ id: 'r7', action: 'drop' }, { before: 'r3' }, caller), { ...full, rules: [...full.rules.slice(0, 3), { id: 'r7', action: 'drop' }, ...full.rules.slice(3)] }],
    ['the 4,097th rule', async () => {
      await fx.service.addRule({ id: 'last', action: 'pass' }, {}, caller);
      return fx.service.addRule({ id: 'over', action: 'pass' }, { after: 'r0' }, caller);
    }, { ...full, rules: [full.rules[0], { id: 'over', action: 'pass' }, ...full.rules.slice(1), { id: 'last', action: 'pass' }] }],
    ['250,001 IPv6 set prefixes', () => fx.service.replaceSet('a', { elements: v6 }, caller), { ...full, sets: { a: v6 }, rules: [...full.rules, { id: 'last', action: 'pass' }] }],
  ];
  for (const [what, edit, whole] of cases) {
    const before = fx.service.ruleset();
    const viaEdit = await code(edit());
    const after = fx.service.ruleset();
    const viaPut = await code(fx.service.replaceRuleset(whole, caller));
    assert.notEqual(viaEdit, 'ok', `${what}: the edit was accepted`);
    assert.equal(viaEdit, viaPut, `${what}: edit ${viaEdit}, PUT ${viaPut}`);
    if (what !== 'the 4,097th rule') assert.equal(after.generation, before.generation, `${what}: the generation moved`);
  }
});
