// PrefixList removal, withChanges and its recorded changes, and diffPrefixLists: against a plain
// Set of canonical texts, with tables small enough that probe chains collide and wrap.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrefixList, formatPrefix, type Prefix } from '../src/ruleset/address';
import { diffPrefixLists } from '../src/ruleset/prefix-diff';
import { nearPrefix } from './lib/change-sequence';
import { Rng } from './lib/rng';

const texts = (l: PrefixList) => new Set(l.toStrings());
const sorted = (s: Iterable<string>) => [...s].sort();

function randomPrefix(rng: Rng): Prefix {
  return nearPrefix(rng, rng.chance(0.7) ? 4 : 6);
}

describe('PrefixList.delete', () => {
  it('keeps membership, counts and probe chains right through random adds and deletes', () => {
    const rng = new Rng(5);
    const list = new PrefixList();
    const model = new Map<string, Prefix>();
    const pool = Array.from({ length: 3000 }, () => randomPrefix(rng));
    for (let op = 0; op < 40_000; op++) {
      const p = rng.pick(pool);
      const key = formatPrefix(p);
      if (rng.chance(0.55)) {
        assert.equal(list.add(p), !model.has(key), `add ${key}`);
        model.set(key, p);
      } else {
        assert.equal(list.delete(p), model.has(key), `delete ${key}`);
        model.delete(key);
      }
      assert.equal(list.has(p), model.has(key), key);
      if (op % 5000 === 0) {
        for (const q of pool) assert.equal(list.has(q), model.has(formatPrefix(q)));
      }
    }
    assert.equal(list.size, model.size);
    assert.deepEqual(sorted(list.toStrings()), sorted(model.keys()));
    assert.equal(list.countV4 + list.countV6, model.size);
  });
});

describe('PrefixList.withChanges', () => {
  it('leaves the list as it was and records exactly what changed; a prefix in both ends up present', () => {
    const rng = new Rng(6);
    const base = PrefixList.of(Array.from({ length: 500 }, () => randomPrefix(rng)));
    const before = sorted(texts(base));
    const members = [...base];
    const removed = [...members.slice(0, 50), randomPrefix(rng)]; // one probably absent
    const added = [...Array.from({ length: 40 }, () => randomPrefix(rng)), members[0], members[100]]; // members[0] in both
    const next = base.withChanges(added, removed);
    assert.deepEqual(sorted(texts(base)), before, 'the base is untouched');
    const want = new Set(before);
    for (const p of removed) want.delete(formatPrefix(p));
    for (const p of added) want.add(formatPrefix(p));
    assert.deepEqual(sorted(texts(next)), sorted(want));
    const c = next.changesSince(base);
    assert.ok(c);
    assert.deepEqual(sorted(texts(c.added)), sorted([...want].filter((t) => !before.includes(t))));
    assert.deepEqual(sorted(texts(c.removed)), sorted(before.filter((t) => !want.has(t))));
  });

  it('composes several steps, where a later step undoes an earlier one', () => {
    const rng = new Rng(7);
    const a = PrefixList.of(Array.from({ length: 200 }, () => randomPrefix(rng)));
    const x = randomPrefix(rng);
    const first = [...a][0];
    const b = a.withChanges([x], [first]);
    const c = b.withChanges([first], []);
    const d = c.withChanges([], [x]);
    const net = d.changesSince(a);
    assert.ok(net);
    assert.equal(net.added.size + net.removed.size, 0, 'back where it started');
    const net2 = c.changesSince(a);
    assert.deepEqual([...net2!.added].map(formatPrefix), [formatPrefix(x)]);
    assert.equal(net2!.removed.size, 0);
  });

  it('knows nothing when a list was changed in place, or is unrelated', () => {
    const rng = new Rng(8);
    const a = PrefixList.of(Array.from({ length: 50 }, () => randomPrefix(rng)));
    const b = a.withChanges([randomPrefix(rng)], []);
    assert.ok(b.changesSince(a));
    b.add(randomPrefix(rng));
    assert.equal(b.changesSince(a), null, 'the derived list changed in place');
    const c = a.withChanges([randomPrefix(rng)], []);
    a.add(randomPrefix(rng));
    assert.equal(c.changesSince(a), null, 'the origin changed in place');
    assert.equal(PrefixList.of([...a]).changesSince(a), null);
  });
});

describe('diffPrefixLists', () => {
  const rng = new Rng(9);
  const base = PrefixList.of(Array.from({ length: 2000 }, () => randomPrefix(rng)));
  const members = [...base];
  const check = (to: PrefixList) => {
    const d = diffPrefixLists(base, to);
    assert.ok(d);
    const from = texts(base);
    const now = texts(to);
    assert.deepEqual(sorted(texts(d.added)), sorted([...now].filter((t) => !from.has(t))));
    assert.deepEqual(sorted(texts(d.removed)), sorted([...from].filter((t) => !now.has(t))));
  };

  it('lists in the same order (re-parsed text): removals anywhere, additions anywhere', () => {
    const kept = members.filter((_, i) => i % 37 !== 0);
    const extra = Array.from({ length: 30 }, () => randomPrefix(rng));
    check(PrefixList.of([...extra.slice(0, 10), ...kept.slice(0, 900), ...extra.slice(10, 20), ...kept.slice(900), ...extra.slice(20)]));
  });

  it('lists in another order', () => {
    check(PrefixList.of(rng.sample(members, members.length - 25)));
    check(PrefixList.of([...rng.sample(members, members.length), randomPrefix(rng)]));
  });

  it('stops at the limit', () => {
    const other = PrefixList.of(Array.from({ length: 100 }, () => randomPrefix(rng)));
    assert.equal(diffPrefixLists(base, other, 50), null);
    assert.ok(diffPrefixLists(base, base.withChanges([randomPrefix(rng)], []), 50));
  });
});
