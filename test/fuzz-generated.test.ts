// Packet fuzzing, part 3 (issue 6): the mutator on generated rulesets (test/lib/gen-ruleset.ts:
// nested prefixes, sets, port ranges, flags, ICMP, fragments, interfaces) with mutants of frames
// made to hit each rule or just miss it (gen-packet.ts) and of the fuzz seeds, so lying lengths
// and flipped bits land next to rule boundaries too. Kernel and reference must agree as in
// fuzz-mutation.test.ts. 10 rulesets x 2,000 frames in `npm test`; 4 million under XDPFW_SOAK=1.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfHarness } from './lib/bpf-harness';
import { mutate } from './lib/fuzz-mutate';
import { FuzzChecker, fuzzBudget, fuzzSeed } from './lib/fuzz-run';
import { fuzzSeeds, type Seed } from './lib/fuzz-seeds';
import { makePacketGenerator } from './lib/gen-packet';
import { generateRuleset } from './lib/gen-ruleset';
import { isRoot } from './lib/netdev';
import { buildFrameWithLayout } from './lib/packet';
import { Rng } from './lib/rng';

const FRAMES_PER_RULESET = 2_000;
const TOTAL = fuzzBudget(10 * FRAMES_PER_RULESET, 0.4);
const SEED = fuzzSeed();

let h: BpfHarness;
before(() => {
  if (isRoot()) h = new BpfHarness(['eth0', 'eth1']);
});
after(() => h?.close());

test(`${TOTAL} mutants on generated rulesets: kernel and reference agree (seed ${SEED})`, { skip: !isRoot() && 'needs root (BPF)' }, () => {
  const fixedSeeds = fuzzSeeds();
  const check = new FuzzChecker(h);
  const rulesets = Math.ceil(TOTAL / FRAMES_PER_RULESET);
  for (let n = 0; n < rulesets; n++) {
    const { json, model } = generateRuleset(SEED + n, { maxRules: n % 5 === 0 ? 200 : 40 });
    check.use(`generated seed ${SEED + n}`, json);
    const gen = makePacketGenerator(model);
    const rng = new Rng((SEED + n) * 7919);
    for (let i = 0; i < FRAMES_PER_RULESET; i++) {
      let seed: Seed;
      let iface: string;
      if (rng.chance(0.7)) {
        const p = gen(rng);
        seed = { name: p.intent, spec: p.spec, frame: p.frame, layout: buildFrameWithLayout(p.spec).layout, family: p.spec.ip?.kind === 'ipv6' ? 6 : p.spec.ip ? 4 : null };
        iface = p.iface;
      } else {
        seed = rng.pick(fixedSeeds);
        iface = rng.pick(['eth0', 'eth1']);
      }
      const m = rng.chance(0.1) ? { frame: seed.frame, ops: ['none'] } : mutate(seed, rng);
      check.check(m.frame, iface, () => `ruleset seed ${SEED + n}, frame ${i} "${seed.name}": ${m.ops.join(' ')}`);
    }
    check.flush();
  }
  assert.equal(check.frames + check.shortFrames, rulesets * FRAMES_PER_RULESET);
  console.log(`# generated: ${rulesets} rulesets, ${check.frames} frames through the kernel, ${check.shortFrames} judged by the reference alone; ${JSON.stringify(Object.fromEntries(check.outcomes))}`);
});
