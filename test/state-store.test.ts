// The state file: what save() writes is exactly what JSON.stringify would, set arrays taken from
// the serialisation cache included, and load() returns it.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { STATE_VERSION, StateStore, type PersistedState } from '../src/service/state-store';

test('save writes the same JSON as JSON.stringify, reusing cached set arrays, and load reads it back', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-state-'));
  try {
    const store = new StateStore(dir);
    const big = Array.from({ length: 1000 }, (_, i) => `10.0.${i >> 8}.${i & 255}/32`);
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
