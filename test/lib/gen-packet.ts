// Random frames for differential tests, biased towards the ruleset they will meet: frames built
// to hit a chosen rule, near-misses of it, random frames from the ruleset's address space, and a
// share of malformed, non-IP and neighbour-discovery frames. Each comes with its FrameSpec and a
// short intent ("near_miss r7 dport") so a failing case prints readably and replays exactly.

import fc from 'fast-check';
import { formatIPv4, formatIPv6 } from '../../src/ruleset/address';
import type { Ruleset } from '../../src/ruleset/model';
import { addressIn, addressPool, fieldsForRule, nearMiss, randomFields, type AddressPool, type PacketFields } from './gen-fields';
import { buildFrameWithLayout, ETHERTYPE, type ExtHeaderSpec, type FrameSpec, type Ipv4Spec, type Ipv6Spec, type L4Spec, type VlanTag } from './packet';
import { Rng } from './rng';

export type PacketKind = 'hit' | 'near_miss' | 'random' | 'malformed' | 'non_ip' | 'ndp';

export interface PacketGenOptions {
  /** Interface names frames arrive on (default eth0, eth1). */
  ifaces?: string[];
  /** Relative weights of the kinds of frames (defaults below). */
  mix?: Partial<Record<PacketKind, number>>;
}

export interface GeneratedPacket {
  frame: Buffer;
  iface: string;
  spec: FrameSpec;
  /** What the generator meant, e.g. "hit r3", "malformed truncate", "non_ip arp". */
  intent: string;
  /** Set when made from a seed: generatePacketFromSeed(ruleset, seed, options) replays it. */
  seed?: number;
}

const DEFAULT_MIX: Record<PacketKind, number> = { hit: 35, near_miss: 25, random: 15, malformed: 15, non_ip: 5, ndp: 5 };
const DEFAULT_IFACES = ['eth0', 'eth1'];
const TPIDS = [ETHERTYPE.VLAN, ETHERTYPE.QINQ];
const WALKED_V6 = [0, 43, 60, 51];

/** A generator bound to one ruleset (its address pool computed once). */
export function makePacketGenerator(ruleset: Ruleset, opts: PacketGenOptions = {}): (rng: Rng) => GeneratedPacket {
  const pool = addressPool(ruleset);
  const ifaces = opts.ifaces ?? DEFAULT_IFACES;
  const mix = { ...DEFAULT_MIX, ...opts.mix };
  const kinds = (Object.keys(mix) as PacketKind[]).map((k) => [mix[k], k] as const);
  return (rng) => {
    const kind = rng.weighted(kinds);
    switch (kind) {
      case 'hit':
      case 'near_miss': {
        if (ruleset.rules.length === 0) return fromFields(rng, randomFields(rng, pool, ifaces), 'random (no rules)');
        const enabled = ruleset.rules.filter((r) => r.enabled);
        const rule = enabled.length > 0 && rng.chance(0.9) ? rng.pick(enabled) : rng.pick(ruleset.rules);
        const f = fieldsForRule(rng, ruleset, pool, rule, ifaces);
        if (kind === 'hit') return fromFields(rng, f, `hit ${rule.id}`);
        const moved = nearMiss(rng, ruleset, rule, f, ifaces);
        return fromFields(rng, f, `near_miss ${rule.id} ${moved}`);
      }
      case 'random':
        return fromFields(rng, randomFields(rng, pool, ifaces), 'random');
      case 'malformed':
        return malformedPacket(rng, pool, ifaces);
      case 'non_ip':
        return nonIpPacket(rng, ifaces);
      case 'ndp':
        return ndpPacket(rng, pool, ifaces);
    }
  };
}

export function generatePacket(ruleset: Ruleset, rng: Rng, opts: PacketGenOptions = {}): GeneratedPacket {
  return makePacketGenerator(ruleset, opts)(rng);
}

export function generatePacketFromSeed(ruleset: Ruleset, seed: number, opts: PacketGenOptions = {}): GeneratedPacket {
  return { ...generatePacket(ruleset, new Rng(seed), opts), seed };
}

/** A fast-check arbitrary of frames for one ruleset (reproducible from the seed it records). */
export function packetArb(ruleset: Ruleset, opts: PacketGenOptions = {}): fc.Arbitrary<GeneratedPacket> {
  const gen = makePacketGenerator(ruleset, opts);
  return fc.noShrink(fc.integer({ min: 0, max: 0xffffffff })).map((seed) => ({ ...gen(new Rng(seed)), seed }));
}

