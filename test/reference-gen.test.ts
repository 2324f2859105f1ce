// Tests of the test generators: generated rulesets obey every constraint of CONTRACT sections 2
// and 3.2/3.3 (checked here independently of the generator's own logic), generation is
// reproducible, and generated packets cover every outcome of the reference classifier and hit
// the rules they were built for.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parsePrefix } from '../src/ruleset/address';
import type { RuleJson, Ruleset, RulesetJson } from '../src/ruleset/model';
import { generatePacketFromSeed, makePacketGenerator } from './lib/gen-packet';
import { generateRuleset, rulesetArb } from './lib/gen-ruleset';
import { classify, MALFORMED_REASONS, type Outcome } from './lib/reference';
import { Rng } from './lib/rng';

const IFACES = ['eth0', 'eth1', 'veth-a'];
const PORT_PROTOS = new Set([6, 17, 132]);
const NAMES: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, gre: 47, esp: 50 };

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const protoNumbers = (r: RuleJson): number[] => list(r.proto).map((p) => (typeof p === 'number' ? p : NAMES[p]));

/** Every error of sections 2 and 3.2/3.3 this ruleset would have; [] when valid. */
function contractErrors(json: RulesetJson): string[] {
  const errors: string[] = [];
  const sets = json.sets ?? {};
  for (const [name, members] of Object.entries(sets)) {
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(name)) errors.push(`set name ${name}`);
    if (!Array.isArray(members)) errors.push(`set ${name} is not inline`);
    else for (const m of members) if (typeof parsePrefix(m) === 'string') errors.push(`set ${name}: ${m}`);
  }
  const ids = new Set<string>();
  json.rules.forEach((r, i) => {
    const at = `rules[${i}]`;
    if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/.test(r.id) || ids.has(r.id)) errors.push(`${at}.id ${r.id}`);
    ids.add(r.id);
    const families = (field: string | string[] | undefined): Set<number> => {
      if (field === undefined) return new Set([4, 6]);
      const out = new Set<number>();
      for (const e of list(field)) {
        if (e.startsWith('@')) {
          if (!(e.slice(1) in sets)) errors.push(`${at}: unknown set ${e}`);
          out.add(4).add(6);
        } else {
          const p = parsePrefix(e);
          if (typeof p === 'string') errors.push(`${at}: ${p}`);
          else out.add(p.family);
        }
      }
      return out;
    };
    const src = families(r.src);
    const dst = families(r.dst);
    if (![...src].some((f) => dst.has(f))) errors.push(`${at}: src and dst share no family`);
    if (r.family && (!src.has(r.family === 'ipv4' ? 4 : 6) || !dst.has(r.family === 'ipv4' ? 4 : 6))) errors.push(`${at}: family excludes literals`);
    const protos = protoNumbers(r);
    if (r.proto !== undefined && protos.some((p) => p === undefined || p < 0 || p > 255)) errors.push(`${at}.proto`);
    if (Array.isArray(r.proto) && r.proto.length === 0) errors.push(`${at}.proto empty`);
    const hasPorts = r.sport !== undefined || r.dport !== undefined;
    if (hasPorts && r.proto !== undefined && !protos.every((p) => PORT_PROTOS.has(p))) errors.push(`${at}: ports with non-port protocol`);
    for (const p of [...list(r.sport), ...list(r.dport)]) {
      const [lo, hi] = typeof p === 'number' ? [p, p] : p.split('-').map(Number);
      if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 0 && lo <= hi && hi <= 65535)) errors.push(`${at}: port ${p}`);
    }
    if (r.tcp_flags !== undefined) {
      if (protos.length !== 1 || protos[0] !== 6) errors.push(`${at}: tcp_flags without proto tcp`);
      const flags = r.tcp_flags.split(',').map((f) => f.replace('!', ''));
      if (new Set(flags).size !== flags.length) errors.push(`${at}: flag repeated`);
    }
    if ((r.icmp_type !== undefined || r.icmp_code !== undefined) && (protos.length !== 1 || ![1, 58].includes(protos[0]))) errors.push(`${at}: icmp fields without one ICMP proto`);
    if (r.fragment === 'non_first' && (hasPorts || r.tcp_flags !== undefined || r.icmp_type !== undefined || r.icmp_code !== undefined)) errors.push(`${at}: non_first with L4 fields`);
    for (const name of list(r.iface)) if (!IFACES.includes(name)) errors.push(`${at}: iface ${name}`);
  });
  return errors;
}

