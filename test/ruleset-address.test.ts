// address.ts: IP/CIDR text forms, host bits, canonical text, the fast IPv4 path and PrefixList.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  PrefixList,
  addressInPrefix,
  formatPrefix,
  parseIPv4,
  parseIPv6,
  parsePrefix,
  prefixContains,
  scanIPv4Prefix,
  wordMask,
  type Prefix,
} from '../src/ruleset/address';

function prefix(text: string): Prefix {
  const p = parsePrefix(text);
  if (typeof p === 'string') throw new Error(p);
  return p;
}

describe('parseIPv4', () => {
  it('reads dotted quads', () => {
    assert.equal(parseIPv4('0.0.0.0'), 0);
    assert.equal(parseIPv4('255.255.255.255'), 0xffffffff);
    assert.equal(parseIPv4('192.0.2.1'), 0xc0000201);
  });
  for (const bad of ['256.0.0.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', '', ' 1.2.3.4', '1.2.3.4 ', 'a.b.c.d', '-1.2.3.4', '1.2.3.4/8', '0x1.2.3.4']) {
    it(`refuses ${JSON.stringify(bad)}`, () => assert.equal(parseIPv4(bad), null));
  }
});

describe('parseIPv6', () => {
  const good: Array<[string, number[]]> = [
    ['::', [0, 0, 0, 0]],
    ['::1', [0, 0, 0, 1]],
    ['1::', [0x00010000, 0, 0, 0]],
    ['2001:db8::', [0x20010db8, 0, 0, 0]],
    ['1:2:3:4:5:6:7:8', [0x00010002, 0x00030004, 0x00050006, 0x00070008]],
    ['1::2:3:4:5:6:7', [0x00010000, 0x00020003, 0x00040005, 0x00060007]],
    ['FE80::AbCd', [0xfe800000, 0, 0, 0xabcd]],
    ['::ffff:1.2.3.4', [0, 0, 0xffff, 0x01020304]],
    ['64:ff9b::192.0.2.1', [0x0064ff9b, 0, 0, 0xc0000201]],
    ['1:2:3:4:5:6:1.2.3.4', [0x00010002, 0x00030004, 0x00050006, 0x01020304]],
    ['::1.2.3.4', [0, 0, 0, 0x01020304]],
    ['0000:0000:0000:0000:0000:ffff:255.255.255.255', [0, 0, 0xffff, 0xffffffff]],
  ];
  for (const [text, words] of good) {
    it(`reads ${text}`, () => assert.deepEqual(parseIPv6(text), words));
  }
  const bad = [':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', '::g', '1:2:3:4:5:6:7:8::',
    ':1::', '1::2:', 'fe80::1%eth0', '::1.2.3', '::1.2.3.4:5', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6::1.2.3.4', '', '1.2.3.4', ':'];
  for (const text of bad) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseIPv6(text), null));
  }
});

describe('parsePrefix', () => {
  it('reads a bare address as a host prefix', () => {
    assert.deepEqual(parsePrefix('10.0.0.1'), { family: 4, words: [0x0a000001], len: 32 });
    assert.deepEqual(parsePrefix('::1'), { family: 6, words: [0, 0, 0, 1], len: 128 });
  });
  it('reads prefix lengths at their bounds', () => {
    assert.deepEqual(parsePrefix('0.0.0.0/0'), { family: 4, words: [0], len: 0 });
    assert.deepEqual(parsePrefix('128.0.0.0/1'), { family: 4, words: [0x80000000], len: 1 });
    assert.deepEqual(parsePrefix('::/0'), { family: 6, words: [0, 0, 0, 0], len: 0 });
    assert.deepEqual(parsePrefix('ffff:8000::/17'), { family: 6, words: [0xffff8000, 0, 0, 0], len: 17 });
    assert.equal(prefix('2001:db8::1/128').len, 128);
  });
  const errors: Array<[string, string]> = [
    ['10.0.0.1/8', 'host bits set (the network is 10.0.0.0/8)'],
    ['192.0.0.0/1', 'host bits set (the network is 128.0.0.0/1)'],
    ['2001:db8::1/32', 'host bits set (the network is 2001:db8::/32)'],
    ['ffff:8000::/16', 'host bits set (the network is ffff::/16)'],
    ['10.0.0.0/33', 'prefix length must be 0..32'],
    ['::/129', 'prefix length must be 0..128'],
    ['10.0.0.0/08', 'prefix length must be 0..32'],
    ['10.0.0.0/', 'prefix length must be 0..32'],
    ['10.0.0.0/8/8', 'prefix length must be 0..32'],
    ['/8', 'is not an IP address or CIDR'],
    ['10.0.0.256', 'is not an IP address or CIDR'],
    ['example.com', 'is not an IP address or CIDR'],
  ];
  for (const [text, message] of errors) {
    it(`refuses ${text}`, () => {
      const r = parsePrefix(text);
      assert.equal(typeof r, 'string');
      assert.ok((r as string).includes(message), `${String(r)} should include ${message}`);
    });
  }
});

