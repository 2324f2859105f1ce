// Crash safety: the daemon is killed with -9 at random points of an apply, 50 times. After every
// kill the state file is whole and holds the old or the new generation, the attached program
// classifies every probe under one of the two rulesets (never a mix), a restart without --rules
// restores exactly the state file's ruleset and generation into the data path, and the next
// change works.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfProgram, xdpQuery } from '../native/lib';
import { XDP_DROP, XDP_PASS } from '../src/dataplane/layout';
import { StateStore } from '../src/service/state-store';
import { buildFrame } from './lib/packet';
import { isRoot } from './lib/netdev';
import { Rng } from './lib/rng';
import { TestEnv, type DaemonProcess } from './lib/daemon-process';

const ROUNDS = Number(process.env.XDPFW_KILL_ROUNDS ?? 50);

/** A filler set big enough that an apply takes a while, so kills land inside it. */
const filler = Array.from({ length: 20_000 }, (_, i) => `100.${64 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`);

// Ruleset A drops 192.0.2.0/24, B drops 198.51.100.0/24: a probe pair answers A, B, or a mix.
const RULESETS = {
  A: { default: 'pass', sets: { block: ['192.0.2.0/24', ...filler] }, rules: [{ id: 'block', src: '@block', action: 'drop' }] },
  B: { default: 'pass', sets: { block: ['198.51.100.0/24', ...filler] }, rules: [{ id: 'block', src: '@block', action: 'drop' }] },
} as const;

const probes = {
  a: buildFrame({ ip: { kind: 'ipv4', src: '192.0.2.10', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 5, dport: 53 } }),
  b: buildFrame({ ip: { kind: 'ipv4', src: '198.51.100.10', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 5, dport: 53 } }),
};

let env: TestEnv;
before(() => {
  if (isRoot()) env = new TestEnv('killapply');
});
after(async () => {
  await env?.cleanup();
});

/** Which ruleset the attached program enforces, from the two probes. */
function enforced(): 'A' | 'B' | 'mix' {
  const prog = BpfProgram.fromId(xdpQuery(env.veth.ifindexA).progId);
  try {
    const run = (f: Buffer) => prog.testRun({ data: f, ingressIfindex: env.veth.ifindexA }).retval;
    const a = run(probes.a);
    const b = run(probes.b);
    if (a === XDP_DROP && b === XDP_PASS) return 'A';
    if (a === XDP_PASS && b === XDP_DROP) return 'B';
    return 'mix';
  } finally {
    prog.close();
  }
}

function stateOnDisk(): { generation: number; which: 'A' | 'B' } {
  const state = new StateStore(env.stateDir).load()!;
  const first = (state.ruleset.sets?.block as string[])[0];
  return { generation: state.generation, which: first === '192.0.2.0/24' ? 'A' : 'B' };
}

test(`kill -9 at random points of an apply, ${ROUNDS} times: never torn, never mixed, always recoverable`, { skip: !isRoot() && 'needs root (XDP, bpffs)', timeout: 600_000 }, async () => {
  const rng = new Rng(9);
  const rulesFile = env.writeRules('a.json', RULESETS.A);
  let daemon: DaemonProcess = await env.start(['--rules', rulesFile]);
  let landedNew = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const before = stateOnDisk();
    const next = before.which === 'A' ? 'B' : 'A';
    const put = daemon.api('PUT', '/v1/ruleset', RULESETS[next]).catch(() => undefined);
    await new Promise((r) => setTimeout(r, rng.int(0, 120)));
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    await put;

    const after = stateOnDisk();
    const where = `round ${round}: state before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`;
    if (after.generation === before.generation) assert.equal(after.which, before.which, where);
    else {
      assert.equal(after.generation, before.generation + 1, where);
      assert.equal(after.which, next, where);
      landedNew++;
    }
    // Without a daemon the pinned program still filters, under one whole ruleset.
    assert.notEqual(enforced(), 'mix', where);

    daemon = await env.start([]);
    const { body, headers } = await daemon.api<{ sets: { block: string[] } }>('GET', '/v1/ruleset');
    assert.equal(headers.etag, `"${after.generation}"`, where);
    assert.equal(body.sets.block[0], after.which === 'A' ? '192.0.2.0/24' : '198.51.100.0/24', where);
    assert.equal(enforced(), after.which, `${where}: the restart must put the state file's ruleset in force`);
  }
  // The next change after all that works.
  const { status, body } = await daemon.api<{ generation: number }>('PUT', '/v1/ruleset', RULESETS.A);
  assert.equal(status, 200);
  assert.equal(body.generation, stateOnDisk().generation);
  assert.equal(enforced(), 'A');
  // Kills landed on both sides of the commit point, or the test proved nothing.
  assert.ok(landedNew > 0 && landedNew < ROUNDS, `new generation landed in ${landedNew} of ${ROUNDS} rounds`);
  await daemon.stop();
});
