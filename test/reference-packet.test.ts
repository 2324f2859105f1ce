// Tests of the frame builder (test/lib/packet.ts): the bytes it writes are the bytes the
// reference classifier and the BPF program will read, so each field lands where the RFCs put it.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildFrame, buildFrameWithLayout } from './lib/packet';

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum === 0xffff;
}

describe('buildFrame', () => {
  it('writes Ethernet, two VLAN tags and an IPv4 header with options, a valid checksum and lengths', () => {
    const { frame, layout } = buildFrameWithLayout({
      vlans: [{ tpid: 0x88a8, vid: 100 }, { tpid: 0x8100, vid: 200, pcp: 5 }],
      ip: { kind: 'ipv4', src: '10.1.2.3', dst: '192.0.2.9', options: 4, ttl: 9, mf: true, fragOffset: 0 },
      l4: { kind: 'udp', sport: 1000, dport: 53 },
      payload: 5,
    });
    assert.equal(frame.readUInt16BE(12), 0x88a8);
    assert.equal(frame.readUInt16BE(14) & 0xfff, 100);
    assert.equal(frame.readUInt16BE(16), 0x8100);
    assert.equal(frame.readUInt16BE(18), (5 << 13) | 200);
    assert.equal(frame.readUInt16BE(20), 0x0800);
    assert.equal(layout.l3, 22);
    assert.equal(frame[22], 0x46);
    assert.equal(frame.readUInt16BE(24), 24 + 8 + 5);
    assert.equal(frame.readUInt16BE(28), 0x2000);
    assert.equal(frame[30], 9);
    assert.equal(frame[31], 17);
    assert.equal(frame.readUInt32BE(34), 0x0a010203);
    assert.ok(checksumOk(frame.subarray(22, 46)));
    assert.equal(layout.l4, 46);
    assert.equal(frame.readUInt16BE(46 + 4), 13);
    assert.equal(frame.length, 46 + 8 + 5);
  });

  it('chains IPv6 extension headers with their sizes and next-header values', () => {
    const { frame, layout } = buildFrameWithLayout({
      ip: { kind: 'ipv6', src: '2001:db8::1', dst: 'fe80::2', hopLimit: 255, ext: [{ type: 0 }, { type: 51 }, { type: 44, fragOffset: 3, more: true }, { type: 60, len: 1 }] },
      l4: { kind: 'tcp', sport: 1, dport: 2, flags: 0x12 },
    });
    assert.deepEqual(layout.ext, [54, 62, 86, 94]);
    assert.equal(frame[14 + 6], 0);
    assert.equal(frame[14 + 7], 255);
    assert.deepEqual([frame[54], frame[62], frame[63], frame[86], frame[94], frame[95]], [51, 44, 4, 60, 6, 1]);
    assert.equal(frame.readUInt16BE(88), (3 << 3) | 1);
    assert.equal(layout.l4, 110);
    assert.equal(frame[110 + 12] >> 4, 5);
    assert.equal(frame[110 + 13], 0x12);
    assert.equal(frame.readUInt16BE(14 + 4), 110 + 20 - 54);
  });

  it('lets a header lie: wrong length fields, emitted sizes, versions, and truncation', () => {
    const f = buildFrame({ ip: { kind: 'ipv6', src: '::1', dst: '::2', version: 4, ext: [{ type: 60, len: 9, size: 8 }] }, truncate: 60 });
    assert.equal(f.length, 60);
    assert.equal(f[14] >> 4, 4);
    assert.equal(f[55], 9);
    const g = buildFrame({ ip: { kind: 'ipv4', src: '1.2.3.4', dst: '5.6.7.8', ihl: 15, totalLength: 3 }, l4: { kind: 'tcp', sport: 1, dport: 2, dataOffset: 3 } });
    assert.equal(g[14] & 0xf, 15);
    assert.equal(g.readUInt16BE(16), 3);
    assert.equal(g[34 + 12] >> 4, 3);
  });
});