describe('generated rulesets', () => {
  it('obey every constraint of the contract, over many seeds', () => {
    for (let seed = 0; seed < 400; seed++) {
      const { json, model } = generateRuleset(seed, { ifaces: IFACES });
      assert.deepEqual(contractErrors(json), [], `seed ${seed}: ${JSON.stringify(json)}`);
      assert.equal(model.rules.length, json.rules.length);
      assert.ok(json.rules.length >= 1 && json.rules.length <= 64);
    }
  });

  it('are reproducible from their seeds', () => {
    const a = generateRuleset(1234, { ifaces: IFACES });
    const b = generateRuleset(1234, { ifaces: IFACES });
    assert.deepEqual(a.json, b.json);
    assert.notDeepEqual(a.json, generateRuleset(1235, { ifaces: IFACES }).json);
  });

  it('cover the contract features', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const { json } = generateRuleset(seed, { ifaces: IFACES });
      for (const m of Object.values(json.sets ?? {})) if (Array.isArray(m) && m.length === 0) seen.add('empty set');
      for (const r of json.rules) {
        for (const key of Object.keys(r)) seen.add(key);
        if (list(r.src).some((e) => e.endsWith('/0')) || list(r.dst).some((e) => e.endsWith('/0'))) seen.add('/0');
        if (list(r.src).some((e) => e.endsWith('/128'))) seen.add('/128');
        if (r.enabled === false) seen.add('disabled');
        if (typeof r.proto === 'number') seen.add('proto number');
        if (r.tcp_flags?.includes('!')) seen.add('negated flag');
        if (list(r.dport).some((p) => typeof p === 'string')) seen.add('port range');
        if (r.fragment === 'non_first') seen.add('non_first');
      }
      if (json.default === 'drop') seen.add('default drop');
      if (json.ndp === 'rules') seen.add('ndp rules');
      if (json.non_ip === 'drop') seen.add('non_ip drop');
    }
    for (const want of ['src', 'dst', 'proto', 'sport', 'dport', 'tcp_flags', 'icmp_type', 'icmp_code', 'fragment', 'iface', 'family', 'enabled', 'comment',
      'empty set', '/0', '/128', 'disabled', 'proto number', 'negated flag', 'port range', 'non_first', 'default drop', 'ndp rules', 'non_ip drop']) {
      assert.ok(seen.has(want), `never generated: ${want}`);
    }
  });
});

