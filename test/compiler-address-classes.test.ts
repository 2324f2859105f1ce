// Unit tests of src/compiler/address-classes.ts: every labelled prefix gets the class "labels of
// all prefixes containing it"; the longest match in the resulting map then answers for an
// address. Includes a randomized check of exactly that property against a brute-force scan.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeAddressClasses, newLabelled, type AddressEntries, type LabelledPrefixes } from '../src/compiler/address-classes';
import { CapacityError } from '../src/compiler/bitmap';
import { addressInPrefix, formatPrefix, parsePrefix, wordMask, type Prefix } from '../src/ruleset/address';
import { Rng } from './lib/rng';

function prefix(text: string): Prefix {
  const p = parsePrefix(text);
  if (typeof p === 'string') throw new Error(p);
  return p;
}

/** Labelled prefixes of both families from [cidr, label] pairs. */
function labelled(entries: [string, number][]): { v4: LabelledPrefixes; v6: LabelledPrefixes } {
  const v4 = newLabelled(1);
  const v6 = newLabelled(4);
  for (const [text, label] of entries) {
    const p = prefix(text);
    const target = p.family === 4 ? v4 : v6;
    target.addr.push(...p.words);
    target.len.push(p.len);
    target.label.push(label);
  }
  return { v4, v6 };
}

function compute(entries: [string, number][], limit = 1024): AddressEntries {
  const { v4, v6 } = labelled(entries);
  return computeAddressClasses(v4, v6, limit);
}

/** Output entries as "cidr" -> labels of their class. */
function labelsByPrefix(e: AddressEntries): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let i = 0; i < e.v4.len.length; i++) out[formatPrefix({ family: 4, words: [e.v4.addr[i]], len: e.v4.len[i] })] = e.classLabels[e.v4.cls[i]];
  for (let i = 0; i < e.v6.len.length; i++) {
    out[formatPrefix({ family: 6, words: Array.from(e.v6.addr.subarray(4 * i, 4 * i + 4)), len: e.v6.len[i] })] = e.classLabels[e.v6.cls[i]];
  }
  return out;
}

/** Longest-prefix match over the output, as the LPM trie does; class 0 when nothing matches. */
function lpmClass(e: AddressEntries, family: 4 | 6, address: number[]): number {
  const t = family === 4 ? e.v4 : e.v6;
  const w = family === 4 ? 1 : 4;
  let best = -1;
  let cls = 0;
  for (let i = 0; i < t.len.length; i++) {
    const p: Prefix = { family, words: Array.from(t.addr.subarray(i * w, i * w + w)), len: t.len[i] };
    if (p.len > best && addressInPrefix(p, address)) {
      best = p.len;
      cls = t.cls[i];
    }
  }
  return cls;
}

