// Section 2: the miss flood. Every packet has a new source address and new ports and runs once
// (repeat 1), on the largest ruleset, beside xdp-filter and XDP_PASS run the same way on the same
// packets. A repeat-1 call is mostly syscall, so the figure is the kernel's: run_time_ns/run_cnt
// from kernel.bpf_stats_enabled (the program alone), with the test run's own per-run duration
// (which adds the kernel's clock reads around the run) beside it.

import { DataPlane } from '../../src/dataplane/dataplane';
import { missFlood } from '../lib/frames';
import { enableBpfStats } from '../lib/host';
import type { BenchOptions } from '../lib/options';
import { loadPassProgram, loadXdpFilter } from '../lib/references';
import { Summary, rotate, summarize } from '../lib/stats';
import { runOnceEach } from '../lib/testrun';
import { buildWorkload } from '../lib/workload';
import type { BpfProgram } from '../../native/lib';

export const MISS_CONTENDERS = ['xdpfw', 'xdp-filter', 'XDP_PASS'] as const;
type MissContender = (typeof MISS_CONTENDERS)[number];

export interface MissResult {
  rules: number;
  v4: number;
  v6: number;
  packetsPerTrial: number;
  /** family -> contender -> ns/packet (bpf_stats) and ns/packet (test-run duration) */
  stats: Record<'ipv4' | 'ipv6', Record<MissContender, Summary>>;
  duration: Record<'ipv4' | 'ipv6', Record<MissContender, Summary>>;
}

export function runMiss(opts: BenchOptions, log: (s: string) => void, largest: { rules: number; v4: number; v6: number }): MissResult {
  const w = buildWorkload(largest.rules, largest.v4, largest.v6);
  const dp = DataPlane.open({ pinDir: null });
  const pass = loadPassProgram();
  const xdpFilter = loadXdpFilter();
  const restoreStats = enableBpfStats();
  try {
    dp.apply(dp.compile(w.ruleset));
    const programs: Record<MissContender, BpfProgram> = { xdpfw: dp.program, 'xdp-filter': xdpFilter.program, XDP_PASS: pass.program };
    const empty = () => Object.fromEntries(MISS_CONTENDERS.map((c) => [c, [] as number[]])) as Record<MissContender, number[]>;
    const stats = { ipv4: empty(), ipv6: empty() };
    const duration = { ipv4: empty(), ipv6: empty() };
    for (let t = 0; t < opts.trials; t++) {
      for (const family of [4, 6] as const) {
        // New packets every trial; within a trial every contender gets the same ones.
        const frames = missFlood(family, opts.missPackets, 1000 + t * 2 + family);
        const key = family === 4 ? 'ipv4' : 'ipv6';
        for (const c of rotate(MISS_CONTENDERS, t)) {
          const r = runOnceEach(programs[c], frames);
          stats[key][c].push(r.statsNs);
          duration[key][c].push(r.durationNs);
        }
      }
    }
    const sum = (x: Record<MissContender, number[]>) => Object.fromEntries(MISS_CONTENDERS.map((c) => [c, summarize(x[c])])) as Record<MissContender, Summary>;
    const result: MissResult = {
      ...largest,
      packetsPerTrial: opts.missPackets,
      stats: { ipv4: sum(stats.ipv4), ipv6: sum(stats.ipv6) },
      duration: { ipv4: sum(duration.ipv4), ipv6: sum(duration.ipv6) },
    };
    log(`  miss flood: IPv4 ${result.stats.ipv4.xdpfw.median.toFixed(1)} ns vs xdp-filter ${result.stats.ipv4['xdp-filter'].median.toFixed(1)}; ` +
      `IPv6 ${result.stats.ipv6.xdpfw.median.toFixed(1)} vs ${result.stats.ipv6['xdp-filter'].median.toFixed(1)}`);
    return result;
  } finally {
    restoreStats();
    dp.close();
    pass.close();
    xdpFilter.close();
  }
}
