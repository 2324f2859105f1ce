// set-elements.ts fast paths: scanIPv6Prefix agrees with parsePrefix on everything it accepts,
// refuses (to the slow path) only what it must, and a PrefixList filled through it holds the
// same prefixes as one filled through parsePrefix.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { PrefixList, formatIPv6, parsePrefix, scanIPv6Prefix, wordMask } from '../src/ruleset/address';
import { addPrefixText, parsePrefixStrings } from '../src/ruleset/set-elements';

/** What parsePrefix says about an IPv6 text: [words, len], or null when it is not an IPv6 prefix. */
function slow(text: string): [number[], number] | null {
  const p = parsePrefix(text);
  return typeof p === 'string' || p.family !== 6 ? null : [p.words, p.len];
}

function fast(text: string): [number[], number] | null {
  const out = new Uint32Array(4);
  const len = scanIPv6Prefix(text, out);
  return len < 0 ? null : [Array.from(out), len];
}

const hexGroup = fc.integer({ min: 0, max: 0xffff }).chain((v) =>
  fc.constantFrom(v.toString(16), v.toString(16).toUpperCase(), v.toString(16).padStart(4, '0')),
);

/** IPv6 texts: canonical, full, mixed case, with and without lengths and host bits. */
const v6Text = fc.oneof(
  fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 128 }), fc.boolean()).map(
    ([words, len, mask]) => `${formatIPv6(mask ? words.map((w, i) => (w & wordMask(len - 32 * i)) >>> 0) : words)}/${len}`,
  ),
  fc.array(hexGroup, { minLength: 8, maxLength: 8 }).map((g) => g.join(':')),
  fc.tuple(fc.array(hexGroup, { maxLength: 7 }), fc.array(hexGroup, { maxLength: 7 })).map(([a, b]) => `${a.join(':')}::${b.join(':')}`),
);

/** Near misses: characters deleted, doubled or replaced in IPv6 texts. */
const mangled = fc.tuple(v6Text, fc.nat(), fc.constantFrom('', ':', '::', '.', '/', '0', 'g', ' ', '1.2.3.4', '/01', '/129', '/1280', '00000')).map(
  ([t, at, ins]) => {
    const i = at % (t.length + 1);
    return t.slice(0, i) + ins + t.slice(i + (ins.length % 2));
  },
);

describe('scanIPv6Prefix', () => {
  it('accepts only what parsePrefix accepts, as the same prefix', () => {
    fc.assert(
      fc.property(fc.oneof(v6Text, mangled), (text) => {
        const f = fast(text);
        if (f !== null) assert.deepEqual(f, slow(text), text);
      }),
      { numRuns: 20_000 },
    );
  });

  it('takes every plain IPv6 prefix without host bits (the fast path is the common path)', () => {
    fc.assert(
      fc.property(v6Text, (text) => {
        const s = slow(text);
        if (s !== null) assert.deepEqual(fast(text), s, text);
      }),
      { numRuns: 5_000 },
    );
  });

  const cases: Array<[string, number[] | null, number]> = [
    ['::', [0, 0, 0, 0], 128],
    ['::/0', [0, 0, 0, 0], 0],
    ['::1', [0, 0, 0, 1], 128],
    ['1::', [0x00010000, 0, 0, 0], 128],
    ['2001:db8::/32', [0x20010db8, 0, 0, 0], 32],
    ['2001:DB8:0:0:0:0:0:1', [0x20010db8, 0, 0, 1], 128],
    ['1:2:3:4:5:6:7::', [0x00010002, 0x00030004, 0x00050006, 0x00070000], 128],
    ['::2:3:4:5:6:7:8', [0x00000002, 0x00030004, 0x00050006, 0x00070008], 128],
    ['fe80::1:2/128', [0xfe800000, 0, 0, 0x00010002], 128],
  ];
  for (const [text, words, len] of cases) {
    it(`reads ${text}`, () => assert.deepEqual(fast(text), [words, len]));
  }
  for (const text of [
    '', ':', ':::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '12345::', '::g', '::1/', '::1/01', '::1/129', '::1/1000',
    '::ffff:1.2.3.4', // an IPv4 tail: parsePrefix's (slow) path
    '2001:db8::1/32', // host bits: parsePrefix words the error
    ' ::1', '::1 ', '::1/ 8', '1.2.3.4', ':1::', '1:',
  ]) {
    it(`leaves ${JSON.stringify(text)} to parsePrefix`, () => assert.equal(fast(text), null));
  }

  it('scans a slice of a longer text', () => {
    const text = 'xx 2001:db8::/48 yy';
    const out = new Uint32Array(4);
    assert.equal(scanIPv6Prefix(text, out, 3, 16), 48);
    assert.deepEqual(Array.from(out), [0x20010db8, 0, 0, 0]);
    assert.equal(scanIPv6Prefix(text, out, 3, 17), -1);
  });
});

