// Section 3 edge cases that take more than one frame or one ruleset: disabled rules keep their
// counters and continue when re-enabled (3.1 + section 4), the same frame on two interfaces,
// first match under a reordered ruleset, an empty set gaining members (3.2). Each test runs on
// fresh unpinned maps, so counters are asserted as absolute values.

import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleJson, Ruleset, RulesetJson } from '../src/ruleset/model';
import { BpfHarness, classify, retvalVerdict } from './lib/bpf-harness';
import { isRoot } from './lib/netdev';
import { buildFrame } from './lib/packet';
import type { Outcome } from './lib/reference';
import { rulesetJsonToModel } from './lib/ruleset-json';
import { tcp, udp, v4 } from './lib/section3/dsl';

const FROM_TEST_NET = buildFrame(v4(udp(), { src: '192.0.2.10' }));
const SSH_SYN = buildFrame(v4(tcp(22)));

let h: BpfHarness;

function apply(json: RulesetJson): Ruleset {
  const model = rulesetJsonToModel(json);
  h.apply(model);
  return model;
}

/** Sends a frame; the kernel (verdict and explain) and the reference must both say `want`. */
function send(model: Ruleset, frame: Buffer, iface: string, want: Partial<Outcome>): void {
  const got = h.explain(frame, iface);
  assert.deepEqual(classify(model, frame, iface), got, 'reference vs kernel');
  for (const [k, v] of Object.entries(want)) assert.equal((got as Record<string, unknown>)[k], v, `${k} of ${JSON.stringify(got)}`);
  assert.equal(retvalVerdict(h.run(frame, iface)), got.verdict);
}

function ruleCount(model: Ruleset, id: string): { packets: number; bytes: number } {
  const view = h.counterView();
  const c = view.rules.get(model.rules.findIndex((r) => r.id === id));
  assert.ok(c, `no counter for ${id}`);
  return c;
}

