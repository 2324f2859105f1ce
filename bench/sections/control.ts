// Section 3: the control plane. Compile + apply of each set size from a fresh data plane; the
// latency of one rule edit and of a 1,000-element set patch on the largest ruleset (the changed
// model compiled and applied, as the daemon does); BPF map memory at that size; and the same
// through the REST service, /metrics and the daemon's RSS, in a process of their own.

import { spawnSync } from 'node:child_process';
import { DataPlane } from '../../src/dataplane/dataplane';
import type { Ruleset } from '../../src/ruleset/model';
import { planSetPatch, withRuleEdited } from '../lib/changes';
import { helperArgv } from '../lib/child';
import { mapMemlock } from '../lib/host';
import type { BenchOptions } from '../lib/options';
import { Summary, rotate, summarize } from '../lib/stats';
import { buildWorkload } from '../lib/workload';
import type { ServiceFigures } from '../control/service-child';

export interface ApplyFigures {
  compileMs: Summary;
  applyMs: Summary;
  totalMs: Summary;
}

export interface ControlResult {
  bySize: ({ rules: number; v4: number; v6: number } & ApplyFigures)[];
  largest: { rules: number; v4: number; v6: number };
  ruleEdit: ApplyFigures;
  setPatch: ApplyFigures & { elements: number };
  mapMemory: { bytes: number; maps: { id: number; name: string; type: string; bytes: number }[] };
  service: ServiceFigures | { skipped: string };
}

export const LARGEST = { rules: 4096, v4: 1_000_000, v6: 250_000 };
export const PATCH_ELEMENTS = 1000;

function timeApply(dp: DataPlane, rs: Ruleset): { compileMs: number; applyMs: number } {
  const t0 = performance.now();
  const compiled = dp.compile(rs);
  const t1 = performance.now();
  dp.apply(compiled);
  return { compileMs: t1 - t0, applyMs: performance.now() - t1 };
}

function figures(samples: { compileMs: number; applyMs: number }[]): ApplyFigures {
  return {
    compileMs: summarize(samples.map((s) => s.compileMs)),
    applyMs: summarize(samples.map((s) => s.applyMs)),
    totalMs: summarize(samples.map((s) => s.compileMs + s.applyMs)),
  };
}

export function runControl(opts: BenchOptions, log: (s: string) => void): ControlResult {
  const sizes = [
    ...opts.setSizes.map((v4) => ({ rules: 4096, v4, v6: Math.min(v4, 100_000) })),
    LARGEST,
  ];
  const workloads = sizes.map((s) => buildWorkload(s.rules, s.v4, s.v6).ruleset);
  const samples = sizes.map(() => [] as { compileMs: number; applyMs: number }[]);
  for (let t = 0; t < opts.trials; t++) {
    for (const i of rotate(sizes.map((_, k) => k), t)) {
      // From scratch each time: a fresh data plane, as at daemon start.
      const dp = DataPlane.open({ pinDir: null });
      try {
        samples[i].push(timeApply(dp, workloads[i]));
      } finally {
        dp.close();
      }
    }
  }
  const bySize = sizes.map((s, i) => ({ ...s, ...figures(samples[i]) }));
  for (const s of bySize) log(`  compile+apply ${s.rules} rules + ${s.v4} v4 + ${s.v6} v6: ${s.totalMs.median.toFixed(0)} ms`);

  const base = workloads[workloads.length - 1];
  const edited = withRuleEdited(base).ruleset;
  const patch = planSetPatch(base, 'block4', PATCH_ELEMENTS);
  const dp = DataPlane.open({ pinDir: null });
  let ruleEdit: ApplyFigures;
  let setPatch: ControlResult['setPatch'];
  let mapMemory: ControlResult['mapMemory'];
  try {
    dp.apply(dp.compile(base));
    mapMemory = mapMemlock([...dp.maps.byName.values()].map((m) => m.info.id));
    // Each change goes back and forth, so every trial is a real change of the ruleset in force.
    const edits: { compileMs: number; applyMs: number }[] = [];
    for (let t = 0; t < opts.trials; t++) {
      edits.push(timeApply(dp, edited));
      edits.push(timeApply(dp, base));
    }
    ruleEdit = figures(edits);
    // Each list derived from the one in force, as the daemon derives them.
    const patches: { compileMs: number; applyMs: number }[] = [];
    let cur = base;
    for (let t = 0; t < opts.trials; t++) {
      cur = patch.forward(cur);
      patches.push(timeApply(dp, cur));
      cur = patch.back(cur);
      patches.push(timeApply(dp, cur));
    }
    setPatch = { ...figures(patches), elements: PATCH_ELEMENTS };
  } finally {
    dp.close();
  }
  log(`  rule edit ${ruleEdit.totalMs.median.toFixed(1)} ms, set patch ${setPatch.totalMs.median.toFixed(1)} ms, maps ${(mapMemory.bytes / 2 ** 20).toFixed(0)} MiB`);
  return { bySize, largest: LARGEST, ruleEdit, setPatch, mapMemory, service: runServiceChild(opts, log) };
}

/** The REST figures come from a process of their own, so its RSS is the daemon's, not the benchmark's. */
function runServiceChild(opts: BenchOptions, log: (s: string) => void): ServiceFigures | { skipped: string } {
  const argv = [...helperArgv('control/service-child'), String(opts.trials)];
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000 });
  if (r.status !== 0) {
    const why = `service child exited ${r.status ?? r.signal}: ${(r.stderr || '').trim().split('\n').slice(-5).join(' | ')}`;
    log(`  ${why}`);
    return { skipped: why };
  }
  const figures = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as ServiceFigures;
  log(`  REST: PUT ruleset ${figures.putRulesetMs.toFixed(0)} ms, PUT rule ${figures.putRuleMs.median.toFixed(1)} ms, ` +
    `PATCH set ${figures.patchSetMs.median.toFixed(1)} ms, /metrics ${figures.metricsMs.median.toFixed(1)} ms, peak RSS ${figures.memory.peakRssMiB.toFixed(0)} MiB`);
  return figures;
}