describe('generated packets', () => {
  it('reach every kind of outcome, every malformed reason and both verdicts of non_ip', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const { model } = generateRuleset(seed, { ifaces: IFACES, maxRules: 24 });
      const gen = makePacketGenerator(model, { ifaces: IFACES });
      const rng = new Rng(seed);
      for (let i = 0; i < 300; i++) {
        const p = gen(rng);
        const o = classify(model, p.frame, p.iface);
        seen.add(o.kind === 'malformed' ? o.reason : o.kind === 'bypass' ? `${o.bypass}:${o.verdict}` : `${o.kind}:${o.verdict}`);
      }
    }
    for (const want of [...MALFORMED_REASONS, 'rule:pass', 'rule:drop', 'default:pass', 'default:drop', 'ndp:pass', 'non_ip:pass', 'non_ip:drop']) {
      assert.ok(seen.has(want), `never produced: ${want} (saw ${[...seen].join(', ')})`);
    }
  });

  it('built to hit a rule are decided by that rule or an earlier one', () => {
    let hits = 0;
    let decidedByTarget = 0;
    for (let seed = 0; seed < 80; seed++) {
      const { model } = generateRuleset(seed, { ifaces: IFACES, maxRules: 32 });
      const gen = makePacketGenerator(model, { ifaces: IFACES, mix: { hit: 1, near_miss: 0, random: 0, malformed: 0, non_ip: 0, ndp: 0 } });
      const rng = new Rng(seed * 7919);
      for (let i = 0; i < 100; i++) {
        const p = gen(rng);
        const targetIndex = model.rules.findIndex((r) => `hit ${r.id}` === p.intent);
        const target = model.rules[targetIndex];
        if (!target.enabled || !satisfiable(model, targetIndex)) continue;
        const o = classify(model, p.frame, p.iface);
        hits++;
        if (o.kind === 'rule' && o.ruleIndex === targetIndex) decidedByTarget++;
        const ok = (o.kind === 'rule' && o.ruleIndex <= targetIndex) ||
          (o.kind === 'bypass' && o.bypass === 'ndp') ||
          // IPv6 cannot carry 0/43/44/51/60 as the protocol of a packet with an L4 header (3.6).
          (o.kind === 'malformed' && p.spec.ip?.kind === 'ipv6' && [0, 43, 44, 51, 60].includes((p.spec.l4 as { protocol?: number }).protocol ?? -1));
        assert.ok(ok, `${p.intent} got ${JSON.stringify(o)}\nspec ${JSON.stringify(p.spec)}\nrule ${JSON.stringify(target)}`);
      }
    }
    assert.ok(hits > 4000, `only ${hits} hit packets checked`);
    assert.ok(decidedByTarget / hits > 0.3, `only ${decidedByTarget}/${hits} decided by their target rule`);
  });

  it('never make the reference throw, even with bytes flipped and cut anywhere', () => {
    for (let seed = 0; seed < 40; seed++) {
      const { model } = generateRuleset(seed, { ifaces: IFACES });
      const gen = makePacketGenerator(model, { ifaces: IFACES });
      const rng = new Rng(seed + 1_000_000);
      for (let i = 0; i < 500; i++) {
        const frame = Buffer.from(gen(rng).frame);
        for (let k = rng.int(0, 4); k > 0 && frame.length > 0; k--) frame[rng.int(0, frame.length - 1)] ^= 1 << rng.int(0, 7);
        const cut = rng.chance(0.3) ? frame.subarray(0, rng.int(0, frame.length)) : frame;
        assert.doesNotThrow(() => classify(model, cut, 'eth0'), cut.toString('hex'));
      }
    }
  });

  it('replay from their seed', () => {
    const { model } = generateRuleset(99, { ifaces: IFACES });
    for (let seed = 0; seed < 50; seed++) {
      const a = generatePacketFromSeed(model, seed, { ifaces: IFACES });
      const b = generatePacketFromSeed(model, seed, { ifaces: IFACES });
      assert.deepEqual(a.frame, b.frame);
      assert.equal(a.intent, b.intent);
    }
  });

  it('through fast-check: the verdict always follows from the outcome kind', () => {
    const arb = rulesetArb({ ifaces: IFACES, maxRules: 16 }).chain((g) => fc.tuple(fc.constant(g), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 30 })));
    fc.assert(fc.property(arb, ([g, seeds]) => {
      for (const seed of seeds) {
        const p = generatePacketFromSeed(g.model, seed, { ifaces: IFACES });
        assert.equal(classify(g.model, p.frame, p.iface).verdict, expectedVerdict(g.model, classify(g.model, p.frame, p.iface)));
      }
    }), { numRuns: 150 });
  });
});

/** Whether some family has entries in both address fields of the rule (3.2). */
function satisfiable(model: Ruleset, index: number): boolean {
  const rule = model.rules[index];
  const has = (field: typeof rule.src, family: number) => field === null ||
    [...field.prefixes].some((p) => p.family === family) ||
    field.sets.some((name) => [...(model.sets.get(name) ?? [])].some((p) => p.family === family));
  return [4, 6].some((fam) => (rule.family === null || rule.family === fam) && has(rule.src, fam) && has(rule.dst, fam));
}

function expectedVerdict(model: Ruleset, o: Outcome): string {
  switch (o.kind) {
    case 'rule': return model.rules[o.ruleIndex].action;
    case 'default': return model.default;
    case 'malformed': return 'drop';
    case 'bypass': return o.bypass === 'ndp' ? 'pass' : o.verdict; // non_ip: checked in reference.test.ts
  }
}
