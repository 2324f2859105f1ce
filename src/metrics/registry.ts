// The Prometheus registry of CONTRACT section 6. Counter series are not incremented as packets
// flow: each scrape reads the data path's counters once and reports them as they are, so a rule
// whose action changed appears under its new `action` label only, and rules the source no longer
// lists (removed or disabled) vanish.

import { Gauge, Histogram, type Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricsSource } from '../service/metrics-source';
import { ReadingCounter } from './reading-counter';
import { ScrapeRegistry, ScrapeSnapshot } from './snapshot';

export const MALFORMED_REASONS = ['ip_truncated', 'ip_version', 'ihl', 'ext_header', 'l4_truncated', 'tiny_fragment'] as const;

/** Applies take from a millisecond (one rule) to seconds (a million prefixes). */
export const APPLY_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export interface MetricsRegistryOptions {
  /** Node process metrics (CPU, memory, event loop, ...). Default true. */
  processMetrics?: boolean;
}

export function buildMetricsRegistry(source: MetricsSource, opts: MetricsRegistryOptions = {}): Registry {
  const snapshot = new ScrapeSnapshot(source);
  const registry = new ScrapeRegistry(snapshot);
  const registers: Registry[] = [registry];
  const read = () => snapshot.counters();

  new ReadingCounter({
    name: 'xdpfw_rule_packets_total',
    help: 'Packets decided by a rule (enabled rules of the ruleset in force).',
    labelNames: ['rule', 'action'],
    registers,
    read: () => read().rules.map((r) => ({ labels: { rule: r.id, action: r.action }, value: r.packets })),
  });
  new ReadingCounter({
    name: 'xdpfw_rule_bytes_total',
    help: 'Bytes (whole frames) decided by a rule.',
    labelNames: ['rule', 'action'],
    registers,
    read: () => read().rules.map((r) => ({ labels: { rule: r.id, action: r.action }, value: r.bytes })),
  });
  new ReadingCounter({
    name: 'xdpfw_default_packets_total',
    help: 'Packets no rule matched, decided by the default action.',
    labelNames: ['action'],
    registers,
    read: () => [{ labels: { action: read().default.action }, value: read().default.packets }],
  });
  new ReadingCounter({
    name: 'xdpfw_default_bytes_total',
    help: 'Bytes (whole frames) decided by the default action.',
    labelNames: ['action'],
    registers,
    read: () => [{ labels: { action: read().default.action }, value: read().default.bytes }],
  });
  new ReadingCounter({
    name: 'xdpfw_malformed_packets_total',
    help: 'Malformed packets (always dropped, no rule counted), by reason.',
    labelNames: ['reason'],
    registers,
    read: () => MALFORMED_REASONS.map((reason) => ({ labels: { reason }, value: read().malformed[reason]?.packets ?? 0 })),
  });
  new ReadingCounter({
    name: 'xdpfw_bypass_packets_total',
    help: 'Packets that bypass the rules: non-IP frames and IPv6 neighbour discovery.',
    labelNames: ['kind'],
    registers,
    read: () => {
      const b = read().bypass;
      return [{ labels: { kind: 'non_ip' }, value: b.non_ip.packets }, { labels: { kind: 'ndp' }, value: b.ndp.packets }];
    },
  });
  new ReadingCounter({
    name: 'xdpfw_interface_packets_total',
    help: 'Every frame arriving on an attached interface, by final verdict.',
    labelNames: ['iface', 'verdict'],
    registers,
    read: () =>
      read().interfaces.flatMap((i) => [
        { labels: { iface: i.name, verdict: 'pass' }, value: i.pass.packets },
        { labels: { iface: i.name, verdict: 'drop' }, value: i.drop.packets },
      ]),
  });
  new Gauge({
    name: 'xdpfw_ruleset_generation',
    help: 'Generation of the ruleset in force (grows by one per successful change).',
    registers,
    collect() {
      this.set(source.generation());
    },
  });
  new Gauge({
    name: 'xdpfw_ruleset_rules',
    help: 'Enabled rules of the ruleset in force.',
    registers,
    collect() {
      this.set(source.ruleCount());
    },
  });
  new Gauge({
    name: 'xdpfw_set_elements',
    help: 'Prefixes in each named set.',
    labelNames: ['set'],
    registers,
    collect() {
      this.reset(); // sets removed from the ruleset vanish
      for (const s of source.setSizes()) this.set({ set: s.name }, s.count);
    },
  });
  const applyDuration = new Histogram({
    name: 'xdpfw_ruleset_apply_duration_seconds',
    help: 'Time to make a ruleset change live (compile, write, flip).',
    buckets: APPLY_DURATION_BUCKETS,
    registers,
  });
  source.onApply((seconds) => applyDuration.observe(seconds));

  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return registry;
}
