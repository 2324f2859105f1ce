// Tests of the expected-counter model (test/lib/counters.ts).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpectedCounters } from './lib/counters';

describe('ExpectedCounters', () => {
  it('counts packets and whole-frame bytes per rule, default, malformed reason, bypass kind and interface verdict', () => {
    const c = new ExpectedCounters();
    c.record({ kind: 'rule', ruleIndex: 2, ruleId: 'ssh', verdict: 'drop' }, 60, 'eth0');
    c.record({ kind: 'rule', ruleIndex: 2, ruleId: 'ssh', verdict: 'drop' }, 74, 'eth1');
    c.record({ kind: 'rule', ruleIndex: 0, ruleId: 'web', verdict: 'pass' }, 100, 'eth0');
    c.record({ kind: 'default', verdict: 'pass' }, 64, 'eth0');
    c.record({ kind: 'malformed', reason: 'ihl', verdict: 'drop' }, 34, 'eth0');
    c.record({ kind: 'malformed', reason: 'ext_header', verdict: 'drop' }, 90, 'eth0');
    c.record({ kind: 'bypass', bypass: 'non_ip', verdict: 'pass' }, 42, 'eth1');
    c.record({ kind: 'bypass', bypass: 'non_ip', verdict: 'drop' }, 60, 'eth1');
    c.record({ kind: 'bypass', bypass: 'ndp', verdict: 'pass' }, 86, 'eth0');

    assert.deepEqual(c.snapshot(), {
      rules: { 0: { packets: 1, bytes: 100 }, 2: { packets: 2, bytes: 134 } },
      default: { packets: 1, bytes: 64 },
      malformed: { packets: 2, bytes: 124 },
      malformedByReason: { ext_header: { packets: 1, bytes: 90 }, ihl: { packets: 1, bytes: 34 } },
      bypass: { non_ip: { packets: 2, bytes: 102 }, ndp: { packets: 1, bytes: 86 } },
      interfaces: {
        eth0: { pass: { packets: 3, bytes: 250 }, drop: { packets: 3, bytes: 184 } },
        eth1: { pass: { packets: 1, bytes: 42 }, drop: { packets: 2, bytes: 134 } },
      },
    });
    assert.deepEqual(c.rule(2), { packets: 2, bytes: 134 });
    assert.deepEqual(c.rule(1), { packets: 0, bytes: 0 });
  });

  it('returns copies: a snapshot does not move with later packets', () => {
    const c = new ExpectedCounters();
    c.record({ kind: 'default', verdict: 'drop' }, 60, 'eth0');
    const before = c.snapshot();
    c.record({ kind: 'default', verdict: 'drop' }, 60, 'eth0');
    assert.equal(before.default.packets, 1);
    assert.equal(c.snapshot().default.packets, 2);
  });
});
