// SetMembers (the member strings of a PATCHed set, built on demand) against the plain model of a
// patch: filter the removed prefixes out of the array, append the added ones.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SetMembers, memberKey, setsWithMembers } from '../src/service/set-members';

// A small universe of prefixes with several spellings each, so removals hit other spellings.
const SPELLINGS = [
  ['10.0.0.1', '10.0.0.1/32'],
  ['10.0.0.0/24'],
  ['192.0.2.0/24'],
  ['2001:db8::/32', '2001:DB8::/32', '2001:0db8:0:0::/32'],
  ['2001:db8::1', '2001:db8::1/128', '2001:db8:0:0:0:0:0:1'],
  ['198.51.100.7'],
];

test('patches equal filtering and appending the plain array, spellings and order kept', () => {
  const patch = fc.record({ add: fc.subarray([0, 1, 2, 3, 4, 5]), remove: fc.subarray([0, 1, 2, 3, 4, 5]), spelling: fc.nat() });
  fc.assert(
    fc.property(fc.subarray([0, 1, 2, 3, 4, 5]), fc.array(patch, { maxLength: 12 }), (initial, patches) => {
      let plain = initial.map((i) => SPELLINGS[i][0]);
      let members = SetMembers.of(plain);
      for (const p of patches) {
        const remove = p.remove.filter((i) => !p.add.includes(i));
        const keys = remove.map((i) => memberKey(SPELLINGS[i][p.spelling % SPELLINGS[i].length]));
        const present = new Set(plain.map(memberKey));
        const add = p.add.map((i) => SPELLINGS[i][p.spelling % SPELLINGS[i].length]).filter((t) => !present.has(memberKey(t)));
        plain = [...plain.filter((t) => !keys.includes(memberKey(t))), ...add];
        members = members.patch(add, keys);
        assert.deepEqual(members.toArray(), plain);
      }
    }),
    { numRuns: 2000 },
  );
});

test('the array is built once and only when read; an unchanged set is the stored array itself', () => {
  const stored = ['10.0.0.1', '192.0.2.0/24'];
  assert.equal(SetMembers.of(stored).toArray(), stored);
  const patched = SetMembers.of(stored).patch(['198.51.100.7'], [memberKey('10.0.0.1/32')]);
  assert.equal(patched.pending, 2);
  const first = patched.toArray();
  assert.deepEqual(first, ['192.0.2.0/24', '198.51.100.7']);
  assert.equal(patched.toArray(), first, 'built again');
});

test('a long delta is folded into a new base', () => {
  let members = SetMembers.of([]);
  for (let i = 0; i < 70; i++) members = members.patch(Array.from({ length: 1000 }, (_, j) => `10.${i}.${j >> 8}.${j & 255}`), []);
  assert.ok(members.pending < 70_000, `pending ${members.pending}`);
  assert.equal(members.toArray().length, 70_000);
});

test('setsWithMembers reads no other set and builds none until read', () => {
  let reads = 0;
  const sets = Object.defineProperty({ plain: ['10.0.0.0/8'] }, 'lazy', { enumerable: true, get: () => (reads++, ['192.0.2.0/24']) });
  const out = setsWithMembers(sets as Record<string, string[]>, 'plain', SetMembers.of(['10.0.0.1']));
  assert.equal(reads, 0);
  assert.deepEqual(Object.keys(out), ['plain', 'lazy']);
  assert.deepEqual(JSON.parse(JSON.stringify(out)), { plain: ['10.0.0.1'], lazy: ['192.0.2.0/24'] });
  assert.equal(reads, 1);
});
