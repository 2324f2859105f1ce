// Incremental address compiles (src/compiler/address-delta.ts, compile-addresses.ts) against
// from-scratch compiles, over long random sequences of set patches, replacements, nesting
// prefixes, rule edits and literal rules coming and going. Also the promise the data plane builds
// on: outside the root cells a delta names, every root cell would be written the same (painted
// class, longer entries with their class ids).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleset } from '../src/compiler/compile';
import type { FamilyEntries } from '../src/compiler/address-classes';
import { PrefixList } from '../src/ruleset/address';
import { ChangeSequence, type ChangeKind } from './lib/change-sequence';
import { assertSameAddresses } from './lib/address-equivalence';
import { containingEntries, lowerBound } from '../src/compiler/entry-search';

/** What a root cell of the table holds: the painted class (the longest entry of up to 24 bits
 * covering it) and the longer entries inside it. */
function cellContent(e: FamilyEntries, width: 1 | 4, cell: number): string {
  const first = (cell << 8) >>> 0;
  const around = containingEntries(e, width, e.lenCount, [first, 0, 0, 0], 24);
  const out = [String(around.length > 0 ? e.cls[around[0]] : 0)];
  for (let i = lowerBound(e, width, [first, 0, 0, 0], 0, 0); i < e.len.length && e.addr[i * width] >>> 8 === cell; i++) {
    if (e.len[i] > 24) out.push(`${Array.from(e.addr.subarray(i * width, i * width + width)).join(':')}/${e.len[i]}=${e.cls[i]}`);
  }
  return out.join(' ');
}

/** Cells outside the dirty ranges where either side has something (and a few others) hold the same. */
function assertSameOutside(prev: FamilyEntries, next: FamilyEntries, width: 1 | 4, dirty: Uint32Array, where: string): void {
  const cells = new Set<number>();
  for (const e of [prev, next]) {
    for (let i = 0; i < e.len.length; i++) {
      const c = e.addr[i * width] >>> 8;
      const span = e.len[i] <= 24 ? 2 ** (24 - e.len[i]) : 1;
      cells.add(c).add(c + span - 1).add((c + span) & 0xffffff).add(c === 0 ? 0 : c - 1);
    }
  }
  for (let k = 0; k < 200; k++) cells.add((k * 2654435761) >>> 8);
  const inDirty = (c: number) => {
    for (let r = 0; r < dirty.length; r += 2) if (c >= dirty[r] && c < dirty[r + 1]) return true;
    return false;
  };
  for (const c of cells) {
    if (inDirty(c)) continue;
    assert.equal(cellContent(next, width, c), cellContent(prev, width, c), `${where}: cell ${c.toString(16)} outside the dirty ranges changed`);
  }
}

describe('incremental address compiles', () => {
  for (const seed of [1, 2, 3]) {
    it(`equal a from-scratch compile after every step (seed ${seed}, 80 steps)`, () => {
      const seq = new ChangeSequence(seed);
      let prev = compileRuleset(seq.model);
      const paths = new Map<string, number>();
      for (let step = 0; step < 80; step++) {
        const { kind, model } = seq.next();
        const next = compileRuleset(model, { previous: prev, previousSlots: prev.slots });
        const path = next.addresses === prev.addresses ? 'reused' : next.addresses.delta ? 'delta' : 'scratch';
        paths.set(`${kind}:${path}`, (paths.get(`${kind}:${path}`) ?? 0) + 1);
        const where = `seed ${seed} step ${step} (${kind}, ${path})`;
        assertSameAddresses(next, compileRuleset(model), where);
        const d = next.addresses.delta;
        if (path === 'delta' && d) {
          assert.equal(d.base, prev.addresses.version, `${where}: delta base`);
          for (const [fam, width] of [['v4', 1], ['v6', 4]] as const) assertSameOutside(prev.addresses[fam], next.addresses[fam], width, d[fam], `${where}: ${fam}`);
        }
        prev = next;
      }
      // The sequence went through the incremental path for each kind of address change.
      for (const kind of ['patch', 'replace', 'add-literals', 'nest'] as ChangeKind[]) assert.ok(paths.get(`${kind}:delta`), `no ${kind} took the delta path: ${[...paths]}`);
      assert.ok(paths.get('edit-rule:reused'), 'a rule edit reuses the entries');
      assert.ok(!paths.get('patch:scratch'), 'a small patch never recomputes everything');
    });
  }

  it('class ids of unchanged label sets stay; a large delta and an in-place change compute from scratch', () => {
    const seq = new ChangeSequence(7);
    const first = compileRuleset(seq.model);
    const patched = compileRuleset(seq.next('patch', 's4').model, { previous: first });
    assert.ok(patched.addresses.delta);
    // An id alive on both sides names the same label set (a released id waits one compile).
    const before = first.addresses.classLabels;
    const after = patched.addresses.classLabels;
    let alive = 0;
    for (let id = 1; id < Math.min(before.length, after.length); id++) {
      if (before[id].length === 0 || after[id].length === 0) continue;
      assert.deepEqual(after[id], before[id], `class ${id}`);
      alive++;
    }
    assert.ok(alive > 0);
    const inPlace = compileRuleset(seq.next('in-place', 's4').model, { previous: patched });
    assert.equal(inPlace.addresses.delta, null);

    // Replace s4 with as many new members as the whole map holds: past the break-even.
    const big = new PrefixList();
    for (let i = 0; i < 20_000; i++) big.addV4((0x0b000000 + i * 256) >>> 0, 24);
    const sets = new Map(seq.model.sets);
    sets.set('s4', big);
    const large = compileRuleset({ ...seq.model, sets }, { previous: inPlace });
    assert.equal(large.addresses.delta, null);
    assertSameAddresses(large, compileRuleset({ ...seq.model, sets }), 'large replacement');
  });
});
