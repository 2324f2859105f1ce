// Benchmark rulesets, sets and packets (CONTRACT section 7, issue 5's shapes): N rules of mixed
// kinds; block-list sets of random prefixes with the length mix; packets that hit an
// early rule, a late rule, or nothing.
//
// Filler rule i is the same in every workload (it depends on i only), so a packet aimed at an
// early filler rule hits it in a 10-rule ruleset and in a 4,096-rule one alike: the "same packets"
// of the flatness target decide the same way wherever they can.

import { PrefixList, wordMask, formatIPv4, formatIPv6, type Prefix } from '../../src/ruleset/address';
import { Rule, Ruleset } from '../../src/ruleset/model';
import { BenchRng } from './rng';

export const PACKET_KINDS = ['early4', 'late4', 'default4', 'early6', 'late6', 'default6'] as const;
export type PacketKind = (typeof PACKET_KINDS)[number];

export interface Workload {
  ruleset: Ruleset;
  /** per packet kind: distinct frames' field values */
  packets: Record<PacketKind, PacketFields[]>;
  /** the rule each kind should hit (its index), or null for the default */
  expected: Record<PacketKind, number | null>;
}

export interface PacketFields {
  family: 4 | 6;
  src: number[];
  dst: number[];
  proto: number;
  sport: number;
  dport: number;
}

export interface WorkloadOptions {
  seed?: number;
  /** 'ipv4': every filler rule IPv4 (the veth comparison, whose traffic is IPv4 only) */
  fillers?: 'mixed' | 'ipv4';
  /** distinct packets per kind */
  packetsPerKind?: number;
}

/** Ranges kept out of the random sets: where bench packets that must miss, filler rules and veth traffic live. */
const RESERVED_V4: Prefix[] = [
  { family: 4, words: [0x0a000000], len: 8 }, // 10/8: packets that match no set
  { family: 4, words: [0x64400000], len: 10 }, // 100.64/10: filler rules' sources
  { family: 4, words: [0xc6120000], len: 15 }, // 198.18/15: veth traffic
];

function overlaps(addr: number, len: number, r: Prefix): boolean {
  const m = Math.min(len, r.len);
  return ((addr & wordMask(m)) >>> 0) === ((r.words[0] & wordMask(m)) >>> 0);
}

/** IPv4: 50% /32, 35% /24, 15% /8../31, uniform addresses outside the reserved ranges. */
export function randomV4Set(rng: BenchRng, n: number): PrefixList {
  const list = new PrefixList();
  while (list.countV4 < n) {
    const r = rng.u32() % 100;
    const len = r < 50 ? 32 : r < 85 ? 24 : rng.int(8, 31);
    const addr = (rng.u32() & wordMask(len)) >>> 0;
    if (RESERVED_V4.some((p) => overlaps(addr, len, p))) continue;
    list.addV4(addr, len);
  }
  return list;
}

/** IPv6: 30% /128, 40% /48../64, 30% /29../47, inside 2000::/4 (away from fd00::/8). */
export function randomV6Set(rng: BenchRng, n: number): PrefixList {
  const list = new PrefixList();
  while (list.countV6 < n) {
    const r = rng.u32() % 100;
    const len = r < 30 ? 128 : r < 70 ? rng.int(48, 64) : rng.int(29, 47);
    const words = [((0x2 << 28) | (rng.u32() >>> 4)) >>> 0, rng.u32(), rng.u32(), rng.u32()].map((w, i) => (w & wordMask(len - 32 * i)) >>> 0);
    list.add({ family: 6, words, len });
  }
  return list;
}

function rule(partial: Partial<Rule> & { id: string }): Rule {
  return {
    action: 'drop', enabled: true, comment: null, src: null, dst: null, proto: null, sport: null, dport: null,
    tcpFlags: null, icmpType: null, icmpCode: null, fragment: null, iface: null, family: null, ...partial,
  };
}

const TCP = 6;
const UDP = 17;
const LATE_PORT = 9999;
const DEFAULT_PORT = 7;
const SET_HIT_PORT = 53;

/** Filler rule i: a /24 in 100.64/10 or a /32 in fd01::/16, UDP or TCP (alternating in pairs), a small port range. */
export function fillerRule(i: number, family: 4 | 6): Rule {
  const prefix: Prefix = family === 6
    ? { family: 6, words: [(0xfd010000 | (i & 0xffff)) >>> 0, 0, 0, 0], len: 32 }
    : { family: 4, words: [(0x64400000 | ((i & 0x3fff) << 8)) >>> 0], len: 24 };
  const lo = 1000 + (i % 5000);
  return rule({
    id: `r${i}`,
    action: i % 3 === 0 ? 'pass' : 'drop',
    src: { prefixes: PrefixList.of([prefix]), sets: [] },
    proto: [(i >> 1) & 1 ? UDP : TCP],
    dport: [{ lo, hi: lo + (i % 7) }],
  });
}

