// Every field of section 2 with real traffic, in native and in generic mode: for each case the
// far side sees exactly what the ruleset lets through, exactly the expected rule's counter moves
// (no other rule's), and /metrics agrees with /v1/stats at the end.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Daemon, FrameSniffer, UdpReceiver, makeTempDir, samplesOf, useNetnsEnv, valueOf, xdpAttachment, type Stats } from './lib';
import { MARKER, fieldsWorld } from './fields-cases';

const env = useNetnsEnv();

function ruleDeltas(before: Stats, after: Stats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of after.rules) {
    const d = r.packets - (before.rules.find((b) => b.id === r.id)?.packets ?? 0);
    if (d !== 0) out[r.id] = d;
  }
  const m = after.malformed.packets - before.malformed.packets;
  if (m !== 0) out.malformed = m;
  return out;
}

for (const mode of ['native', 'generic'] as const) {
  test(`every ruleset field with real traffic (${mode} mode)`, { skip: env.skip }, async (t) => {
    const p = env.pair();
    const pins = env.bpffs();
    const rx = new Map<number, UdpReceiver>();
    let sniffer: FrameSniffer | null = null;
    const world = fieldsWorld(p, rx, () => sniffer!);
    for (const port of world.udpPorts) rx.set(port, await UdpReceiver.start(p.fw, '::', port));
    sniffer = await FrameSniffer.start(p.fw, 'f0', MARKER);
    const dir = makeTempDir('fields');
    for (const [name, text] of Object.entries(world.files)) fs.writeFileSync(path.join(dir, name), text);
    const daemon = await Daemon.start({ ns: p.fw, ifaces: ['f0'], pinDir: pins.pinDir, rules: world.ruleset, mode, dir });
    assert.equal(xdpAttachment(p.fw, 'f0')?.mode, mode);

    const first = await daemon.api.stats();
    assert.ok(!first.rules.some((r) => r.id === 'disabled'), 'a disabled rule is not in stats');
    for (const c of world.cases) {
      await t.test(c.name, async () => {
        const before = await daemon.api.stats();
        await c.run();
        const deltas = ruleDeltas(before, await daemon.api.stats());
        const moved = deltas[c.rule] ?? 0;
        if (c.packets === 'some') assert.ok(moved >= 1, `${c.rule} moved by ${moved}`);
        else assert.equal(moved, c.packets, `${c.rule} packets`);
        delete deltas[c.rule];
        assert.deepEqual(deltas, {}, 'no other rule counted');
      });
    }

    const m = await daemon.api.metrics();
    const stats = await daemon.api.stats();
    for (const r of stats.rules) assert.equal(valueOf(m, 'xdpfw_rule_packets_total', { rule: r.id, action: r.action }), r.packets, r.id);
    assert.equal(samplesOf(m, 'xdpfw_rule_packets_total', { rule: 'disabled' }).length, 0);
    assert.ok(valueOf(m, 'xdpfw_malformed_packets_total', { reason: 'ihl' }) >= 1);
    assert.ok(valueOf(m, 'xdpfw_malformed_packets_total', { reason: 'ip_version' }) >= 1);
    assert.equal(valueOf(m, 'xdpfw_set_elements', { set: 'blocked' }), 2);
    assert.equal(valueOf(m, 'xdpfw_set_elements', { set: 'empty' }), 0);
    assert.equal(valueOf(m, 'xdpfw_set_elements', { set: 'feed' }), 2);
  });
}
