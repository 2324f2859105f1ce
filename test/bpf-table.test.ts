// Table-driven BPF tests: every named case of CONTRACT section 3 (test/lib/section3-cases.ts)
// through the real XDP program with BPF_PROG_TEST_RUN. For each case the kernel's verdict, the
// deciding rule / default / malformed reason / bypass kind (from the explain twin) and every
// counter's delta must equal what the case writes down, and the reference classifier must agree
// too. Each group runs on fresh unpinned maps.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BpfHarness, classify, retvalVerdict } from './lib/bpf-harness';
import { assertCounterDeltas } from './lib/counter-delta';
import { ExpectedCounters } from './lib/counters';
import { isRoot } from './lib/netdev';
import { SECTION3, resolveCase } from './lib/section3-cases';

/** BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header (EINVAL). */
const MIN_TEST_RUN_FRAME = 14;

const skip = !isRoot() && 'needs root (BPF)';

for (const group of SECTION3) {
  describe(group.title, { skip }, () => {
    let h: BpfHarness;
    before(() => {
      h = new BpfHarness(['eth0', 'eth1']);
    });
    after(() => h?.close());

    for (const c of group.cases) {
      it(c.name, () => {
        const { model, frame, iface, outcome } = resolveCase(c);
        assert.deepEqual(classify(model, frame, iface), outcome, 'the reference disagrees with the table');
        if (frame.length < MIN_TEST_RUN_FRAME) {
          // Only the reference can judge these; check the kernel really refuses them.
          h.apply(model);
          assert.throws(() => h.run(frame, iface), /EINVAL|Invalid argument/);
          return;
        }
        h.apply(model);
        const before = h.counterView();
        assert.deepEqual(h.explain(frame, iface), outcome, 'explain twin');
        assert.equal(retvalVerdict(h.run(frame, iface)), outcome.verdict, 'verdict');
        const expected = new ExpectedCounters();
        expected.record(outcome, frame.length, h.ifindex.has(iface) ? iface : 'other');
        assertCounterDeltas(before, h.counterView(), expected, 'counters');
      });
    }
  });
}
