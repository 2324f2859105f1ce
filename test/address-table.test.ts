// The address tables (root, buckets, nodes; xdp/include/addr-table.h) against the reference, on
// prefixes packed into a few root cells so that every shape occurs: buckets of 1-4 nested
// prefixes, nodes (more than 4 in a cell), IPv6 node chains down to /128, and painted ranges.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { BpfHarness, classify, retvalVerdict } from './lib/bpf-harness';
import { PrefixList, formatIPv4, formatIPv6, wordMask } from '../src/ruleset/address';
import type { Rule, Ruleset } from '../src/ruleset/model';
import { buildFrame } from './lib/packet';
import { Rng } from './lib/rng';
import { isRoot } from './lib/netdev';

let h: BpfHarness;
before(() => {
  if (isRoot()) h = new BpfHarness();
});
after(() => h?.close());

function rule(id: string, action: 'pass' | 'drop', prefixes: PrefixList): Rule {
  return {
    id, action, enabled: true, comment: null, src: { prefixes, sets: [] }, dst: null, proto: null, sport: null,
    dport: null, tcpFlags: null, icmpType: null, icmpCode: null, fragment: null, iface: null, family: null,
  };
}

/** Random words near one of a few anchors, so prefixes nest and share root cells. */
function near(rng: Rng, anchors: number[][], width: number): number[] {
  const a = anchors[rng.int(0, anchors.length - 1)];
  const keep = rng.int(width === 1 ? 16 : 24, width * 32);
  return a.map((w, k) => (((w & wordMask(keep - 32 * k)) | (rng.u32() & ~wordMask(keep - 32 * k))) >>> 0));
}

test('dense prefixes: buckets, nodes and node chains agree with the reference', { skip: !isRoot() && 'needs root (BPF)' }, () => {
  for (let round = 0; round < 6; round++) {
    const rng = new Rng(4242 + round);
    const anchors4 = [[0xc6336400], [0xc633ff00], [0x0a000000]];
    const anchors6 = [[0xfd000000, 0x12345678, 0, 0], [0xfd0000ff, 0, 0xabcdef00, 1]];
    const rules: Rule[] = [];
    for (let i = 0; i < 400; i++) {
      const v6 = rng.chance(0.5);
      const words = near(rng, v6 ? anchors6 : anchors4, v6 ? 4 : 1);
      const len = v6 ? rng.int(16, 128) : rng.int(16, 32);
      const masked = words.map((w, k) => (w & wordMask(len - 32 * k)) >>> 0);
      rules.push(rule(`p${i}`, rng.chance(0.5) ? 'drop' : 'pass', PrefixList.of([{ family: v6 ? 6 : 4, words: masked, len }])));
    }
    const rs: Ruleset = { default: 'pass', ndp: 'bypass', nonIp: 'pass', sets: new Map(), rules };
    h.apply(rs);
    for (let p = 0; p < 1500; p++) {
      const v6 = rng.chance(0.5);
      const src = near(rng, v6 ? anchors6 : anchors4, v6 ? 4 : 1);
      const frame = buildFrame({
        ip: v6 ? { kind: 'ipv6', src: formatIPv6(src), dst: 'fd00::2' } : { kind: 'ipv4', src: formatIPv4(src[0]), dst: '198.18.0.2' },
        l4: { kind: 'udp', sport: 1, dport: 2 },
      });
      const want = classify(rs, frame, 'eth0');
      const where = `round ${round}, src ${v6 ? formatIPv6(src) : formatIPv4(src[0])}`;
      assert.deepEqual(h.explain(frame, 'eth0'), want, where);
      assert.equal(retvalVerdict(h.run(frame, 'eth0')), want.verdict, where);
    }
  }
});