const fillerFamily = (i: number, fillers: 'mixed' | 'ipv4'): 4 | 6 => (fillers === 'ipv4' || i % 2 === 0 ? 4 : 6);

export function buildWorkload(rules: number, v4Prefixes: number, v6Prefixes: number, opts: WorkloadOptions = {}): Workload {
  if (rules < 4) throw new Error('a benchmark ruleset needs at least 4 rules');
  const rng = new BenchRng(opts.seed ?? 7);
  const fillers = opts.fillers ?? 'mixed';
  const v4 = randomV4Set(rng, v4Prefixes);
  const v6 = randomV6Set(rng, v6Prefixes);
  const sets = new Map<string, PrefixList>([['block4', v4], ['block6', v6]]);
  const list: Rule[] = [
    rule({ id: 'block4', src: { prefixes: new PrefixList(), sets: ['block4'] } }),
    rule({ id: 'block6', src: { prefixes: new PrefixList(), sets: ['block6'] } }),
  ];
  for (let i = list.length; i < rules - 1; i++) list.push(fillerRule(i, fillerFamily(i, fillers)));
  list.push(rule({ id: 'late', action: 'drop', proto: [UDP], dport: [{ lo: LATE_PORT, hi: LATE_PORT }] }));

  // The first UDP filler rule of each family: the early hit when there is no set to hit.
  const firstUdp = (family: 4 | 6) => {
    for (let i = 2; i < rules - 1; i++) if (fillerFamily(i, fillers) === family && (i >> 1) & 1) return i;
    return null;
  };
  const early4 = firstUdp(4);
  const early6 = firstUdp(6);

  const inPrefix = (addr: Uint32Array, lens: Uint8Array, k: number, words: number): number[] =>
    Array.from({ length: words }, (_, w) => (addr[k * words + w] | (rng.u32() & ~wordMask(lens[k] - 32 * w))) >>> 0);
  const fromSet4 = () => {
    const a = v4.v4();
    return inPrefix(a.addr, a.len, rng.u32() % a.len.length, 1);
  };
  const fromSet6 = () => {
    const a = v6.v6();
    return inPrefix(a.addr, a.len, rng.u32() % a.len.length, 4);
  };
  const fromRule = (i: number) => {
    const p = fillerRule(i, fillerFamily(i, fillers)).src!.prefixes;
    const a = p.countV4 ? p.v4() : p.v6();
    return inPrefix(a.addr, a.len, 0, p.countV4 ? 1 : 4);
  };
  const miss4 = () => [(0x0a000000 | (rng.u32() & 0xffffff)) >>> 0];
  const miss6 = () => [0xfd000000, rng.u32(), rng.u32(), rng.u32()];
  const dst = { 4: [0xc6120002], 6: [0xfd000000, 0, 0, 2] };
  const n = opts.packetsPerKind ?? 16;
  const make = (family: 4 | 6, src: () => number[], dport: () => number) =>
    Array.from({ length: n }, (): PacketFields => ({ family, src: src(), dst: dst[family], proto: UDP, sport: rng.int(1024, 65535), dport: dport() }));
  const ruleDport = (i: number) => () => { const d = fillerRule(i, 4).dport![0]; return rng.int(d.lo, d.hi); };

  const earlyOf = (family: 4 | 6, setSize: number, fromSet: () => number[], filler: number | null) => {
    if (setSize > 0) return { packets: make(family, fromSet, () => SET_HIT_PORT), rule: family === 4 ? 0 : 1 };
    if (filler === null) throw new Error(`no IPv${family} UDP filler rule to hit early in ${rules} rules`);
    return { packets: make(family, () => fromRule(filler), ruleDport(filler)), rule: filler };
  };
  const e4 = earlyOf(4, v4Prefixes, fromSet4, early4);
  const e6 = fillers === 'ipv4' && v6Prefixes === 0 ? { packets: make(6, miss6, () => LATE_PORT), rule: rules - 1 } : earlyOf(6, v6Prefixes, fromSet6, early6);
  return {
    ruleset: { default: 'pass', ndp: 'bypass', nonIp: 'pass', sets, rules: list },
    packets: {
      early4: e4.packets,
      late4: make(4, miss4, () => LATE_PORT),
      default4: make(4, miss4, () => DEFAULT_PORT),
      early6: e6.packets,
      late6: make(6, miss6, () => LATE_PORT),
      default6: make(6, miss6, () => DEFAULT_PORT),
    },
    expected: { early4: e4.rule, late4: rules - 1, default4: null, early6: e6.rule, late6: rules - 1, default6: null },
  };
}

export function formatAddr(family: 4 | 6, words: number[]): string {
  return family === 4 ? formatIPv4(words[0]) : formatIPv6(words);
}
