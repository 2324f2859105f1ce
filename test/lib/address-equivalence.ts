// Checks for incremental compiles and table writes: the compiled address entries against a
// from-scratch compile (same prefixes, and per prefix the same rules on both sides, whatever the
// class and label numbering), and the address tables as written in a copy's memory (a lookup
// mirroring xdp/include/addr-table.h) against longest-prefix match over the entries.

import assert from 'node:assert/strict';
import type { CompiledRuleset } from '../../src/compiler/compile';
import type { FamilyEntries } from '../../src/compiler/address-classes';
import { findEntry, maskedWords } from '../../src/compiler/entry-search';
import type { AddressTableViews } from '../../src/dataplane/address-table';
import { BUCKETS_PER_COPY, BUCKET_WORDS, NODES_PER_COPY, NODE_ENTRIES, ROOT_ENTRIES } from '../../src/dataplane/layout';
import { bitsOf } from './bitmap-bits';

export function assertSameAddresses(got: CompiledRuleset, want: CompiledRuleset, where: string): void {
  for (const fam of ['v4', 'v6'] as const) {
    const g = got.addresses[fam];
    const w = want.addresses[fam];
    assert.equal(g.len.length, w.len.length, `${where}: ${fam} entry count`);
    assert.ok(equal(g.addr, w.addr) && equal(g.len, w.len), `${where}: ${fam} prefixes differ`);
    for (let i = 0; i < g.len.length; i++) {
      const rules = (c: CompiledRuleset, e: FamilyEntries) => [bitsOf(c.srcBits[e.cls[i]]), bitsOf(c.dstBits[e.cls[i]])];
      assert.deepEqual(rules(got, g), rules(want, w), `${where}: ${fam} entry ${i} (len ${g.len[i]}) matches other rules`);
    }
  }
  assert.deepEqual(bitsOf(got.srcBits[0]), bitsOf(want.srcBits[0]), `${where}: class 0 (no prefix)`);
  assert.deepEqual(bitsOf(got.dstBits[0]), bitsOf(want.dstBits[0]), `${where}: class 0 (no prefix)`);
}

function equal(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The class longest-prefix match over the entries gives an address (0: none). */
export function lpmClass(e: FamilyEntries, width: 1 | 4, address: number[]): number {
  for (let l = width * 32; l >= 0; l--) {
    if (e.lenCount[l] === 0) continue;
    const i = findEntry(e, width, maskedWords(address, 0, l, width), 0, l);
    if (i >= 0) return e.cls[i];
  }
  return 0;
}

/** The class the data path's table in `copy` gives an address, read from the maps' memory. */
export function tableClass(views: AddressTableViews, family: 4 | 6, copy: number, address: number[]): number {
  const width = family === 4 ? 1 : 4;
  let e = views.root[(copy * 2 + (family === 4 ? 0 : 1)) * ROOT_ENTRIES + (address[0] >>> 8)];
  let bit = 24;
  while (e >>> 30 === 2) {
    const node = e & 0x3fffffff;
    assert.ok(node < NODES_PER_COPY[family], 'node index in range');
    const byte = (address[bit >>> 5] >>> (24 - (bit & 31))) & 0xff;
    e = views.node[(copy * NODES_PER_COPY[family] + node) * NODE_ENTRIES + byte];
    bit += 8;
  }
  if (e >>> 30 !== 1) return e & 0x3fffffff;
  const b = e & 0x3fffffff;
  assert.ok(b < BUCKETS_PER_COPY[family], 'bucket index in range');
  const o = (copy * BUCKETS_PER_COPY[family] + b) * BUCKET_WORDS[family];
  const count = views.bucket[o + 1];
  for (let s = 0; s < count; s++) {
    const so = o + 2 + s * (width + 2);
    const len = views.bucket[so + width];
    const words = Array.from(views.bucket.subarray(so, so + width));
    if (equal(maskedWords(address, 0, len, width), words)) return views.bucket[so + width + 1];
  }
  return views.bucket[o];
}
