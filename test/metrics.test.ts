// The metrics of CONTRACT section 6 against a fake MetricsSource: names, types, labels, values,
// series that move with a rule's action or vanish with it, one counter read per scrape, the
// apply-duration histogram, and the cost of a scrape with 4,096 rules.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { buildMetricsRegistry, metricsPlugin } from '../src/metrics';
import type { MetricsSource } from '../src/service/metrics-source';
import { timeScrapes } from './lib/scrape-timing';
import { parseExposition, samplesOf, valueOf, type Exposition } from '../netns-tests/lib/prom-text';

type Counters = ReturnType<MetricsSource['counters']>;
const pb = (packets: number, bytes = packets * 100) => ({ packets, bytes });

class FakeSource implements MetricsSource {
  gen = 7;
  sets = [{ name: 'bogons', count: 3 }, { name: 'feed', count: 1000 }];
  snapshot: Counters = {
    rules: [
      { id: 'drop-bogons', action: 'drop', packets: 5, bytes: 500 },
      { id: 'ssh-admins', action: 'pass', packets: 12, bytes: 1300 },
    ],
    default: { action: 'pass', packets: 40, bytes: 4000 },
    malformed: { ip_truncated: pb(1), ip_version: pb(2), ihl: pb(3), ext_header: pb(4), l4_truncated: pb(5), tiny_fragment: pb(6) },
    bypass: { non_ip: pb(8), ndp: pb(9) },
    interfaces: [{ name: 'veth0', pass: pb(60), drop: pb(26) }],
  };
  reads = 0;
  private listeners: ((s: number) => void)[] = [];
  generation() { return this.gen; }
  ruleCount() { return this.snapshot.rules.length; }
  setSizes() { return this.sets; }
  counters() { this.reads++; return structuredClone(this.snapshot); }
  onApply(l: (s: number) => void) { this.listeners.push(l); }
  applied(seconds: number) { for (const l of this.listeners) l(seconds); }
}

async function scrape(source: MetricsSource, processMetrics = false): Promise<Exposition> {
  return parseExposition(await buildMetricsRegistryCached(source, processMetrics).metrics());
}

// One registry per source (a registry subscribes to onApply once).
const registries = new WeakMap<MetricsSource, ReturnType<typeof buildMetricsRegistry>>();
function buildMetricsRegistryCached(source: MetricsSource, processMetrics: boolean) {
  let r = registries.get(source);
  if (!r) registries.set(source, (r = buildMetricsRegistry(source, { processMetrics })));
  return r;
}

