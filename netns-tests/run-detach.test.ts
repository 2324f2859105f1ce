// Issue 2's acceptance with real traffic: `xdpfw run` on a veth in a test namespace drops and
// passes per the ruleset; kill -9 leaves the program attached and filtering; `detach` removes it
// and leaves nothing in the pin dir; `run` refuses a private mount namespace (ip netns exec).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Daemon, UdpReceiver, cliArgv, makeTempDir, ping, ruleCount, udpSend, useNetnsEnv, valueOf, xdpAttachment, xdpfw, type Stats } from './lib';
import type { Pair } from './lib';

const env = useNetnsEnv();

const ICMP_ECHO_FRAME = 14 + 20 + 8 + 56; // ping's default 56-byte payload
const ICMP6_ECHO_FRAME = 14 + 40 + 8 + 56;
const UDP_FRAME = (payload: number, v6 = false) => 14 + (v6 ? 40 : 20) + 8 + payload;

function rulesetFor(p: Pair) {
  return {
    default: 'pass',
    rules: [
      { id: 'no-ping', proto: 'icmp', icmp_type: 8, src: p.link.a.ip4, action: 'drop' },
      { id: 'no-ping6', proto: 'icmpv6', icmp_type: 128, src: p.link.a.ip6, action: 'drop' },
      { id: 'udp-blocked', proto: 'udp', dport: 5001, action: 'drop' },
      { id: 'udp-allowed', proto: 'udp', dport: 5000, src: [p.link.a.ip4, p.link.a.ip6], action: 'pass' },
    ],
  };
}

/** Sends the test's traffic; returns what arrived on the far side. */
async function exercise(p: Pair) {
  const rx = await UdpReceiver.start(p.fw, '::', 5000);
  const rxBlocked = await UdpReceiver.start(p.fw, '::', 5001);
  const tag = `t${Date.now() % 100000}`; // 6 characters + "-i": an 8-byte payload
  const [ping4, ping6] = await Promise.all([ping(p.gen, p.link.b.ip4, { count: 3 }), ping(p.gen, p.link.b.ip6, { count: 3 })]);
  await udpSend(p.gen, p.link.b.ip4, 5000, { count: 5, tag });
  await udpSend(p.gen, p.link.b.ip6, 5000, { count: 5, tag });
  await udpSend(p.gen, p.link.b.ip4, 5001, { count: 4, tag });
  const allowed = await rx.waitFor(tag, 10);
  const blocked = await rxBlocked.waitFor(tag, 4, 500);
  await rx.stop();
  await rxBlocked.stop();
  return { ping4, ping6, allowed, blocked, payload: tag.length + 2 };
}

function delta(after: Stats, before: Stats, id: string) {
  const a = ruleCount(after, id);
  const b = ruleCount(before, id);
  return { packets: a.packets - b.packets, bytes: a.bytes - b.bytes };
}

/** Checks the far side saw exactly the allowed traffic, and the counters moved by exactly it. */
function assertFiltered(got: Awaited<ReturnType<typeof exercise>>, before: Stats, after: Stats) {
  assert.equal(got.ping4.received, 0, 'IPv4 echo requests must be dropped');
  assert.equal(got.ping6.received, 0, 'IPv6 echo requests must be dropped');
  assert.equal(got.allowed, 10, 'UDP to 5000 must be delivered');
  assert.equal(got.blocked, 0, 'UDP to 5001 must be dropped');
  assert.deepEqual(delta(after, before, 'no-ping'), { packets: 3, bytes: 3 * ICMP_ECHO_FRAME });
  assert.deepEqual(delta(after, before, 'no-ping6'), { packets: 3, bytes: 3 * ICMP6_ECHO_FRAME });
  assert.deepEqual(delta(after, before, 'udp-blocked'), { packets: 4, bytes: 4 * UDP_FRAME(got.payload) });
  assert.deepEqual(delta(after, before, 'udp-allowed'), { packets: 10, bytes: 5 * UDP_FRAME(got.payload) + 5 * UDP_FRAME(got.payload, true) });
}

async function startFirewall(mode: 'native' | 'generic' = 'native') {
  const p = env.pair();
  const pins = env.bpffs();
  const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: rulesetFor(p), mode });
  return { p, pins, daemon };
}

