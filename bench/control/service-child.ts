// The REST side of section 3, in a process of its own (started by sections/control.ts): the
// daemon's service and HTTP application over an unpinned data plane, driven with inject() so
// only the application's own work is timed, not a socket. Prints one JSON line: ServiceFigures.
//
// Its RSS is the daemon's figure: the process holds what the daemon holds (the ruleset JSON and
// model in force, the compiled tables, the mmap'ed maps) and nothing of the benchmark's.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { build } from '../../src/api/app';
import { DataPlane } from '../../src/dataplane/dataplane';
import { RulesetService } from '../../src/service/ruleset-service';
import { StateStore } from '../../src/service/state-store';
import { CHANGED_RULE, planSetPatch } from '../lib/changes';
import { MemorySample, memoryOf } from '../lib/memory';
import { rulesetToJson } from '../lib/ruleset-json';
import { Summary, summarize } from '../lib/stats';
import { buildWorkload } from '../lib/workload';
import { LARGEST, PATCH_ELEMENTS } from '../sections/control';

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
  /** the largest of every sample taken (VmHWM is the kernel's own peak) */
  memory: MemorySample;
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
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const t0 = performance.now();
      const res = await app.inject({ method, url, payload, headers: payload ? { 'content-type': 'application/json' } : {} });
      const ms = performance.now() - t0;
      if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body.slice(0, 500)}`);
      sample();
      return { ms, bytes: res.rawPayload.length };
    };

    const w = buildWorkload(LARGEST.rules, LARGEST.v4, LARGEST.v6);
    const json = rulesetToJson(w.ruleset);
    const put = await call('PUT', '/v1/ruleset', json);

    const rule = json.rules.find((r) => r.id === CHANGED_RULE)!;
    const patch = planSetPatch(w.ruleset, 'block4', PATCH_ELEMENTS);
    const ruleMs: number[] = [];
    const patchMs: number[] = [];
    const metricsMs: number[] = [];
    let metricsBytes = 0;
    for (let t = 0; t < trials; t++) {
      // Back and forth, so every call changes the ruleset in force.
      for (const dport of [20000, rule.dport]) ruleMs.push((await call('PUT', `/v1/rules/${CHANGED_RULE}`, { ...rule, dport })).ms);
      patchMs.push((await call('PATCH', '/v1/sets/block4', { add: patch.add, remove: patch.remove })).ms);
      patchMs.push((await call('PATCH', '/v1/sets/block4', { add: patch.remove, remove: patch.add })).ms);
      const m = await call('GET', '/metrics');
      metricsMs.push(m.ms);
      metricsBytes = m.bytes;
    }
    await app.close();
    const figures: ServiceFigures = {
      ...LARGEST,
      putRulesetMs: put.ms,
      putRuleMs: summarize(ruleMs),
      patchSetMs: summarize(patchMs),
      patchElements: PATCH_ELEMENTS,
      metricsMs: summarize(metricsMs),
      metricsBytes,
      memory: { ...peak, peakRssMiB: memoryOf().peakRssMiB },
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  } finally {
    dp.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
