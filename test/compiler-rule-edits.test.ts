// Incremental rule-side compiles (src/compiler/rule-diff.ts, reclassifyValues, the interface and
// address bitmaps updated at the changed positions) against from-scratch compiles, over random
// sequences of in-place rule edits (every other Rule the identical object, as the service hands
// them over), equal-content replacements, set patches, and the changes that take the full path
// (insertions, removals, rules switched off and on).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleset, type CompiledRuleset } from '../src/compiler/compile';
import type { ValueClasses } from '../src/compiler/value-classes';
import { PrefixList, type Prefix } from '../src/ruleset/address';
import type { Rule, Ruleset } from '../src/ruleset/model';
import { assertSameAddresses } from './lib/address-equivalence';
import { rulesetFromSeeds } from './lib/gen-ruleset';
import { Rng } from './lib/rng';

const IFACES = new Map([['eth0', 1], ['eth1', 2]]);

/** Every value of a dimension is satisfied by the same rules on both sides. */
function assertSameValues(got: ValueClasses, want: ValueClasses, where: string): void {
  assert.equal(got.valueClass.length, want.valueClass.length, where);
  const seen = new Set<number>();
  for (let v = 0; v < got.valueClass.length; v++) {
    const pair = got.valueClass[v] * 65536 + want.valueClass[v];
    if (seen.has(pair)) continue;
    seen.add(pair);
    assert.deepEqual(got.bitmaps[got.valueClass[v]], want.bitmaps[want.valueClass[v]], `${where}: value ${v}`);
  }
}

function assertSameCompile(got: CompiledRuleset, want: CompiledRuleset, where: string): void {
  assert.deepEqual(got.rules, want.rules, `${where}: rules`);
  assert.deepEqual(new Map([...got.slots].sort()), new Map([...want.slots].sort()), `${where}: slots`);
  assert.deepEqual(got.config, want.config, `${where}: config`);
  for (const dim of ['l3', 'l4w0', 'l4w1', 'flags'] as const) assertSameValues(got[dim], want[dim], `${where}: ${dim}`);
  assert.deepEqual(got.ifaceBits, want.ifaceBits, `${where}: interface classes`);
  assertSameAddresses(got, want, where);
}

/** A ruleset of generated rules whose rule i can be regenerated from a new seed (same id, same sets). */
class EditSequence {
  model: Ruleset;
  private readonly seeds: number[];

  constructor(private readonly rng: Rng, private readonly base: number, rules: number) {
    this.seeds = Array.from({ length: rules }, () => rng.u32());
    this.model = rulesetFromSeeds(base, this.seeds, { ifaces: [...IFACES.keys()] }).model;
  }

  /** Rule i generated from `seed`, as a new object. */
  private regenerate(i: number, seed: number): Rule {
    const seeds = this.seeds.slice();
    seeds[i] = seed;
    return rulesetFromSeeds(this.base, seeds, { ifaces: [...IFACES.keys()] }).model.rules[i];
  }