describe('addPrefixText / parsePrefixStrings', () => {
  it('fill a list with the prefixes parsePrefix gives, errors alike', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(v6Text, mangled, fc.constantFrom('10.0.0.0/8', '::ffff:1.2.3.4', '1.2.3.4', 'junk')), { maxLength: 40 }), (texts) => {
        const { list, errors } = parsePrefixStrings(texts);
        const expected = new PrefixList();
        const expectedErrors: Array<{ index: number; message: string }> = [];
        texts.forEach((t, index) => {
          const p = parsePrefix(t);
          if (typeof p === 'string') expectedErrors.push({ index, message: p });
          else expected.add(p);
        });
        assert.deepEqual(errors, expectedErrors);
        assert.deepEqual(list.toStrings(), expected.toStrings());
      }),
      { numRuns: 2_000 },
    );
  });

  it('de-duplicates IPv6 members taken by the fast path', () => {
    const list = new PrefixList();
    assert.equal(addPrefixText(list, '2001:db8::/32'), null);
    assert.equal(addPrefixText(list, '2001:0DB8::/32'), null);
    assert.equal(addPrefixText(list, '2001:db8:0:0:0:0:0:0/32'), null);
    assert.equal(list.size, 1);
    assert.ok(list.has({ family: 6, words: [0x20010db8, 0, 0, 0], len: 32 }));
  });
});

describe('PrefixList.reserve', () => {
  it('keeps members, lookups and later growth intact', () => {
    const list = new PrefixList();
    list.addV4(0x0a000000, 8);
    list.addV6([0x20010db8, 0, 0, 0], 32);
    list.reserve(10_000, 3_000);
    assert.ok(list.hasV4(0x0a000000, 8));
    assert.ok(list.hasV6([0x20010db8, 0, 0, 0], 32));
    for (let i = 0; i < 20_000; i++) list.addV4((0x0b000000 + i * 256) >>> 0, 24);
    for (let i = 0; i < 5_000; i++) list.addV6([0x20010db9, i, 0, 0], 64);
    assert.equal(list.countV4, 20_001);
    assert.equal(list.countV6, 5_001);
    assert.ok(list.hasV4(0x0b000000 + 19_999 * 256, 24));
    assert.ok(list.hasV6([0x20010db9, 4_999, 0, 0], 64));
    assert.ok(list.deleteV4(0x0a000000, 8));
    assert.equal(list.hasV4(0x0a000000, 8), false);
  });

  it('a big parsed set equals one built member by member', () => {
    const texts: string[] = [];
    for (let i = 0; i < 6_000; i++) texts.push(i % 3 === 0 ? `2001:db8:${i.toString(16)}::/48` : `10.${(i >> 8) & 255}.${i & 255}.0/24`);
    texts.push('10.0.1.0/24', '2001:db8:0::/48'); // duplicates (of i = 1 and i = 0)
    const { list, errors } = parsePrefixStrings(texts);
    assert.deepEqual(errors, []);
    assert.equal(list.size, 6_000);
    const expected = PrefixList.of(texts.map((t) => parsePrefix(t) as Exclude<ReturnType<typeof parsePrefix>, string>));
    assert.deepEqual(list.toStrings(), expected.toStrings());
  });
});
