// A 1,000,000-prefix IPv4 set applied (PUT /v1/sets/:name) while a ping stream flows: the allowed
// stream never loses a reply during the apply, and once it is acknowledged a member source is
// dropped. Then a one-element patch removes that member again.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, PingStream, addHost, answeredRuns, ping, ruleCount, useNetnsEnv, valueOf } from './lib';

const env = useNetnsEnv();
const SIZE = 1_000_000;

/** SIZE distinct IPv4 prefixes: /32s in 10.0.0.0/12, the last one replaced by `member`. */
function bigSet(member: string): string[] {
  const out = new Array<string>(SIZE);
  for (let i = 0; i < SIZE - 1; i++) out[i] = `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
  out[SIZE - 1] = member;
  return out;
}

test('a 1M-prefix set applied while traffic flows', { skip: env.skip, timeout: 240_000 }, async () => {
  const p = env.pair();
  const pins = env.bpffs();
  const member = addHost(p.link, 'a', 50);
  const ruleset = { default: 'pass', sets: { feed: [] }, rules: [{ id: 'feed', src: '@feed', action: 'drop' }, { id: 'echo', proto: 'icmp', action: 'pass' }] };
  const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: ruleset });
  const api = daemon.api;
  assert.deepEqual(await ping(p.gen, p.link.b.ip4, { count: 2, from: member.ip4 }), { sent: 2, received: 2 });

  const stream = PingStream.start(p.gen, p.link.b.ip4, 0.01);
  await stream.advance(20);
  const t0 = Date.now();
  const res = await api.request<{ generation: number }>('PUT', '/v1/sets/feed', { elements: bigSet(member.ip4) });
  const applyMs = Date.now() - t0;
  assert.equal(res.status, 200, res.text);
  console.log(`# PUT /v1/sets/feed with ${SIZE} prefixes: ${applyMs} ms`);
  await stream.advance(20);
  const last = stream.lastSeq();
  await stream.stop();
  const runs = answeredRuns(stream.replies().filter((r) => r.seq <= last - 3));
  assert.equal(runs.length, 1, `allowed pings lost during the apply: ${JSON.stringify(runs)}`);

  assert.equal((await ping(p.gen, p.link.b.ip4, { count: 2, from: member.ip4, timeout: 0.5 })).received, 0, 'the member is dropped');
  assert.equal(ruleCount(await api.stats(), 'feed').packets, 2);
  assert.equal(valueOf(await api.metrics(), 'xdpfw_set_elements', { set: 'feed' }), SIZE);

  await api.ok('PATCH', '/v1/sets/feed', { add: [], remove: [member.ip4] });
  assert.deepEqual(await ping(p.gen, p.link.b.ip4, { count: 2, from: member.ip4 }), { sent: 2, received: 2 }, 'passes after the patch');
  assert.equal(ruleCount(await api.stats(), 'feed').packets, 2);
});