test('every metric of section 6 with its type, labels and values', async () => {
  const e = await scrape(new FakeSource());
  const counters = ['xdpfw_rule_packets_total', 'xdpfw_rule_bytes_total', 'xdpfw_default_packets_total', 'xdpfw_default_bytes_total',
    'xdpfw_malformed_packets_total', 'xdpfw_bypass_packets_total', 'xdpfw_interface_packets_total'];
  for (const name of counters) assert.equal(e.types.get(name), 'counter', name);
  for (const name of ['xdpfw_ruleset_generation', 'xdpfw_ruleset_rules', 'xdpfw_set_elements']) assert.equal(e.types.get(name), 'gauge', name);
  assert.equal(e.types.get('xdpfw_ruleset_apply_duration_seconds'), 'histogram');

  assert.equal(valueOf(e, 'xdpfw_rule_packets_total', { rule: 'drop-bogons', action: 'drop' }), 5);
  assert.equal(valueOf(e, 'xdpfw_rule_bytes_total', { rule: 'drop-bogons', action: 'drop' }), 500);
  assert.equal(valueOf(e, 'xdpfw_rule_packets_total', { rule: 'ssh-admins', action: 'pass' }), 12);
  assert.equal(valueOf(e, 'xdpfw_rule_bytes_total', { rule: 'ssh-admins', action: 'pass' }), 1300);
  assert.deepEqual(samplesOf(e, 'xdpfw_rule_packets_total').map((s) => Object.keys(s.labels).sort()), [['action', 'rule'], ['action', 'rule']]);
  assert.equal(valueOf(e, 'xdpfw_default_packets_total', { action: 'pass' }), 40);
  assert.equal(valueOf(e, 'xdpfw_default_bytes_total', { action: 'pass' }), 4000);
  assert.equal(samplesOf(e, 'xdpfw_default_packets_total').length, 1);
  const reasons = ['ip_truncated', 'ip_version', 'ihl', 'ext_header', 'l4_truncated', 'tiny_fragment'];
  assert.deepEqual(samplesOf(e, 'xdpfw_malformed_packets_total').map((s) => [s.labels.reason, s.value]), reasons.map((r, i) => [r, i + 1]));
  assert.equal(valueOf(e, 'xdpfw_bypass_packets_total', { kind: 'non_ip' }), 8);
  assert.equal(valueOf(e, 'xdpfw_bypass_packets_total', { kind: 'ndp' }), 9);
  assert.equal(samplesOf(e, 'xdpfw_bypass_packets_total').length, 2);
  assert.equal(valueOf(e, 'xdpfw_interface_packets_total', { iface: 'veth0', verdict: 'pass' }), 60);
  assert.equal(valueOf(e, 'xdpfw_interface_packets_total', { iface: 'veth0', verdict: 'drop' }), 26);
  assert.equal(valueOf(e, 'xdpfw_ruleset_generation'), 7);
  assert.equal(valueOf(e, 'xdpfw_ruleset_rules'), 2);
  assert.equal(valueOf(e, 'xdpfw_set_elements', { set: 'bogons' }), 3);
  assert.equal(valueOf(e, 'xdpfw_set_elements', { set: 'feed' }), 1000);
  // No metric outside the contract's list (process metrics are off here).
  const names = new Set(e.samples.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
  assert.deepEqual([...names].sort(), [...counters, 'xdpfw_ruleset_generation', 'xdpfw_ruleset_rules', 'xdpfw_set_elements',
    'xdpfw_ruleset_apply_duration_seconds'].sort());
});

test('a rule whose action changes moves to the new action label; the old series is gone', async () => {
  const src = new FakeSource();
  await scrape(src);
  src.snapshot.rules[1] = { id: 'ssh-admins', action: 'drop', packets: 15, bytes: 1600 };
  src.snapshot.default = { action: 'drop', packets: 41, bytes: 4100 };
  const e = await scrape(src);
  assert.deepEqual(samplesOf(e, 'xdpfw_rule_packets_total', { rule: 'ssh-admins' }).map((s) => [s.labels.action, s.value]), [['drop', 15]]);
  assert.deepEqual(samplesOf(e, 'xdpfw_rule_bytes_total', { rule: 'ssh-admins' }).map((s) => [s.labels.action, s.value]), [['drop', 1600]]);
  assert.deepEqual(samplesOf(e, 'xdpfw_default_packets_total').map((s) => [s.labels.action, s.value]), [['drop', 41]]);
  assert.deepEqual(samplesOf(e, 'xdpfw_default_bytes_total').map((s) => [s.labels.action, s.value]), [['drop', 4100]]);
});

test('removed (or disabled) rules, removed sets and detached interfaces vanish', async () => {
  const src = new FakeSource();
  await scrape(src);
  src.snapshot.rules = src.snapshot.rules.filter((r) => r.id !== 'drop-bogons');
  src.sets = [{ name: 'feed', count: 999 }];
  src.snapshot.interfaces = [];
  src.gen = 8;
  const e = await scrape(src);
  assert.equal(samplesOf(e, 'xdpfw_rule_packets_total', { rule: 'drop-bogons' }).length, 0);
  assert.equal(samplesOf(e, 'xdpfw_rule_bytes_total', { rule: 'drop-bogons' }).length, 0);
  assert.equal(samplesOf(e, 'xdpfw_rule_packets_total').length, 1);
  assert.deepEqual(samplesOf(e, 'xdpfw_set_elements').map((s) => [s.labels.set, s.value]), [['feed', 999]]);
  assert.equal(samplesOf(e, 'xdpfw_interface_packets_total').length, 0);
  assert.equal(valueOf(e, 'xdpfw_ruleset_generation'), 8);
  assert.equal(valueOf(e, 'xdpfw_ruleset_rules'), 1);
});

test('values are read at scrape time from one counters() call per scrape', async () => {
  const src = new FakeSource();
  await scrape(src);
  assert.equal(src.reads, 1);
  src.snapshot.rules[0].packets = 1000;
  const e = await scrape(src);
  assert.equal(src.reads, 2);
  assert.equal(valueOf(e, 'xdpfw_rule_packets_total', { rule: 'drop-bogons' }), 1000);
});

test('apply durations feed the histogram', async () => {
  const src = new FakeSource();
  await scrape(src);
  src.applied(0.003);
  src.applied(0.2);
  src.applied(12);
  const e = await scrape(src);
  const h = 'xdpfw_ruleset_apply_duration_seconds';
  assert.equal(valueOf(e, `${h}_count`), 3);
  assert.ok(Math.abs(valueOf(e, `${h}_sum`) - 12.203) < 1e-9);
  assert.equal(valueOf(e, `${h}_bucket`, { le: '0.001' }), 0);
  assert.equal(valueOf(e, `${h}_bucket`, { le: '0.005' }), 1);
  assert.equal(valueOf(e, `${h}_bucket`, { le: '0.25' }), 2);
  assert.equal(valueOf(e, `${h}_bucket`, { le: '10' }), 2);
  assert.equal(valueOf(e, `${h}_bucket`, { le: '+Inf' }), 3);
});

test('GET /metrics through the fastify plugin: Prometheus text with process metrics', async () => {
  const app = Fastify();
  await app.register(metricsPlugin(new FakeSource()));
  try {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    const e = parseExposition(res.body);
    assert.equal(valueOf(e, 'xdpfw_rule_packets_total', { rule: 'ssh-admins', action: 'pass' }), 12);
    assert.equal(e.types.get('process_cpu_seconds_total'), 'counter');
    assert.ok(samplesOf(e, 'process_resident_memory_bytes').length === 1);
    assert.ok(samplesOf(e, 'nodejs_eventloop_lag_seconds').length === 1);
  } finally {
    await app.close();
  }
});

test('the fast counter formatting writes exactly what prom-client writes', async () => {
  const src = new FakeSource();
  src.snapshot.interfaces.push({ name: 'we"ird\\na\nme', pass: pb(1), drop: pb(2) });
  const registry = buildMetricsRegistry(src, { processMetrics: false });
  const text = await registry.metrics();
  for (const name of ['xdpfw_rule_packets_total', 'xdpfw_rule_bytes_total', 'xdpfw_default_packets_total', 'xdpfw_malformed_packets_total',
    'xdpfw_bypass_packets_total', 'xdpfw_interface_packets_total']) {
    const generic = await registry.getSingleMetricAsString(name);
    assert.ok(text.includes(`${generic}\n`), `${name} differs from prom-client's formatting:\n${generic}`);
  }
  assert.equal(valueOf(parseExposition(text), 'xdpfw_interface_packets_total', { iface: 'we"ird\\na\nme', verdict: 'drop' }), 2);
});

test('a scrape with 4,096 rules is cheap', async () => {
  const src = new FakeSource();
  src.snapshot.rules = Array.from({ length: 4096 }, (_, i) => ({
    id: `rule-${i}`, action: i % 3 === 0 ? 'drop' : 'pass', packets: i * 1000 + 1, bytes: i * 150_000 + 64,
  }));
  src.sets = Array.from({ length: 64 }, (_, i) => ({ name: `set${i}`, count: i * 1000 }));
  const registry = buildMetricsRegistry(src);
  await registry.metrics(); // warm up
  // CPU time, not wall time: the cost of a scrape, whatever else the machine is doing.
  const { cpuMedianMs: median, wallMedianMs, text } = await timeScrapes(() => registry.metrics());
  console.log(`# /metrics scrape, 4096 rules: median ${median.toFixed(1)} ms CPU, ${wallMedianMs.toFixed(1)} ms wall, ${text.length} bytes`);
  const e = parseExposition(text);
  assert.equal(samplesOf(e, 'xdpfw_rule_packets_total').length, 4096);
  assert.equal(valueOf(e, 'xdpfw_rule_bytes_total', { rule: 'rule-4095', action: 'drop' }), 4095 * 150_000 + 64);
  assert.ok(median < 100, `median scrape ${median} ms CPU`);
});
