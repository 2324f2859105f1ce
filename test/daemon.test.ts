// `xdpfw run` as users run it, in the root namespaces on a test-made veth pair (generic XDP, no
// addresses): start, one daemon per interface, kill -9 with filtering going on, restart from the
// state file (same ruleset, same generation, counters not lower), --rules on restart, --watch
// and SIGHUP, and the start-up exit codes.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BpfMap, BpfProgram, xdpQuery } from '../native/lib';
import { ClientError } from '../src/api/client';
import { readCounters } from '../src/dataplane/counters';
import { mapsPinDir } from '../src/dataplane/maps';
import { XDP_DROP, XDP_PASS } from '../src/dataplane/layout';
import { StateStore } from '../src/service/state-store';
import { buildFrame } from './lib/packet';
import { isRoot } from './lib/netdev';
import { TestEnv, runCli, type DaemonProcess } from './lib/daemon-process';

const RULES = {
  default: 'pass',
  sets: { blocked: ['192.0.2.0/24'] },
  rules: [
    { id: 'drop-blocked', src: '@blocked', action: 'drop' },
    { id: 'ssh', proto: 'tcp', dport: 22, action: 'drop' },
  ],
};

const blockedFrame = buildFrame({ ip: { kind: 'ipv4', src: '192.0.2.10', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 5, dport: 53 } });
const otherFrame = buildFrame({ ip: { kind: 'ipv4', src: '10.9.9.9', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 5, dport: 53 } });

type Stats = { generation: number; rules: { id: string; packets: number; bytes: number }[]; default: { packets: number } };

const skip = isRoot() ? false : 'needs root (XDP, bpffs, veth)';

