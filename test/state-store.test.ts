// The state file: what save() writes is exactly what JSON.stringify would (big sets are written a
// piece at a time), and load() returns it; the journal of REST edits beside it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATE_VERSION, StateStore, type PersistedState } from '../src/service/state-store';

test('save writes the same JSON as JSON.stringify, big sets in pieces, and load reads it back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-state-'));
  try {
    const store = new StateStore(dir);
    const big = Array.from({ length: 100_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`);
    const state = (generation: number, extra: string[]): PersistedState => ({
      version: STATE_VERSION,
      generation,
      ruleset: { default: 'drop', sets: { big, small: ['192.0.2.0/24', ...extra], empty: [] }, rules: [{ id: 'a', src: '@big', action: 'drop' }] },
      slots: { a: 0 },
      ifaces: [{ name: 'eth0', ifindex: 2, mode: 'native' }],
      source: null,
    } as PersistedState);
    for (const [gen, extra] of [[1, []], [2, ['198.51.100.1/32']], [3, []]] as const) {
      const s = state(gen, [...extra]);
      store.save(s);
      const text = fs.readFileSync(path.join(dir, 'state.json'), 'utf8');
      assert.equal(text, JSON.stringify(s) + '\n');
      assert.deepEqual(store.load(), s);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('journal: edits append deltas, load replays them; a torn last line is ignored and overwritten; a snapshot ends the journal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-journal-'));
  try {
    const store = new StateStore(dir);
    const base: PersistedState = {
      version: STATE_VERSION,
      generation: 4,
      ruleset: { default: 'pass', sets: { block: ['10.0.0.1', '192.0.2.0/24'], other: ['2001:db8::/32'] }, rules: [{ id: 'a', src: '@block', action: 'drop' }] },
      slots: { a: 0 },
      ifaces: [{ name: 'eth0', ifindex: 2, mode: 'native' }],
      source: null,
    };
    store.save(base);
    assert.equal(fs.existsSync(store.journal), false);
    const rules = [{ id: 'b', dport: 22, action: 'drop' as const }, ...base.ruleset.rules];
    store.append({ generation: 5, slots: { a: 0 }, ifaces: base.ifaces, sets: { block: { add: ['198.51.100.7'], remove: ['10.0.0.1/32'] } } });
    store.append({ generation: 6, rules, slots: { a: 0, b: 1 }, ifaces: base.ifaces });
    store.append({ generation: 7, slots: { a: 0, b: 1 }, ifaces: base.ifaces, sets: { other: { elements: ['2001:db8:1::/48'] }, block: { add: ['10.0.0.1'], remove: [] } } });
    const expected: PersistedState = {
      ...base,
      generation: 7,
      ruleset: { default: 'pass', sets: { block: ['192.0.2.0/24', '198.51.100.7', '10.0.0.1'], other: ['2001:db8:1::/48'] }, rules },
      slots: { a: 0, b: 1 },
    };
    assert.deepEqual(new StateStore(dir).load(), expected);

    // A crash mid-append leaves part of a line: that change was never acknowledged.
    const whole = fs.readFileSync(store.journal);
    fs.appendFileSync(store.journal, '{"generation":8,"slots":{"a":0},"ifa');
    const reopened = new StateStore(dir);
    assert.deepEqual(reopened.load(), expected);
    reopened.append({ generation: 8, slots: { a: 0, b: 1 }, ifaces: base.ifaces, sets: { block: { add: [], remove: ['192.0.2.0/24'] } } });
    assert.ok(fs.readFileSync(store.journal).subarray(0, whole.length).equals(whole), 'the complete records moved');
    const after = new StateStore(dir).load()!;
    assert.equal(after.generation, 8);
    assert.deepEqual(after.ruleset.sets?.block, ['198.51.100.7', '10.0.0.1']);

    // A snapshot makes the journal's records old: if its removal did not survive, they are skipped.
    const snapshot = { ...after, generation: 9 };
    fs.copyFileSync(store.journal, path.join(dir, 'kept'));
    reopened.save(snapshot);
    assert.equal(fs.existsSync(store.journal), false);
    fs.renameSync(path.join(dir, 'kept'), store.journal);
    assert.deepEqual(new StateStore(dir).load(), snapshot);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('journal: a record older than the one before it is a damaged journal', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-journal-'));
  try {
    const store = new StateStore(dir);
    store.save({ version: STATE_VERSION, generation: 1, ruleset: { rules: [] }, slots: {}, ifaces: [] });
    store.append({ generation: 3, slots: {}, ifaces: [] });
    store.append({ generation: 2, slots: {}, ifaces: [] });
    assert.throws(() => new StateStore(dir).load(), /state.journal:2: generation 2 after 3/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
