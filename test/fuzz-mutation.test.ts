// Packet fuzzing, part 2 (issue 6): seed frames (fuzz-seeds.ts) mutated (fuzz-mutate.ts: bit
// flips, lying length fields, IHL and data-offset extremes, extension-header lengths, fragment
// fields, ethertypes, truncation, shifted bytes) through the real XDP program and the reference
// classifier under each fuzz ruleset: identical outcomes, verdicts and counters, never
// XDP_ABORTED. 45,000 frames per ruleset in `npm test`; XDPFW_SOAK=1 runs 6 million (and
// fuzz-generated.test.ts 4 million: 10 million in all; XDPFW_FUZZ_FRAMES=N any other count,
// XDPFW_SEED replays a run).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfHarness } from './lib/bpf-harness';
import { mutate } from './lib/fuzz-mutate';
import { FuzzChecker, fuzzBudget, fuzzSeed } from './lib/fuzz-run';
import { FUZZ_IFACES, FUZZ_RULESETS } from './lib/fuzz-rulesets';
import { fuzzSeeds } from './lib/fuzz-seeds';
import { isRoot } from './lib/netdev';
import { Rng } from './lib/rng';

const TOTAL = fuzzBudget(3 * 45_000, 0.6);
const SEED = fuzzSeed();

let h: BpfHarness;
before(() => {
  if (isRoot()) h = new BpfHarness(['eth0', 'eth1']);
});
after(() => h?.close());

test(`${TOTAL} mutated frames: kernel and reference agree (seed ${SEED})`, { skip: !isRoot() && 'needs root (BPF)' }, () => {
  const seeds = fuzzSeeds();
  const check = new FuzzChecker(h);
  const perRuleset = Math.ceil(TOTAL / FUZZ_RULESETS.length);
  FUZZ_RULESETS.forEach(({ name, json }, r) => {
    check.use(name, json);
    const rng = new Rng(SEED + r);
    for (let i = 0; i < perRuleset; i++) {
      const seed = rng.pick(seeds);
      const iface = rng.pick(FUZZ_IFACES);
      const m = mutate(seed, rng);
      check.check(m.frame, iface, () => `seed "${seed.name}", mutant ${i} of run seed ${SEED + r}: ${m.ops.join(' ')}`);
    }
    check.flush();
  });
  assert.equal(check.frames + check.shortFrames, perRuleset * FUZZ_RULESETS.length);
  assert.ok(check.frames >= 0.95 * perRuleset * FUZZ_RULESETS.length, `only ${check.frames} frames reached the kernel`);
  console.log(`# mutation: ${check.frames} frames through the kernel, ${check.shortFrames} judged by the reference alone; ${JSON.stringify(Object.fromEntries(check.outcomes))}`);
});
