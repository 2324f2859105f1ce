// File deploys: under --watch an edited rules file becomes the ruleset (counters follow the rule
// id to its new action), an invalid edit changes nothing (the daemon keeps running, traffic is
// filtered as before), and REST mutations answer 409 naming the file. Without --watch, SIGHUP
// re-applies the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Daemon, UdpReceiver, ruleCount, udpSend, useNetnsEnv, type ApiClient, type Pair } from './lib';

const env = useNetnsEnv();

/** Waits until the generation passes `above` and then holds still for a moment; returns it. */
async function nextGeneration(api: ApiClient, above: number, timeoutMs = 5000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let g = (await api.stats()).generation;
  while (g <= above) {
    if (Date.now() > deadline) assert.fail(`generation still ${g}, expected more than ${above}`);
    await new Promise((r) => setTimeout(r, 50));
    g = (await api.stats()).generation;
  }
  await new Promise((r) => setTimeout(r, 300));
  return (await api.stats()).generation;
}

const rules = (action: string, port = 6000) => ({ default: 'pass', rules: [{ id: 'u', proto: 'udp', dport: port, action }] });

let tagNo = 0;
/** One datagram to fw:6000; returns whether it arrived. */
async function delivered(p: Pair, rx: UdpReceiver): Promise<boolean> {
  const tag = `w${tagNo++}`;
  await udpSend(p.gen, p.link.b.ip4, 6000, { tag });
  return (await rx.waitFor(tag, 1, 400)) === 1;
}

test('--watch: edits apply, an invalid edit changes nothing, REST mutations answer 409', { skip: env.skip }, async () => {
  const p = env.pair();
  const pins = env.bpffs();
  const rx = await UdpReceiver.start(p.fw, p.link.b.ip4, 6000);
  const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: rules('pass'), watch: true });
  const api = daemon.api;
  const g0 = (await api.stats()).generation;
  assert.equal(await delivered(p, rx), true);

  daemon.writeRules(rules('drop'), { inPlace: true });
  const g1 = await nextGeneration(api, g0);
  assert.equal(await delivered(p, rx), false, 'dropped after the edit');
  assert.deepEqual(ruleCount(await api.stats(), 'u'), { packets: 2, bytes: 2 * (14 + 20 + 8 + 4), action: 'drop' });

  // Invalid edits: bad JSON, then a schema error. Nothing changes; the daemon lives on.
  daemon.writeRules('{"default": "pass", "rules": [');
  await new Promise((r) => setTimeout(r, 700));
  daemon.writeRules({ default: 'pass', rules: [{ id: 'u', proto: 'udp', dport: 70000, action: 'pass' }] });
  await new Promise((r) => setTimeout(r, 700));
  assert.ok(daemon.alive(), `daemon died: ${daemon.output()}`);
  assert.equal((await api.stats()).generation, g1, 'an invalid edit changes no generation');
  assert.equal(await delivered(p, rx), false, 'still dropped after the invalid edits');
  assert.match(daemon.output(), /dport/, 'the invalid edit is logged, naming the field');

  const res = await api.request<{ error: string; message: string }>('POST', '/v1/rules', { id: 'x', action: 'drop', proto: 'tcp' });
  assert.equal(res.status, 409);
  assert.equal(res.body.error, 'conflict');
  assert.ok(res.body.message.includes(daemon.rulesPath), `409 names the file: ${res.body.message}`);
  assert.equal((await api.stats()).generation, g1);

  daemon.writeRules(rules('pass'));
  await nextGeneration(api, g1);
  assert.equal(await delivered(p, rx), true, 'delivered after the edit back');
  assert.equal(ruleCount(await api.stats(), 'u').packets, 4);
});

test('without --watch, SIGHUP re-applies the rules file', { skip: env.skip }, async () => {
  const p = env.pair();
  const pins = env.bpffs();
  const rx = await UdpReceiver.start(p.fw, p.link.b.ip4, 6000);
  const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: rules('pass') });
  const g0 = (await daemon.api.stats()).generation;
  daemon.writeRules(rules('drop'));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await daemon.api.stats()).generation, g0, 'no reload without --watch or SIGHUP');
  assert.equal(await delivered(p, rx), true);
  daemon.child.kill('SIGHUP');
  assert.equal(await nextGeneration(daemon.api, g0), g0 + 1);
  assert.equal(await delivered(p, rx), false);
});
