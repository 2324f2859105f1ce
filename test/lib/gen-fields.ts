// Packet header values (before they become a FrameSpec): values that satisfy a chosen rule,
// near-misses of it (one field moved just past what the rule accepts), and random ones drawn
// mostly from the ruleset's own prefixes so that random packets still land on rules.

import { wordMask, type Family, type Prefix } from '../../src/ruleset/address';
import type { AddrField, FragmentKind, Rule, Ruleset } from '../../src/ruleset/model';
import type { Rng } from './rng';

export interface PacketFields {
  family: Family;
  /** Address words, as address.ts holds them. */
  src: number[];
  dst: number[];
  proto: number;
  sport: number;
  dport: number;
  tcpFlags: number;
  icmpType: number;
  icmpCode: number;
  fragment: FragmentKind;
  hopLimit: number;
  iface: string;
}

export interface AddressPool {
  4: Prefix[];
  6: Prefix[];
}

const COMMON_PROTOS = [6, 6, 17, 17, 132, 1, 58, 47, 50, 0, 41, 89, 255];
const PORT_PROTOS = [6, 17, 132];

/** Every prefix the ruleset mentions (literals and set members), by family. */
export function addressPool(ruleset: Ruleset): AddressPool {
  const pool: AddressPool = { 4: [], 6: [] };
  for (const list of ruleset.sets.values()) for (const p of list) pool[p.family].push(p);
  for (const rule of ruleset.rules) {
    for (const field of [rule.src, rule.dst]) if (field) for (const p of field.prefixes) pool[p.family].push(p);
  }
  return pool;
}

/** The prefixes of one family an address field holds now (3.2: literals and set members). */
export function fieldPrefixes(field: AddrField, family: Family, ruleset: Ruleset): Prefix[] {
  const out: Prefix[] = [];
  for (const p of field.prefixes) if (p.family === family) out.push(p);
  for (const name of field.sets) for (const p of ruleset.sets.get(name) ?? []) if (p.family === family) out.push(p);
  return out;
}

/** A random address inside the prefix. */
export function addressIn(rng: Rng, p: Prefix): number[] {
  return p.words.map((w, i) => {
    const mask = wordMask(p.len - 32 * i);
    return ((w & mask) | (rng.u32() & ~mask)) >>> 0;
  });
}

/** The first or last address of the prefix, or the one just before or after it. */
export function addressAtEdge(rng: Rng, p: Prefix): number[] {
  const first = p.words.map((w, i) => (w & wordMask(p.len - 32 * i)) >>> 0);
  const last = p.words.map((w, i) => (w | ~wordMask(p.len - 32 * i)) >>> 0);
  switch (rng.int(0, 3)) {
    case 0: return first;
    case 1: return last;
    case 2: return addWords(first, -1);
    default: return addWords(last, 1);
  }
}

/** Adds +1 or -1 to a multi-word address, wrapping around at the ends. */
function addWords(words: number[], delta: 1 | -1): number[] {
  const out = words.slice();
  for (let i = out.length - 1; i >= 0; i--) {
    const before = out[i];
    out[i] = (before + delta) >>> 0;
    const carried = delta === 1 ? before === 0xffffffff : before === 0;
    if (!carried) break;
  }
  return out;
}

export function randomAddress(rng: Rng, pool: AddressPool, family: Family): number[] {
  const prefixes = pool[family];
  if (prefixes.length > 0 && rng.chance(0.75)) {
    const p = rng.pick(prefixes);
    return rng.chance(0.2) ? addressAtEdge(rng, p) : addressIn(rng, p);
  }
  return family === 4 ? [rng.u32()] : [rng.u32(), rng.u32(), rng.u32(), rng.u32()];
}

/** Random values for every field, addresses mostly from the ruleset's prefixes. */
export function randomFields(rng: Rng, pool: AddressPool, ifaces: string[]): PacketFields {
  const family: Family = rng.chance(0.5) ? 4 : 6;
  return {
    family,
    src: randomAddress(rng, pool, family),
    dst: randomAddress(rng, pool, family),
    proto: rng.chance(0.85) ? rng.pick(COMMON_PROTOS) : rng.int(0, 255),
    sport: randomPort(rng),
    dport: randomPort(rng),
    tcpFlags: rng.int(0, 255),
    icmpType: rng.chance(0.5) ? rng.pick([0, 3, 8, 128, 129, 133, 134, 135, 136]) : rng.int(0, 255),
    icmpCode: rng.chance(0.7) ? 0 : rng.int(0, 255),
    fragment: rng.weighted([[8, 'none'], [1, 'first'], [1, 'non_first']] as const),
    hopLimit: rng.chance(0.2) ? 255 : rng.int(1, 254),
    iface: rng.pick(ifaces),
  };
}

function randomPort(rng: Rng): number {
  return rng.chance(0.5) ? rng.pick([0, 22, 53, 80, 443, 1024, 8080, 65535]) : rng.int(0, 65535);
}

