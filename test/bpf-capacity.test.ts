// CONTRACT section 4 capacity: 4,096 rules + 1,000,000 IPv4 + 250,000 IPv6 set prefixes compile,
// load into maps of the default sizes and classify like the reference; one rule or one prefix
// more fails with a CapacityError and leaves the generation in force untouched. Compile and
// apply times are printed, not asserted.

import { NODES_PER_COPY } from '../src/dataplane/layout';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { CapacityError } from '../src/compiler/compile';
import { PrefixList } from '../src/ruleset/address';
import type { Ruleset } from '../src/ruleset/model';
import { BpfHarness, classify, retvalVerdict } from './lib/bpf-harness';
import { CONTRACT_CAPACITY, buildCapacityRuleset, sampledSets, V4_SETS, V6_SETS } from './lib/capacity-ruleset';
import { assertCounterDeltas } from './lib/counter-delta';
import { ExpectedCounters } from './lib/counters';
import { makePacketGenerator, type GeneratedPacket } from './lib/gen-packet';
import { isRoot } from './lib/netdev';
import type { Outcome } from './lib/reference';
import { Rng } from './lib/rng';
import { ruleJsonToModel } from './lib/ruleset-json';
import { SetMembershipIndex, classifyWithIndex } from './lib/set-oracle';

const SEED = Number(process.env.XDPFW_SEED ?? 20261126);
const PACKETS = 400;
/** Mostly frames built to hit a rule (their addresses drawn from the sets), some near misses. */
const MIX = { hit: 60, near_miss: 20, random: 10, malformed: 4, non_ip: 3, ndp: 3 };

function packetsFor(model: Ruleset, count: number, seed: number): GeneratedPacket[] {
  const rng = new Rng(seed);
  const gen = makePacketGenerator(sampledSets(model, rng.fork(), 64), { mix: MIX });
  return Array.from({ length: count }, () => gen(rng));
}

const ms = (x: number) => `${Math.round(x)} ms`;

describe('the oracle for huge sets', () => {
  it('agrees with the reference classifier on a small instance of the capacity ruleset', () => {
    const { model } = buildCapacityRuleset(SEED, { rules: 300, v4: 20_000, v6: 5_000 });
    const index = new SetMembershipIndex(model.sets);
    for (const p of packetsFor(model, 300, SEED + 1)) {
      assert.deepEqual(classifyWithIndex(model, index, p.frame, p.iface), classify(model, p.frame, p.iface), p.intent);
    }
  });
});

describe('capacity (CONTRACT section 4)', { skip: !isRoot() && 'needs root (BPF)' }, () => {
  let h: BpfHarness;
  let model: Ruleset;
  let packets: GeneratedPacket[];
  /** What the ruleset in force decided for each packet. */
  let decided: Outcome[];

  before(() => {
    const t0 = performance.now();
    model = buildCapacityRuleset(SEED).model;
    packets = packetsFor(model, PACKETS, SEED + 2).filter((p) => p.frame.length >= 14);
    console.log(`capacity: ruleset of ${model.rules.length} rules built in ${ms(performance.now() - t0)}`);
    // Default map sizes: what the daemon runs with.
    h = new BpfHarness(['eth0', 'eth1'], {});
  });
  after(() => h?.close());

  /** Explains every packet; the outcomes must equal `want` (per packet). */
  const explainAll = () => packets.map((p) => h.explain(p.frame, p.iface));

  it('4,096 rules + 1M IPv4 + 250k IPv6 prefixes compile, load and classify like the reference', () => {
    const compiled = h.apply(model);
    const { compileMs, applyMs } = h.lastApply;
    const a = compiled.addresses;
    console.log(`capacity: compile ${ms(compileMs)}, apply ${ms(applyMs)}; address map entries v4 ${a.v4.len.length}, v6 ${a.v6.len.length}; address classes ${a.classLabels.length}; enabled rules ${compiled.rules.length}`);
    console.log(`capacity: ${mapMemory(h)}`);
    assert.ok(a.v4.len.length >= CONTRACT_CAPACITY.v4 && a.v6.len.length >= CONTRACT_CAPACITY.v6);

    const index = new SetMembershipIndex(model.sets);
    const expected = new ExpectedCounters();
    const beforeView = h.counterView();
    const kinds = new Map<string, number>();
    decided = packets.map((p) => {
      const want = classifyWithIndex(model, index, p.frame, p.iface);
      const where = `${p.intent} on ${p.iface}: ${JSON.stringify(p.spec)}`;
      assert.deepEqual(h.explain(p.frame, p.iface), want, where);
      assert.equal(retvalVerdict(h.run(p.frame, p.iface)), want.verdict, where);
      expected.record(want, p.frame.length, p.iface);
      const rule = want.kind === 'rule' ? model.rules[want.ruleIndex] : null;
      const kind = rule && (rule.src?.sets.length || rule.dst?.sets.length) ? 'set rule' : want.kind;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      return want;
    });
    assertCounterDeltas(beforeView, h.counterView(), expected, 'capacity counters');
    console.log(`capacity: ${packets.length} packets decided by ${JSON.stringify(Object.fromEntries(kinds))}`);
    // The test means something only if the sets decide a good share of the packets.
    assert.ok((kinds.get('set rule') ?? 0) >= packets.length / 10, 'too few packets decided by set rules');
  });

  it('4,097 rules: CapacityError, the generation in force keeps classifying', () => {
    const epoch = h.dp.epoch();
    const extra = ruleJsonToModel({ id: 'one-too-many', proto: 'udp', action: 'drop' });
    assert.throws(() => h.apply({ ...model, rules: [...model.rules, extra] }), (e: unknown) => e instanceof CapacityError && /4097/.test(e.message));
    assert.equal(h.dp.epoch(), epoch);
    assert.deepEqual(explainAll(), decided);
  });

  it('1,000,001 IPv4 set prefixes: CapacityError, the generation in force keeps classifying', () => {
    const epoch = h.dp.epoch();
    const grown = withOneMore(model, V4_SETS[0], { family: 4, words: [0x0a000000], len: 8 }, { family: 4, words: [0x0b000000], len: 8 });
    assert.throws(() => h.apply(grown), (e: unknown) => e instanceof CapacityError && /1000001/.test(e.message));
    assert.equal(h.dp.epoch(), epoch);
    assert.deepEqual(explainAll(), decided);
  });

  it('250,001 IPv6 set prefixes: CapacityError, the generation in force keeps classifying', () => {
    const epoch = h.dp.epoch();
    const grown = withOneMore(model, V6_SETS[0], { family: 6, words: [0x3fff0000, 0, 0, 0], len: 20 }, { family: 6, words: [0x3fff1000, 0, 0, 0], len: 20 });
    assert.throws(() => h.apply(grown), (e: unknown) => e instanceof CapacityError && /250001/.test(e.message));
    assert.equal(h.dp.epoch(), epoch);
    assert.deepEqual(explainAll(), decided);
  });
});

