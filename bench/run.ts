// `npm run bench` (node dist/bench/run.js) or, while developing, `npx tsx bench/run.ts [--quick]
// [--only=datapath,miss,control,veth]`: every section of CONTRACT section 7 and issue 5, a
// markdown report on stdout and bench/results/<ISO date>.json with every raw trial. Progress
// goes to stderr. Needs root (BPF, namespaces) and is never part of `npm test`.

import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../native/lib';
import { hostInfo, requireJit } from './lib/host';
import { parseOptions } from './lib/options';
import { renderMarkdown } from './report/markdown';
import { evaluateTargets } from './report/targets';
import type { BenchReport } from './report/types';
import { runControl } from './sections/control';
import { runDatapath } from './sections/datapath';
import { runMiss } from './sections/miss';
import { runVeth } from './sections/veth';

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('the benchmark needs root (BPF programs, network namespaces)');
  requireJit();
  const started = new Date();
  const t0 = performance.now();
  const report: BenchReport = {
    startedAt: started.toISOString(), finishedAt: '', seconds: 0, host: hostInfo(),
    options: { ...opts, sections: [...opts.sections] }, targets: [], notes: [],
  };
  const section = async <T>(name: string, run: () => T | Promise<T>): Promise<T | undefined> => {
    const s0 = performance.now();
    log(`${name}...`);
    try {
      return await run();
    } catch (e) {
      const why = `${name} failed: ${(e as Error).message.split('\n')[0]}`;
      log(why);
      report.notes.push(why);
      return undefined;
    } finally {
      log(`${name} took ${((performance.now() - s0) / 1000).toFixed(0)} s`);
    }
  };
  // The data path grid may use up to 40% of the 20-minute budget before it is cut.
  if (opts.sections.has('datapath')) report.datapath = await section('data path', () => runDatapath(opts, log, t0 + opts.budgetMinutes * 60_000 * 0.4));
  if (opts.sections.has('miss')) report.miss = await section('miss flood', () => runMiss(opts, log, { rules: 4096, v4: 1_000_000, v6: 100_000 }));
  if (opts.sections.has('control')) report.control = await section('control plane', () => runControl(opts, log));
  if (opts.sections.has('veth')) report.veth = await section('veth traffic', () => runVeth(opts, log));
  if (report.host.bpfStatsAtStart || report.datapath?.bpfStatsDuring) {
    report.notes.push('kernel.bpf_stats_enabled was on during the data path section (switched on by something else): every BPF_PROG_TEST_RUN figure includes its clock reads; compare with XDP_PASS');
  }
  if (report.datapath?.skipped.length) report.notes.push(`data path blocks left out (time budget): ${report.datapath.skipped.join('; ')}`);
  if (report.control && !('metricsMs' in report.control.service)) report.notes.push(`REST figures: ${report.control.service.skipped}`);

  report.targets = evaluateTargets(report.datapath, report.miss, report.control, report.veth);
  report.finishedAt = new Date().toISOString();
  report.seconds = (performance.now() - t0) / 1000;
  const dir = path.join(packageRoot(), opts.outDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${report.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z')}${opts.quick ? '-quick' : ''}.json`);
  fs.writeFileSync(`${file}.tmp`, `${JSON.stringify(report, null, 1)}\n`);
  fs.renameSync(`${file}.tmp`, file);
  process.stdout.write(`${renderMarkdown(report)}\n`);
  log(`wrote ${path.relative(process.cwd(), file)}`);
}

// Exit hooks (namespaces, bpf_stats) must run on Ctrl-C too; Node skips them on a signal by default.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

main().catch((e) => {
  process.stderr.write(`[bench] ${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