describe('xdpfw run: lifecycle', { skip }, () => {
  let env: TestEnv;
  let daemon: DaemonProcess;
  let rulesFile: string;

  before(async () => {
    env = new TestEnv('daemon');
    rulesFile = env.writeRules('rules.json', RULES);
  });
  after(async () => {
    await env?.cleanup();
  });

  /** Runs frames through the program attached to the interface, as arriving packets would be. */
  function sendThroughAttached(frame: Buffer, n: number): number {
    const { progId } = xdpQuery(env.veth.ifindexA);
    const prog = BpfProgram.fromId(progId);
    try {
      let retval = -1;
      for (let i = 0; i < n; i++) retval = prog.testRun({ data: frame, ingressIfindex: env.veth.ifindexA }).retval;
      return retval;
    } finally {
      prog.close();
    }
  }

  test('starts with --rules: attached in generic mode, generation 1, healthy', async () => {
    daemon = await env.start(['--rules', rulesFile]);
    const { body: status } = await daemon.api<{ generation: number; interfaces: { name: string; mode: string; prog_id: number; ours: boolean }[] }>('GET', '/v1/status');
    assert.equal(status.generation, 1);
    assert.deepEqual(status.interfaces.map((i) => [i.name, i.mode, i.ours]), [[env.veth.a, 'generic', true]]);
    const q = xdpQuery(env.veth.ifindexA);
    assert.equal(q.mode, 'generic');
    assert.equal(q.progId, status.interfaces[0].prog_id);
    assert.equal((fs.statSync(env.socket).mode & 0o777).toString(8), '660');
    assert.ok(daemon.logs().some((l) => l.msg === 'ruleset applied' && l.generation === 1 && l.who === 'startup'));
  });

  test('a second daemon on the same interface is refused (exit 2), naming the holder', () => {
    const r = runCli(['run', '--iface', env.veth.a, '--pin-dir', `${env.mount}/other-pins`, '--state-dir', `${env.dir}/other-state`, '--listen', `unix:${env.dir}/other.sock`, '--rules', rulesFile]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`interface ${env.veth.a} is held by another xdpfw daemon \\(pid ${daemon.child.pid}\\)`));
    assert.equal(xdpQuery(env.veth.ifindexA).progId > 0, true);
  });

  test('kill -9: the program keeps filtering; a restart without --rules restores everything', async () => {
    await daemon.api('PATCH', '/v1/sets/blocked', { add: ['198.51.100.0/24'] });
    await daemon.api('POST', '/v1/rules', { id: 'web', proto: 'tcp', dport: 80, action: 'pass' });
    assert.equal(sendThroughAttached(blockedFrame, 5), XDP_DROP);
    assert.equal(sendThroughAttached(otherFrame, 3), XDP_PASS);
    const { body: rulesetBefore } = await daemon.api<unknown>('GET', '/v1/ruleset');
    const { body: statsBefore } = await daemon.api<Stats>('GET', '/v1/stats');
    assert.equal(statsBefore.generation, 3);
    assert.equal(statsBefore.rules[0].packets, 5);
    const progBefore = xdpQuery(env.veth.ifindexA).progId;

    daemon.child.kill('SIGKILL');
    await daemon.exited;
    // Nobody holds the link now but its pin: still attached, still filtering, still counting.
    assert.equal(xdpQuery(env.veth.ifindexA).progId, progBefore);
    assert.equal(sendThroughAttached(blockedFrame, 2), XDP_DROP);
    assert.equal(sendThroughAttached(otherFrame, 1), XDP_PASS);
    const counters = BpfMap.openPinned(`${mapsPinDir(env.pinDir)}/counters`);
    const pinned = readCounters(counters);
    counters.close();
    assert.ok(pinned.slots.some((s) => s.packets === 7), 'the pinned counters did not keep counting');

    daemon = await env.start([]);
    const { body: rulesetAfter, headers } = await daemon.api<unknown>('GET', '/v1/ruleset');
    assert.deepEqual(rulesetAfter, rulesetBefore);
    assert.equal(headers.etag, '"3"', 'the generation must survive the restart');
    const { body: statsAfter } = await daemon.api<Stats>('GET', '/v1/stats');
    assert.equal(statsAfter.generation, 3);
    assert.deepEqual(statsAfter.rules.map((r) => r.id), statsBefore.rules.map((r) => r.id));
    for (let i = 0; i < statsAfter.rules.length; i++) assert.ok(statsAfter.rules[i].packets >= statsBefore.rules[i].packets, `${statsAfter.rules[i].id} went down`);
    assert.equal(statsAfter.rules[0].packets, 7, 'packets counted while no daemon ran are kept');
    assert.ok(statsAfter.default.packets >= statsBefore.default.packets + 1);
    assert.ok(daemon.logs().some((l) => l.msg === 'adopted the pinned link'));
    const g = (await daemon.api<{ generation: number }>('DELETE', '/v1/rules/web')).body.generation;
    assert.equal(g, 4, 'generations continue from the restored one');
  });

  test('SIGTERM leaves the program attached; --rules on restart applies the file as the next generation', async () => {
    const progId = xdpQuery(env.veth.ifindexA).progId;
    assert.equal(await daemon.stop('SIGTERM'), 0);
    assert.equal(xdpQuery(env.veth.ifindexA).progId, progId);
    assert.equal(sendThroughAttached(blockedFrame, 1), XDP_DROP);

    const next = env.writeRules('next.json', { default: 'pass', rules: [{ id: 'ssh', proto: 'tcp', dport: 22, action: 'drop' }] });
    daemon = await env.start(['--rules', next]);
    const { body, headers } = await daemon.api<unknown>('GET', '/v1/ruleset');
    assert.equal(headers.etag, '"5"');
    assert.deepEqual(body, JSON.parse(fs.readFileSync(next, 'utf8')));
    assert.equal(sendThroughAttached(blockedFrame, 1), XDP_PASS);
    const state = new StateStore(env.stateDir).load()!;
    assert.equal(state.generation, 5);
    assert.ok(state.slots.ssh !== undefined);
    await daemon.stop();
  });

  test('--watch re-applies the file; an invalid file is ignored; REST mutations get 409; SIGHUP re-applies', async () => {
    fs.writeFileSync(rulesFile, JSON.stringify(RULES));
    daemon = await env.start(['--rules', rulesFile, '--watch']);
    const gen = async () => (await daemon.api<{ generation: number }>('GET', '/v1/stats')).body.generation;
    const until = async (want: (g: number) => boolean, what: string) => {
      for (let i = 0; i < 100; i++) {
        if (want(await gen())) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.fail(`${what}: generation ${await gen()}\n${daemon.output}`);
    };
    const g0 = await gen();
    assert.equal(g0, 6);

    // An editor's atomic save: write elsewhere, rename over the file.
    const edited = { ...RULES, rules: [...RULES.rules, { id: 'dns', proto: 'udp', dport: 53, action: 'pass' }] };
    fs.writeFileSync(`${rulesFile}.tmp`, JSON.stringify(edited));
    fs.renameSync(`${rulesFile}.tmp`, rulesFile);
    await until((g) => g === g0 + 1, 'the watched change was not applied');
    assert.deepEqual((await daemon.api<{ rules: { id: string }[] }>('GET', '/v1/rules')).body.rules.map((r) => r.id), ['drop-blocked', 'ssh', 'dns']);

    fs.writeFileSync(rulesFile, '{"rules": [{"id": "x", "action": "maybe"}]}');
    for (let i = 0; i < 100 && !daemon.logs().some((l) => l.msg === 'ruleset file rejected; the generation in force stays'); i++) await new Promise((r) => setTimeout(r, 50));
    const rejected = daemon.logs().find((l) => l.msg === 'ruleset file rejected; the generation in force stays');
    assert.ok(rejected, `no rejection logged:\n${daemon.output}`);
    assert.match(JSON.stringify(rejected.problems), /rules\[0\]\.action/);
    assert.equal(await gen(), g0 + 1);

    const refused = await daemon.api('POST', '/v1/rules', { id: 'x', action: 'pass' }).catch((e: ClientError) => e);
    assert.ok(refused instanceof ClientError);
    assert.equal(refused.body?.error, 'conflict');
    assert.ok(refused.body?.message.includes(rulesFile), refused.body?.message);

    fs.writeFileSync(rulesFile, JSON.stringify(RULES));
    await until((g) => g === g0 + 2, 'the repaired file was not applied');
    daemon.child.kill('SIGHUP');
    await until((g) => g === g0 + 3, 'SIGHUP did not re-apply');
    assert.equal(await daemon.stop(), 0);
  });
});

