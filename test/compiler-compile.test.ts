// Unit tests of src/compiler/compile.ts: how each rule field becomes bits of the dimension
// classes (section 3 semantics the data path relies on), and the capacity errors raised before
// anything touches the kernel.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CapacityError, compileRuleset, type CompiledRuleset } from '../src/compiler/compile';
import { Frag, MAX_RULES } from '../src/dataplane/layout';
import { PrefixList, addressInPrefix, type Prefix } from '../src/ruleset/address';
import { LIMITS, type RuleJson, type Ruleset, type RulesetJson } from '../src/ruleset/model';
import { bitsOf } from './lib/bitmap-bits';
import { ruleJsonToModel, rulesetJsonToModel } from './lib/ruleset-json';

const IFACES = new Map([['eth0', 1], ['eth1', 2]]);

function compile(rules: RuleJson[], top: Omit<RulesetJson, 'rules'> = {}): CompiledRuleset {
  return compileRuleset(rulesetJsonToModel({ ...top, rules }), { ifaceClasses: IFACES });
}

/** Rules (enabled priority) satisfied by family/fragment/protocol. */
function l3Rules(c: CompiledRuleset, family: 4 | 6, frag: Frag, proto: number): number[] {
  const value = ((family === 4 ? 0 : 1) * 4 + frag) * 256 + proto;
  return bitsOf(c.l3.bitmaps[c.l3.valueClass[value]]);
}

const wordRules = (vc: CompiledRuleset['l4w0'], value: number) => bitsOf(vc.bitmaps[vc.valueClass[value]]);

/** Rules satisfied by a source address (longest match over the compiled entries). */
function srcRules(c: CompiledRuleset, address: number): number[] {
  const t = c.addresses.v4;
  let best = -1;
  let cls = 0;
  for (let i = 0; i < t.len.length; i++) {
    const p: Prefix = { family: 4, words: [t.addr[i]], len: t.len[i] };
    if (p.len > best && addressInPrefix(p, [address])) [best, cls] = [p.len, t.cls[i]];
  }
  return bitsOf(c.srcBits[cls]);
}

describe('compileRuleset: rules and slots', () => {
  it('only enabled rules get bits, in order; disabled ones keep a slot', () => {
    const c = compile([{ id: 'a', action: 'drop' }, { id: 'off', action: 'pass', enabled: false }, { id: 'b', action: 'pass' }]);
    assert.deepEqual(c.rules.map((r) => [r.id, r.action]), [['a', 'drop'], ['b', 'pass']]);
    assert.deepEqual([...c.slots.keys()].sort(), ['a', 'b', 'off']);
    assert.deepEqual(l3Rules(c, 4, Frag.None, 6), [0, 1]);
  });

  it('slots of the generation in force are kept', () => {
    const c = compileRuleset(rulesetJsonToModel({ rules: [{ id: 'new', action: 'drop' }, { id: 'old', action: 'pass' }] }), { previousSlots: new Map([['old', 7]]) });
    assert.equal(c.slots.get('old'), 7);
    assert.notEqual(c.slots.get('new'), 7);
  });

  it('carries the top-level settings', () => {
    assert.deepEqual(compile([], { default: 'drop', ndp: 'rules', non_ip: 'drop' }).config, { defaultAction: 'drop', ndpBypass: false, nonIpDrop: true });
    assert.deepEqual(compile([]).config, { defaultAction: 'pass', ndpBypass: true, nonIpDrop: false });
  });
});

