// Section 1: data-path ns/packet through BPF_PROG_TEST_RUN, for every (rules x sets) block and
// packet kind, beside three contenders measured on the same frames in the same trials: a 10-rule
// ruleset without sets (the flatness baseline), XDP_PASS and xdp-filter.

import { DataPlane } from '../../src/dataplane/dataplane';
import { Outcome } from '../../src/dataplane/layout';
import { frameOf } from '../lib/frames';
import { bpfStatsSetting } from '../lib/host';
import type { BenchOptions } from '../lib/options';
import { loadPassProgram, loadXdpFilter } from '../lib/references';
import { Summary, rotate, summarize } from '../lib/stats';
import { cellNsPerPacket } from '../lib/testrun';
import { PACKET_KINDS, type PacketKind, buildWorkload } from '../lib/workload';
import type { BpfProgram } from '../../native/lib';

export const CONTENDERS = ['xdpfw', 'baseline', 'xdp-filter', 'XDP_PASS'] as const;
export type Contender = (typeof CONTENDERS)[number];

export interface DatapathBlock {
  rules: number;
  v4: number;
  v6: number;
  compileMs: number;
  applyMs: number;
  /** kind -> contender -> ns/packet over trials (no trials: not measured in this block) */
  cells: Record<PacketKind, Record<Contender, Summary>>;
  /** kind -> what the data path decided for the first frame (explain twin) and the return codes seen */
  decided: Record<PacketKind, { rule: number | null; expected: number | null; retvals: number[] }>;
}

export interface DatapathResult {
  repeatPerCell: number;
  packetsPerCell: number;
  blocks: DatapathBlock[];
  /** blocks left out because the section ran past its share of the time budget */
  skipped: string[];
  /** kernel.bpf_stats_enabled at the end of the section (someone else's switch: 1 inflates every cell) */
  bpfStatsDuring: number;
}

/** The IPv6 set that goes with an IPv4 set size (the 1M IPv4 comes with 100k IPv6). */
export const v6For = (v4: number) => Math.min(v4, 100_000);

/**
 * The targets' blocks run first (the largest, then 10 rules without sets); the rest follow while
 * the section is within `deadline` (performance.now() ms): on a machine others are loading,
 * the grid is cut rather than the run's 20-minute budget.
 */
export function runDatapath(opts: BenchOptions, log: (s: string) => void, deadline = Infinity): DatapathResult {
  const pass = loadPassProgram();
  const xdpFilter = loadXdpFilter();
  const baseline = DataPlane.open({ pinDir: null });
  baseline.apply(baseline.compile(buildWorkload(10, 0, 0).ruleset));
  const blocks: DatapathBlock[] = [];
  const skipped: string[] = [];
  try {
    const grid = opts.setSizes.flatMap((v4) => opts.ruleSizes.map((rules) => ({ rules, v4 })));
    const first = (b: { rules: number; v4: number }) =>
      b.rules === Math.max(...opts.ruleSizes) && b.v4 === Math.max(...opts.setSizes) ? 0 : b.rules === 10 && b.v4 === 0 ? 1 : 2;
    grid.sort((a, b) => first(a) - first(b));
    for (const [i, { rules, v4 }] of grid.entries()) {
      if (i >= 2 && performance.now() > deadline) {
        skipped.push(`${rules} rules + ${v4} IPv4`);
        continue;
      }
      // xdp-filter and XDP_PASS are read beside the targets' two blocks; the other blocks carry
      // the baseline only, which keeps the grid within the budget on a loaded machine.
      const refs = i < 2 ? { baseline: baseline.program, 'xdp-filter': xdpFilter.program, XDP_PASS: pass.program } : { baseline: baseline.program };
      blocks.push(measureBlock(rules, v4, v6For(v4), opts, refs, log));
    }
  } finally {
    baseline.close();
    pass.close();
    xdpFilter.close();
  }
  blocks.sort((a, b) => a.v4 - b.v4 || a.rules - b.rules);
  // Not switched off here (it is global and may be someone's), but said: it inflates every cell.
  if (bpfStatsSetting() !== 0) log('  warning: kernel.bpf_stats_enabled is on: every figure includes its per-run clock reads');
  return { repeatPerCell: opts.repeatPerCell, packetsPerCell: 16, blocks, skipped, bpfStatsDuring: bpfStatsSetting() };
}

function measureBlock(
  rules: number, v4: number, v6: number, opts: BenchOptions,
  refs: Partial<Record<Exclude<Contender, 'xdpfw'>, BpfProgram>>, log: (s: string) => void,
): DatapathBlock {
  const w = buildWorkload(rules, v4, v6);
  const dp = DataPlane.open({ pinDir: null });
  try {
    const t0 = performance.now();
    const compiled = dp.compile(w.ruleset);
    const t1 = performance.now();
    dp.apply(compiled);
    const t2 = performance.now();
    const frames = Object.fromEntries(PACKET_KINDS.map((k) => [k, w.packets[k].map(frameOf)])) as Record<PacketKind, Buffer[]>;
    const decided = Object.fromEntries(PACKET_KINDS.map((k) => {
      const e = dp.explain(frames[k][0]);
      return [k, { rule: e.outcome === Outcome.Rule ? e.detail : null, expected: w.expected[k], retvals: [] as number[] }];
    })) as DatapathBlock['decided'];
    for (const k of PACKET_KINDS) {
      if (decided[k].rule !== decided[k].expected) log(`  warning: ${k} packets decided by rule ${decided[k].rule}, expected ${decided[k].expected}`);
    }

    const programs: Partial<Record<Contender, BpfProgram>> = { xdpfw: dp.program, ...refs };
    const present = CONTENDERS.filter((c) => programs[c]);
    const trials = Object.fromEntries(PACKET_KINDS.map((k) => [k, Object.fromEntries(CONTENDERS.map((c) => [c, [] as number[]]))])) as Record<PacketKind, Record<Contender, number[]>>;
    for (let t = 0; t < opts.trials; t++) {
      // Interleaved: every trial measures every contender on every kind, in a rotated order.
      for (const c of rotate(present, t)) {
        for (const k of rotate(PACKET_KINDS, t)) {
          const r = cellNsPerPacket(programs[c]!, frames[k], opts.repeatPerCell);
          trials[k][c].push(r.ns);
          if (c === 'xdpfw') decided[k].retvals = [...new Set([...decided[k].retvals, ...r.retvals])].sort();
        }
      }
    }
    const cells = Object.fromEntries(PACKET_KINDS.map((k) => [k, Object.fromEntries(CONTENDERS.map((c) => [c, summarize(trials[k][c])]))])) as DatapathBlock['cells'];
    log(`  ${rules} rules, ${v4} v4 + ${v6} v6: compile ${(t1 - t0).toFixed(0)} ms, apply ${(t2 - t1).toFixed(0)} ms; ` +
      PACKET_KINDS.map((k) => `${k} ${cells[k].xdpfw.median.toFixed(1)}`).join(', ') + ' ns');
    return { rules, v4, v6, compileMs: t1 - t0, applyMs: t2 - t1, cells, decided };
  } finally {
    dp.close();
  }
}
