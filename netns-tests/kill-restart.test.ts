// The daemon killed with -9 under traffic, then restarted from its state: at no moment does a
// packet that should drop get through (the far side sees none), allowed traffic never stops, and
// counters never go down.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, PingStream, UdpReceiver, UdpStream, addHost, answeredRuns, ruleCount, useNetnsEnv, xdpAttachment } from './lib';

const env = useNetnsEnv();

test('kill -9 under traffic and restart: no leak, no loss, counters continue', { skip: env.skip }, async () => {
  const p = env.pair();
  const pins = env.bpffs();
  const blockedDst = addHost(p.link, 'b', 99);
  const ruleset = {
    default: 'pass',
    rules: [
      { id: 'no-ping-99', dst: blockedDst.ip4, proto: 'icmp', action: 'drop' },
      { id: 'no-udp', proto: 'udp', dport: 6001, action: 'drop' },
      { id: 'echo', proto: 'icmp', icmp_type: 8, action: 'pass' },
    ],
  };
  const rxBlocked = await UdpReceiver.start(p.fw, p.link.b.ip4, 6001);
  const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: ruleset });
  const attached = xdpAttachment(p.fw, 'f0');

  const allowed = PingStream.start(p.gen, p.link.b.ip4, 0.01);
  const blocked = PingStream.start(p.gen, blockedDst.ip4, 0.01);
  const udp = await UdpStream.start(p.gen, p.link.b.ip4, 6001, 'k', 2);
  await allowed.advance(30);
  const beforeKill = await daemon.api.stats();
  await daemon.kill9();
  await allowed.advance(50); // half a second with no daemon at all
  assert.deepEqual(xdpAttachment(p.fw, 'f0'), attached);

  const again = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, dir: daemon.dir });
  await allowed.advance(30);
  const afterRestart = await again.api.stats();
  const sentUdp = await udp.stop();
  const lastAllowed = allowed.lastSeq();
  await allowed.stop();
  await blocked.stop();

  assert.equal(blocked.replies().length, 0, 'a blocked echo request got through');
  assert.equal(rxBlocked.datagrams('k').length, 0, 'a blocked datagram got through');
  const runs = answeredRuns(allowed.replies().filter((r) => r.seq <= lastAllowed - 3));
  assert.equal(runs.length, 1, `allowed pings lost: ${JSON.stringify(runs)}`);
  assert.equal(runs[0].first, 1);

  assert.equal(afterRestart.generation, beforeKill.generation, 'the state file keeps the generation');
  for (const r of beforeKill.rules) {
    assert.ok(ruleCount(afterRestart, r.id).packets >= r.packets, `${r.id} went down`);
  }
  const udpCounted = ruleCount(afterRestart, 'no-udp').packets;
  assert.ok(udpCounted >= sentUdp * 0.5 && udpCounted <= sentUdp, `no-udp counted ${udpCounted} of ${sentUdp} sent`);
  assert.ok(ruleCount(afterRestart, 'no-ping-99').packets - ruleCount(beforeKill, 'no-ping-99').packets >= 60, 'drops counted while no daemon ran');
  assert.deepEqual(xdpAttachment(p.fw, 'f0')?.mode, 'native');
});
