// Unit tests of the reference classifier (test/lib/reference.ts) against the named cases of
// CONTRACT section 3 in test/lib/section3-cases.ts (shared with test/bpf-table.test.ts). The
// reference is the oracle the data path is held to, so the cases are written from the contract
// text; "R<n>" in a case name points at a reading documented in reference.ts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrame } from './lib/packet';
import { classify, parseFrame } from './lib/reference';
import { SECTION3, resolveCase } from './lib/section3-cases';
import { ACK, SYN, ext, icmp, raw, tcp, v4, v6 } from './lib/section3/dsl';

for (const group of SECTION3) {
  describe(group.title, () => {
    for (const c of group.cases) {
      it(c.name, () => {
        const r = resolveCase(c);
        assert.deepEqual(classify(r.model, r.frame, r.iface), r.outcome);
      });
    }
  });
}

describe('parseFrame', () => {
  it('reads the L4 fields of 3.3', () => {
    const p = parseFrame(buildFrame(v4(tcp(443, SYN | ACK), { options: 4, ttl: 7 }, { vlans: [{ tpid: 0x8100, vid: 1 }] })));
    assert.equal(p.kind, 'ip');
    if (p.kind !== 'ip') return;
    assert.deepEqual({ family: p.family, src: p.src, dst: p.dst, proto: p.proto, sport: p.sport, dport: p.dport, tcpFlags: p.tcpFlags, hop: p.hopLimit, vlans: p.vlanTags, l4: p.l4Offset },
      { family: 4, src: [0xc000020a], dst: [0xc6336414], proto: 6, sport: 40000, dport: 443, tcpFlags: SYN | ACK, hop: 7, vlans: 1, l4: 18 + 24 });
  });

  it('reads ICMPv6 type and code behind extension headers', () => {
    const p = parseFrame(buildFrame(v6(icmp(129, 3), { ext: [ext(0), ext(51)] })));
    assert.equal(p.kind, 'ip');
    if (p.kind !== 'ip') return;
    assert.deepEqual([p.proto, p.icmpType, p.icmpCode, p.sport, p.extHeaders, p.fragment], [58, 129, 3, null, 2, 'none']);
  });

  it('has no L4 fields for a non-first fragment', () => {
    const p = parseFrame(buildFrame(v6(raw(6, 40), { ext: [ext(44, { fragOffset: 8 })] })));
    assert.equal(p.kind, 'ip');
    if (p.kind !== 'ip') return;
    assert.deepEqual([p.proto, p.fragment, p.l4Offset, p.sport, p.tcpFlags], [6, 'non_first', null, null, null]);
  });

  it('names the malformed reason and non-IP ethertype', () => {
    assert.deepEqual(parseFrame(buildFrame(v4(tcp(), { ihl: 2 }))), { kind: 'malformed', family: 4, reason: 'ihl', vlanTags: 0 });
    assert.deepEqual(parseFrame(buildFrame({ ethertype: 0x0806, vlans: [{ tpid: 0x88a8, vid: 2 }] })), { kind: 'non_ip', ethertype: 0x0806, vlanTags: 1, arp: true });
  });
});
