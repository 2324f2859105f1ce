// Unit tests of src/compiler/slots.ts: counter slots follow rule ids across changes (section 4),
// new ids avoid the slots of the generation in force (its packets may still count there until
// the flip), and the rule capacity is enforced.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CapacityError } from '../src/compiler/bitmap';
import { assignSlots } from '../src/compiler/slots';
import { MAX_RULES } from '../src/dataplane/layout';

const ids = (n: number, prefix = 'r') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const obj = (m: Map<string, number>) => Object.fromEntries(m);

describe('assignSlots', () => {
  it('a first ruleset takes slots 0..n-1 in order', () => {
    assert.deepEqual(obj(assignSlots(['a', 'b', 'c'], new Map())), { a: 0, b: 1, c: 2 });
  });

  it('reordering keeps every id on its slot', () => {
    const previous = new Map([['a', 0], ['b', 1], ['c', 2]]);
    assert.deepEqual(obj(assignSlots(['c', 'a', 'b'], previous)), { a: 0, b: 1, c: 2 });
  });

  it('a new id avoids the slot of an id still in force, even one being removed', () => {
    const previous = new Map([['a', 0], ['b', 1]]);
    assert.deepEqual(obj(assignSlots(['a', 'c'], previous)), { a: 0, c: 2 });
  });

  it('new ids take the lowest free slots, skipping every slot in force', () => {
    const previous = new Map([['a', 0], ['b', 2], ['c', 4]]);
    assert.deepEqual(obj(assignSlots(['x', 'b', 'y', 'z'], previous)), { b: 2, x: 1, y: 3, z: 5 });
  });

  it('with no other slot left, a new id reuses a slot freed by this change', () => {
    const all = ids(MAX_RULES);
    const previous = new Map(all.map((id, i) => [id, i]));
    const next = [...all.slice(1), 'new'];
    const slots = assignSlots(next, previous);
    assert.equal(slots.get('new'), 0);
    for (const id of all.slice(1)) assert.equal(slots.get(id), previous.get(id));
  });

  it('a full ruleset replaced by a full ruleset of new ids: distinct slots, all in range', () => {
    const previous = new Map(ids(MAX_RULES).map((id, i) => [id, i]));
    const slots = assignSlots(ids(MAX_RULES, 'n'), previous);
    const used = [...slots.values()];
    assert.equal(new Set(used).size, MAX_RULES);
    assert.ok(used.every((s) => s >= 0 && s < MAX_RULES));
  });

  it('an id in the ruleset twice keeps one slot (the compiler never sees this; no crash)', () => {
    assert.deepEqual(obj(assignSlots(['a', 'a'], new Map([['a', 3]]))), { a: 3 });
  });

  it(`${MAX_RULES} ids fit; one more is a CapacityError`, () => {
    assert.equal(assignSlots(ids(MAX_RULES), new Map()).size, MAX_RULES);
    assert.throws(() => assignSlots(ids(MAX_RULES + 1), new Map()), (e: unknown) => e instanceof CapacityError && e.code === 'capacity_exceeded');
  });
});
