// Incremental address compiles (src/compiler/address-delta.ts, compile-addresses.ts) against
// from-scratch compiles, over long random sequences of set patches, replacements, nesting
// prefixes, rule edits and literal rules coming and going. Also the promise the data plane builds
// on: outside the root cells a delta names, every entry is the same, with the same class id.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleset, type CompiledRuleset } from '../src/compiler/compile';
import type { FamilyEntries } from '../src/compiler/address-classes';
import { PrefixList } from '../src/ruleset/address';
import { ChangeSequence, type ChangeKind } from './lib/change-sequence';
import { assertSameAddresses } from './lib/address-equivalence';

/** Entries outside the dirty cells, as "addr/len=cls" strings. */
function outside(e: FamilyEntries, width: number, dirty: Uint32Array): Set<string> {
  const out = new Set<string>();
  let r = 0;
  for (let i = 0; i < e.len.length; i++) {
    const cell = e.addr[i * width] >>> 8;
    while (r < dirty.length && dirty[r + 1] <= cell) r += 2;
    if (r < dirty.length && dirty[r] <= cell) continue;
    out.add(`${Array.from(e.addr.subarray(i * width, i * width + width)).join(':')}/${e.len[i]}=${e.cls[i]}`);
  }
  return out;
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
          for (const [fam, width] of [['v4', 1], ['v6', 4]] as const) {
            const dirty: Uint32Array = d[fam];
            assert.deepEqual(outside(next.addresses[fam], width, dirty), outside(prev.addresses[fam], width, dirty), `${where}: ${fam} outside the dirty cells`);
          }
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
