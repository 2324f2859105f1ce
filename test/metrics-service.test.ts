// /metrics from the real service and data path: frames classified by the XDP program
// (BPF_PROG_TEST_RUN on unpinned maps) move counters, and every metric must equal what /v1/stats
// says; a rule's series moves with its action and vanishes when the rule is disabled or removed;
// each change feeds the apply histogram; a scrape with 4,096 rules stays cheap.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { build } from '../src/api/app';
import { DataPlane } from '../src/dataplane/dataplane';
import { RulesetService } from '../src/service/ruleset-service';
import { StateStore } from '../src/service/state-store';
import { TEST_MAP_SIZES } from './lib/bpf-harness';
import { createVethPair, isRoot, type VethPair } from './lib/netdev';
import { buildFrame } from './lib/packet';
import { timeScrapes } from './lib/scrape-timing';
import { parseExposition, samplesOf, valueOf, type Exposition } from '../netns-tests/lib/prom-text';

const skip = !isRoot() && 'needs root (BPF)';

let dp: DataPlane;
let veth: VethPair;
let app: FastifyInstance;
let service: RulesetService;
let stateDir: string;

before(async () => {
  if (skip) return;
  dp = DataPlane.open({ pinDir: null, maxEntries: TEST_MAP_SIZES });
  veth = createVethPair('xm');
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-metrics-'));
  const log = pino({ level: 'silent' });
  service = new RulesetService({ dp, store: new StateStore(stateDir), interfaces: [{ name: 'eth0', ifindex: veth.ifindexA }], log });
  // As the daemon does: the ruleset of --rules is applied before the HTTP app (and its metrics) exist.
  await service.replaceRuleset({ rules: [] }, { who: 'test', route: 'startup' });
  app = await build(service, { token: null, logger: log });
});