describe('xdpfw run: start-up refusals and their exit codes', { skip }, () => {
  let env: TestEnv;
  before(() => (env = new TestEnv('refuse')));
  after(async () => env?.cleanup());

  const base = () => ['run', '--iface', env.veth.a, '--mode', 'generic', '--pin-dir', env.pinDir, '--state-dir', env.stateDir];

  test('exit 2: nothing to enforce, a public address without a token, a missing interface, usage', () => {
    let r = runCli([...base(), '--listen', `unix:${env.socket}`]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /nothing to enforce/);
    const rules = env.writeRules('ok.json', RULES);
    r = runCli([...base(), '--rules', rules, '--listen', '0.0.0.0:0']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--token-file/);
    r = runCli(['run', '--iface', 'nosuchif0', '--rules', rules, '--pin-dir', env.pinDir, '--state-dir', env.stateDir, '--listen', `unix:${env.socket}`]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /nosuchif0/);
    r = runCli(['run', '--iface', env.veth.a, '--mode', 'turbo']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(xdpQuery(env.veth.ifindexA).progId, 0, 'a refused start attached something');
  });

  test('exit 1: an invalid ruleset file, with dotted paths; nothing attached', () => {
    const bad = env.writeRules('bad.json', { rules: [{ id: 'x', proto: 'tcp', dport: 70000, action: 'pass' }] });
    const r = runCli([...base(), '--rules', bad, '--listen', `unix:${env.socket}`]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /rules\[0\]\.dport: must be <= 65535/);
    assert.equal(xdpQuery(env.veth.ifindexA).progId, 0);
  });

  test('exit 2: --mode differing from the pinned link', async () => {
    const rules = env.writeRules('ok.json', RULES);
    const d = await env.start(['--rules', rules]);
    assert.equal(await d.stop(), 0);
    const r = runCli(['run', '--iface', env.veth.a, '--mode', 'native', '--pin-dir', env.pinDir, '--state-dir', env.stateDir, '--listen', `unix:${env.socket}`]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /generic mode; --mode native differs/);
    assert.equal(new StateStore(env.stateDir).load()!.generation, 1, 'a refused start wrote the state');
  });
});