describe('formatPrefix', () => {
  const cases: Array<[string, string]> = [
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['192.0.2.1', '192.0.2.1/32'],
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1/128'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1/128'], // the longest zero run is compressed
    ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4/128'], // the first of two equal runs
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7/128'], // a single zero group is not
    ['::/0', '::/0'],
    ['1::/16', '1::/16'],
    ['::ffff:1.2.3.4', '::ffff:102:304/128'],
    ['fe80::/10', 'fe80::/10'],
  ];
  for (const [input, canonical] of cases) {
    it(`${input} -> ${canonical}`, () => assert.equal(formatPrefix(prefix(input)), canonical));
  }

  it('round-trips any prefix through its canonical text', () => {
    const arbPrefix = fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 32 }), fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 1 })).map(([len, w]) => ({ family: 4 as const, len, words: w })),
      fc.tuple(fc.integer({ min: 0, max: 128 }), fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 0xffffffff })), { minLength: 4, maxLength: 4 })).map(([len, w]) => ({ family: 6 as const, len, words: w })),
    ).map((p) => ({ ...p, words: p.words.map((w, i) => (w & wordMask(p.len - 32 * i)) >>> 0) }));
    fc.assert(fc.property(arbPrefix, (p) => {
      assert.deepEqual(parsePrefix(formatPrefix(p)), p);
    }));
  });
});

describe('scanIPv4Prefix (the fast path)', () => {
  it('agrees with parsePrefix on generated text', () => {
    const token = fc.constantFrom('0', '1', '9', '10', '00', '01', '255', '256', '999', '1000', '.', '/', '8', '24', '32', '33', ' ', 'a', ':');
    fc.assert(fc.property(fc.array(token, { maxLength: 12 }), (parts) => {
      const text = parts.join('');
      const key = scanIPv4Prefix(text);
      const slow = parsePrefix(text);
      if (typeof slow !== 'string' && slow.family === 4) {
        assert.equal(key, slow.words[0] * 64 + slow.len, text);
      } else {
        assert.equal(key, -1, text);
      }
    }), { numRuns: 5000 });
  });
  it('scans inside a longer text without slicing it', () => {
    const text = 'xx 10.1.0.0/16 yy';
    assert.equal(scanIPv4Prefix(text, 3, 14), 0x0a010000 * 64 + 16);
    assert.equal(scanIPv4Prefix(text, 3, 15), -1);
  });
  it('leaves host bits to the slow path, which words the error', () => {
    assert.equal(scanIPv4Prefix('10.0.0.1/8'), -1);
    assert.equal(scanIPv4Prefix('255.255.255.255/32'), 0xffffffff * 64 + 32);
  });
});