/** Values that satisfy every field of `rule` (as far as the ruleset's sets allow). */
export function fieldsForRule(rng: Rng, ruleset: Ruleset, pool: AddressPool, rule: Rule, ifaces: string[]): PacketFields {
  const f = randomFields(rng, pool, ifaces);
  // Pick a family with entries in both address fields (3.2); with none, the rule cannot match.
  const families = ([4, 6] as Family[]).filter((fam) =>
    (rule.family === null || rule.family === fam) &&
    [rule.src, rule.dst].every((field) => field === null || fieldPrefixes(field, fam, ruleset).length > 0));
  f.family = families.length > 0 ? rng.pick(families) : rule.family ?? f.family;
  f.src = addressForField(rng, ruleset, pool, rule.src, f.family);
  f.dst = addressForField(rng, ruleset, pool, rule.dst, f.family);

  const namesL4 = rule.sport !== null || rule.dport !== null || rule.tcpFlags !== null || rule.icmpType !== null || rule.icmpCode !== null;
  if (rule.proto !== null) f.proto = rng.pick(rule.proto);
  else if (rule.sport !== null || rule.dport !== null) f.proto = rng.pick(PORT_PROTOS); // 3.3: tcp|udp|sctp
  if (rule.sport !== null) f.sport = portIn(rng, rng.pick(rule.sport));
  if (rule.dport !== null) f.dport = portIn(rng, rng.pick(rule.dport));
  if (rule.tcpFlags !== null) f.tcpFlags = ((f.tcpFlags & ~rule.tcpFlags.clear) | rule.tcpFlags.set) & 0xff;
  if (rule.icmpType !== null) f.icmpType = rng.pick(rule.icmpType);
  if (rule.icmpCode !== null) f.icmpCode = rng.pick(rule.icmpCode);
  // 3.7: a non-first fragment carries no L4 header, so it cannot hit a rule naming L4 fields.
  if (rule.fragment !== null) f.fragment = rule.fragment;
  else if (namesL4 && f.fragment === 'non_first') f.fragment = 'none';
  if (rule.iface !== null) f.iface = rng.pick(rule.iface);
  return f;
}

function addressForField(rng: Rng, ruleset: Ruleset, pool: AddressPool, field: AddrField | null, family: Family): number[] {
  const prefixes = field ? fieldPrefixes(field, family, ruleset) : [];
  return prefixes.length > 0 ? addressIn(rng, rng.pick(prefixes)) : randomAddress(rng, pool, family);
}

function portIn(rng: Rng, r: { lo: number; hi: number }): number {
  return rng.weighted([[1, r.lo], [1, r.hi], [2, rng.int(r.lo, r.hi)]] as const);
}

/** Moves one field of a packet meant for `rule` to, or just past, the edge of what it accepts. */
export function nearMiss(rng: Rng, ruleset: Ruleset, rule: Rule, f: PacketFields, ifaces: string[]): string {
  const options: string[] = ['proto', 'family', 'fragment', 'hop_limit'];
  if (rule.src) options.push('src', 'src');
  if (rule.dst) options.push('dst', 'dst');
  if (rule.sport) options.push('sport', 'sport');
  if (rule.dport) options.push('dport', 'dport');
  if (rule.tcpFlags) options.push('tcp_flags', 'tcp_flags');
  if (rule.icmpType) options.push('icmp_type');
  if (rule.icmpCode) options.push('icmp_code');
  if (rule.iface && ifaces.length > 1) options.push('iface');
  const which = rng.pick(options);
  switch (which) {
    case 'src':
    case 'dst': {
      const prefixes = fieldPrefixes((which === 'src' ? rule.src : rule.dst)!, f.family, ruleset);
      if (prefixes.length > 0) f[which] = addressAtEdge(rng, rng.pick(prefixes));
      break;
    }
    case 'sport':
    case 'dport': {
      const r = rng.pick((which === 'sport' ? rule.sport : rule.dport)!);
      f[which] = Math.max(0, Math.min(65535, rng.pick([r.lo - 1, r.lo, r.hi, r.hi + 1])));
      break;
    }
    case 'tcp_flags': {
      const bits = rule.tcpFlags!.set | rule.tcpFlags!.clear;
      const candidates = [0, 1, 2, 3, 4, 5, 6, 7].map((b) => 1 << b).filter((b) => bits & b);
      f.tcpFlags ^= rng.pick(candidates);
      break;
    }
    case 'icmp_type': f.icmpType = (f.icmpType + rng.pick([1, 255])) & 0xff; break;
    case 'icmp_code': f.icmpCode = (f.icmpCode + rng.pick([1, 255])) & 0xff; break;
    case 'proto': f.proto = rng.pick([...COMMON_PROTOS, (f.proto + 1) & 0xff]); break;
    case 'family': {
      f.family = f.family === 4 ? 6 : 4;
      const width = f.family === 4 ? 1 : 4;
      f.src = Array.from({ length: width }, () => rng.u32());
      f.dst = Array.from({ length: width }, () => rng.u32());
      break;
    }
    case 'fragment': f.fragment = rng.pick(['none', 'first', 'non_first'] as const); break;
    case 'hop_limit': f.hopLimit = rng.pick([1, 254, 255]); break;
    case 'iface': f.iface = rng.pick(ifaces.filter((n) => n !== f.iface)); break;
  }
  return which;
}
