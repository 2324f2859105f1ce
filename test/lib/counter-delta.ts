// Compares what the data path's counters moved by (two CounterViews) with what an
// ExpectedCounters model says they should have moved by: every rule of the ruleset, the default,
// each malformed reason, each bypass kind and each interface verdict, so a packet counted in the
// wrong place fails as surely as one not counted.

import assert from 'node:assert/strict';
import type { CounterView } from './bpf-harness';
import type { ExpectedCounters } from './counters';

type Count = { packets: number; bytes: number };

const ZERO: Count = { packets: 0, bytes: 0 };

function delta(after: Count, before: Count): Count {
  return { packets: after.packets - before.packets, bytes: after.bytes - before.bytes };
}

export function assertCounterDeltas(beforeView: CounterView, afterView: CounterView, expected: ExpectedCounters, where: string): void {
  for (const [i, c] of afterView.rules) {
    assert.deepEqual(delta(c, beforeView.rules.get(i) ?? ZERO), expected.rule(i), `${where}: rule index ${i}`);
  }
  assert.deepEqual(delta(afterView.default, beforeView.default), expected.default, `${where}: default`);
  for (const [reason, c] of afterView.malformed) {
    const want = expected.malformedByReason.get(reason as never) ?? ZERO;
    assert.deepEqual(delta(c, beforeView.malformed.get(reason) ?? ZERO), want, `${where}: malformed ${reason}`);
  }
  assert.deepEqual(delta(afterView.nonIp, beforeView.nonIp), expected.bypass.non_ip, `${where}: bypass non_ip`);
  assert.deepEqual(delta(afterView.ndp, beforeView.ndp), expected.bypass.ndp, `${where}: bypass ndp`);
  for (const [name, v] of afterView.ifaces) {
    const want = expected.interfaces.get(name) ?? { pass: ZERO, drop: ZERO };
    const b = beforeView.ifaces.get(name) ?? { pass: ZERO, drop: ZERO };
    assert.deepEqual({ pass: delta(v.pass, b.pass), drop: delta(v.drop, b.drop) }, want, `${where}: interface ${name}`);
  }
}
