// Resource bounds (issue 6): no file descriptor leaks across 1,000 applies on one DataPlane.
// Every apply writes a table copy, flips the epoch and waits for an RCU grace period through an
// ARRAY_OF_MAPS update; each of those is a place where a map or program fd could be opened and
// not closed. Counters are read, a frame is explained and run along the way, as the daemon does.
// The fds of /proc/self/fd are counted after a warm-up (the explain twin loads once) and must not
// move; closing the DataPlane must give back every fd it took.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { DataPlane } from '../src/dataplane/dataplane';
import type { Ruleset, RulesetJson } from '../src/ruleset/model';
import { isRoot } from './lib/netdev';
import { buildFrame } from './lib/packet';
import { rulesetJsonToModel } from './lib/ruleset-json';

const APPLIES = 1_000;

const openFds = () => fs.readdirSync('/proc/self/fd').length;

/** Small rulesets that differ in rules, sets (both families) and defaults, so every table changes. */
function rulesets(): Ruleset[] {
  const jsons: RulesetJson[] = [
    { default: 'pass', sets: { s: ['10.0.0.0/8', '2001:db8::/32'] }, rules: [{ id: 'a', src: '@s', action: 'drop' }, { id: 'b', proto: 'tcp', dport: 22, action: 'drop' }] },
    { default: 'drop', sets: { s: ['192.0.2.0/24'] }, rules: [{ id: 'b', proto: 'tcp', dport: [22, 80], action: 'pass' }, { id: 'c', proto: 'icmp', icmp_type: 8, action: 'pass' }] },
    { default: 'pass', ndp: 'rules', sets: {}, rules: [] },
  ];
  return jsons.map(rulesetJsonToModel);
}

test(`${APPLIES} applies on one DataPlane leak no fds`, { skip: !isRoot() && 'needs root (BPF)' }, () => {
  const before = openFds();
  const dp = DataPlane.open({ pinDir: null });
  const frame = buildFrame({ ip: { kind: 'ipv4', src: '10.1.2.3', dst: '192.0.2.1' }, l4: { kind: 'tcp', sport: 40000, dport: 22 } });
  const sets = rulesets();
  const cycle = (i: number) => {
    dp.apply(dp.compile(sets[i % sets.length]));
    dp.counters();
    dp.explain(frame);
    dp.run(frame);
  };
  try {
    for (let i = 0; i < 10; i++) cycle(i);
    const warm = openFds();
    const samples: number[] = [];
    for (let i = 0; i < APPLIES; i++) {
      cycle(i);
      if (i % 100 === 99) samples.push(openFds());
    }
    assert.deepEqual(samples, samples.map(() => warm), `open fds after every 100 applies (warm: ${warm})`);
  } finally {
    dp.close();
  }
  assert.equal(openFds(), before, 'DataPlane.close() gives back every fd');
});
