// Memory of a process from /proc/<pid>/status. Plain RSS includes the pages of BPF maps the
// process has mmap'ed (they are file-backed, not anonymous): RssAnon is the heap without them.

import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';

export interface MemorySample {
  /** peak resident set (VmHWM), MiB */
  peakRssMiB: number;
  rssMiB: number;
  rssAnonMiB: number;
  rssFileMiB: number;
  rssShmemMiB: number;
}

export function memoryOf(pid: number | 'self' = 'self'): MemorySample {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return { peakRssMiB: kb('VmHWM'), rssMiB: kb('VmRSS'), rssAnonMiB: kb('RssAnon'), rssFileMiB: kb('RssFile'), rssShmemMiB: kb('RssShmem') };
}

/**
 * Samples a process's memory every few milliseconds from a process of its own, so the peaks
 * include the middle of long synchronous work (a whole-ruleset PUT blocks the event loop for
 * seconds, and samples taken between requests miss its peak). The sampler is a separate process
 * on purpose: a thread would add to the RSS it measures, and a timer cannot fire mid-request.
 * Phases (`phase(name)`) get their own peaks; `stop()` returns them and the overall peak.
 */
export class MemorySampler {
  private readonly child: ChildProcess;
  private readonly done: Promise<SamplerReport>;

  constructor(pid: number = process.pid, intervalMs = 2) {
    this.child = spawn(process.execPath, ['-e', SAMPLER, String(pid), String(intervalMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
    this.done = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`memory sampler exited ${code}`));
        try {
          resolve(JSON.parse(out) as SamplerReport);
        } catch (e) {
          reject(e);
        }
      });
    });
  }

  /** Later samples count towards phase `name` (and the overall peak). */
  phase(name: string): void {
    this.child.stdin?.write(`${name}\n`);
  }

  async stop(): Promise<SamplerReport> {
    this.child.stdin?.end();
    return this.done;
  }
}

export interface SamplerReport {
  overall: MemorySample;
  phases: Record<string, MemorySample>;
  samples: number;
}

const SAMPLER = `
const fs = require('node:fs');
const [pid, interval] = process.argv.slice(1).map(Number);
const keys = { rssMiB: 'VmRSS', rssAnonMiB: 'RssAnon', rssFileMiB: 'RssFile', rssShmemMiB: 'RssShmem', peakRssMiB: 'VmHWM' };
const empty = () => ({ peakRssMiB: 0, rssMiB: 0, rssAnonMiB: 0, rssFileMiB: 0, rssShmemMiB: 0 });
const overall = empty();
const phases = {};
let current = null;
let samples = 0;
function sample() {
  let text;
  try { text = fs.readFileSync('/proc/' + pid + '/status', 'utf8'); } catch { return; }
  samples++;
  for (const [k, field] of Object.entries(keys)) {
    const m = new RegExp('^' + field + ':\\\\s+(\\\\d+) kB', 'm').exec(text);
    if (!m) continue;
    const v = Number(m[1]) / 1024;
    if (v > overall[k]) overall[k] = v;
    if (current && v > current[k]) current[k] = v;
  }
}
const timer = setInterval(sample, interval);
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buf += d;
  for (let i; (i = buf.indexOf('\\n')) >= 0; buf = buf.slice(i + 1)) {
    sample();
    current = phases[buf.slice(0, i)] ??= empty();
    sample();
  }
});
process.stdin.on('end', () => {
  sample();
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ overall, phases, samples }));
});
`;