function fromFields(rng: Rng, f: PacketFields, intent: string): GeneratedPacket {
  return finish(specFromFields(rng, f, true), f.iface, intent);
}

function finish(spec: FrameSpec, iface: string, intent: string): GeneratedPacket {
  return { frame: buildFrameWithLayout(spec).frame, iface, spec, intent };
}

function addressText(words: number[]): string {
  return words.length === 1 ? formatIPv4(words[0]) : formatIPv6(words);
}

/**
 * A well-formed frame carrying `f`. With `decorate`, adds what a parser must get through without
 * changing the classification: 0-2 VLAN tags, IPv4 options or AH, IPv6 extension headers.
 */
export function specFromFields(rng: Rng, f: PacketFields, decorate: boolean): FrameSpec {
  const spec: FrameSpec = {};
  if (decorate) spec.vlans = randomVlans(rng, rng.weighted([[6, 0], [3, 1], [2, 2]] as const));
  const nonFirst = f.fragment === 'non_first';
  spec.l4 = nonFirst ? { kind: 'raw', protocol: f.proto, bytes: rng.int(0, 24) } : l4ForFields(rng, f);
  if (f.family === 4) {
    const ip: Ipv4Spec = { kind: 'ipv4', src: addressText(f.src), dst: addressText(f.dst), ttl: f.hopLimit };
    if (f.fragment === 'first') ip.mf = true;
    if (nonFirst) {
      ip.mf = rng.chance(0.5);
      // Offset 1 with TCP is tiny_fragment (malformed); the malformed generator covers it.
      ip.fragOffset = rng.chance(0.3) ? rng.int(1, 8191) : rng.int(1, 200);
      if (ip.fragOffset === 1 && f.proto === 6) ip.fragOffset = 2;
    }
    if (decorate && rng.chance(0.15)) ip.options = 4 * rng.int(1, 10);
    // Protocol 51 outside non-first fragments is walked as AH (3.6): give it one whose next
    // header is 51 again, so the protocol stays 51.
    if (!nonFirst && (f.proto === 51 || (decorate && rng.chance(0.1)))) ip.ah = { len: rng.pick([1, 4, 6]) };
    spec.ip = ip;
  } else {
    const ip: Ipv6Spec = { kind: 'ipv6', src: addressText(f.src), dst: addressText(f.dst), hopLimit: f.hopLimit };
    const chain: ExtHeaderSpec[] = [];
    if (decorate && rng.chance(0.3)) {
      for (let i = rng.int(1, 3); i > 0; i--) chain.push(randomExtHeader(rng));
    }
    if (f.fragment === 'first') chain.splice(rng.int(0, chain.length), 0, { type: 44, fragOffset: 0, more: rng.chance(0.8) });
    // The walk stops at a non-first Fragment header (3.6), so it must be the last one.
    if (nonFirst) chain.push({ type: 44, fragOffset: rng.chance(0.3) ? rng.int(1, 8191) : rng.int(1, 200), more: rng.chance(0.5) });
    if (chain.length > 0) ip.ext = chain;
    spec.ip = ip;
  }
  if (decorate && rng.chance(0.7)) spec.payload = rng.int(0, 64);
  return spec;
}

function l4ForFields(rng: Rng, f: PacketFields): L4Spec {
  switch (f.proto) {
    case 6: return { kind: 'tcp', sport: f.sport, dport: f.dport, flags: f.tcpFlags, options: rng.pick([0, 0, 0, 4, 12, 20]) };
    case 17: return { kind: 'udp', sport: f.sport, dport: f.dport };
    case 132: return { kind: 'sctp', sport: f.sport, dport: f.dport };
    case 1: case 58: return { kind: 'icmp', type: f.icmpType, code: f.icmpCode, protocol: f.proto };
    default: return { kind: 'raw', protocol: f.proto, bytes: rng.int(0, 24) };
  }
}

function randomVlans(rng: Rng, count: number): VlanTag[] {
  return Array.from({ length: count }, () => ({ tpid: rng.pick(TPIDS), vid: rng.int(0, 4095), pcp: rng.int(0, 7) }));
}

function randomExtHeader(rng: Rng): ExtHeaderSpec {
  const type = rng.pick(WALKED_V6);
  return type === 51 ? { type, len: rng.pick([1, 4, 6]) } : { type, len: rng.pick([0, 0, 1, 3]) };
}

type MalformKind = 'truncate' | 'ihl' | 'version' | 'ethertype_swap' | 'tcp_offset' | 'ext_len' | 'ext_count' | 'tiny_fragment' | 'short_l4';

