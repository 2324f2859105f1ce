// Atomicity (CONTRACT section 4): while the service swaps rulesets (or patches a set) hundreds
// of times, another process classifies packets continuously through BPF_PROG_TEST_RUN on the
// same pinned maps. Every answer must be exactly the old or the new generation's.
//
// The rulesets are built so that a packet classified by a mix of the two generations' tables
// gets a third answer: A and B order the same three rules differently AND differ in a set's
// members, so e.g. A's rule table read with B's bitmaps names another rule (or another priority),
// and A's address classes read with B's bitmaps match nothing. The probe records the raw decision
// (outcome, priority, counter slot, verdict) of the explain twin, which classifies exactly like
// the counting program and shares its maps.
//
// The probe is this same file run as a child process with XDPFW_PROBE set.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataPlane } from '../src/dataplane/dataplane';
import { TEST_MAP_SIZES } from './lib/bpf-harness';
import { buildFrame } from './lib/packet';
import { isRoot } from './lib/netdev';
import { removeStaleTestMounts } from './lib/daemon-process';
import { caller, serviceFixture, type ServiceFixture } from './lib/service-fixture';

const SWAPS = 200;

// In the probe process nothing else of this file may run: node:test would run the tests below
// in it too (and they start probes).
const isProbe = process.env.XDPFW_PROBE !== undefined;
if (isProbe) {
  runProbe();
  process.exit(0);
}

/** Child: classify the frames round-robin until the stop file appears; print tallies. */
function runProbe(): void {
  const { pinDir, stopFile, frames } = JSON.parse(process.env.XDPFW_PROBE as string) as { pinDir: string; stopFile: string; frames: string[] };
  const dp = DataPlane.open({ pinDir });
  if (!dp.adopted) throw new Error('probe: the maps were not adopted from the pins');
  const buffers = frames.map((hex) => Buffer.from(hex, 'hex'));
  const tallies = buffers.map(() => new Map<string, number>());
  let rounds = 0;
  // The loop never yields to the event loop: it polls for its own end, and gives up when the
  // test that started it is gone (re-parented) or after a minute, so no probe outlives its test.
  const parent = process.ppid;
  const deadline = Date.now() + 60_000;
  process.stdout.write('ready\n');
  for (;;) {
    for (let i = 0; i < buffers.length; i++) {
      const e = dp.explain(buffers[i]);
      const key = decisionKey(e);
      tallies[i].set(key, (tallies[i].get(key) ?? 0) + 1);
    }
    if (++rounds % 128 === 0 && (fs.existsSync(stopFile) || process.ppid !== parent || Date.now() > deadline)) break;
  }
  process.stdout.write(JSON.stringify({ rounds, tallies: tallies.map((t) => Object.fromEntries(t)) }) + '\n');
  dp.close();
}

function decisionKey(e: { outcome: number; detail: number; slot: number; drop: boolean }): string {
  return `outcome=${e.outcome} priority=${e.detail} slot=${e.slot} ${e.drop ? 'drop' : 'pass'}`;
}

/** Probes still running (killed in `after` if a test failed before stopping its probe). */
const probes = new Set<ReturnType<typeof spawn>>();

interface Probe {
  stop(): Promise<{ rounds: number; tallies: Record<string, number>[] }>;
}

async function startProbe(pinDir: string, frames: Buffer[]): Promise<Probe> {
  const stopFile = path.join(os.tmpdir(), `xdpfw-probe-stop-${process.pid}-${Date.now()}`);
  const env = { ...process.env, XDPFW_PROBE: JSON.stringify({ pinDir, stopFile, frames: frames.map((f) => f.toString('hex')) }) };
  const argv = __filename.endsWith('.ts') ? ['--import', 'tsx', __filename] : [__filename];
  const child = spawn(process.execPath, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  probes.add(child);
  void exited.then(() => probes.delete(child));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.startsWith('ready\n')) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
    void exited.then((code) => {
      clearInterval(timer);
      reject(new Error(`probe exited (${code}) before it was ready: ${err}`));
    });
  });
  return {
    async stop() {
      fs.writeFileSync(stopFile, '');
      const code = await exited;
      fs.rmSync(stopFile, { force: true });
      assert.equal(code, 0, `probe failed: ${err}`);
      return JSON.parse(out.split('\n')[1]);
    },
  };
}

const skip = isProbe ? 'probe process' : isRoot() ? false : 'needs root (BPF maps, bpffs)';