describe('compileRuleset: family, fragment and protocol (L3)', () => {
  it('a port rule without proto means tcp|udp|sctp, never a non-first fragment (3.3, 3.7)', () => {
    const c = compile([{ id: 'p', dport: 22, action: 'drop' }]);
    for (const proto of [6, 17, 132]) {
      assert.deepEqual(l3Rules(c, 4, Frag.None, proto), [0]);
      assert.deepEqual(l3Rules(c, 6, Frag.First, proto), [0]);
      assert.deepEqual(l3Rules(c, 4, Frag.NonFirst, proto), []);
    }
    for (const proto of [1, 58, 47, 0]) assert.deepEqual(l3Rules(c, 4, Frag.None, proto), []);
  });

  it('a protocol-only rule also matches non-first fragments', () => {
    const c = compile([{ id: 't', proto: 'tcp', action: 'drop' }]);
    assert.deepEqual(l3Rules(c, 4, Frag.NonFirst, 6), [0]);
    assert.deepEqual(l3Rules(c, 6, Frag.NonFirst, 6), [0]);
    assert.deepEqual(l3Rules(c, 6, Frag.None, 17), []);
  });

  it('tcp_flags or icmp fields exclude non-first fragments', () => {
    const c = compile([{ id: 'f', proto: 'tcp', tcp_flags: 'syn', action: 'drop' }, { id: 'i', proto: 'icmp', icmp_type: 8, action: 'drop' }]);
    assert.deepEqual(l3Rules(c, 4, Frag.First, 6), [0]);
    assert.deepEqual(l3Rules(c, 4, Frag.NonFirst, 6), []);
    assert.deepEqual(l3Rules(c, 4, Frag.None, 1), [1]);
    assert.deepEqual(l3Rules(c, 4, Frag.NonFirst, 1), []);
  });

  it('fragment and family pick their rows only', () => {
    const c = compile([{ id: 'nf', fragment: 'non_first', action: 'pass' }, { id: 'six', family: 'ipv6', action: 'drop' }]);
    assert.deepEqual(l3Rules(c, 4, Frag.NonFirst, 17), [0]);
    assert.deepEqual(l3Rules(c, 6, Frag.NonFirst, 253), [0, 1]);
    assert.deepEqual(l3Rules(c, 4, Frag.First, 17), []);
    assert.deepEqual(l3Rules(c, 6, Frag.None, 59), [1]);
  });
});

describe('compileRuleset: L4 words, flags, interfaces', () => {
  it('sport and ICMP type/code share the first L4 word; dport is the second', () => {
    const c = compile([
      { id: 's', sport: '1000-1999', action: 'drop' },
      { id: 'echo', proto: 'icmp', icmp_type: 8, action: 'drop' },
      { id: 'code3', proto: 'icmpv6', icmp_code: 3, action: 'drop' },
      { id: 'd', dport: [22, '80-81'], action: 'drop' },
    ]);
    assert.deepEqual(wordRules(c.l4w0, 999), [3], 'd names no first word: in every class');
    assert.deepEqual(wordRules(c.l4w0, 1000), [0, 3]);
    assert.deepEqual(wordRules(c.l4w0, 0x0800), [1, 3]);
    assert.deepEqual(wordRules(c.l4w0, 0x08ff), [1, 3]);
    assert.deepEqual(wordRules(c.l4w0, 0x0900), [3]);
    assert.deepEqual(wordRules(c.l4w0, 0x0003), [2, 3], 'type 0 code 3');
    assert.deepEqual(wordRules(c.l4w0, 0x8503), [2, 3]);
    assert.deepEqual(wordRules(c.l4w0, 0x0004), [3]);
    assert.deepEqual([21, 22, 23, 79, 80, 81, 82].map((p) => wordRules(c.l4w1, p)), [[0, 1, 2], [0, 1, 2, 3], [0, 1, 2], [0, 1, 2], [0, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2]]);
  });

  it('tcp_flags: plain flags set, negated ones clear, the rest any', () => {
    const c = compile([{ id: 'f', proto: 'tcp', tcp_flags: 'syn,!ack', action: 'drop' }]);
    const at = (flags: number) => bitsOf(c.flags.bitmaps[c.flags.valueClass[flags]]);
    assert.deepEqual([0x02, 0x03, 0x22, 0xef].map(at), [[0], [0], [0], [0]]);
    assert.deepEqual([0x00, 0x12, 0x10, 0xff].map(at), [[], [], [], []]);
  });

  it('iface rules get the bits of their interfaces only; others every interface class', () => {
    const c = compile([{ id: 'on1', iface: 'eth1', action: 'drop' }, { id: 'any', action: 'pass' }, { id: 'unknown', iface: 'eth9', action: 'drop' }]);
    assert.deepEqual(bitsOf(c.ifaceBits[2]), [0, 1]);
    assert.deepEqual(bitsOf(c.ifaceBits[1]), [1]);
    assert.deepEqual(bitsOf(c.ifaceBits[0]), [1], 'class 0: an interface the data path did not name');
  });
});

