// Random valid rulesets, as the JSON of CONTRACT section 2 and as the model (via our own
// converter, ruleset-json.ts). Every constraint of sections 2 and 3.2/3.3 is respected, so the
// real validator must accept each one; the lead compares its model with ours.
//
// Rules draw their addresses from a few shared anchors, masked to many lengths, so prefixes of
// different rules nest and overlap (the interesting case for first-match and for LPM-style
// data structures). A ruleset is a function of one base seed (anchors, sets, top-level keys) and
// one seed per rule, so fast-check can shrink a failing ruleset by dropping rules.

import fc from 'fast-check';
import { formatIPv4, formatIPv6, formatPrefix, wordMask, type Family, type Prefix } from '../../src/ruleset/address';
import type { RuleJson, Ruleset, RulesetJson } from '../../src/ruleset/model';
import { Rng } from './rng';
import { rulesetJsonToModel } from './ruleset-json';

export interface RulesetGenOptions {
  /** Rule count bounds (default 1..64). */
  minRules?: number;
  maxRules?: number;
  /** Interface names rules may name in `iface` (default eth0, eth1). */
  ifaces?: string[];
  /** At most this many sets (default 5), each with at most maxSetSize members (default 8). */
  maxSets?: number;
  maxSetSize?: number;
}

export interface GeneratedRuleset {
  json: RulesetJson;
  model: Ruleset;
  /** Reproduces this ruleset with rulesetFromSeeds(base, rules, options). */
  seeds: { base: number; rules: number[] };
}

export const DEFAULT_IFACES = ['eth0', 'eth1'];

/** A ruleset from one seed (for soak loops without fast-check's runner). */
export function generateRuleset(seed: number, opts: RulesetGenOptions = {}): GeneratedRuleset {
  const rng = new Rng(seed);
  const count = rng.int(opts.minRules ?? 1, opts.maxRules ?? 64);
  const ruleSeeds = Array.from({ length: count }, () => rng.u32());
  return rulesetFromSeeds(rng.u32(), ruleSeeds, opts);
}

/** A fast-check arbitrary of rulesets; shrinking removes rules. */
export function rulesetArb(opts: RulesetGenOptions = {}): fc.Arbitrary<GeneratedRuleset> {
  const seed = fc.integer({ min: 0, max: 0xffffffff });
  return fc
    .tuple(seed, fc.array(seed, { minLength: opts.minRules ?? 1, maxLength: opts.maxRules ?? 64 }))
    .map(([base, rules]) => rulesetFromSeeds(base, rules, opts));
}

export function rulesetFromSeeds(baseSeed: number, ruleSeeds: number[], opts: RulesetGenOptions = {}): GeneratedRuleset {
  const rng = new Rng(baseSeed);
  const ctx = makeContext(rng, opts);
  const json: RulesetJson = { rules: [] };
  // Top-level keys are sometimes left out, to exercise their defaults.
  if (rng.chance(0.8)) json.default = rng.pick(['pass', 'drop'] as const);
  if (rng.chance(0.5)) json.ndp = rng.pick(['bypass', 'rules'] as const);
  if (rng.chance(0.5)) json.non_ip = rng.pick(['pass', 'drop'] as const);
  if (ctx.setNames.length > 0 || rng.chance(0.2)) json.sets = ctx.sets;
  json.rules = ruleSeeds.map((s, i) => generateRule(new Rng(s), i, ctx));
  return { json, model: rulesetJsonToModel(json), seeds: { base: baseSeed, rules: ruleSeeds } };
}

interface Context {
  anchors: { 4: number[][]; 6: number[][] };
  sets: Record<string, string[]>;
  setNames: string[];
  ifaces: string[];
}

function makeContext(rng: Rng, opts: RulesetGenOptions): Context {
  const anchors = {
    4: Array.from({ length: 6 }, () => randomV4Anchor(rng)),
    6: Array.from({ length: 6 }, () => randomV6Anchor(rng)),
  };
  const ctx: Context = { anchors, sets: {}, setNames: [], ifaces: opts.ifaces ?? DEFAULT_IFACES };
  const setCount = rng.int(0, opts.maxSets ?? 5);
  for (let i = 0; i < setCount; i++) {
    const name = `${rng.pick(['s', 'bogons', 'feed_', 'allow-'])}${i}`;
    // Empty, single-family and mixed sets (2: "v4 and v6 may mix; empty is allowed").
    const mix = rng.weighted([[1, 'empty'], [3, 'v4'], [2, 'v6'], [3, 'mixed']] as const);
    const size = mix === 'empty' ? 0 : rng.int(1, opts.maxSetSize ?? 8);
    const members = new Set<string>();
    for (let k = 0; k < size; k++) {
      const family: Family = mix === 'v4' ? 4 : mix === 'v6' ? 6 : rng.chance(0.5) ? 4 : 6;
      members.add(prefixText(rng, randomPrefix(rng, ctx, family)));
    }
    ctx.sets[name] = [...members];
    ctx.setNames.push(name);
  }
  return ctx;
}