describe('atomic generations under continuous classification', { skip }, () => {
  let mount: string;
  let fx: ServiceFixture;
  let dp: DataPlane;

  before(() => {
    removeStaleTestMounts();
    mount = `/run/xdpfw-test-${process.pid}`;
    fs.mkdirSync(mount, { recursive: true });
    execFileSync('mount', ['-t', 'bpf', 'bpf', mount]);
    dp = DataPlane.open({ pinDir: path.join(mount, 'pins'), maxEntries: TEST_MAP_SIZES });
    fx = serviceFixture({ dp });
  });
  after(() => {
    for (const child of probes) child.kill('SIGKILL');
    fx?.close();
    dp?.close();
    execFileSync('umount', [mount]);
    fs.rmdirSync(mount);
  });

  const frame = (src: string, dst = '198.51.100.1') =>
    buildFrame({ ip: { kind: 'ipv4', src, dst }, l4: { kind: 'tcp', sport: 40000, dport: 80, flags: 0x02 } });

  test(`${SWAPS} whole-ruleset swaps: every packet sees A or B, never a mix`, async () => {
    const A = {
      default: 'pass',
      sets: { s: ['10.1.0.0/16'] },
      rules: [
        { id: 'n', dst: '192.0.2.0/24', action: 'drop' },
        { id: 'm', src: '@s', action: 'drop' },
        { id: 'p', proto: 'tcp', dport: 80, action: 'pass' },
      ],
    };
    const B = { default: 'drop', sets: { s: [] }, rules: [A.rules[2], A.rules[0], A.rules[1]] };
    const P = frame('10.1.2.3');
    // Settle the rule ids' counter slots, then take each generation's own answer.
    await fx.service.replaceRuleset(B, caller);
    await fx.service.replaceRuleset(A, caller);
    const expectA = decisionKey(dp.explain(P));
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '10.1.2.3', dst: '198.51.100.1', dport: 80 }), { rule: 'm', action: 'drop' });
    await fx.service.replaceRuleset(B, caller);
    const expectB = decisionKey(dp.explain(P));
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '10.1.2.3', dst: '198.51.100.1', dport: 80 }), { rule: 'p', action: 'pass' });
    assert.notEqual(expectA, expectB);

    const probe = await startProbe(path.join(mount, 'pins'), [P]);
    const g0 = fx.service.generation();
    for (let i = 0; i < SWAPS; i++) await fx.service.replaceRuleset(i % 2 === 0 ? A : B, caller);
    const { rounds, tallies } = await probe.stop();
    assert.equal(fx.service.generation(), g0 + SWAPS);

    const seen = tallies[0];
    const mixed = Object.entries(seen).filter(([key]) => key !== expectA && key !== expectB);
    assert.deepEqual(mixed, [], `packets classified by a mix of generations (A = ${expectA}, B = ${expectB})`);
    assert.ok((seen[expectA] ?? 0) > 0 && (seen[expectB] ?? 0) > 0, `the probe did not overlap the swaps: ${JSON.stringify(seen)}`);
    assert.ok(rounds > SWAPS, `only ${rounds} probe rounds`);
  });

  test(`${SWAPS} set patches: a prefix swapped for a nested one never leaves the set`, async () => {
    const C = {
      sets: { s: ['10.1.0.0/16', '172.16.0.0/12'] },
      rules: [
        { id: 'm', src: '@s', action: 'drop' },
        { id: 'p', proto: 'tcp', dport: 80, action: 'pass' },
      ],
    };
    await fx.service.replaceRuleset(C, caller);
    const inBoth = frame('10.1.2.3'); // in 10.1.0.0/16 and in 10.1.2.0/24: always in the set
    const inOne = frame('10.1.9.9'); // in the set only while it holds 10.1.0.0/16
    const always = frame('172.16.1.1');
    const m = decisionKey(dp.explain(inBoth));
    const outside = decisionKey(dp.explain(frame('10.9.9.9')));
    assert.notEqual(m, outside);

    const toNarrow = { add: ['10.1.2.0/24'], remove: ['10.1.0.0/16'] };
    const toWide = { add: ['10.1.0.0/16'], remove: ['10.1.2.0/24'] };
    const probe = await startProbe(path.join(mount, 'pins'), [inBoth, inOne, always]);
    for (let i = 0; i < SWAPS; i++) await fx.service.patchSet('s', i % 2 === 0 ? toNarrow : toWide, caller);
    const { tallies } = await probe.stop();

    assert.deepEqual(Object.keys(tallies[0]), [m], `a packet in both prefixes left the set mid-patch: ${JSON.stringify(tallies[0])}`);
    assert.deepEqual(Object.keys(tallies[2]), [m], `an untouched member left the set: ${JSON.stringify(tallies[2])}`);
    assert.deepEqual(Object.keys(tallies[1]).sort(), [m, outside].sort(), `the narrowed-out address saw a third answer: ${JSON.stringify(tallies[1])}`);
    assert.deepEqual(fx.service.set('s').elements.sort(), ['10.1.0.0/16', '172.16.0.0/12']);
  });
});