after(async () => {
  await app?.close();
  dp?.close();
  veth?.remove();
  if (stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
});

async function call(method: 'GET' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  const res = await app.inject({ method, url, payload: payload as object });
  assert.ok(res.statusCode >= 200 && res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
  return res;
}

async function scrape(): Promise<{ m: Exposition; stats: StatsBody }> {
  const m = parseExposition((await call('GET', '/metrics')).body);
  return { m, stats: (await call('GET', '/v1/stats')).json() as StatsBody };
}

interface StatsBody {
  generation: number;
  rules: { id: string; action: string; packets: number; bytes: number }[];
  default: { action: string; packets: number; bytes: number };
  malformed: { packets: number; bytes: number };
  bypass: { non_ip: { packets: number }; ndp: { packets: number } };
}

/** Every metric that has a /v1/stats counterpart equals it. */
function assertAgree(m: Exposition, stats: StatsBody): void {
  assert.deepEqual(
    samplesOf(m, 'xdpfw_rule_packets_total').map((s) => [s.labels.rule, s.labels.action, s.value]),
    stats.rules.map((r) => [r.id, r.action, r.packets]),
  );
  assert.deepEqual(
    samplesOf(m, 'xdpfw_rule_bytes_total').map((s) => [s.labels.rule, s.labels.action, s.value]),
    stats.rules.map((r) => [r.id, r.action, r.bytes]),
  );
  assert.deepEqual(samplesOf(m, 'xdpfw_default_packets_total').map((s) => [s.labels.action, s.value]), [[stats.default.action, stats.default.packets]]);
  assert.deepEqual(samplesOf(m, 'xdpfw_default_bytes_total').map((s) => [s.labels.action, s.value]), [[stats.default.action, stats.default.bytes]]);
  const malformed = samplesOf(m, 'xdpfw_malformed_packets_total').reduce((n, s) => n + s.value, 0);
  assert.equal(malformed, stats.malformed.packets);
  assert.equal(valueOf(m, 'xdpfw_bypass_packets_total', { kind: 'non_ip' }), stats.bypass.non_ip.packets);
  assert.equal(valueOf(m, 'xdpfw_bypass_packets_total', { kind: 'ndp' }), stats.bypass.ndp.packets);
  assert.equal(valueOf(m, 'xdpfw_ruleset_generation'), stats.generation);
  assert.equal(valueOf(m, 'xdpfw_ruleset_rules'), stats.rules.length);
}

const SRC = '198.18.0.1';
const DST = '198.18.0.2';
const udp = (dport: number, payload = 10) => buildFrame({ ip: { kind: 'ipv4', src: SRC, dst: DST }, l4: { kind: 'udp', sport: 1000, dport }, payload });
function send(frame: Buffer, times = 1): void {
  for (let i = 0; i < times; i++) dp.run(frame, veth.ifindexA);
}

test('metrics equal /v1/stats after classified packets; series follow actions and removals', { skip }, async () => {
  await call('PUT', '/v1/ruleset', {
    default: 'pass',
    sets: { dns: ['198.18.0.0/24'] },
    rules: [
      { id: 'dns', src: '@dns', proto: 'udp', dport: 53, action: 'pass' },
      { id: 'block', proto: 'udp', dport: 9, action: 'drop' },
      { id: 'off', enabled: false, proto: 'udp', dport: 7, action: 'drop' },
    ],
  });
  send(udp(53), 3);
  send(udp(9), 2);
  send(udp(7)); // disabled rule: the default counts it
  send(buildFrame({ ip: { kind: 'ipv4', src: SRC, dst: DST, ihl: 4 }, l4: { kind: 'udp', sport: 1, dport: 2 } }), 4); // malformed: ihl
  send(buildFrame({ ethertype: 0x88b5, payload: 30 })); // non-IP
  let { m, stats } = await scrape();
  assertAgree(m, stats);
  const frame = udp(53).length;
  assert.deepEqual(samplesOf(m, 'xdpfw_rule_packets_total').map((s) => s.labels.rule), ['dns', 'block']);
  assert.equal(valueOf(m, 'xdpfw_rule_packets_total', { rule: 'dns', action: 'pass' }), 3);
  assert.equal(valueOf(m, 'xdpfw_rule_bytes_total', { rule: 'dns', action: 'pass' }), 3 * frame);
  assert.equal(valueOf(m, 'xdpfw_rule_packets_total', { rule: 'block', action: 'drop' }), 2);
  assert.equal(valueOf(m, 'xdpfw_default_packets_total', { action: 'pass' }), 1);
  assert.equal(valueOf(m, 'xdpfw_malformed_packets_total', { reason: 'ihl' }), 4);
  assert.equal(valueOf(m, 'xdpfw_bypass_packets_total', { kind: 'non_ip' }), 1);
  assert.equal(valueOf(m, 'xdpfw_set_elements', { set: 'dns' }), 1);
  assert.equal(valueOf(m, 'xdpfw_interface_packets_total', { iface: 'eth0', verdict: 'pass' }), 3 + 1 + 1);
  assert.equal(valueOf(m, 'xdpfw_interface_packets_total', { iface: 'eth0', verdict: 'drop' }), 2 + 4);

  // The action of `dns` changes: its series moves to action="drop" with the count carried over.
  await call('PUT', '/v1/rules/dns', { id: 'dns', src: '@dns', proto: 'udp', dport: 53, action: 'drop' });
  send(udp(53));
  ({ m, stats } = await scrape());
  assertAgree(m, stats);
  assert.deepEqual(samplesOf(m, 'xdpfw_rule_packets_total', { rule: 'dns' }).map((s) => [s.labels.action, s.value]), [['drop', 4]]);

  // Disabled, then removed: gone from both; the remaining rule keeps its count.
  await call('PUT', '/v1/rules/dns', { id: 'dns', src: '@dns', proto: 'udp', dport: 53, action: 'drop', enabled: false });
  ({ m, stats } = await scrape());
  assertAgree(m, stats);
  assert.equal(samplesOf(m, 'xdpfw_rule_packets_total', { rule: 'dns' }).length, 0);
  await call('DELETE', '/v1/rules/block');
  ({ m, stats } = await scrape());
  assertAgree(m, stats);
  assert.equal(samplesOf(m, 'xdpfw_rule_packets_total').length, 0);

  // The default's action changes too.
  await call('PUT', '/v1/ruleset', { default: 'drop', rules: [] });
  send(udp(1000));
  ({ m, stats } = await scrape());
  assertAgree(m, stats);
  assert.deepEqual(samplesOf(m, 'xdpfw_default_packets_total').map((s) => s.labels.action), ['drop']);
  assert.equal(samplesOf(m, 'xdpfw_set_elements').length, 0, 'the removed set vanished');
  // Six successful changes so far (the start-up one, applied before the metrics existed, too),
  // each observed once.
  assert.equal(valueOf(m, 'xdpfw_ruleset_apply_duration_seconds_count'), 6);
  assert.equal(stats.generation, 6);
});

test('a scrape of the real service with 4,096 rules is cheap', { skip }, async () => {
  const rules = Array.from({ length: 4096 }, (_, i) => ({ id: `r${i}`, proto: 'udp', dport: 10000 + i, action: i % 2 ? 'pass' : 'drop' }));
  await call('PUT', '/v1/ruleset', { default: 'pass', rules });
  send(udp(10000 + 4095));
  await call('GET', '/metrics'); // warm up
  // CPU time, not wall time: the cost of a scrape, whatever else the machine is doing.
  const { cpuMedianMs: median, wallMedianMs, text: body } = await timeScrapes(async () => (await call('GET', '/metrics')).body);
  const t0 = process.hrtime.bigint();
  service.counters();
  const readMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`# GET /metrics, real service, 4096 rules: median ${median.toFixed(1)} ms CPU, ${wallMedianMs.toFixed(1)} ms wall (counter read ~${readMs.toFixed(1)} ms)`);
  const m = parseExposition(body);
  assert.equal(samplesOf(m, 'xdpfw_rule_packets_total').length, 4096);
  assert.equal(valueOf(m, 'xdpfw_rule_packets_total', { rule: 'r4095', action: 'pass' }), 1);
  assert.ok(median < 100, `median scrape ${median} ms CPU`);
});
