// Packet fuzzing, part 1 (issue 6): every seed frame (fuzz-seeds.ts) cut at every byte length,
// from 0 to whole, through the real XDP program and the reference classifier, under each fuzz
// ruleset. Every header's every truncation point is met: inside the MACs, inside each of 0-4
// VLAN tags, the IPv4/IPv6 header, options, AH, each extension header, the L4 header, payload.
// Frames shorter than 14 bytes cannot be run (EINVAL): the reference alone judges them.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfHarness } from './lib/bpf-harness';
import { FuzzChecker } from './lib/fuzz-run';
import { FUZZ_IFACES, FUZZ_RULESETS } from './lib/fuzz-rulesets';
import { fuzzSeeds } from './lib/fuzz-seeds';
import { isRoot } from './lib/netdev';

let h: BpfHarness;
before(() => {
  if (isRoot()) h = new BpfHarness(['eth0', 'eth1']);
});
after(() => h?.close());

test('every seed frame truncated at every byte: kernel and reference agree', { skip: !isRoot() && 'needs root (BPF)' }, () => {
  const seeds = fuzzSeeds();
  const check = new FuzzChecker(h);
  let n = 0;
  for (const { name, json } of FUZZ_RULESETS) {
    check.use(name, json);
    for (const seed of seeds) {
      for (let len = 0; len <= seed.frame.length; len++) {
        const iface = FUZZ_IFACES[n++ % FUZZ_IFACES.length];
        check.check(seed.frame.subarray(0, len), iface, () => `seed "${seed.name}" cut at ${len}`);
      }
    }
    check.flush();
  }
  const expectedTotal = FUZZ_RULESETS.length * seeds.reduce((sum, s) => sum + s.frame.length + 1, 0);
  assert.equal(check.frames + check.shortFrames, expectedTotal);
  assert.equal(check.shortFrames, FUZZ_RULESETS.length * seeds.length * 14);
  // The seeds must reach every outcome, or some branch of the parser goes untested.
  for (const kind of ['ip_truncated', 'ip_version', 'ihl', 'ext_header', 'l4_truncated', 'tiny_fragment']) {
    assert.ok((check.outcomes.get(`malformed ${kind}`) ?? 0) > 0, `no frame was malformed ${kind}`);
  }
  for (const kind of ['rule pass', 'rule drop', 'default pass', 'default drop', 'bypass non_ip pass', 'bypass non_ip drop', 'bypass ndp pass']) {
    assert.ok((check.outcomes.get(kind) ?? 0) > 0, `no frame ended ${kind}`);
  }
  console.log(`# truncation: ${check.frames} frames through the kernel, ${check.shortFrames} judged by the reference alone; ${JSON.stringify(Object.fromEntries(check.outcomes))}`);
});
