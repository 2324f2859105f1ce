// Runs frames through the real XDP program (BPF_PROG_TEST_RUN) on unpinned maps, and compares
// with the reference classifier: verdicts, deciding rule, and counters.

import { DataPlane } from '../../src/dataplane/dataplane';
import { CompiledRuleset } from '../../src/compiler/compile';
import { Outcome as DpOutcome, MALFORMED_REASONS, XDP_DROP, XDP_PASS } from '../../src/dataplane/layout';
import { fixedSlots } from '../../src/dataplane/counters';
import type { Ruleset } from '../../src/ruleset/model';
import { classify, type Outcome } from './reference';
import { createVethPair, type VethPair } from './netdev';

/** Map size overrides for tests (none: the address tables' geometry is fixed by the program). */
export const TEST_MAP_SIZES: Record<string, number> = {};

export interface Observed {
  verdict: 'pass' | 'drop';
  /** Same shape as the reference's outcome, from the explain twin. */
  outcome: Outcome;
}

export class BpfHarness {
  readonly dp: DataPlane;
  private readonly veth: VethPair;
  /** Interface name (as rulesets and the reference use it) -> ifindex. */
  readonly ifindex = new Map<string, number>();
  compiled: CompiledRuleset | null = null;
  ruleset: Ruleset | null = null;

  constructor(ifaces: string[] = ['eth0', 'eth1'], maxEntries: Record<string, number> = TEST_MAP_SIZES) {
    this.dp = DataPlane.open({ pinDir: null, maxEntries });
    this.veth = createVethPair();
    const indexes = [this.veth.ifindexA, this.veth.ifindexB];
    ifaces.slice(0, 2).forEach((name, i) => {
      this.ifindex.set(name, indexes[i]);
      this.dp.registerInterface(name, indexes[i]);
    });
  }

  /** How long the last successful apply() took to compile and to write the maps. */
  lastApply = { compileMs: 0, applyMs: 0 };

  apply(rs: Ruleset): CompiledRuleset {
    const classes = new Map<string, number>();
    for (const [name, idx] of this.ifindex) classes.set(name, this.dp.registerInterface(name, idx));
    const t0 = performance.now();
    const compiled = this.dp.compile(rs, { ifaceClasses: classes });
    const t1 = performance.now();
    this.dp.apply(compiled);
    this.lastApply = { compileMs: t1 - t0, applyMs: performance.now() - t1 };
    this.compiled = compiled;
    this.ruleset = rs;
    return compiled;
  }

  /** Interfaces not known to the harness arrive on loopback (ifindex 1, no interface class). */
  private ifindexFor(iface: string): number {
    return this.ifindex.get(iface) ?? 1;
  }

  run(frame: Buffer, iface: string): number {
    return this.dp.run(frame, this.ifindexFor(iface)).retval;
  }

  /** The decision of the explain twin, as a reference-shaped outcome. */
  explain(frame: Buffer, iface: string): Outcome {
    const rs = this.ruleset;
    const compiled = this.compiled;
    if (!rs || !compiled) throw new Error('apply a ruleset first');
    const e = this.dp.explain(frame, this.ifindexFor(iface));
    const verdict = e.drop ? 'drop' : 'pass';
    switch (e.outcome) {
      case DpOutcome.Rule: {
        const id = compiled.rules[e.detail].id;
        return { kind: 'rule', ruleIndex: rs.rules.findIndex((r) => r.id === id), ruleId: id, verdict };
      }
      case DpOutcome.Default:
        return { kind: 'default', verdict };
      case DpOutcome.Malformed:
        return { kind: 'malformed', reason: MALFORMED_REASONS[e.detail], verdict: 'drop' };
      case DpOutcome.NonIp:
        return { kind: 'bypass', bypass: 'non_ip', verdict };
      case DpOutcome.Ndp:
        return { kind: 'bypass', bypass: 'ndp', verdict };
      default:
        throw new Error(`explain: unknown outcome ${e.outcome}`);
    }
  }

  /** Counters the way the reference model keeps them, by rule index of the current ruleset. */
  counterView(): CounterView {
    const rs = this.ruleset;
    const compiled = this.compiled;
    if (!rs || !compiled) throw new Error('apply a ruleset first');
    const { slots } = this.dp.counters();
    const rules = new Map<number, { packets: number; bytes: number }>();
    rs.rules.forEach((r, i) => rules.set(i, slots[compiled.slots.get(r.id) as number]));
    const malformed = new Map(MALFORMED_REASONS.map((m) => [m, slots[fixedSlots.malformed(m)]] as const));
    const ifaces = new Map<string, { pass: { packets: number; bytes: number }; drop: { packets: number; bytes: number } }>();
    for (const name of [...this.ifindex.keys(), 'other']) {
      const cls = name === 'other' ? 0 : compiledIfaceClass(this, name);
      ifaces.set(name, { pass: slots[fixedSlots.iface(cls, false)], drop: slots[fixedSlots.iface(cls, true)] });
    }
    return {
      rules,
      default: slots[fixedSlots.default],
      malformed,
      nonIp: slots[fixedSlots.nonIp],
      ndp: slots[fixedSlots.ndp],
      ifaces,
    };
  }

  close(): void {
    this.dp.close();
    this.veth.remove();
  }
}

function compiledIfaceClass(h: BpfHarness, name: string): number {
  return h.dp.registerInterface(name, h.ifindex.get(name) as number);
}

export interface CounterView {
  rules: Map<number, { packets: number; bytes: number }>;
  default: { packets: number; bytes: number };
  malformed: Map<string, { packets: number; bytes: number }>;
  nonIp: { packets: number; bytes: number };
  ndp: { packets: number; bytes: number };
  ifaces: Map<string, { pass: { packets: number; bytes: number }; drop: { packets: number; bytes: number } }>;
}

export function retvalVerdict(retval: number): 'pass' | 'drop' | `retval ${number}` {
  return retval === XDP_PASS ? 'pass' : retval === XDP_DROP ? 'drop' : `retval ${retval}`;
}

export { classify };