describe('compileRuleset: addresses', () => {
  it('literal, set and wildcard rules over nested prefixes', () => {
    const c = compile(
      [{ id: 'lit', src: '10.0.0.0/8', action: 'drop' }, { id: 'set', src: '@s', action: 'pass' }, { id: 'any', action: 'pass' }],
      { sets: { s: ['10.1.0.0/16', '2001:db8::/32'] } },
    );
    assert.deepEqual(srcRules(c, 0x0a010203), [0, 1, 2]);
    assert.deepEqual(srcRules(c, 0x0a020000), [0, 2]);
    assert.deepEqual(srcRules(c, 0x0b000000), [2], 'class 0 holds the wildcard rules only');
    assert.equal(c.addresses.v6.len.length, 1);
  });

  it('a set used by no enabled rule does not enter the address map; an unknown set matches nothing', () => {
    const c = compile([{ id: 'off', src: '@big', action: 'drop', enabled: false }, { id: 'ghost', src: '@missing', action: 'drop' }], { sets: { big: ['10.0.0.0/8'] } });
    assert.equal(c.addresses.v4.len.length, 0);
    assert.deepEqual(srcRules(c, 0x0a000001), []);
  });
});

describe('compileRuleset: capacity errors (section 4)', () => {
  const isCapacity = (pattern: RegExp) => (e: unknown) => e instanceof CapacityError && e.code === 'capacity_exceeded' && pattern.test(e.message);
  const ruleset = (rules: RuleJson[], sets: Map<string, PrefixList> = new Map()): Ruleset => ({ default: 'pass', ndp: 'bypass', nonIp: 'pass', sets, rules: rules.map(ruleJsonToModel) });
  const hosts = (from: number, n: number) => {
    const list = new PrefixList();
    for (let i = 0; i < n; i++) list.addV4((from + i) >>> 0, 32);
    return list;
  };

  it(`${MAX_RULES} rules compile; ${MAX_RULES + 1} are refused`, () => {
    const rules = Array.from({ length: MAX_RULES + 1 }, (_, i): RuleJson => ({ id: `r${i}`, proto: 'udp', dport: i, action: 'drop' }));
    assert.equal(compileRuleset(ruleset(rules.slice(0, MAX_RULES))).rules.length, MAX_RULES);
    assert.throws(() => compileRuleset(ruleset(rules)), isCapacity(/4097 rules/));
  });

  it('IPv4 set prefixes are counted over all sets, used or not: 1,000,000 fit, 1,000,001 do not', () => {
    const sets = new Map([['a', hosts(0x0a000000, 600_000)], ['b', hosts(0x0b000000, 400_000)]]);
    assert.doesNotThrow(() => compileRuleset(ruleset([{ id: 'x', action: 'drop' }], sets)));
    sets.get('b')!.addV4(0x0c000000, 8);
    assert.throws(() => compileRuleset(ruleset([{ id: 'x', action: 'drop' }], sets)), isCapacity(/1000001 IPv4/));
  });

  it('IPv6 set prefixes: 250,001 are refused', () => {
    const list = new PrefixList();
    for (let i = 0; i <= LIMITS.prefixesV6; i++) list.add({ family: 6, words: [0x20010db8, 0, i, 0], len: 96 });
    assert.throws(() => compileRuleset(ruleset([], new Map([['six', list]]))), isCapacity(/250001 IPv6/));
  });

  it('too many distinct port classes: a CapacityError naming the dimension', () => {
    // Rule i accepts the ports with bit i set: 15 rules make 2^15 distinct rule sets.
    const rules = Array.from({ length: 15 }, (_, bit): RuleJson => {
      const ranges: string[] = [];
      for (let lo = 1 << bit; lo < 65536; lo += 2 << bit) ranges.push(`${lo}-${lo + (1 << bit) - 1}`);
      return { id: `bit${bit}`, dport: ranges, action: 'drop' };
    });
    assert.throws(() => compileRuleset(ruleset(rules)), isCapacity(/destination port classes/));
  });

  it('too many address classes: a CapacityError', () => {
    // Every distinct literal is a label of its own: 40,000 disjoint ones need 40,001 classes.
    const src = Array.from({ length: 40_000 }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`);
    assert.throws(() => compileRuleset(ruleset([{ id: 'many', src, action: 'drop' }])), isCapacity(/address (classes|labels)/));
  });
});