for (const mode of ['native', 'generic'] as const) {
  test(`run (${mode}) drops and passes real traffic per the ruleset; /metrics agrees with /v1/stats`, { skip: env.skip }, async () => {
    const { p, daemon } = await startFirewall(mode);
    assert.equal(xdpAttachment(p.fw, 'f0')?.mode, mode);
    const before = await daemon.api.stats();
    const got = await exercise(p);
    const after = await daemon.api.stats();
    assertFiltered(got, before, after);

    const m = await daemon.api.metrics();
    const stats = await daemon.api.stats();
    for (const r of stats.rules) {
      assert.equal(valueOf(m, 'xdpfw_rule_packets_total', { rule: r.id, action: r.action }), r.packets, r.id);
      assert.equal(valueOf(m, 'xdpfw_rule_bytes_total', { rule: r.id, action: r.action }), r.bytes, r.id);
    }
    assert.ok(valueOf(m, 'xdpfw_interface_packets_total', { iface: 'f0', verdict: 'drop' }) >= 10);
    assert.equal(valueOf(m, 'xdpfw_ruleset_generation'), stats.generation);
    assert.equal(valueOf(m, 'xdpfw_ruleset_rules'), 4);
  });
}

test('kill -9 leaves the program attached and filtering; a new run adopts it and counters continue', { skip: env.skip }, async () => {
  const { p, pins, daemon } = await startFirewall();
  const attached = xdpAttachment(p.fw, 'f0');
  assert.ok(attached, 'attached after start');
  await exercise(p);
  const beforeKill = await daemon.api.stats();
  await daemon.kill9();

  // No daemon now: the far side must still see exactly the filtered traffic.
  assert.deepEqual(xdpAttachment(p.fw, 'f0'), attached, 'same program still attached');
  assert.ok(pins.list().length > 0, 'pins survive');
  const got = await exercise(p);
  assert.equal(got.ping4.received, 0);
  assert.equal(got.ping6.received, 0);
  assert.equal(got.allowed, 10);
  assert.equal(got.blocked, 0);

  // Restart without --rules: the state file's ruleset and generation, counters not lower.
  const again = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, dir: daemon.dir });
  const restored = await again.api.stats();
  assert.equal(restored.generation, beforeKill.generation);
  assert.deepEqual(restored.rules.map((r) => r.id), beforeKill.rules.map((r) => r.id));
  assertFiltered(got, beforeKill, restored); // the packets sent while no daemon ran were counted
  assert.ok(xdpAttachment(p.fw, 'f0'), 'still attached after adoption');
});

test('detach --iface while the daemon runs, then detach --all: unfiltered again, nothing left pinned', { skip: env.skip }, async () => {
  const { p, pins, daemon } = await startFirewall();
  assert.equal((await ping(p.gen, p.link.b.ip4, { count: 2 })).received, 0);

  const one = await xdpfw(p.fw, ['detach', '--iface', 'f0', '--pin-dir', pins.pinDir]);
  assert.equal(one.code, 0, one.stderr);
  assert.equal(xdpAttachment(p.fw, 'f0'), null, 'no XDP program on f0 after detach --iface');
  assert.deepEqual(await ping(p.gen, p.link.b.ip4, { count: 3 }), { sent: 3, received: 3 }, 'unfiltered after detach');
  assert.ok(!pins.list().some((e) => /(^|\/)f0$/.test(e)), `no pin names f0: ${pins.list().join(' ')}`);
  assert.equal((await daemon.api.request('GET', '/healthz')).status, 503, 'the daemon sees it is no longer attached');

  const all = await xdpfw(p.fw, ['detach', '--all', '--pin-dir', pins.pinDir]);
  assert.equal(all.code, 0, all.stderr);
  assert.deepEqual(pins.list(), [], 'the pin dir is empty');
  await daemon.stop();
  assert.deepEqual(await ping(p.gen, p.link.b.ip6, { count: 3 }), { sent: 3, received: 3 });
});

test('run refuses to start under `ip netns exec` (a private mount namespace): exit 2 with the reason', { skip: env.skip }, async () => {
  const p = env.pair();
  const pins = env.bpffs();
  const dir = makeTempDir('refuse');
  fs.writeFileSync(path.join(dir, 'rules.json'), JSON.stringify(rulesetFor(p)));
  const r = await p.fw.exec([...cliArgv(), 'run', '--iface', 'f0', '--pin-dir', pins.pinDir, '--listen', `unix:${dir}/api.sock`,
    '--state-dir', `${dir}/state`, '--rules', `${dir}/rules.json`], { timeoutMs: 30_000 });
  assert.equal(r.code, 2, `exit code (stderr: ${r.stderr})`);
  assert.match(r.stderr, /mount namespace/);
  assert.match(r.stderr, /nsenter/);
  assert.equal(xdpAttachment(p.fw, 'f0'), null, 'nothing attached');
  assert.deepEqual(pins.list(), []);
});
