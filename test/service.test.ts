// RulesetService beyond the HTTP surface: restoring the persisted state (same generation, same
// counter slots, the state file winning over the maps after a crash between persist and flip),
// counters that follow rule ids, the MetricsSource view, and the state file's format.

import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { RulesetJson } from '../src/ruleset/model';
import { parseRuleset } from '../src/ruleset/validate';
import { STATE_VERSION, StateFileError, StateStore } from '../src/service/state-store';
import { etagMatches } from '../src/service/ruleset-service';
import { buildFrame } from './lib/packet';
import { isRoot } from './lib/netdev';
import { caller, serviceFixture } from './lib/service-fixture';

const RS = {
  sets: { bad: ['192.0.2.0/24'] },
  rules: [
    { id: 'drop-bad', src: '@bad', action: 'drop' },
    { id: 'dns', proto: 'udp', dport: 53, action: 'pass' },
  ],
};
const badFrame = buildFrame({ ip: { kind: 'ipv4', src: '192.0.2.1', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 1, dport: 53 } });
const dnsFrame = buildFrame({ ip: { kind: 'ipv4', src: '10.0.0.9', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 1, dport: 53 } });

const skip = isRoot() ? false : 'needs root (BPF maps, veth)';

describe('RulesetService', { skip }, () => {
  test('a restarted service restores state: same ruleset, generation, slots, counters', async (t) => {
    const first = serviceFixture({ journalFrom: 0 });
    t.after(() => first.close());
    await first.service.replaceRuleset(RS, caller);
    await first.service.addRule({ id: 'web', proto: 'tcp', dport: 80, action: 'pass' }, { before: 'dns' }, caller);
    // Edits are journal lines after a snapshot (a new one whenever the journal outgrows it); the
    // restart replays them.
    await first.service.patchSet('bad', { add: ['198.51.100.7', '203.0.113.0/24'] }, caller);
    await first.service.patchSet('bad', { add: ['192.0.2.0/25'], remove: ['198.51.100.7/32'] }, caller);
    await first.service.addRule({ id: 'tmp', proto: 'gre', action: 'drop' }, {}, caller);
    await first.service.deleteRule('tmp', caller);
    assert.deepEqual(first.service.set('bad').elements, ['192.0.2.0/24', '203.0.113.0/24', '192.0.2.0/25']);
    for (let i = 0; i < 4; i++) first.dp.run(badFrame, first.ifindex.get('eth0'));
    const before = first.service.stats();
    assert.equal(before.rules[0].packets, 4);

    // A new service over the same maps and state dir: what a restarted daemon does.
    const second = serviceFixture({ dp: first.dp, veth: first.veth, stateDir: first.stateDir });
    const state = second.store.load();
    assert.ok(state);
    assert.equal(await second.service.restore(state), 6);
    assert.equal(second.service.generation(), 6);
    assert.deepEqual(second.service.ruleset().json, first.service.ruleset().json);
    assert.deepEqual(second.service.stats(), before);
    // New ids after the restore take free slots: the restored ones keep counting.
    await second.service.addRule({ id: 'new', action: 'pass', proto: 'gre' }, {}, caller);
    second.dp.run(badFrame, first.ifindex.get('eth0'));
    assert.equal(second.service.stats().rules[0].packets, 5);
    assert.equal(second.service.stats().rules.find((r) => r.id === 'new')?.packets, 0);
  });

  test('an edit refused after it was journalled is taken back from the state dir at once', async (t) => {
    const fx = serviceFixture({ journalFrom: 0 });
    t.after(() => fx.close());
    await fx.service.replaceRuleset(RS, caller);
    await fx.service.patchSet('bad', { add: ['198.51.100.0/24'] }, caller);
    // The kernel refuses after the state was written (persist runs just before the flip).
    const apply = fx.dp.apply.bind(fx.dp);
    fx.dp.apply = (compiled, beforeCommit) => apply(compiled, () => {
      beforeCommit?.();
      throw new Error('injected: refused after persist');
    });
    await assert.rejects(fx.service.patchSet('bad', { add: ['203.0.113.0/24'] }, caller), /injected/);
    fx.dp.apply = apply;
    assert.equal(fs.existsSync(fx.store.journal), false, 'a snapshot of the state in force replaced the journal');
    const mended = new StateStore(fx.stateDir).load()!;
    assert.equal(mended.generation, 2);
    assert.deepEqual(mended.ruleset, fx.service.ruleset().json, 'a restart now loads what GET serves');
    await fx.service.deleteRule('dns', caller);
    const state = new StateStore(fx.stateDir).load()!;
    assert.equal(state.generation, 3);
    assert.deepEqual(state.ruleset.sets, { bad: ['192.0.2.0/24', '198.51.100.0/24'] }, 'the refused patch is not in the state');
  });

  test('journalled edits of a ruleset without sets restart into the same ruleset (no "sets" appears)', async (t) => {
    const fx = serviceFixture({ journalFrom: 0 });
    t.after(() => fx.close());
    await fx.service.replaceRuleset({ rules: [RS.rules[1]] }, caller);
    await fx.service.addRule({ id: 'web', proto: 'tcp', dport: 80, action: 'pass' }, {}, caller);
    assert.ok(fs.existsSync(fx.store.journal));
    assert.deepEqual(new StateStore(fx.stateDir).load()!.ruleset, fx.service.ruleset().json);
  });

  test('after a crash between persist and flip, the state file wins', async (t) => {
    const fx = serviceFixture();
    t.after(() => fx.close());
    await fx.service.replaceRuleset(RS, caller);
    // The crash: generation 2 persisted, the maps still hold generation 1.
    const state = fx.store.load()!;
    fx.store.save({ ...state, generation: 2, ruleset: { ...RS, rules: [RS.rules[1]] } as unknown as RulesetJson });
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '192.0.2.1', dst: '10.0.0.1', proto: 'udp' }), { rule: 'drop-bad', action: 'drop' });

    const restarted = serviceFixture({ dp: fx.dp, veth: fx.veth, stateDir: fx.stateDir });
    await restarted.service.restore(restarted.store.load()!);
    assert.equal(restarted.service.generation(), 2);
    assert.deepEqual(restarted.service.explain({ iface: 'eth0', src: '192.0.2.1', dst: '10.0.0.1', proto: 'udp' }), { rule: null, action: 'pass' });
  });

  test('--rules over a stored state: the next generation, counters kept by id', async (t) => {
    const fx = serviceFixture();
    t.after(() => fx.close());
    await fx.service.replaceRuleset(RS, caller);
    await fx.service.patchSet('bad', { add: ['198.51.100.0/24'] }, caller);
    fx.dp.run(dnsFrame, fx.ifindex.get('eth0'));
    const stored = fx.store.load()!;
    const restarted = serviceFixture({ dp: fx.dp, veth: fx.veth, stateDir: fx.stateDir });
    const fromFile = parseRuleset({ rules: [RS.rules[1], RS.rules[0]], sets: RS.sets }, { allowFileSets: true });
    assert.equal(await restarted.service.applyParsed(fromFile, caller, stored), 3);
    assert.deepEqual(restarted.service.stats().rules.map((r) => [r.id, r.packets]), [['dns', 1], ['drop-bad', 0]]);
  });

  test('counters follow the rule id: reorder, disable, action change, removal', async (t) => {
    const fx = serviceFixture();
    t.after(() => fx.close());
    await fx.service.replaceRuleset(RS, caller);
    for (let i = 0; i < 3; i++) fx.dp.run(dnsFrame, fx.ifindex.get('eth0'));
    const dns = () => fx.service.stats().rules.find((r) => r.id === 'dns');
    await fx.service.replaceRuleset({ ...RS, rules: [RS.rules[1], RS.rules[0]] }, caller);
    assert.equal(dns()?.packets, 3);
    await fx.service.replaceRule('dns', { ...RS.rules[1], enabled: false }, caller);
    assert.equal(dns(), undefined, 'a disabled rule is not shown');
    assert.equal(fx.service.counters().rules.length, 1);
    await fx.service.replaceRule('dns', { ...RS.rules[1], action: 'drop' }, caller);
    assert.deepEqual(dns(), { id: 'dns', action: 'drop', packets: 3, bytes: 3 * dnsFrame.length });
    await fx.service.deleteRule('dns', caller);
    await fx.service.addRule({ id: 'dns', proto: 'udp', dport: 53, action: 'pass' }, {}, caller);
    assert.equal(dns()?.packets, 0, 'a removed id starts again from zero');
  });

  test('MetricsSource: generation, enabled rules, sets, counters, one onApply per change', async (t) => {
    const fx = serviceFixture();
    t.after(() => fx.close());
    const durations: number[] = [];
    fx.service.onApply((s) => durations.push(s));
    await fx.service.replaceRuleset({ ...RS, rules: [...RS.rules, { id: 'off', action: 'drop', enabled: false }] }, caller);
    await fx.service.patchSet('bad', { add: ['2001:db8::/32'] }, caller);
    await assert.rejects(fx.service.deleteRule('nope', caller));
    assert.equal(durations.length, 2);
    assert.ok(durations.every((d) => d > 0 && d < 10));
    assert.equal(fx.service.generation(), 2);
    assert.equal(fx.service.ruleCount(), 2);
    assert.deepEqual(fx.service.setSizes(), [{ name: 'bad', count: 2 }]);
    fx.dp.run(badFrame, fx.ifindex.get('eth1'));
    const c = fx.service.counters();
    assert.deepEqual(c.rules.map((r) => r.id), ['drop-bad', 'dns']);
    assert.equal(c.rules[0].packets, 1);
    assert.deepEqual(Object.keys(c.malformed).sort(), ['ext_header', 'ihl', 'ip_truncated', 'ip_version', 'l4_truncated', 'tiny_fragment']);
    assert.deepEqual(c.interfaces.map((i) => [i.name, i.drop.packets, i.pass.packets]), [['eth0', 0, 0], ['eth1', 1, 0]]);
    assert.deepEqual(c.default, { action: 'pass', packets: 0, bytes: 0 });
  });

  test('the state file: versioned, complete, replaced atomically, refused when damaged', async (t) => {
    const fx = serviceFixture();
    t.after(() => fx.close());
    await fx.service.replaceRuleset(RS, caller);
    const state = JSON.parse(fs.readFileSync(fx.store.file, 'utf8'));
    assert.equal(state.version, STATE_VERSION);
    assert.equal(state.generation, 1);
    assert.deepEqual(state.ruleset, RS);
    assert.deepEqual(Object.keys(state.slots).sort(), ['dns', 'drop-bad']);
    assert.deepEqual(state.ifaces.map((i: { name: string }) => i.name), ['eth0', 'eth1']);
    assert.equal(fs.statSync(fx.store.file).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(fx.stateDir), ['state.json']);

    const damaged = new StateStore(fx.stateDir);
    fs.writeFileSync(fx.store.file, '{"version": 1, "generation": 3, "rul');
    assert.throws(() => damaged.load(), StateFileError);
    fs.writeFileSync(fx.store.file, JSON.stringify({ ...state, version: 99 }));
    assert.throws(() => damaged.load(), /version 99/);
    fs.rmSync(fx.store.file);
    assert.equal(damaged.load(), null);
  });

  test('If-Match: quoted generation, weak form, lists, *', () => {
    assert.equal(etagMatches('"7"', 7), true);
    assert.equal(etagMatches('W/"7"', 7), true);
    assert.equal(etagMatches('"6", "7"', 7), true);
    assert.equal(etagMatches('*', 7), true);
    assert.equal(etagMatches('7', 7), false);
    assert.equal(etagMatches('"6"', 7), false);
    assert.equal(etagMatches('"70"', 7), false);
  });
});
