// The ruleset of the contract's capacity (section 4): 4,096 rules and sets holding 1,000,000
// IPv4 and 250,000 IPv6 random prefixes, every set used by rules. Built straight into the model
// (typed prefix lists), since a million CIDR strings would only cost time.
//
// Prefix lengths: IPv4 50% /32, 35% /24, 15% /8-/31; IPv6 30% /128, 40% /48-/64, 30% /29-/47.
// Rules are narrow (an address, a port, an ICMP type or a rare protocol each), so that no early
// catch-all hides the rest and the set rules at every position get to decide.

import { PrefixList, wordMask, formatIPv4, formatIPv6, type Prefix } from '../../src/ruleset/address';
import type { Rule, RuleJson, Ruleset } from '../../src/ruleset/model';
import { Rng } from './rng';
import { ruleJsonToModel } from './ruleset-json';

export interface CapacitySizes {
  rules: number;
  v4: number;
  v6: number;
}

export const CONTRACT_CAPACITY: CapacitySizes = { rules: 4096, v4: 1_000_000, v6: 250_000 };

/** Sets holding IPv4 prefixes (two of them mixed) and IPv6 prefixes. */
export const V4_SETS = ['v4_0', 'v4_1', 'v4_2', 'v4_3', 'v4_4', 'v4_5', 'v4_6', 'v4_7', 'mixed_0', 'mixed_1'];
export const V6_SETS = ['v6_0', 'v6_1', 'v6_2', 'v6_3', 'mixed_0', 'mixed_1'];
const SET_NAMES = [...new Set([...V4_SETS, ...V6_SETS])];

export interface CapacityRuleset {
  model: Ruleset;
  /** Every set prefix, distinct across sets, in the order drawn. */
  v4: PrefixList;
  v6: PrefixList;
}

export function buildCapacityRuleset(seed: number, sizes: CapacitySizes = CONTRACT_CAPACITY): CapacityRuleset {
  const rng = new Rng(seed);
  const v4 = randomV4Prefixes(rng, sizes.v4);
  const v6 = randomV6Prefixes(rng, sizes.v6);
  const sets = new Map(SET_NAMES.map((n) => [n, new PrefixList()] as const));
  const a4 = v4.v4();
  for (let i = 0; i < a4.len.length; i++) sets.get(V4_SETS[i % V4_SETS.length])!.addV4(a4.addr[i], a4.len[i]);
  let i = 0;
  for (const p of v6) sets.get(V6_SETS[i++ % V6_SETS.length])!.add(p);
  const rules: Rule[] = [];
  for (let r = 0; r < sizes.rules; r++) rules.push(ruleJsonToModel(randomRule(rng, r, v4, v6)));
  return { model: { default: 'drop', ndp: 'bypass', nonIp: 'pass', sets, rules }, v4, v6 };
}

/** Exactly n distinct IPv4 prefixes with the contract's length mix (each share drawn apart). */
export function randomV4Prefixes(rng: Rng, n: number): PrefixList {
  const list = new PrefixList();
  const draw = (count: number, length: () => number) => {
    const target = list.countV4 + count;
    while (list.countV4 < target) {
      const len = length();
      list.addV4((rng.u32() & wordMask(len)) >>> 0, len);
    }
  };
  const n32 = Math.round(n * 0.5);
  const n24 = Math.round(n * 0.35);
  draw(n32, () => 32);
  draw(n24, () => 24);
  draw(n - n32 - n24, () => rng.int(8, 31));
  return list;
}

/** Exactly n distinct IPv6 prefixes in 2000::/3 with the contract's length mix. */
export function randomV6Prefixes(rng: Rng, n: number): PrefixList {
  const list = new PrefixList();
  const draw = (count: number, length: () => number) => {
    const target = list.countV6 + count;
    while (list.countV6 < target) {
      const len = length();
      const words = [(0x20000000 | (rng.u32() & 0x1fffffff)) >>> 0, rng.u32(), rng.u32(), rng.u32()];
      list.add({ family: 6, words: words.map((w, k) => (w & wordMask(len - 32 * k)) >>> 0), len });
    }
  };
  const n128 = Math.round(n * 0.3);
  const n48 = Math.round(n * 0.4);
  draw(n128, () => 128);
  draw(n48, () => rng.int(48, 64));
  draw(n - n128 - n48, () => rng.int(29, 47));
  return list;
}

const PORT_PROTOS = ['tcp', 'udp', 'sctp'] as const;
const RARE_PROTOS = [47, 50, 41, 89, 103, 132, 253];

