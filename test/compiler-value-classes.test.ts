// Unit tests of src/compiler/value-classes.ts: interval merging and the sweep that turns each
// rule's accepted intervals into value classes (one class per distinct set of satisfied rules).

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CapacityError } from '../src/compiler/bitmap';
import { classifyValues, mergeIntervals, type Interval, type RuleIntervals } from '../src/compiler/value-classes';
import { bitsOf } from './lib/bitmap-bits';

/** The rules satisfied by `value`. */
function rulesAt(vc: ReturnType<typeof classifyValues>, value: number): number[] {
  return bitsOf(vc.bitmaps[vc.valueClass[value]]);
}

describe('mergeIntervals', () => {
  it('sorts and merges overlapping, adjacent and contained intervals; keeps gaps', () => {
    const input: Interval[] = [[10, 20], [5, 8], [9, 9], [15, 30], [40, 41], [42, 42], [50, 60], [52, 55]];
    assert.deepEqual(mergeIntervals(input), [[5, 30], [40, 42], [50, 60]]);
  });

  it('does not change its input', () => {
    const input: Interval[] = [[3, 4], [1, 2]];
    mergeIntervals(input);
    assert.deepEqual(input, [[3, 4], [1, 2]]);
  });

  it('keeps intervals one value apart separate', () => {
    assert.deepEqual(mergeIntervals([[0, 0], [2, 2]]), [[0, 0], [2, 2]]);
  });
});

describe('classifyValues', () => {
  it('one interval: two classes, with the edges inside', () => {
    const vc = classifyValues(100, [[[10, 20]]], 256, 'test');
    assert.equal(vc.bitmaps.length, 2);
    assert.deepEqual([9, 10, 20, 21].map((v) => rulesAt(vc, v)), [[], [0], [0], []]);
    assert.equal(vc.valueClass[0], vc.valueClass[99], 'both sides of the interval are one class');
  });

  it('disjoint intervals of one rule share one class', () => {
    const vc = classifyValues(100, [[[10, 20], [30, 40]]], 256, 'test');
    assert.equal(vc.bitmaps.length, 2);
    assert.equal(vc.valueClass[15], vc.valueClass[35]);
  });

  it('overlapping rules: one class per distinct set of rules', () => {
    const vc = classifyValues(100, [[[10, 30]], [[20, 40]]], 256, 'test');
    assert.equal(vc.bitmaps.length, 4);
    assert.deepEqual([5, 15, 25, 35, 45].map((v) => rulesAt(vc, v)), [[], [0], [0, 1], [1], []]);
  });

  it('a rule without the field (null) is in every class', () => {
    const vc = classifyValues(100, [null, [[5, 5]], null], 256, 'test');
    assert.equal(vc.bitmaps.length, 2);
    assert.deepEqual(rulesAt(vc, 0), [0, 2]);
    assert.deepEqual(rulesAt(vc, 5), [0, 1, 2]);
    assert.deepEqual(rulesAt(vc, 99), [0, 2]);
  });

  it('intervals at both ends of the value space', () => {
    const vc = classifyValues(100, [[[0, 0], [99, 99]]], 256, 'test');
    assert.deepEqual([0, 1, 98, 99].map((v) => rulesAt(vc, v)), [[0], [], [], [0]]);
  });

  it('the whole space is one class', () => {
    const vc = classifyValues(65536, [[[0, 65535]]], 256, 'test');
    assert.equal(vc.bitmaps.length, 1);
    assert.deepEqual(rulesAt(vc, 0), [0]);
    assert.deepEqual(rulesAt(vc, 65535), [0]);
  });

  it('adjacent intervals behave as their union', () => {
    const a = classifyValues(100, [[[10, 19], [20, 29]]], 256, 'test');
    const b = classifyValues(100, [[[10, 29]]], 256, 'test');
    assert.deepEqual(Array.from(a.valueClass), Array.from(b.valueClass));
  });

  it('rules past the first bitmap words keep their own bits', () => {
    const rules: RuleIntervals = Array.from({ length: 300 }, (_, i) => [[i, i]] as Interval[]);
    const vc = classifyValues(1000, rules, 1024, 'test');
    assert.equal(vc.bitmaps.length, 301);
    for (const i of [0, 31, 32, 63, 64, 255, 299]) assert.deepEqual(rulesAt(vc, i), [i]);
    assert.deepEqual(rulesAt(vc, 300), []);
  });

  it('nested intervals: class count is the nesting depth + 1', () => {
    const rules: RuleIntervals = Array.from({ length: 50 }, (_, i) => [[i, 99 - i]] as Interval[]);
    // Values 100..119 lie outside every interval: the empty class.
    const vc = classifyValues(120, rules, 256, 'test');
    assert.equal(vc.bitmaps.length, 51);
    assert.deepEqual(rulesAt(vc, 110), []);
    assert.deepEqual(rulesAt(vc, 49), Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(rulesAt(vc, 2), [0, 1, 2]);
  });

  it('exactly the class limit fits', () => {
    const rules: RuleIntervals = Array.from({ length: 255 }, (_, i) => [[i, i]] as Interval[]);
    assert.equal(classifyValues(256, rules, 256, 'test').bitmaps.length, 256);
  });

  it('one class more than the limit is a CapacityError naming the dimension', () => {
    const rules: RuleIntervals = Array.from({ length: 256 }, (_, i) => [[i, i]] as Interval[]);
    assert.throws(() => classifyValues(512, rules, 256, 'TCP flag classes'), (e: unknown) =>
      e instanceof CapacityError && e.code === 'capacity_exceeded' && /TCP flag classes/.test(e.message) && /256/.test(e.message));
  });
});