/** A frame broken in one way (most, but not all, of them end up malformed: the oracle says). */
function malformedPacket(rng: Rng, pool: AddressPool, ifaces: string[]): GeneratedPacket {
  const f = randomFields(rng, pool, ifaces);
  const how = rng.weighted([[5, 'truncate'], [2, 'ihl'], [1, 'version'], [1, 'ethertype_swap'], [2, 'tcp_offset'], [2, 'ext_len'], [2, 'ext_count'], [1, 'tiny_fragment'], [2, 'short_l4']] as const satisfies ReadonlyArray<readonly [number, MalformKind]>);
  if (how === 'tcp_offset' || how === 'tiny_fragment') f.proto = 6;
  if (how === 'tcp_offset' || how === 'short_l4') f.fragment = rng.chance(0.8) ? 'none' : 'first';
  if (how === 'short_l4') f.proto = rng.pick([6, 17, 132, 1, 58]);
  // Some breakages exist in one family only.
  if ((how === 'ihl' || how === 'tiny_fragment') && f.family === 6) {
    f.family = 4;
    f.src = [f.src[0]];
    f.dst = [f.dst[0]];
  }
  if (how === 'ext_count' && f.family === 4) {
    f.family = 6;
    f.src = addressInAny(rng, pool);
    f.dst = addressInAny(rng, pool);
  }
  const spec = specFromFields(rng, f, true);
  const ip = spec.ip!;
  let detail = '';
  switch (how) {
    case 'truncate': {
      const { layout } = buildFrameWithLayout(spec);
      const tagEnds = (spec.vlans ?? []).map((_, k) => 14 + 4 * (k + 1));
      const boundaries = [14, ...tagEnds, layout.l3, layout.l3 + (ip.kind === 'ipv4' ? 20 : 40), ...layout.ext, ...layout.ext.map((e) => e + 2), ...layout.ext.map((e) => e + 8), layout.l4, layout.l4 + 4, layout.l4 + 8, layout.l4 + 12, layout.l4 + 20, layout.payload];
      spec.truncate = Math.max(0, rng.pick(boundaries) + rng.int(-1, 1));
      detail = `@${spec.truncate}`;
      break;
    }
    case 'ihl':
      (ip as Ipv4Spec).ihl = rng.int(0, 15);
      detail = `=${(ip as Ipv4Spec).ihl}`;
      break;
    case 'version':
      ip.version = rng.int(0, 15);
      detail = `=${ip.version}`;
      break;
    case 'ethertype_swap':
      spec.ethertype = ip.kind === 'ipv4' ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4;
      break;
    case 'tcp_offset':
      if (spec.l4?.kind === 'tcp') spec.l4.dataOffset = rng.int(0, 5);
      break;
    case 'ext_len':
      if (ip.kind === 'ipv4') {
        ip.ah = rng.chance(0.5) ? { len: rng.int(0, 255) } : { len: rng.int(1, 8), size: rng.int(0, 12) };
      } else {
        const bad: ExtHeaderSpec = rng.chance(0.5) ? { type: rng.pick(WALKED_V6), len: rng.int(0, 255) } : { type: rng.pick([...WALKED_V6, 44]), len: rng.int(0, 4), size: rng.int(0, 8) };
        // Before a non-first Fragment header, which ends the walk (3.6) and would hide it.
        const chain = ip.ext ?? [];
        const last = chain[chain.length - 1];
        const endsWalk = last !== undefined && last.type === 44 && (last.fragOffset ?? 0) > 0;
        chain.splice(endsWalk ? chain.length - 1 : chain.length, 0, bad);
        ip.ext = chain;
      }
      break;
    case 'ext_count': {
      // 3.6: at most 8 headers; mostly 7..10 walkable ones, straddling the limit.
      const n = rng.chance(0.8) ? rng.int(7, 10) : rng.int(4, 6);
      (ip as Ipv6Spec).ext = Array.from({ length: n }, () => (rng.chance(0.15) ? { type: 44, fragOffset: 0, more: true } : randomExtHeader(rng)));
      detail = `=${n}`;
      break;
    }
    case 'tiny_fragment':
      (ip as Ipv4Spec).fragOffset = rng.pick([1, 1, 1, 2]);
      (ip as Ipv4Spec).ah = undefined;
      spec.l4 = { kind: 'raw', protocol: 6, bytes: rng.int(0, 16) };
      break;
    case 'short_l4': {
      const { layout } = buildFrameWithLayout(spec);
      spec.truncate = layout.l4 + rng.int(0, 20);
      detail = `@${spec.truncate}`;
      break;
    }
  }
  return finish(spec, f.iface, `malformed ${how}${detail}`);
}

