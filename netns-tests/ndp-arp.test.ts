// Neighbour discovery under `default: drop`, with no static neighbour entries: ARP always passes
// and neighbour solicitations/advertisements bypass the rules (ndp: bypass), so ping and ping6
// allowed by rules work; router solicitations still meet the rules. With `ndp: rules` they are
// classified like any packet (and dropped by default), with `non_ip: drop` other non-IP frames
// are dropped while ARP still passes.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrame } from '../test/lib/packet';
import { Daemon, FrameSniffer, UdpReceiver, ping, sendFrames, udpSend, useNetnsEnv, valueOf } from './lib';

const env = useNetnsEnv();
const MARKER = Buffer.from('xdpfw-ndp');

test('ARP and ND keep working under default drop; ndp: rules and non_ip: drop take them away', { skip: env.skip }, async () => {
  const p = env.pair({ staticNeighbours: false });
  const pins = env.bpffs();
  const { a: gen, b: fw } = p.link;
  const allowEcho = [
    { id: 'echo4', proto: 'icmp', icmp_type: 8, src: gen.ip4, action: 'pass' },
    { id: 'echo6', proto: 'icmpv6', icmp_type: 128, src: gen.ip6, action: 'pass' },
  ];
  const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: { default: 'drop', rules: allowEcho } });
  const api = daemon.api;
  const rx = await UdpReceiver.start(p.fw, '::', 6000);
  const sniffer = await FrameSniffer.start(p.fw, 'f0', MARKER);

  const s0 = await api.stats();
  assert.deepEqual(await ping(p.gen, fw.ip4, { count: 3 }), { sent: 3, received: 3 }, 'ping needs ARP');
  assert.deepEqual(await ping(p.gen, fw.ip6, { count: 3 }), { sent: 3, received: 3 }, 'ping6 needs ND');
  await udpSend(p.gen, fw.ip4, 6000, { tag: 'd', count: 2 });
  assert.equal(await rx.waitFor('d', 1, 300), 0, 'UDP falls to the default drop');
  const s1 = await api.stats();
  assert.ok(s1.bypass.non_ip.packets > s0.bypass.non_ip.packets, 'ARP counted as non_ip bypass');
  assert.ok(s1.bypass.ndp.packets > s0.bypass.ndp.packets, 'NS/NA counted as ndp bypass');
  assert.ok(s1.default.packets - s0.default.packets >= 2);
  assert.equal(s1.default.action, 'drop');
  const m = await api.metrics();
  assert.equal(valueOf(m, 'xdpfw_bypass_packets_total', { kind: 'ndp' }), (await api.stats()).bypass.ndp.packets);

  // A router solicitation (hop limit 255) goes through the rules: default drop, not bypass.
  const rs = buildFrame({ dstMac: '33:33:00:00:00:02', srcMac: gen.mac, ip: { kind: 'ipv6', src: gen.ip6, dst: 'ff02::2', hopLimit: 255 },
    l4: { kind: 'icmpv6', type: 133, code: 0 }, payload: MARKER.toString('hex') });
  const s2 = await api.stats();
  await sendFrames(p.gen, 'g0', [rs]);
  assert.equal(await sniffer.waitFor(MARKER, 1, 300), 0, 'router solicitation dropped');
  const s3 = await api.stats();
  assert.equal(s3.bypass.ndp.packets, s2.bypass.ndp.packets, 'RS is not an ndp bypass');
  assert.ok(s3.default.packets > s2.default.packets);

  // ndp: rules, non_ip: drop. Forget gen's neighbours so it must solicit again.
  await api.putRuleset({ default: 'drop', ndp: 'rules', non_ip: 'drop', rules: allowEcho });
  p.gen.ip('neigh', 'flush', 'dev', 'g0');
  p.gen.ip('-6', 'neigh', 'flush', 'dev', 'g0');
  const s4 = await api.stats();
  assert.equal((await ping(p.gen, fw.ip6, { count: 2, timeout: 0.5 })).received, 0, 'ND dropped: no ping6');
  assert.deepEqual(await ping(p.gen, fw.ip4, { count: 2 }), { sent: 2, received: 2 }, 'ARP always passes');
  const lldpLike = buildFrame({ dstMac: fw.mac, srcMac: gen.mac, ethertype: 0x88b5, payload: Buffer.concat([MARKER, Buffer.from('x')]).toString('hex') });
  await sendFrames(p.gen, 'g0', [lldpLike]);
  assert.equal(await sniffer.waitFor(Buffer.concat([MARKER, Buffer.from('x')]), 1, 300), 0, 'non-IP dropped');
  const s5 = await api.stats();
  assert.equal(s5.bypass.ndp.packets, s4.bypass.ndp.packets, 'no ndp bypass under ndp: rules');
  assert.ok(s5.bypass.non_ip.packets > s4.bypass.non_ip.packets, 'ARP and the dropped frame counted as non_ip');
});