describe('a kernel-side capacity failure', { skip: !isRoot() && 'needs root (BPF)' }, () => {
  it('an address table that fills up mid-write leaves the generation in force, and the next change recovers', () => {
    // More root cells needing a node (over 4 longer prefixes each) than a copy holds: the compiler
    // is satisfied, the table builder runs out of nodes half-way through the idle copy.
    const h = new BpfHarness(['eth0', 'eth1']);
    try {
      const small = buildCapacityRuleset(SEED + 3, { rules: 50, v4: 1_000, v6: 200 }).model;
      const feed = new PrefixList();
      for (let cell = 0; cell <= NODES_PER_COPY[4]; cell++) {
        for (let host = 1; host <= 5; host++) feed.addV4((0x0a000000 + cell * 256 + host) >>> 0, 32);
      }
      const big: Ruleset = { ...small, sets: new Map([...small.sets, ['feed', feed]]), rules: [ruleJsonToModel({ id: 'feed', src: '@feed', action: 'drop' }), ...small.rules] };
      const packets = packetsFor(small, 100, SEED + 5).filter((p) => p.frame.length >= 14);
      h.apply(small);
      const want = packets.map((p) => classify(small, p.frame, p.iface));
      assert.deepEqual(packets.map((p) => h.explain(p.frame, p.iface)), want);
      const epoch = h.dp.epoch();
      assert.throws(() => h.apply(big), /more than 16384 nodes/);
      assert.equal(h.dp.epoch(), epoch);
      assert.deepEqual(packets.map((p) => h.explain(p.frame, p.iface)), want, 'the failed change leaked into the live copy');
      // The half-written idle copy is rewritten in full by the next change.
      const next = buildCapacityRuleset(SEED + 6, { rules: 50, v4: 2_000, v6: 200 }).model;
      h.apply(next);
      for (const p of packetsFor(next, 100, SEED + 7).filter((q) => q.frame.length >= 14)) {
        assert.deepEqual(h.explain(p.frame, p.iface), classify(next, p.frame, p.iface), p.intent);
      }
    } finally {
      h.close();
    }
  });
});

/** The ruleset with one prefix more in `set` (the first of the candidates it lacks). */
function withOneMore(model: Ruleset, set: string, ...candidates: Parameters<PrefixList['add']>[0][]): Ruleset {
  const list = PrefixList.of(model.sets.get(set)!);
  if (!candidates.some((p) => list.add(p))) throw new Error('every candidate prefix is already there');
  return { ...model, sets: new Map([...model.sets, [set, list]]) };
}

/** Memory of the address maps as bpftool reports it (informative only). */
function mapMemory(h: BpfHarness): string {
  try {
    const out: { id: number; name: string; bytes_memlock?: number; max_entries: number }[] = JSON.parse(execFileSync('bpftool', ['-j', 'map', 'show'], { encoding: 'utf8' }));
    const ids = new Set(['addr_root', 'addr_node4', 'addr_node6', 'addr_bucket4', 'addr_bucket6', 'class_bits', 'value_class'].map((n) => h.dp.maps.get(n).info.id));
    return out.filter((m) => ids.has(m.id)).map((m) => `${m.name} ${((m.bytes_memlock ?? 0) / 2 ** 20).toFixed(1)} MiB`).join(', ');
  } catch (e) {
    return `bpftool map show failed: ${(e as Error).message}`;
  }
}
