// Regressions from other firewalls (issue 6; test/lib/fuzz-regressions.ts): RFC 1858 tiny and
// overlapping fragments, non-first fragments against port rules, AH (len+2)*4 in both families,
// IHL < 5 and options, block-lists skipped behind extension headers and tags, ARP/ND under
// default drop. Each frame's outcome is written by hand and the kernel (explain twin, verdict,
// counters) and the reference must both give it; then 1,000 mutants of each frame are fuzzed
// against the reference under the case's own ruleset, so near neighbours of a fixed bug are
// covered too.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BpfHarness, classify, retvalVerdict } from './lib/bpf-harness';
import { assertCounterDeltas } from './lib/counter-delta';
import { ExpectedCounters } from './lib/counters';
import { mutate } from './lib/fuzz-mutate';
import { REGRESSIONS } from './lib/fuzz-regressions';
import { FuzzChecker, fuzzSeed } from './lib/fuzz-run';
import { isRoot } from './lib/netdev';
import { buildFrameWithLayout } from './lib/packet';
import { Rng } from './lib/rng';
import { resolveCase } from './lib/section3-cases';

const MUTANTS_PER_CASE = 1_000;
const skip = !isRoot() && 'needs root (BPF)';

let h: BpfHarness;
before(() => {
  if (isRoot()) h = new BpfHarness(['eth0', 'eth1']);
});
after(() => h?.close());

for (const group of REGRESSIONS) {
  describe(group.source, { skip }, () => {
    for (const c of group.cases) {
      it(c.name, () => {
        const { model, frame, iface, outcome } = resolveCase(c);
        assert.deepEqual(classify(model, frame, iface), outcome, 'the reference disagrees with the case');
        h.apply(model);
        const beforeView = h.counterView();
        assert.deepEqual(h.explain(frame, iface), outcome, 'explain twin');
        assert.equal(retvalVerdict(h.run(frame, iface)), outcome.verdict, 'verdict');
        const expected = new ExpectedCounters();
        expected.record(outcome, frame.length, iface);
        assertCounterDeltas(beforeView, h.counterView(), expected, 'counters');

        // The neighbourhood: mutants of this frame, kernel against reference.
        const check = new FuzzChecker(h);
        check.use(c.name, c.ruleset);
        const { layout } = buildFrameWithLayout(c.frame);
        const seed = { name: c.name, spec: c.frame, frame, layout, family: c.frame.ip?.kind === 'ipv6' ? (6 as const) : c.frame.ip ? (4 as const) : null };
        const rng = new Rng(fuzzSeed() ^ frame.length);
        for (let i = 0; i < MUTANTS_PER_CASE; i++) {
          const m = mutate(seed, rng);
          check.check(m.frame, i % 2 ? 'eth0' : 'eth1', () => `mutant ${i}: ${m.ops.join(' ')}`);
        }
        check.flush();
      });
    }
  });
}