function randomV4Anchor(rng: Rng): number[] {
  const base = rng.pick([0x0a000000, 0xc0000200, 0xc6336400, 0xcb007100, 0xac100000, rng.u32()]);
  return [(base | (rng.u32() & 0xffff)) >>> 0];
}

function randomV6Anchor(rng: Rng): number[] {
  const first = rng.pick([0x20010db8, 0xfe800000, 0xfd000000, 0x20010db8, rng.u32()]);
  return [first >>> 0, rng.chance(0.5) ? 0 : rng.u32(), rng.u32(), rng.u32()];
}

/** An anchor (or a fresh random address) masked to a length biased to the usual ones and the extremes. */
function randomPrefix(rng: Rng, ctx: Context, family: Family): Prefix {
  const words = rng.chance(0.85)
    ? rng.pick(ctx.anchors[family]).slice()
    : family === 4 ? [rng.u32()] : [rng.u32(), rng.u32(), rng.u32(), rng.u32()];
  const len = family === 4
    ? rng.weighted([[1, 0], [1, 1], [3, 8], [3, 16], [4, 24], [2, 28], [1, 31], [5, 32], [4, rng.int(0, 32)]] as const)
    : rng.weighted([[1, 0], [1, 1], [3, 32], [4, 48], [3, 64], [1, 96], [1, 127], [5, 128], [4, rng.int(0, 128)]] as const);
  return { family, words: words.map((w, i) => (w & wordMask(len - 32 * i)) >>> 0), len };
}

/** CIDR text; a host prefix is sometimes written as a bare address (same prefix, 2). */
function prefixText(rng: Rng, p: Prefix): string {
  const hostLen = p.family === 4 ? 32 : 128;
  if (p.len === hostLen && rng.chance(0.5)) return p.family === 4 ? formatIPv4(p.words[0]) : formatIPv6(p.words);
  return formatPrefix(p);
}

type ProtoShape = 'any' | 'tcp' | 'udp' | 'sctp' | 'port_list' | 'icmp' | 'icmpv6' | 'other';

const PORT_PROTO_NAMES = ['tcp', 'udp', 'sctp'] as const;
const PROTO_NUMBER_OF: Record<string, number> = { tcp: 6, udp: 17, sctp: 132, icmp: 1, icmpv6: 58, gre: 47, esp: 50 };
const MISC_PROTOS = [0, 2, 4, 41, 47, 50, 51, 59, 89, 103, 115, 253, 255];
const INTERESTING_PORTS = [0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65535];
const FLAG_NAMES = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg', 'ece', 'cwr'];

/** One protocol written as its name or its number (2: the same protocol). */
function protoToken(rng: Rng, name: string): string | number {
  return rng.chance(0.6) ? name : PROTO_NUMBER_OF[name];
}

