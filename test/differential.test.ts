// The strongest test of the project: generated rulesets and packets (hits, near misses, random,
// malformed, non-IP, NDP, VLAN, extension headers, fragments) through the real XDP program and
// through the reference classifier written from CONTRACT section 3. Verdicts, deciding rules and
// counter deltas must be identical. XDPFW_SOAK=1 runs 2,000 rulesets instead of 100
// (XDPFW_DIFF_RULESETS=N sets the count).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfHarness, classify, retvalVerdict } from './lib/bpf-harness';
import { ExpectedCounters } from './lib/counters';
import { assertCounterDeltas } from './lib/counter-delta';
import { generateRuleset } from './lib/gen-ruleset';
import { makePacketGenerator } from './lib/gen-packet';
import { Rng } from './lib/rng';
import { isRoot } from './lib/netdev';

const RULESETS = Number(process.env.XDPFW_DIFF_RULESETS ?? (process.env.XDPFW_SOAK ? 2000 : 100));
const PACKETS = 300;
const BASE_SEED = Number(process.env.XDPFW_SEED ?? 20261126);

let h: BpfHarness;

before(() => {
  if (isRoot()) h = new BpfHarness();
});
after(() => h?.close());

test(`kernel and reference agree on ${RULESETS} rulesets x ${PACKETS} packets`, { skip: !isRoot() && 'needs root (BPF)' }, () => {
  let frames = 0;
  for (let n = 0; n < RULESETS; n++) {
    const seed = BASE_SEED + n;
    const { model } = generateRuleset(seed, { maxRules: n % 10 === 0 ? 200 : 40 });
    h.apply(model);
    const gen = makePacketGenerator(model);
    const rng = new Rng(seed * 7919);
    const expected = new ExpectedCounters();
    const beforeView = h.counterView();
    for (let p = 0; p < PACKETS; p++) {
      const pkt = gen(rng);
      // BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header (EINVAL).
      if (pkt.frame.length < 14) continue;
      const want = classify(model, pkt.frame, pkt.iface);
      const where = `ruleset seed ${seed}, packet ${p} (${pkt.intent}) on ${pkt.iface}: ${JSON.stringify(pkt.spec)}`;
      assert.deepEqual(h.explain(pkt.frame, pkt.iface), want, where);
      assert.equal(retvalVerdict(h.run(pkt.frame, pkt.iface)), want.verdict, where);
      expected.record(want, pkt.frame.length, pkt.iface);
      frames++;
    }
    assertCounterDeltas(beforeView, h.counterView(), expected, `ruleset seed ${seed}`);
  }
  assert.ok(frames > RULESETS * PACKETS * 0.95, `only ${frames} frames were runnable`);
});