function addressInAny(rng: Rng, pool: AddressPool): number[] {
  return pool[6].length > 0 && rng.chance(0.7) ? addressIn(rng, rng.pick(pool[6])) : [rng.u32(), rng.u32(), rng.u32(), rng.u32()];
}

type NonIpKind = 'arp' | 'lldp' | 'random_ethertype' | 'three_tags' | 'short' | 'inside_tag' | 'other_tpid';

/** Frames that do not reach an IP ethertype through at most two tags (3.4), and ARP. */
function nonIpPacket(rng: Rng, ifaces: string[]): GeneratedPacket {
  const iface = rng.pick(ifaces);
  const how = rng.weighted([[4, 'arp'], [1, 'lldp'], [2, 'random_ethertype'], [2, 'three_tags'], [1, 'short'], [2, 'inside_tag'], [1, 'other_tpid']] as const satisfies ReadonlyArray<readonly [number, NonIpKind]>);
  const tags = rng.weighted([[5, 0], [3, 1], [2, 2]] as const);
  let spec: FrameSpec;
  switch (how) {
    case 'arp':
      // Sometimes behind a third tag, where it is no longer "ARP after the tags".
      spec = { vlans: randomVlans(rng, rng.chance(0.15) ? 3 : tags), ethertype: ETHERTYPE.ARP, payload: 28 };
      break;
    case 'lldp':
      spec = { vlans: randomVlans(rng, tags), ethertype: ETHERTYPE.LLDP, payload: rng.int(0, 40) };
      break;
    case 'random_ethertype': {
      let t = rng.int(0, 0xffff);
      if ([ETHERTYPE.IPV4, ETHERTYPE.IPV6, ETHERTYPE.VLAN, ETHERTYPE.QINQ].includes(t as never)) t = 0x88b5;
      spec = { vlans: randomVlans(rng, tags), ethertype: t, payload: rng.int(0, 60) };
      break;
    }
    case 'three_tags':
      spec = { vlans: randomVlans(rng, 3), ip: { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' }, l4: { kind: 'udp', sport: 53, dport: 53 } };
      break;
    case 'short':
      spec = { ethertype: rng.pick([ETHERTYPE.IPV4, ETHERTYPE.ARP]), truncate: rng.int(0, 13) };
      break;
    case 'inside_tag': {
      const n = rng.int(1, 2);
      spec = { vlans: randomVlans(rng, n), ip: { kind: 'ipv6', src: '2001:db8::1', dst: '2001:db8::2' }, truncate: 12 + 4 * n + rng.int(0, 1) };
      break;
    }
    case 'other_tpid':
      spec = { vlans: [{ tpid: rng.pick([0x9100, 0x9200, 0x88e7]), vid: 5 }], ip: { kind: 'ipv4', src: '192.0.2.1', dst: '192.0.2.2' } };
      break;
  }
  return finish(spec, iface, `non_ip ${how}`);
}

/** Neighbour discovery and its look-alikes (3.5): types 133-137, hop limit, Fragment headers. */
function ndpPacket(rng: Rng, pool: AddressPool, ifaces: string[]): GeneratedPacket {
  const f = randomFields(rng, pool, ifaces);
  f.family = 6;
  f.src = rng.chance(0.5) ? [0xfe800000, 0, rng.u32(), rng.u32()] : addressInAny(rng, pool);
  f.dst = rng.chance(0.5) ? [0xff020000, 0, 1, (0xff000000 | (rng.u32() & 0xffffff)) >>> 0] : addressInAny(rng, pool);
  f.proto = rng.chance(0.92) ? 58 : 1;
  f.icmpType = rng.weighted([[4, 135], [4, 136], [1, 133], [1, 134], [1, 137]] as const);
  f.icmpCode = rng.chance(0.9) ? 0 : rng.int(1, 255);
  f.hopLimit = rng.chance(0.75) ? 255 : rng.pick([1, 64, 254]);
  f.fragment = rng.weighted([[8, 'none'], [2, 'first'], [1, 'non_first']] as const);
  const spec = specFromFields(rng, f, rng.chance(0.5));
  spec.payload = 20; // target address and an option, as real NS/NA carry
  if (rng.chance(0.1)) spec.truncate = buildFrameWithLayout(spec).layout.l4 + rng.int(0, 5);
  const notes = [`${f.icmpType}`, `hl=${f.hopLimit}`, f.fragment !== 'none' ? `frag=${f.fragment}` : '', f.proto !== 58 ? `proto=${f.proto}` : ''];
  return finish(spec, f.iface, `ndp ${notes.filter(Boolean).join(' ')}`);
}
