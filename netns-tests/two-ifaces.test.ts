// Two interfaces under one daemon with `iface` rules: gen reaches fw over g0 <-> f0
// (198.18.0.0/24) and g1 <-> f1 (198.18.1.0/24); each rule applies only where it says.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, Netns, UdpReceiver, createLink, ping, ruleCount, udpSend, useNetnsEnv, valueOf, xdpAttachment } from './lib';

const env = useNetnsEnv();

test('iface rules on two interfaces', { skip: env.skip }, async () => {
  const gen = Netns.create('gen');
  const fw = Netns.create('fw');
  const l0 = createLink(gen, 'g0', fw, 'f0', { subnet: 0 });
  const l1 = createLink(gen, 'g1', fw, 'f1', { subnet: 1 });
  const pins = env.bpffs();
  const ruleset = {
    default: 'pass',
    rules: [
      { id: 'no-ping-f0', iface: 'f0', proto: 'icmp', action: 'drop' },
      { id: 'no-udp-f1', iface: ['f1'], proto: 'udp', dport: 6000, action: 'drop' },
      { id: 'udp-both', iface: ['f0', 'f1'], proto: 'udp', dport: 6001, action: 'drop' },
    ],
  };
  const daemon = await Daemon.start({ ns: fw, ifaces: ['f0', 'f1'], pinDir: pins.pinDir, rules: ruleset });
  assert.ok(xdpAttachment(fw, 'f0') && xdpAttachment(fw, 'f1'));
  const rx = await UdpReceiver.start(fw, '0.0.0.0', 6000);
  const rx1 = await UdpReceiver.start(fw, '0.0.0.0', 6001);

  assert.equal((await ping(gen, l0.b.ip4, { count: 2, timeout: 0.5 })).received, 0, 'ping over f0 dropped');
  assert.deepEqual(await ping(gen, l1.b.ip4, { count: 2 }), { sent: 2, received: 2 }, 'ping over f1 passes');
  await udpSend(gen, l0.b.ip4, 6000, { tag: 'a', count: 3 });
  await udpSend(gen, l1.b.ip4, 6000, { tag: 'b', count: 3 });
  await udpSend(gen, l0.b.ip4, 6001, { tag: 'c', count: 1 });
  await udpSend(gen, l1.b.ip4, 6001, { tag: 'd', count: 1 });
  assert.equal(await rx.waitFor('a', 3), 3, 'UDP 6000 over f0 delivered');
  assert.equal(await rx.waitFor('b', 1, 300), 0, 'UDP 6000 over f1 dropped');
  assert.equal(await rx1.waitFor('c', 1, 300) + (await rx1.waitFor('d', 1, 300)), 0, 'UDP 6001 dropped on both');

  const stats = await daemon.api.stats();
  assert.equal(ruleCount(stats, 'no-ping-f0').packets, 2);
  assert.equal(ruleCount(stats, 'no-udp-f1').packets, 3);
  assert.equal(ruleCount(stats, 'udp-both').packets, 2);
  const m = await daemon.api.metrics();
  assert.ok(valueOf(m, 'xdpfw_interface_packets_total', { iface: 'f0', verdict: 'drop' }) >= 3);
  assert.ok(valueOf(m, 'xdpfw_interface_packets_total', { iface: 'f1', verdict: 'drop' }) >= 4);
  assert.ok(valueOf(m, 'xdpfw_interface_packets_total', { iface: 'f0', verdict: 'pass' }) >= 3);
  assert.ok(valueOf(m, 'xdpfw_interface_packets_total', { iface: 'f1', verdict: 'pass' }) >= 2);

  // A rule naming an interface the daemon is not attached to is refused, and nothing changes.
  const res = await daemon.api.request<{ error: string; details: { path: string }[] }>('PUT', '/v1/ruleset', { default: 'pass', rules: [{ id: 'x', iface: 'eth9', action: 'drop' }] });
  assert.equal(res.status, 400);
  assert.equal(res.body.error, 'invalid_ruleset');
  assert.equal(res.body.details[0].path, '/rules/0/iface');
  assert.equal((await daemon.api.stats()).generation, stats.generation);
});
