// REST changes while a ping stream flows (100 requests a second): a rule's action switched by
// PUT /v1/rules/:id, and a set patched by PATCH /v1/sets/:name, each pass -> drop -> pass. The
// far side must stop answering by the time the change is acknowledged and stay silent until the
// switch back is requested (no leak), answer every request outside that window (no loss), and
// each change must be exactly one generation. Counters carry over to the new action label.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, PingStream, answeredRuns, ruleCount, samplesOf, useNetnsEnv, type ApiClient, type Pair } from './lib';

const env = useNetnsEnv();
const now = () => Date.now() / 1000;
const IN_FLIGHT = 3; // requests possibly unanswered only because the stream stopped

async function switchUnderTraffic(p: Pair, api: ApiClient, toDrop: () => Promise<unknown>, toPass: () => Promise<unknown>, duringDrop: () => Promise<void>) {
  const stream = PingStream.start(p.gen, p.link.b.ip4, 0.01);
  await stream.advance(30);
  const g0 = (await api.stats()).generation;
  const dropReq = now();
  await toDrop();
  const dropAck = now();
  assert.equal((await api.stats()).generation, g0 + 1, 'one generation for the drop');
  await stream.advance(40);
  await duringDrop();
  const passReq = now();
  await toPass();
  assert.equal((await api.stats()).generation, g0 + 2, 'one generation for the pass');
  await stream.advance(40);
  const last = stream.lastSeq();
  await stream.stop();

  const runs = answeredRuns(stream.replies().filter((r) => r.seq <= last - IN_FLIGHT));
  const shape = JSON.stringify(runs);
  assert.equal(runs.length, 2, `answered runs: ${shape}`);
  assert.equal(runs[0].first, 1, `no loss before the change: ${shape}`);
  assert.ok(runs[0].lastAt <= dropAck, `a reply after the drop was acknowledged: ${shape}, ack ${dropAck}`);
  assert.ok(runs[0].lastAt >= dropReq - 0.1, `pass phase ended early (loss): ${shape}, request ${dropReq}`);
  assert.ok(runs[1].firstAt >= passReq, `a reply before the pass was requested: ${shape}, request ${passReq}`);
  assert.ok(runs[1].last >= last - IN_FLIGHT, `loss after the switch back: ${shape}, last ${last}`);
  assert.ok(runs[1].first - runs[0].last > 20, `drop phase too short to mean anything: ${shape}`);
  return { sent: last, answered: runs[0].last - runs[0].first + 1 + runs[1].last - runs[1].first + 1 };
}

test('rule action and set membership switched by REST while a ping stream flows', { skip: env.skip }, async (t) => {
  const p = env.pair();
  const pins = env.bpffs();
  const echo = (action: string) => ({ id: 'echo', proto: 'icmp', icmp_type: 8, src: p.link.a.ip4, action });
  const ruleset = { default: 'pass', sets: { blocked: [] }, rules: [{ id: 'blocked', src: '@blocked', action: 'drop' }, echo('pass')] };
  const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: ruleset });
  const api = daemon.api;

  await t.test('PUT /v1/rules/echo pass -> drop -> pass', async () => {
    const before = ruleCount(await api.stats(), 'echo').packets;
    const got = await switchUnderTraffic(p, api,
      () => api.ok('PUT', '/v1/rules/echo', echo('drop')),
      () => api.ok('PUT', '/v1/rules/echo', echo('pass')),
      async () => {
        // Mid-way the series has moved to action="drop", the count carried over.
        const m = await api.metrics();
        const series = samplesOf(m, 'xdpfw_rule_packets_total', { rule: 'echo' });
        assert.deepEqual(series.map((s) => s.labels.action), ['drop']);
        assert.ok(series[0].value >= before + 30, `carried over: ${series[0].value}`);
      });
    const after = ruleCount(await api.stats(), 'echo');
    assert.equal(after.action, 'pass');
    assert.ok(after.packets - before >= got.sent - IN_FLIGHT && after.packets - before <= got.sent + 2, `echo counted ${after.packets - before} of ${got.sent}`);
    const series = samplesOf(await api.metrics(), 'xdpfw_rule_packets_total', { rule: 'echo' });
    assert.deepEqual(series.map((s) => [s.labels.action, s.value]), [['pass', after.packets]]);
  });

  await t.test('PATCH /v1/sets/blocked add -> remove', async () => {
    const before = ruleCount(await api.stats(), 'blocked').packets;
    const got = await switchUnderTraffic(p, api,
      () => api.ok('PATCH', '/v1/sets/blocked', { add: [p.link.a.ip4], remove: [] }),
      () => api.ok('PATCH', '/v1/sets/blocked', { add: [], remove: [`${p.link.a.ip4}/32`] }),
      async () => {
        const set = await api.ok<{ count: number }>('GET', '/v1/sets/blocked');
        assert.equal(set.count, 1);
      });
    const dropped = ruleCount(await api.stats(), 'blocked').packets - before;
    assert.ok(dropped >= got.sent - got.answered - IN_FLIGHT && dropped <= got.sent - got.answered + 2, `blocked counted ${dropped}, unanswered ${got.sent - got.answered}`);
  });
});
