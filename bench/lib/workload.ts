// Benchmark rulesets, sets and packets (CONTRACT section 7, issue 5's shapes): N rules of mixed
// kinds; block-list sets of random prefixes with the length mix; packets that hit an
// early rule, a late rule, or nothing.

import { PrefixList, wordMask, formatIPv4, formatIPv6 } from '../../src/ruleset/address';
import { Rule, Ruleset } from '../../src/ruleset/model';
import { BenchRng } from './rng';

export interface Workload {
  ruleset: Ruleset;
  /** per packet kind: distinct frames' field values */
  packets: Record<'early4' | 'late4' | 'default4' | 'early6' | 'late6' | 'default6', PacketFields[]>;
}

export interface PacketFields {
  family: 4 | 6;
  src: number[];
  dst: number[];
  proto: number;
  sport: number;
  dport: number;
}

function rule(partial: Partial<Rule> & { id: string }): Rule {
  return {
    action: 'drop', enabled: true, comment: null, src: null, dst: null, proto: null, sport: null, dport: null,
    tcpFlags: null, icmpType: null, icmpCode: null, fragment: null, iface: null, family: null, ...partial,
  };
}

/** IPv4: 50% /32, 35% /24, 15% /8../31. */
export function randomV4Set(rng: BenchRng, n: number): PrefixList {
  const list = new PrefixList();
  while (list.countV4 < n) {
    const r = rng.u32() % 100;
    const len = r < 50 ? 32 : r < 85 ? 24 : rng.int(8, 31);
    // Keep clear of 10/8 and fd00::/8, where bench packets that must miss live.
    let addr = (rng.u32() & wordMask(len)) >>> 0;
    if (addr >>> 24 === 10 || addr >>> 24 < 11) addr = ((addr & 0x00ffffff) | (200 << 24)) >>> 0 & wordMask(len);
    list.add({ family: 4, words: [addr >>> 0], len });
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

const PROTOS = [6, 17];

export function buildWorkload(rules: number, v4Prefixes: number, v6Prefixes: number, seed = 7): Workload {
  const rng = new BenchRng(seed);
  const sets = new Map<string, PrefixList>();
  const v4 = randomV4Set(rng, v4Prefixes);
  const v6 = randomV6Set(rng, v6Prefixes);
  sets.set('block4', v4);
  sets.set('block6', v6);
  const list: Rule[] = [];
  list.push(rule({ id: 'block4', src: { prefixes: new PrefixList(), sets: ['block4'] } }));
  list.push(rule({ id: 'block6', src: { prefixes: new PrefixList(), sets: ['block6'] } }));
  // Filler rules: distinct sources in 100.64/10 and fd01::/16 with ports; the last rule is the late hit.
  for (let i = list.length; i < rules - 1; i++) {
    const v6 = i % 2 === 1;
    const prefix = v6
      ? { family: 6 as const, words: [0xfd010000 | (i & 0xffff), 0, 0, 0], len: 32 }
      : { family: 4 as const, words: [(0x64400000 | ((i & 0x3fff) << 8)) >>> 0], len: 24 };
    list.push(rule({
      id: `r${i}`,
      action: i % 3 === 0 ? 'pass' : 'drop',
      src: { prefixes: PrefixList.of([prefix]), sets: [] },
      proto: [PROTOS[i % 2]],
      dport: [{ lo: 1000 + (i % 5000), hi: 1000 + (i % 5000) + (i % 7) }],
    }));
  }
  list.push(rule({ id: 'late', action: 'drop', proto: [17], dport: [{ lo: 9999, hi: 9999 }] }));

  const pick4 = () => {
    const a = v4.v4();
    const i = rng.u32() % Math.max(1, a.len.length);
    return a.len.length ? [(a.addr[i] | (rng.u32() & ~wordMask(a.len[i]))) >>> 0] : [0x0b000001];
  };
  const pick6 = () => {
    const a = v6.v6();
    const n = a.len.length;
    if (!n) return [0x20010db8, 0, 0, 1];
    const i = rng.u32() % n;
    return [0, 1, 2, 3].map((k) => (a.addr[i * 4 + k] | (rng.u32() & ~wordMask(a.len[i] - 32 * k))) >>> 0);
  };
  const miss4 = () => [(0x0a000000 | (rng.u32() & 0xffffff)) >>> 0];
  const miss6 = () => [0xfd000000, rng.u32(), rng.u32(), rng.u32()];
  const dst4 = [0xc6120001];
  const dst6 = [0xfd000000, 0, 0, 2];
  const make = (n: number, f: () => PacketFields) => Array.from({ length: n }, f);
  const N = 16;
  return {
    ruleset: { default: 'pass', ndp: 'bypass', nonIp: 'pass', sets, rules: list },
    packets: {
      early4: make(N, () => ({ family: 4, src: v4Prefixes ? pick4() : miss4(), dst: dst4, proto: 17, sport: rng.int(1024, 65535), dport: v4Prefixes ? 53 : 9999 })),
      late4: make(N, () => ({ family: 4, src: miss4(), dst: dst4, proto: 17, sport: rng.int(1024, 65535), dport: 9999 })),
      default4: make(N, () => ({ family: 4, src: miss4(), dst: dst4, proto: 17, sport: rng.int(1024, 65535), dport: 7 })),
      early6: make(N, () => ({ family: 6, src: v6Prefixes ? pick6() : miss6(), dst: dst6, proto: 17, sport: rng.int(1024, 65535), dport: v6Prefixes ? 53 : 9999 })),
      late6: make(N, () => ({ family: 6, src: miss6(), dst: dst6, proto: 17, sport: rng.int(1024, 65535), dport: 9999 })),
      default6: make(N, () => ({ family: 6, src: miss6(), dst: dst6, proto: 17, sport: rng.int(1024, 65535), dport: 7 })),
    },
  };
}

export function formatAddr(family: 4 | 6, words: number[]): string {
  return family === 4 ? formatIPv4(words[0]) : formatIPv6(words);
}