function generateRule(rng: Rng, index: number, ctx: Context): RuleJson {
  const id = rng.chance(0.6) ? `r${index}` : `r${index}${rng.pick(['.', ':', '-', '_'])}${rng.pick(['web', 'ssh', 'x1', 'Deny', 'a.b'])}`;
  const rule: RuleJson = { id, action: rng.pick(['pass', 'drop'] as const) };

  const shape: ProtoShape = rng.weighted([[35, 'any'], [20, 'tcp'], [10, 'udp'], [4, 'sctp'], [6, 'port_list'], [8, 'icmp'], [8, 'icmpv6'], [9, 'other']] as const);
  switch (shape) {
    case 'any':
      break;
    case 'tcp': case 'udp': case 'sctp': case 'icmp': case 'icmpv6': {
      // "tcp", 6, ["tcp"] and [6] all name exactly one protocol (3.3).
      const token = protoToken(rng, shape);
      rule.proto = rng.chance(0.25) ? [token] : token;
      break;
    }
    case 'port_list':
      rule.proto = rng.sample(PORT_PROTO_NAMES, rng.int(2, 3)).map((n) => protoToken(rng, n));
      break;
    case 'other': {
      const numbers = rng.sample([...MISC_PROTOS, rng.int(0, 255)], rng.int(1, 3));
      // Sometimes mix in a port protocol: such a list may not carry ports (3.3).
      if (rng.chance(0.3)) numbers.push(rng.pick([6, 17, 132, 1, 58]));
      const unique = [...new Set(numbers)];
      const tokens = unique.map((n) => (n === 47 && rng.chance(0.5) ? 'gre' : n === 50 && rng.chance(0.5) ? 'esp' : n));
      rule.proto = tokens.length === 1 && rng.chance(0.5) ? tokens[0] : tokens;
      break;
    }
  }

  const fragment = rng.chance(0.15) ? rng.pick(['none', 'first', 'non_first'] as const) : undefined;
  // 3.3: non_first fragments carry no L4 header, so L4 fields with them are an error.
  const l4Allowed = fragment !== 'non_first';
  const portsAllowed = shape === 'any' || shape === 'tcp' || shape === 'udp' || shape === 'sctp' || shape === 'port_list';
  if (l4Allowed && portsAllowed && rng.chance(shape === 'any' ? 0.3 : 0.6)) {
    const which = rng.weighted([[2, 'dport'], [1, 'sport'], [1, 'both']] as const);
    if (which !== 'dport') rule.sport = portValue(rng);
    if (which !== 'sport') rule.dport = portValue(rng);
  }
  if (l4Allowed && shape === 'tcp' && rng.chance(0.35)) rule.tcp_flags = tcpFlagsText(rng);
  if (l4Allowed && (shape === 'icmp' || shape === 'icmpv6')) {
    if (rng.chance(0.5)) rule.icmp_type = byteValue(rng, shape === 'icmp' ? [0, 3, 8, 11] : [1, 128, 129, 133, 134, 135, 136, 137]);
    if (rng.chance(0.3)) rule.icmp_code = byteValue(rng, [0, 1, 3]);
  }
  if (fragment !== undefined) rule.fragment = fragment;

  if (rng.chance(0.45)) rule.src = addressValue(rng, ctx);
  if (rng.chance(0.45)) rule.dst = addressValue(rng, ctx);
  // 3.2: literal src and dst must share a family (a @set counts as both).
  const srcFamilies = familiesOf(rule.src);
  let shared = familiesOf(rule.dst).filter((f) => srcFamilies.includes(f));
  if (shared.length === 0) {
    delete rule.dst;
    shared = srcFamilies;
  }
  // 3.2: `family` may not exclude every literal entry of src or dst.
  if (rng.chance(0.2)) rule.family = rng.pick(shared) === 4 ? 'ipv4' : 'ipv6';

  if (rng.chance(0.2)) {
    const names = rng.sample(ctx.ifaces, rng.int(1, 2));
    rule.iface = names.length === 1 && rng.chance(0.5) ? names[0] : names;
  }
  if (rng.chance(0.15)) rule.enabled = rng.chance(0.3);
  if (rng.chance(0.1)) rule.comment = `generated rule ${index}`;
  return rule;
}

function portValue(rng: Rng): number | string | (number | string)[] {
  const one = (): number | string => {
    if (rng.chance(0.55)) return rng.chance(0.5) ? rng.pick(INTERESTING_PORTS) : rng.int(0, 65535);
    const lo = rng.chance(0.3) ? rng.pick(INTERESTING_PORTS) : rng.int(0, 65535);
    const hi = Math.min(65535, lo + rng.weighted([[1, 0], [3, rng.int(1, 20)], [2, rng.int(20, 2000)], [1, 65535]] as const));
    return `${lo}-${hi}`;
  };
  if (rng.chance(0.65)) return one();
  return [...new Set(Array.from({ length: rng.int(1, 4) }, one))];
}

function tcpFlagsText(rng: Rng): string {
  // 3.3: a flag both required and negated is an error, so each flag appears at most once.
  return rng.sample(FLAG_NAMES, rng.int(1, 4)).map((f) => (rng.chance(0.4) ? `!${f}` : f)).join(',');
}

function byteValue(rng: Rng, interesting: number[]): number | number[] {
  const one = () => (rng.chance(0.7) ? rng.pick(interesting) : rng.int(0, 255));
  return rng.chance(0.7) ? one() : [...new Set(Array.from({ length: rng.int(1, 3) }, one))];
}

function addressValue(rng: Rng, ctx: Context): string | string[] {
  const entry = (): string => {
    const kind = rng.weighted([[45, 'v4'], [35, 'v6'], [ctx.setNames.length > 0 ? 20 : 0, 'set']] as const);
    if (kind === 'set') return `@${rng.pick(ctx.setNames)}`;
    return prefixText(rng, randomPrefix(rng, ctx, kind === 'v4' ? 4 : 6));
  };
  const entries = [...new Set(Array.from({ length: rng.chance(0.7) ? 1 : rng.int(2, 3) }, entry))];
  return entries.length === 1 && rng.chance(0.7) ? entries[0] : entries;
}

/** The families an address field admits (3.2: absent or holding a @set = both). */
function familiesOf(field: string | string[] | undefined): Family[] {
  if (field === undefined) return [4, 6];
  const entries = Array.isArray(field) ? field : [field];
  if (entries.some((e) => e.startsWith('@'))) return [4, 6];
  const fams = new Set<Family>(entries.map((e) => (e.includes(':') ? 6 : 4)));
  return [...fams];
}
