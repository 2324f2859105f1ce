// Prints the markdown report of a results file again, with the targets judged by this version's
// rules (after a change to bench/report/, without re-running a 15-minute benchmark):
//
//   node dist/bench/render.js bench/results/<date>.json

import fs from 'node:fs';
import { renderMarkdown } from './report/markdown';
import { evaluateTargets } from './report/targets';
import type { BenchReport } from './report/types';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: render <bench/results/FILE.json>\n');
  process.exit(2);
}
const report = JSON.parse(fs.readFileSync(file, 'utf8')) as BenchReport;
report.targets = evaluateTargets(report.datapath, report.miss, report.control, report.veth);
process.stdout.write(`${renderMarkdown(report)}\n`);
