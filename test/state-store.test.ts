// The state file: what save() writes is exactly what JSON.stringify would (big sets are written a
// piece at a time), and load() returns it; the journal of REST edits beside it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

test('journal: a damaged line with more after it stops the load; records of another snapshot are skipped', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-journal-'));
  try {
    const store = new StateStore(dir, 0);
    const base = { version: STATE_VERSION, generation: 1, ruleset: { sets: { s: ['10.0.0.0/8'] }, rules: [] }, slots: {}, ifaces: [] };
    store.save(base);
    store.append({ generation: 2, slots: {}, ifaces: [], sets: { s: { add: ['192.0.2.0/24'], remove: [] } } });
    store.append({ generation: 3, slots: {}, ifaces: [], sets: { s: { add: [], remove: ['10.0.0.0/8'] } } });
    const good = fs.readFileSync(store.journal, 'utf8');
    const lines = good.split('\n');
    fs.writeFileSync(store.journal, [lines[0], '{"generation": 3, "sl', lines[1], ''].join('\n'));
    assert.throws(() => new StateStore(dir).load(), /state.journal:2: not JSON \(a damaged journal/);

    // An older state.json put back by hand: the journal's records follow another snapshot.
    fs.writeFileSync(store.journal, good);
    fs.writeFileSync(store.file, JSON.stringify({ ...base, generation: 1, ruleset: { sets: { s: ['172.16.0.0/12'] }, rules: [] } }));
    assert.deepEqual(new StateStore(dir).load()?.ruleset.sets, { s: ['172.16.0.0/12', '192.0.2.0/24'] }, 'same generation, same base: replayed');
    fs.writeFileSync(store.file, JSON.stringify({ ...base, generation: 2 }));
    assert.deepEqual(new StateStore(dir).load(), { ...base, generation: 2 }, 'records of snapshot 1 applied to snapshot 2');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('journal: small states and long journals make the next change a snapshot', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-journal-'));
  try {
    const state = { version: STATE_VERSION, generation: 1, ruleset: { rules: [] }, slots: {}, ifaces: [] };
    assert.equal(new StateStore(dir).needsSnapshot(), true, 'no state yet');
    const small = new StateStore(dir);
    small.save(state);
    assert.equal(small.needsSnapshot(), true, 'a state under JOURNAL_FROM is always a snapshot');
    const store = new StateStore(dir, 0);
    store.load();
    assert.equal(store.needsSnapshot(), false);
    let g = 2;
    while (!store.needsSnapshot()) store.append({ generation: g++, slots: {}, ifaces: [] });
    assert.ok(fs.statSync(store.journal).size > fs.statSync(store.file).size, 'switched only once the journal outgrew the snapshot');
    store.save({ ...state, generation: g });
    assert.equal(store.needsSnapshot(), false);
    store.requireSnapshot();
    assert.equal(store.needsSnapshot(), true, 'after a failure that may have left a refused change on disk');

    // A big state that shrinks (a big set replaced by a small one) is a snapshot again at once.
    const sized = new StateStore(dir, 1000);
    sized.save({ ...state, generation: g + 1, ruleset: { sets: { s: Array.from({ length: 200 }, (_, i) => `10.0.0.${i}`) }, rules: [] } });
    assert.equal(sized.needsSnapshot(5000), false, 'still big: journal');
    assert.equal(sized.needsSnapshot(100), true, 'shrunk: snapshot');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('journal: an append that runs out of space leaves the journal as it was; the next one works', { skip: process.getuid?.() !== 0 && 'needs root (mount)' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-journal-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  try {
    const store = new StateStore(dir, 0);
    const state = { version: STATE_VERSION, generation: 1, ruleset: { sets: { s: [] as string[] }, rules: [] }, slots: {}, ifaces: [] };
    store.save(state);
    store.append({ generation: 2, slots: {}, ifaces: [], sets: { s: { add: ['10.0.0.0/8'], remove: [] } } });
    const before = fs.readFileSync(store.journal);
    const filler = path.join(dir, 'filler');
    try {
      fs.writeFileSync(filler, Buffer.alloc(64 << 10));
    } catch {
      // filled up: what is wanted
    }
    const big = Array.from({ length: 2000 }, (_, i) => `10.1.${i >> 8}.${i & 255}`);
    assert.throws(() => store.append({ generation: 3, slots: {}, ifaces: [], sets: { s: { add: big, remove: [] } } }), /ENOSPC/);
    assert.ok(fs.readFileSync(store.journal).equals(before), 'the journal changed');
    assert.equal(new StateStore(dir).load()?.generation, 2);
    fs.rmSync(filler);
    store.append({ generation: 3, slots: {}, ifaces: [], sets: { s: { add: ['192.0.2.0/24'], remove: [] } } });
    assert.deepEqual(new StateStore(dir).load()?.ruleset.sets, { s: ['10.0.0.0/8', '192.0.2.0/24'] });
  } finally {
    execFileSync('umount', [dir]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('exposure: the state dir mode when group or others may enter it (made before us), else null', () => {
  const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-statedir-'));
  try {
    const fresh = new StateStore(path.join(parent, 'new'));
    fresh.prepare();
    assert.equal(fresh.exposure(), null, 'a directory the store makes is 0700');
    const old = path.join(parent, 'old');
    fs.mkdirSync(old, { mode: 0o755 });
    fs.chmodSync(old, 0o755);
    const store = new StateStore(old);
    store.prepare();
    assert.equal(store.exposure(), 0o755);
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
});