  next(): string {
    const rng = this.rng;
    const rules = this.model.rules.slice();
    const kind = rng.pick(['edit', 'edit', 'edit', 'edit-many', 'same-content', 'patch', 'toggle', 'remove', 'insert']);
    const at = () => rng.int(0, rules.length - 1);
    switch (kind) {
      case 'edit':
      case 'edit-many':
        for (let n = kind === 'edit' ? 1 : rng.int(2, 5); n > 0; n--) {
          const i = at();
          this.seeds[i] = rng.u32();
          // Keep the rule's id (the service replaces a rule by id) and enabled state most of the time.
          rules[i] = { ...this.regenerate(i, this.seeds[i]), id: rules[i].id, enabled: rng.chance(0.9) ? rules[i].enabled : !rules[i].enabled };
        }
        break;
      case 'same-content': {
        const i = at();
        rules[i] = { ...this.regenerate(i, this.seeds[i]), id: rules[i].id, enabled: rules[i].enabled, comment: 'edited' };
        break;
      }
      case 'patch': {
        const names = [...this.model.sets.keys()];
        if (names.length === 0) return this.next();
        const name = rng.pick(names);
        const list = this.model.sets.get(name) as PrefixList;
        const members = [...list];
        const removed = members.filter(() => rng.chance(0.3));
        const added: Prefix[] = [];
        for (let n = rng.int(0, 4); n > 0; n--) added.push({ family: 4, words: [(rng.u32() & 0xffffff00) >>> 0], len: rng.pick([8, 16, 24, 32]) === 32 ? 24 : 24 });
        const sets = new Map(this.model.sets);
        sets.set(name, list.withChanges(added.map((p) => ({ ...p, words: [(p.words[0] & 0xffffff00) >>> 0] })), removed));
        this.model = { ...this.model, sets };
        return kind;
      }
      case 'toggle': {
        const i = at();
        rules[i] = { ...rules[i], enabled: !rules[i].enabled };
        break;
      }
      case 'remove':
        if (rules.length > 2) {
          const i = at();
          rules.splice(i, 1);
          this.seeds.splice(i, 1);
        }
        break;
      case 'insert': {
        const seed = rng.u32();
        const i = rng.int(0, rules.length);
        this.seeds.splice(i, 0, seed);
        rules.splice(i, 0, { ...this.regenerate(i, seed), id: `new${rng.u32()}` });
        break;
      }
    }
    this.model = { ...this.model, rules };
    return kind;
  }
}

describe('incremental rule-side compiles', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`equal a from-scratch compile after every step (seed ${seed}, 60 steps)`, () => {
      const rng = new Rng(seed);
      const seq = new EditSequence(rng, rng.u32(), rng.int(8, 60));
      let prev = compileRuleset(seq.model, { ifaceClasses: IFACES });
      const kinds = new Map<string, number>();
      for (let step = 0; step < 60; step++) {
        const kind = seq.next();
        const opts = { ifaceClasses: IFACES, previousSlots: prev.slots };
        const next = compileRuleset(seq.model, { ...opts, previous: prev });
        assertSameCompile(next, compileRuleset(seq.model, opts), `seed ${seed} step ${step} (${kind})`);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        prev = next;
      }
      assert.ok((kinds.get('edit') ?? 0) > 0, `no edit in ${[...kinds]}`);
    });
  }

  it('an in-place edit keeps every unchanged class bitmap object, and its rule table', () => {
    const rng = new Rng(99);
    const seq = new EditSequence(rng, 1234, 40);
    const i = 7;
    const withPort = (lo: number): Ruleset => {
      const rules = seq.model.rules.slice();
      rules[i] = { ...rules[i], dport: [{ lo, hi: lo }], proto: [17], sport: null, tcpFlags: null, icmpType: null, icmpCode: null, fragment: null };
      return { ...seq.model, rules };
    };
    const first = compileRuleset(withPort(30000), { ifaceClasses: IFACES });
    const model = withPort(40000);
    const next = compileRuleset(model, { ifaceClasses: IFACES, previous: first, previousSlots: first.slots });
    assertSameCompile(next, compileRuleset(model, { ifaceClasses: IFACES, previousSlots: first.slots }), 'edit');
    assert.equal(next.slots, first.slots, 'the same ids keep the slots map');
    // Most destination-port classes keep their bitmap object (the data plane skips writing them).
    const kept = next.l4w1.bitmaps.filter((bm, id) => first.l4w1.bitmaps[id] === bm).length;
    assert.ok(kept >= first.l4w1.bitmaps.length - 4, `${kept} of ${first.l4w1.bitmaps.length} kept`);
    assert.equal(next.addresses, first.addresses, 'no address work');
    // A set patch on top: the rule-side tables are the very same objects.
    const name = [...model.sets.keys()][0];
    if (name !== undefined) {
      const sets = new Map(model.sets);
      sets.set(name, (sets.get(name) as PrefixList).withChanges([{ family: 4, words: [0x0b0b0b00], len: 24 }], []));
      const patched = compileRuleset({ ...model, sets }, { ifaceClasses: IFACES, previous: next, previousSlots: next.slots });
      for (const dim of ['l3', 'l4w0', 'l4w1', 'flags', 'ifaceBits', 'rules', 'slots'] as const) assert.equal(patched[dim], next[dim], dim);
    }
  });
});