describe('computeAddressClasses', () => {
  it('class 0 is the empty label set (an address no prefix contains)', () => {
    assert.deepEqual(compute([['10.0.0.0/8', 0]]).classLabels[0], []);
  });

  it('nested prefixes carry the labels of every prefix around them', () => {
    assert.deepEqual(labelsByPrefix(compute([['10.1.2.0/24', 2], ['10.0.0.0/8', 0], ['10.1.0.0/16', 1]])), {
      '10.0.0.0/8': [0],
      '10.1.0.0/16': [0, 1],
      '10.1.2.0/24': [0, 1, 2],
    });
  });

  it('a sibling does not inherit from the prefix before it', () => {
    assert.deepEqual(labelsByPrefix(compute([['10.0.0.0/8', 0], ['10.1.0.0/16', 1], ['10.2.0.0/16', 2], ['11.0.0.0/8', 3]])), {
      '10.0.0.0/8': [0],
      '10.1.0.0/16': [0, 1],
      '10.2.0.0/16': [0, 2],
      '11.0.0.0/8': [3],
    });
  });

  it('the same prefix in two sets is one entry with both labels', () => {
    const e = compute([['192.0.2.0/24', 0], ['192.0.2.0/24', 1]]);
    assert.equal(e.v4.len.length, 1);
    assert.deepEqual(labelsByPrefix(e), { '192.0.2.0/24': [0, 1] });
  });

  it('a literal equal to a set member, and a member inside it with the same labels, share one class', () => {
    const e = compute([['192.0.2.0/24', 0], ['192.0.2.0/24', 1], ['192.0.2.7/32', 0]]);
    assert.deepEqual(labelsByPrefix(e), { '192.0.2.0/24': [0, 1], '192.0.2.7/32': [0, 1] });
    assert.equal(e.v4.cls[0], e.v4.cls[1]);
  });

  it('/0 contains everything of its family', () => {
    const e = compute([['10.0.0.0/8', 1], ['0.0.0.0/0', 0], ['::/0', 2]]);
    assert.deepEqual(labelsByPrefix(e), { '0.0.0.0/0': [0], '10.0.0.0/8': [0, 1], '::/0': [2] });
    assert.deepEqual(e.classLabels[lpmClass(e, 4, [0xc0000201])], [0]);
    assert.deepEqual(e.classLabels[lpmClass(e, 6, [0x20010db8, 0, 0, 1])], [2]);
  });

  it('IPv6 nesting across the 32-bit word boundary', () => {
    assert.deepEqual(labelsByPrefix(compute([['2001:db8::/32', 0], ['2001:db8:8000::/33', 1], ['2001:db8:8000::1/128', 2], ['2001:db8::1/128', 3]])), {
      '2001:db8::/32': [0],
      '2001:db8::1/128': [0, 3],
      '2001:db8:8000::/33': [0, 1],
      '2001:db8:8000::1/128': [0, 1, 2],
    });
  });

  it('the families share class ids for equal label sets', () => {
    const e = compute([['10.0.0.0/8', 0], ['2001:db8::/32', 0]]);
    assert.equal(e.v4.cls[0], e.v6.cls[0]);
  });

  it('output is sorted by address, then length (the order the map diff relies on)', () => {
    const e = compute([['192.0.2.0/24', 0], ['10.0.0.0/8', 1], ['10.0.0.0/16', 2], ['0.0.0.0/0', 3]]);
    assert.deepEqual(Object.keys(labelsByPrefix(e)), ['0.0.0.0/0', '10.0.0.0/8', '10.0.0.0/16', '192.0.2.0/24']);
  });

  it('more classes than the limit is a CapacityError', () => {
    const entries: [string, number][] = Array.from({ length: 5 }, (_, i) => [`10.0.${i}.0/24`, i]);
    assert.doesNotThrow(() => compute(entries.slice(0, 4), 5));
    assert.throws(() => compute(entries, 5), (e: unknown) => e instanceof CapacityError && /address classes/.test(e.message));
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: the longest match's class = labels of all prefixes containing the address (randomized)`, () => {
      const rng = new Rng(family * 1000 + 7);
      const width = family === 4 ? 1 : 4;
      const bits = width * 32;
      // Prefixes around a few anchors so that they nest and overlap.
      const anchors = Array.from({ length: 3 }, () => Array.from({ length: width }, () => rng.u32()));
      const prefixes: { p: Prefix; label: number }[] = [];
      for (let i = 0; i < 300; i++) {
        const len = rng.int(0, bits);
        const base = rng.chance(0.8) ? rng.pick(anchors) : Array.from({ length: width }, () => rng.u32());
        const words = base.map((w, k) => (w & wordMask(len - 32 * k)) >>> 0);
        prefixes.push({ p: { family, words, len }, label: rng.int(0, 11) });
      }
      const e = compute(prefixes.map(({ p, label }) => [formatPrefix(p), label]));
      for (let n = 0; n < 500; n++) {
        const base = rng.pick(anchors);
        const keep = rng.int(0, bits);
        const address = base.map((w, k) => ((w & wordMask(keep - 32 * k)) | (rng.u32() & ~wordMask(keep - 32 * k))) >>> 0);
        const want = [...new Set(prefixes.filter(({ p }) => addressInPrefix(p, address)).map(({ label }) => label))].sort((a, b) => a - b);
        assert.deepEqual(e.classLabels[lpmClass(e, family, address)], want, `address ${address.map((w) => w.toString(16)).join(':')}`);
      }
    });
  }
});