describe('PrefixList', () => {
  it('keeps a prefix once, comparing as prefixes', () => {
    const list = new PrefixList();
    assert.equal(list.add(prefix('10.0.0.1')), true);
    assert.equal(list.add(prefix('10.0.0.1/32')), false);
    assert.equal(list.add(prefix('10.0.0.0/8')), true);
    assert.equal(list.add(prefix('10.0.0.0/16')), true); // same address, other length: another prefix
    assert.equal(list.add(prefix('2001:db8::/32')), true);
    assert.equal(list.add(prefix('2001:0DB8:0::/32')), false);
    assert.equal(list.addV4(0x0a000000, 8), false);
    assert.deepEqual([list.size, list.countV4, list.countV6], [4, 3, 1]);
    assert.deepEqual(list.toStrings(), ['10.0.0.1/32', '10.0.0.0/8', '10.0.0.0/16', '2001:db8::/32']);
    assert.equal(list.has(prefix('10.0.0.0/16')), true);
    assert.equal(list.has(prefix('10.0.0.0/24')), false);
    assert.equal(list.has(prefix('2001:db8::/48')), false);
  });

  it('exposes the members as typed arrays', () => {
    const list = PrefixList.of(['192.0.2.0/24', '::1', 'fe80::/10'].map(prefix));
    const v4 = list.v4();
    assert.deepEqual([...v4.addr], [0xc0000200]);
    assert.deepEqual([...v4.len], [24]);
    const v6 = list.v6();
    assert.deepEqual([...v6.addr], [0, 0, 0, 1, 0xfe800000, 0, 0, 0]);
    assert.deepEqual([...v6.len], [128, 10]);
    assert.deepEqual([...list].map(formatPrefix), ['192.0.2.0/24', '::1/128', 'fe80::/10']);
  });

  it('stays exact while growing past its initial tables', () => {
    const list = new PrefixList();
    const n = 100_000;
    for (let i = 0; i < n; i++) assert.equal(list.addV4((i * 256) >>> 0, 24), true);
    for (let i = 0; i < n; i += 7) assert.equal(list.addV4((i * 256) >>> 0, 24), false);
    for (let i = 0; i < 1000; i++) assert.equal(list.add({ family: 6, words: [0x20010db8, i, 0, 0], len: 64 }), true);
    for (let i = 0; i < 1000; i += 3) assert.equal(list.add({ family: 6, words: [0x20010db8, i, 0, 0], len: 64 }), false);
    assert.equal(list.add({ family: 6, words: [0x20010db8, 1, 0, 0], len: 48 }), true); // same words, other length
    assert.equal(list.countV4, n);
    assert.equal(list.countV6, 1001);
    assert.equal(list.has({ family: 4, words: [(n - 1) * 256], len: 24 }), true);
    assert.equal(list.has({ family: 4, words: [n * 256], len: 24 }), false);
    assert.equal(list.has({ family: 6, words: [0x20010db8, 999, 0, 0], len: 64 }), true);
    assert.equal(list.v4().addr[n - 1], (n - 1) * 256);
  });
});

describe('containment', () => {
  it('prefixContains compares family, length and network bits', () => {
    assert.equal(prefixContains(prefix('10.0.0.0/8'), prefix('10.1.0.0/16')), true);
    assert.equal(prefixContains(prefix('10.1.0.0/16'), prefix('10.0.0.0/8')), false);
    assert.equal(prefixContains(prefix('10.0.0.0/8'), prefix('11.0.0.0/16')), false);
    assert.equal(prefixContains(prefix('::/0'), prefix('10.0.0.0/8')), false);
    assert.equal(prefixContains(prefix('2001:db8::/32'), prefix('2001:db8:ffff::1')), true);
  });
  it('addressInPrefix checks only the prefix bits', () => {
    assert.equal(addressInPrefix(prefix('192.0.2.128/25'), [0xc00002ff]), true);
    assert.equal(addressInPrefix(prefix('192.0.2.128/25'), [0xc000027f]), false);
    assert.equal(addressInPrefix(prefix('fe80::/10'), [0xfebf0000, 0, 0, 1]), true);
    assert.equal(addressInPrefix(prefix('fe80::/10'), [0xfec00000, 0, 0, 1]), false);
  });
});