function randomRule(rng: Rng, index: number, v4: PrefixList, v6: PrefixList): RuleJson {
  const rule: RuleJson = { id: `cap-${index}`, action: rng.pick(['pass', 'drop'] as const) };
  const shape = rng.weighted([[10, 'set'], [35, 'literal'], [30, 'service'], [10, 'icmp'], [15, 'misc']] as const);
  switch (shape) {
    case 'set':
      rule[rng.chance(0.6) ? 'src' : 'dst'] = `@${rng.pick(SET_NAMES)}`;
      if (rng.chance(0.5)) Object.assign(rule, service(rng));
      else if (rng.chance(0.3)) rule.fragment = rng.pick(['none', 'first', 'non_first'] as const);
      break;
    case 'literal': {
      const family = rng.chance(0.6) ? 4 : 6;
      rule[rng.chance(0.5) ? 'src' : 'dst'] = literal(rng, family, family === 4 ? v4 : v6);
      if (rng.chance(0.4)) Object.assign(rule, service(rng));
      break;
    }
    case 'service':
      Object.assign(rule, service(rng));
      if (rng.chance(0.3)) rule.dst = literal(rng, rng.chance(0.5) ? 4 : 6, null);
      break;
    case 'icmp': {
      const v6 = rng.chance(0.5);
      rule.proto = v6 ? 'icmpv6' : 'icmp';
      rule.icmp_type = v6 ? rng.pick([1, 2, 3, 128, 129, 133, 134, 137]) : rng.pick([0, 3, 5, 8, 11, 13]);
      if (rng.chance(0.3)) rule.icmp_code = rng.int(0, 4);
      break;
    }
    case 'misc':
      rule.proto = rng.sample(RARE_PROTOS, rng.int(1, 2));
      if (rng.chance(0.5)) rule.src = `@${rng.pick(SET_NAMES)}`;
      if (rng.chance(0.3)) rule.family = rng.pick(['ipv4', 'ipv6'] as const);
      if (rng.chance(0.3)) rule.iface = rng.pick(['eth0', 'eth1']);
      break;
  }
  if (rng.chance(0.05)) rule.enabled = false;
  return rule;
}

/** Ports (and for TCP sometimes flags) of one protocol. */
function service(rng: Rng): Partial<RuleJson> {
  const proto = rng.pick(PORT_PROTOS);
  const out: Partial<RuleJson> = { proto };
  const port = rng.int(1, 65000);
  const choices: [number, RuleJson['dport']][] = [[3, port], [1, `${port}-${port + rng.int(1, 500)}`], [1, [port, rng.int(1, 65535)]]];
  out.dport = rng.weighted(choices);
  if (rng.chance(0.2)) out.sport = `${rng.int(1024, 30000)}-${rng.int(30001, 65535)}`;
  if (proto === 'tcp' && rng.chance(0.3)) out.tcp_flags = rng.pick(['syn,!ack', 'ack', '!syn,!rst', 'fin']);
  return out;
}

/** A literal prefix: random, or (when `from` is given) a set member or a prefix inside one. */
function literal(rng: Rng, family: 4 | 6, from: PrefixList | null): string {
  let p: Prefix;
  if (from && rng.chance(0.3)) {
    const member = pickMember(rng, from, family);
    const len = rng.int(member.len, family === 4 ? 32 : 128);
    p = { family, words: member.words.map((w, k) => ((w | (rng.u32() & ~wordMask(member.len - 32 * k))) & wordMask(len - 32 * k)) >>> 0), len };
  } else if (family === 4) {
    const len = rng.pick([16, 24, 24, 28, 32, 32, 32]);
    p = { family, words: [(rng.u32() & wordMask(len)) >>> 0], len };
  } else {
    const len = rng.pick([48, 56, 64, 96, 128, 128]);
    const words = [(0x20000000 | (rng.u32() & 0x1fffffff)) >>> 0, rng.u32(), rng.u32(), rng.u32()];
    p = { family, words: words.map((w, k) => (w & wordMask(len - 32 * k)) >>> 0), len };
  }
  const text = family === 4 ? formatIPv4(p.words[0]) : formatIPv6(p.words);
  return `${text}/${p.len}`;
}

function pickMember(rng: Rng, list: PrefixList, family: 4 | 6): Prefix {
  if (family === 4) {
    const { addr, len } = list.v4();
    const i = rng.int(0, len.length - 1);
    return { family, words: [addr[i]], len: len[i] };
  }
  const { addr, len } = list.v6();
  const i = rng.int(0, len.length - 1);
  return { family, words: Array.from(addr.subarray(i * 4, i * 4 + 4)), len: len[i] };
}

/** The same ruleset with each set cut to a sample of its members (for packet generators). */
export function sampledSets(model: Ruleset, rng: Rng, perSet: number): Ruleset {
  const sets = new Map<string, PrefixList>();
  for (const [name, list] of model.sets) {
    const sample = new PrefixList();
    const n4 = list.countV4;
    const n6 = list.countV6;
    for (let k = 0; k < perSet && n4 > 0; k++) sample.add(pickMember(rng, list, 4));
    for (let k = 0; k < perSet && n6 > 0; k++) sample.add(pickMember(rng, list, 6));
    sets.set(name, sample);
  }
  return { ...model, sets };
}
