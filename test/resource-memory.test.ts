// Resource bounds (issue 6): memory stays bounded while a large ruleset is compiled and applied
// over and over (4,096 rules and 200,000 set prefixes, two different rulesets in turn, so every
// address table is rewritten), the way a daemon re-applies its ruleset for years. Heap (after a
// full GC), external memory and RSS are sampled once warm and at the end; a compiled ruleset kept
// alive per apply would add tens of MB each time. XDPFW_SOAK=1 runs the contract's full
// capacity (1,000,000 IPv4 + 250,000 IPv6 prefixes).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { DataPlane } from '../src/dataplane/dataplane';
import { buildCapacityRuleset, CONTRACT_CAPACITY } from './lib/capacity-ruleset';
import { isRoot } from './lib/netdev';

const SOAK = !!process.env.XDPFW_SOAK && process.env.XDPFW_SOAK !== '0';
const SIZES = SOAK ? CONTRACT_CAPACITY : { rules: 4096, v4: 160_000, v6: 40_000 };
const CYCLES = 20;
const WARM = 6;
const MB = 1024 * 1024;

/** A full, synchronous GC (node --test runs without --expose-gc). */
function collect(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

/** Anonymous RSS: the process's own memory, without the mmap'ed BPF maps (file/shmem pages). */
function rssAnon(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('RssAnon:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

function sample() {
  collect();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, external: m.external, rss: rssAnon() };
}

const fmt = (s: ReturnType<typeof sample>) => `heap ${(s.heap / MB).toFixed(1)} MB, external ${(s.external / MB).toFixed(1)} MB, anonymous RSS ${(s.rss / MB).toFixed(1)} MB`;

test(`${CYCLES} compile + apply of ${SIZES.rules} rules and ${SIZES.v4 + SIZES.v6} prefixes: memory bounded`, { skip: !isRoot() && 'needs root (BPF)' }, () => {
  const a = buildCapacityRuleset(1, SIZES).model;
  const b = buildCapacityRuleset(2, SIZES).model;
  const dp = DataPlane.open({ pinDir: null });
  try {
    let warm = sample();
    // The end state is the lowest of the last four samples (same phase every other cycle): a leak
    // grows every cycle, so it raises even the lowest; a buffer freed one GC late does not.
    const tail: ReturnType<typeof sample>[] = [];
    for (let i = 0; i < CYCLES; i++) {
      dp.apply(dp.compile(i % 2 ? a : b));
      if (i === WARM - 1) warm = sample();
      if (i >= CYCLES - 4) tail.push(sample());
    }
    const end = { heap: Math.min(...tail.map((t) => t.heap)), external: Math.min(...tail.map((t) => t.external)), rss: Math.min(...tail.map((t) => t.rss)) };
    const where = `warm: ${fmt(warm)}; after ${CYCLES}: ${fmt(end)}`;
    // Noise allowances: far below what one leaked compiled ruleset per apply would add.
    assert.ok(end.heap - warm.heap < 16 * MB, `heap grew: ${where}`);
    assert.ok(end.external - warm.external < 32 * MB, `external memory grew: ${where}`);
    assert.ok(end.rss - warm.rss < 96 * MB, `anonymous RSS grew: ${where}`);
    console.log(`# ${where}`);
  } finally {
    dp.close();
  }
});
