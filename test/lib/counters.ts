// The counters the data path should hold after a sequence of frames, computed from reference
// Outcomes: per-rule, default, malformed by reason, bypass by kind, per-interface by verdict.
// Bytes are whole frame lengths, link layer included (CONTRACT 3.9).

import type { MalformedReason, Outcome } from './reference';

export interface PacketBytes {
  packets: number;
  bytes: number;
}

export class ExpectedCounters {
  /** By index into ruleset.rules (as Outcome.ruleIndex). */
  readonly rules = new Map<number, PacketBytes>();
  readonly default: PacketBytes = zero();
  readonly malformed: PacketBytes = zero();
  readonly malformedByReason = new Map<MalformedReason, PacketBytes>();
  readonly bypass: { non_ip: PacketBytes; ndp: PacketBytes } = { non_ip: zero(), ndp: zero() };
  /** iface -> verdict -> counts: every frame, by final verdict. */
  readonly interfaces = new Map<string, { pass: PacketBytes; drop: PacketBytes }>();

  record(outcome: Outcome, frameLength: number, iface: string): void {
    switch (outcome.kind) {
      case 'rule':
        add(getOrZero(this.rules, outcome.ruleIndex), frameLength);
        break;
      case 'default':
        add(this.default, frameLength);
        break;
      case 'malformed':
        add(this.malformed, frameLength);
        add(getOrZero(this.malformedByReason, outcome.reason), frameLength);
        break;
      case 'bypass':
        add(this.bypass[outcome.bypass], frameLength);
        break;
    }
    let perIface = this.interfaces.get(iface);
    if (!perIface) {
      perIface = { pass: zero(), drop: zero() };
      this.interfaces.set(iface, perIface);
    }
    add(perIface[outcome.verdict], frameLength);
  }

  /** Counts of one rule (zero when it never matched). */
  rule(index: number): PacketBytes {
    return { ...(this.rules.get(index) ?? zero()) };
  }

  /** A plain object for deep-equal comparisons and readable failure output. */
  snapshot(): CounterSnapshot {
    const sortedEntries = <K, V>(m: Map<K, V>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      rules: Object.fromEntries(sortedEntries(this.rules).map(([i, c]) => [String(i), { ...c }])),
      default: { ...this.default },
      malformed: { ...this.malformed },
      malformedByReason: Object.fromEntries(sortedEntries(this.malformedByReason).map(([r, c]) => [r, { ...c }])),
      bypass: { non_ip: { ...this.bypass.non_ip }, ndp: { ...this.bypass.ndp } },
      interfaces: Object.fromEntries(sortedEntries(this.interfaces).map(([name, v]) => [name, { pass: { ...v.pass }, drop: { ...v.drop } }])),
    };
  }
}

export interface CounterSnapshot {
  rules: Record<string, PacketBytes>;
  default: PacketBytes;
  malformed: PacketBytes;
  malformedByReason: Record<string, PacketBytes>;
  bypass: { non_ip: PacketBytes; ndp: PacketBytes };
  interfaces: Record<string, { pass: PacketBytes; drop: PacketBytes }>;
}

function zero(): PacketBytes {
  return { packets: 0, bytes: 0 };
}

function add(c: PacketBytes, frameLength: number): void {
  c.packets += 1;
  c.bytes += frameLength;
}

function getOrZero<K>(m: Map<K, PacketBytes>, key: K): PacketBytes {
  let c = m.get(key);
  if (!c) {
    c = zero();
    m.set(key, c);
  }
  return c;
}
