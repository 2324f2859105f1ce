// The REST side of section 3, in a process of its own (started by sections/control.ts): the
// daemon's service and HTTP application over an unpinned data plane, driven with inject() so
// only the application's own work is timed, not a socket. Prints one JSON line: ServiceFigures.
//
// Its RSS is the daemon's figure: the process holds what the daemon holds (the ruleset JSON and
// model in force, the compiled tables, the mmap'ed maps) and nothing of the benchmark's: the
// workload and its JSON objects are built in prepare() and only the request bodies (strings, as a
// client's bytes would be) outlive it. Memory is sampled every 2 ms by a process of its own
// (MemorySampler), so the peaks include the middle of each request, not only the gaps between.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import pino from 'pino';
import { build } from '../../src/api/app';
import { DataPlane } from '../../src/dataplane/dataplane';
import { RulesetService } from '../../src/service/ruleset-service';
import { StateStore } from '../../src/service/state-store';
import { CHANGED_RULE, planSetPatch } from '../lib/changes';
import { MemorySample, MemorySampler, memoryOf } from '../lib/memory';
import { rulesetToJson } from '../lib/ruleset-json';
import { Summary, summarize } from '../lib/stats';
import { buildWorkload } from '../lib/workload';
import { LARGEST, PATCH_ELEMENTS } from '../sections/control';
import type { RuleJson } from '../../src/ruleset/model';

export interface ServiceFigures {
  rules: number;
  v4: number;
  v6: number;
  /** PUT /v1/ruleset of the whole largest ruleset (JSON parse, validation, compile, apply) */
  putRulesetMs: number;
  putRuleMs: Summary;
  patchSetMs: Summary;
  patchElements: number;
  metricsMs: Summary;
  metricsBytes: number;
  /** the largest of every sample taken, throughout (VmHWM is the kernel's own peak) */
  memory: MemorySample;
  /** the largest samples during the whole-ruleset PUT alone */
  memoryPutRuleset: MemorySample;
  /** samples taken by the sampler process */
  memorySamples: number;
}

/** What the requests need, without the objects they were made from (the benchmark's, not the daemon's). */
function prepare(): { ruleset: string; rule: RuleJson; patch: { forward: string; back: string } } {
  const w = buildWorkload(LARGEST.rules, LARGEST.v4, LARGEST.v6);
  const json = rulesetToJson(w.ruleset);
  const rule = json.rules.find((r) => r.id === CHANGED_RULE)!;
  const { add, remove } = planSetPatch(w.ruleset, 'block4', PATCH_ELEMENTS);
  return { ruleset: JSON.stringify(json), rule, patch: { forward: JSON.stringify({ add, remove }), back: JSON.stringify({ add: remove, remove: add }) } };
}

async function main(): Promise<void> {
  const trials = Number(process.argv[2] ?? 5);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-bench-'));
  const dp = DataPlane.open({ pinDir: null });
  try {
    const store = new StateStore(stateDir);
    store.prepare();
    const log = pino({ level: 'warn' }, pino.destination(2));
    const service = new RulesetService({ dp, store, interfaces: [], log });
    const app = await build(service, { token: null, logger: log });
    const peak = { peakRssMiB: 0, rssMiB: 0, rssAnonMiB: 0, rssFileMiB: 0, rssShmemMiB: 0 };
    const sample = () => {
      const m = memoryOf();
      for (const k of Object.keys(peak) as (keyof MemorySample)[]) peak[k] = Math.max(peak[k], m[k]);
    };
    const call = async (method: 'PUT' | 'PATCH' | 'GET', url: string, body?: unknown) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const t0 = performance.now();
      const res = await app.inject({ method, url, payload, headers: payload ? { 'content-type': 'application/json' } : {} });
      const ms = performance.now() - t0;
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 500)}`);
      sample();
      return { ms, bytes: res.rawPayload.length };
    };

    const bodies: { ruleset: string | null; rule: RuleJson; patch: { forward: string; back: string } } = prepare();
    const { rule, patch } = bodies;
    // The workload's objects are garbage now; a daemon never held them. Collected before the
    // first request, they do not count towards its peak (V8 would collect them at some point
    // during it: a major GC is due only when the heap has grown enough).
    await collectGarbage();
    const sampler = new MemorySampler();
    sampler.phase('put-ruleset');
    const put = await call('PUT', '/v1/ruleset', bodies.ruleset);
    bodies.ruleset = null;
    sampler.phase('changes');
    const ruleMs: number[] = [];
    const patchMs: number[] = [];
    const metricsMs: number[] = [];
    let metricsBytes = 0;
    for (let t = 0; t < trials; t++) {
      // Back and forth, so every call changes the ruleset in force.
      for (const dport of [20000, rule.dport]) ruleMs.push((await call('PUT', `/v1/rules/${CHANGED_RULE}`, { ...rule, dport })).ms);
      patchMs.push((await call('PATCH', '/v1/sets/block4', patch.forward)).ms);
      patchMs.push((await call('PATCH', '/v1/sets/block4', patch.back)).ms);
      const m = await call('GET', '/metrics');
      metricsMs.push(m.ms);
      metricsBytes = m.bytes;
    }
    await app.close();
    const sampled = await sampler.stop();
    const put0 = sampled.phases['put-ruleset'];
    const figures: ServiceFigures = {
      ...LARGEST,
      putRulesetMs: put.ms,
      putRuleMs: summarize(ruleMs),
      patchSetMs: summarize(patchMs),
      patchElements: PATCH_ELEMENTS,
      metricsMs: summarize(metricsMs),
      metricsBytes,
      memory: { ...maxOf(peak, sampled.overall), peakRssMiB: memoryOf().peakRssMiB },
      memoryPutRuleset: put0,
      memorySamples: sampled.samples,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    dp.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * A full GC (without starting node with --expose-gc), then a wait until the freed pages have gone
 * back to the kernel: V8 unmaps them from a background thread, a second or so later.
 */
async function collectGarbage(): Promise<void> {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  let last = memoryOf().rssAnonMiB;
  for (let waited = 0; waited < 5000; waited += 200) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = memoryOf().rssAnonMiB;
    if (now > last - 1) break;
    last = now;
  }
}

function maxOf(a: MemorySample, b: MemorySample): MemorySample {
  const out = { ...a };
  for (const k of Object.keys(out) as (keyof MemorySample)[]) out[k] = Math.max(a[k], b[k]);
  return out;
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