describe('section 3 sequences', { skip: !isRoot() && 'needs root (BPF)' }, () => {
  beforeEach(() => {
    h = new BpfHarness(['eth0', 'eth1']);
  });
  afterEach(() => h?.close());

  it('a disabled rule is skipped but keeps its counters; re-enabled, they continue', () => {
    const rules = (enabled: boolean): RuleJson[] => [
      { id: 'block', src: '192.0.2.0/24', action: 'drop', enabled },
      { id: 'rest', action: 'pass' },
    ];
    const len = FROM_TEST_NET.length;
    let model = apply({ rules: rules(true) });
    send(model, FROM_TEST_NET, 'eth0', { kind: 'rule', ruleId: 'block', verdict: 'drop' });
    send(model, FROM_TEST_NET, 'eth0', { kind: 'rule', ruleId: 'block', verdict: 'drop' });
    assert.deepEqual(ruleCount(model, 'block'), { packets: 2, bytes: 2 * len });

    model = apply({ rules: rules(false) });
    send(model, FROM_TEST_NET, 'eth0', { kind: 'rule', ruleId: 'rest', verdict: 'pass' });
    assert.deepEqual(ruleCount(model, 'block'), { packets: 2, bytes: 2 * len }, 'disabled: kept, not moved');
    assert.deepEqual(ruleCount(model, 'rest'), { packets: 1, bytes: len });

    model = apply({ rules: rules(true) });
    send(model, FROM_TEST_NET, 'eth0', { kind: 'rule', ruleId: 'block', verdict: 'drop' });
    assert.deepEqual(ruleCount(model, 'block'), { packets: 3, bytes: 3 * len }, 're-enabled: continues');
    assert.deepEqual(ruleCount(model, 'rest'), { packets: 1, bytes: len });
  });

  it('a rule removed and added again starts a new series', () => {
    let model = apply({ rules: [{ id: 'block', src: '192.0.2.0/24', action: 'drop' }] });
    send(model, FROM_TEST_NET, 'eth0', { ruleId: 'block' });
    model = apply({ rules: [{ id: 'other', proto: 'tcp', action: 'drop' }] });
    send(model, FROM_TEST_NET, 'eth0', { kind: 'default' });
    model = apply({ rules: [{ id: 'other', proto: 'tcp', action: 'drop' }, { id: 'block', src: '192.0.2.0/24', action: 'drop' }] });
    assert.deepEqual(ruleCount(model, 'block'), { packets: 0, bytes: 0 });
    send(model, FROM_TEST_NET, 'eth0', { ruleId: 'block' });
    assert.deepEqual(ruleCount(model, 'block'), { packets: 1, bytes: FROM_TEST_NET.length });
  });

  it('the same frame on two interfaces: iface rules and per-interface counters', () => {
    const model = apply({
      default: 'pass',
      rules: [
        { id: 'ssh-eth1', iface: 'eth1', proto: 'tcp', dport: 22, action: 'drop' },
        { id: 'ssh-both', iface: ['eth0', 'eth1'], proto: 'tcp', dport: 22, action: 'pass' },
      ],
    });
    const len = SSH_SYN.length;
    send(model, SSH_SYN, 'eth0', { ruleId: 'ssh-both', verdict: 'pass' });
    send(model, SSH_SYN, 'eth0', { ruleId: 'ssh-both', verdict: 'pass' });
    send(model, SSH_SYN, 'eth1', { ruleId: 'ssh-eth1', verdict: 'drop' });
    // An interface the ruleset does not name (loopback here) reaches the default.
    send(model, SSH_SYN, 'lo', { kind: 'default', verdict: 'pass' });
    const view = h.counterView();
    const zero = { packets: 0, bytes: 0 };
    assert.deepEqual(view.ifaces.get('eth0'), { pass: { packets: 2, bytes: 2 * len }, drop: zero });
    assert.deepEqual(view.ifaces.get('eth1'), { pass: zero, drop: { packets: 1, bytes: len } });
    assert.deepEqual(view.ifaces.get('other'), { pass: { packets: 1, bytes: len }, drop: zero });
    assert.deepEqual(ruleCount(model, 'ssh-eth1'), { packets: 1, bytes: len });
    assert.deepEqual(ruleCount(model, 'ssh-both'), { packets: 2, bytes: 2 * len });
  });

  it('first match follows the order of the ruleset in force', () => {
    const a: RuleJson = { id: 'a', proto: 'udp', action: 'drop' };
    const b: RuleJson = { id: 'b', src: '192.0.2.0/24', action: 'pass' };
    let model = apply({ rules: [a, b] });
    send(model, FROM_TEST_NET, 'eth0', { ruleId: 'a', verdict: 'drop' });
    model = apply({ rules: [b, a] });
    send(model, FROM_TEST_NET, 'eth0', { ruleId: 'b', verdict: 'pass' });
    assert.deepEqual([ruleCount(model, 'a').packets, ruleCount(model, 'b').packets], [1, 1]);
  });

  it('a rule on an empty set matches nothing until the set has members', () => {
    const withSet = (members: string[]): RulesetJson => ({ default: 'pass', sets: { feed: members }, rules: [{ id: 'feed', src: '@feed', action: 'drop' }] });
    let model = apply(withSet([]));
    send(model, FROM_TEST_NET, 'eth0', { kind: 'default', verdict: 'pass' });
    model = apply(withSet(['192.0.2.10/32', '2001:db8::/32']));
    send(model, FROM_TEST_NET, 'eth0', { kind: 'rule', ruleId: 'feed', verdict: 'drop' });
    model = apply(withSet(['2001:db8::/32']));
    send(model, FROM_TEST_NET, 'eth0', { kind: 'default', verdict: 'pass' });
    assert.deepEqual(ruleCount(model, 'feed'), { packets: 1, bytes: FROM_TEST_NET.length });
  });
});
