// The reference classifier: CONTRACT.md section 3, written from the text alone (not from the
// compiler or the BPF program), so that differential tests can hold the data path to it.
// Every decision cites the item of section 3 it implements ("3.4" = section 3, item 4).
//
// Readings of the contract (where the text leaves room; the data path must do the same):
//
//  R1  Malformed order (3.8, "the first that applies, in this order"). For IPv4 both forms of
//      ip_truncated are tested before the version: (a) fewer than 20 bytes after the link layer,
//      (b) IHL*4 past the frame end, with IHL read from the low nibble of byte 0 whatever the
//      version nibble says. Then ip_version, then ihl (IHL < 5). (b) can only fire when IHL > 5,
//      so it never competes with `ihl`; it does beat ip_version: version 6 under ethertype
//      0x0800 with IHL 15 in a 30-byte packet is ip_truncated. For IPv6: fewer than 40 bytes ->
//      ip_truncated, else version != 6 -> ip_version. ext_header, l4_truncated and tiny_fragment
//      follow in that order as the header walk meets them.
//  R2  "Past the frame" always means past the end of the frame XDP sees; IP total length /
//      payload length are never used (3.8: mismatches are not malformed). A header that ends
//      exactly at the frame end is in the frame.
//  R3  ext_header (3.6, 3.8): a walked header (IPv6 0/43/44/51/60, or the one IPv4 AH) whose size
//      by its own length field runs past the frame end. Every such header is >= 8 bytes, so "too
//      short to read the length byte" is the same case. The IPv6 walk counts headers (a Fragment
//      header counts); when 8 have been walked and the next-header value is still 0/43/44/51/60,
//      that 9th header is ext_header whether or not it lies inside the frame. Hop-by-hop (0) is
//      walked wherever it appears, not only first.
//  R4  IPv6 Fragment headers (3.6, 3.7): one at offset 0 (M flag either way, so an "atomic"
//      fragment too) makes the packet a first fragment and the walk goes on; the walk stops at
//      the first one with offset > 0 and its next-header value is the protocol, even if it is
//      0/43/44/51/60; the packet is then non_first.
//  R5  IPv4 fragments (3.7): offset = low 13 bits of bytes 6-7 (8-byte units); offset > 0 ->
//      non_first; offset 0 with MF -> first; else none. DF and the reserved bit are ignored.
//  R6  IPv4 AH (3.6): walked only when the IPv4 protocol is 51 and the packet is not a non-first
//      fragment; exactly one: an AH whose next header is 51 leaves protocol 51. In a non-first
//      fragment the protocol is the IPv4 header's.
//  R7  l4_truncated (3.8) is keyed on the protocol number alone, in both families: 1 and 58 are
//      both held to 4 bytes in IPv4 and IPv6 alike. It is measured from the L4 start to the frame
//      end. TCP: fewer than 20 bytes, or data offset < 5. A data offset pointing past the frame
//      is not malformed. Never applies to non-first fragments.
//  R8  tiny_fragment (3.8): IPv4 only, IPv4 header protocol 6, fragment offset exactly 1 (MF
//      either way). Never for IPv6.
//  R9  icmp_type / icmp_code (3.3) read bytes 0 and 1 of the L4 header of any packet whose
//      protocol is 1 or 58, whichever the family: a rule with proto icmp matches an IPv6 packet
//      with next header 1 (and its type byte) just as it matches IPv4 ICMP.
//  R10 NDP bypass (3.5): after the malformed checks; IPv6, hop limit 255, no Fragment header at
//      all (not even an atomic one), protocol 58 after walking the other extension headers (so a
//      hop-by-hop header in front does not prevent the bypass), ICMPv6 type 135 or 136, any code.
//  R11 Link layer (3.4): at most two tags are skipped, each 0x8100 or 0x88a8 in any order. A
//      third tag is non-IP whatever follows it (ARP behind a third tag is not "ARP after the
//      tags": it follows non_ip). A frame shorter than 14 bytes is non-IP and not ARP.
//  R12 Ports (3.3) need the packet protocol to be 6, 17 or 132 and an L4 header (not a non-first
//      fragment), in addition to any `proto` the rule names. tcp_flags needs protocol 6 and an
//      L4 header; icmp fields need protocol 1 or 58 and an L4 header (3.7).
//  R13 A set name a rule names but the ruleset does not hold counts as an empty set (matches
//      nothing). Outcome.ruleIndex is the index in ruleset.rules, disabled rules included.

import { wordMask, type Family, type PrefixList } from '../../src/ruleset/address';
import type { AddrField, Action, FragmentKind, Rule, Ruleset } from '../../src/ruleset/model';

export type MalformedReason = 'ip_truncated' | 'ip_version' | 'ihl' | 'ext_header' | 'l4_truncated' | 'tiny_fragment';

export const MALFORMED_REASONS: readonly MalformedReason[] = ['ip_truncated', 'ip_version', 'ihl', 'ext_header', 'l4_truncated', 'tiny_fragment'];

export type Outcome =
  | { kind: 'rule'; ruleIndex: number; ruleId: string; verdict: Action }
  | { kind: 'default'; verdict: Action }
  | { kind: 'malformed'; reason: MalformedReason; verdict: 'drop' }
  | { kind: 'bypass'; bypass: 'non_ip' | 'ndp'; verdict: Action };

/** A well-formed IP packet, as the matching of 3.1-3.3 and 3.7 sees it. */
export interface ParsedIp {
  kind: 'ip';
  family: Family;
  /** Address words (1 for IPv4, 4 for IPv6), as address.ts holds them. */
  src: number[];
  dst: number[];
  /** The protocol after IPv4 AH / IPv6 extension headers (3.6). */
  proto: number;
  /** IPv4 TTL or IPv6 hop limit. */
  hopLimit: number;
  fragment: FragmentKind;
  /** IPv6 extension headers (or the IPv4 AH) walked. */
  extHeaders: number;
  vlanTags: number;
  /** Offset of the L4 header in the frame; null for a non-first fragment (3.7). */
  l4Offset: number | null;
  sport: number | null;
  dport: number | null;
  tcpFlags: number | null;
  icmpType: number | null;
  icmpCode: number | null;
}

export interface ParsedNonIp {
  kind: 'non_ip';
  /** The ethertype after the tags, or null when the frame ended first. */
  ethertype: number | null;
  vlanTags: number;
  /** ARP after at most two tags: always passes (3.4). */
  arp: boolean;
}

export interface ParsedMalformed {
  kind: 'malformed';
  family: Family;
  reason: MalformedReason;
  vlanTags: number;
}

export type ParsedFrame = ParsedIp | ParsedNonIp | ParsedMalformed;

const ETH_HEADER_LEN = 14;
const VLAN_TAG_LEN = 4;
const MAX_VLAN_TAGS = 2;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_ARP = 0x0806;
const VLAN_TPIDS = new Set([0x8100, 0x88a8]);

const IPV4_MIN_HEADER = 20;
const IPV6_HEADER_LEN = 40;
const IPV4_MF = 0x2000;
const IPV4_OFFSET_MASK = 0x1fff;
const PROTO_AH = 51;
const IPV6_FRAGMENT = 44;
const IPV6_WALKED = new Set([0, 43, 44, 51, 60]);
const MAX_EXT_HEADERS = 8;

const PROTO_TCP = 6;
const PORT_PROTOS = new Set([6, 17, 132]);
const ICMP_PROTOS = new Set([1, 58]);
/** Minimum L4 header length to the frame end, per protocol (3.8 l4_truncated). */
const L4_MIN_LEN: ReadonlyMap<number, number> = new Map([[6, 20], [17, 8], [132, 12], [1, 4], [58, 4]]);
const TCP_MIN_DATA_OFFSET = 5;

const NDP_HOP_LIMIT = 255;
const NDP_TYPES = new Set([135, 136]);

export function parseFrame(frame: Buffer): ParsedFrame {
  // 3.4: a frame that cannot even hold the Ethernet header never reaches an IP ethertype.
  if (frame.length < ETH_HEADER_LEN) return { kind: 'non_ip', ethertype: null, vlanTags: 0, arp: false };
  let ethertype = frame.readUInt16BE(12);
  let at = ETH_HEADER_LEN;
  let tags = 0;
  while (VLAN_TPIDS.has(ethertype)) {
    // 3.4: a third tag, or a frame ending inside a tag, is non-IP (R11).
    if (tags === MAX_VLAN_TAGS || at + VLAN_TAG_LEN > frame.length) {
      return { kind: 'non_ip', ethertype: at + VLAN_TAG_LEN > frame.length ? null : ethertype, vlanTags: tags, arp: false };
    }
    ethertype = frame.readUInt16BE(at + 2);
    at += VLAN_TAG_LEN;
    tags++;
  }
  if (ethertype === ETHERTYPE_IPV4) return parseIPv4(frame, at, tags);
  if (ethertype === ETHERTYPE_IPV6) return parseIPv6(frame, at, tags);
  // 3.4: any other ethertype after the tags is non-IP; ARP is remembered because it always passes.
  return { kind: 'non_ip', ethertype, vlanTags: tags, arp: ethertype === ETHERTYPE_ARP };
}

function parseIPv4(frame: Buffer, l3: number, vlanTags: number): ParsedFrame {
  const end = frame.length;
  const bad = (reason: MalformedReason): ParsedMalformed => ({ kind: 'malformed', family: 4, reason, vlanTags });
  // 3.8 ip_truncated: too short for the 20-byte header.
  if (l3 + IPV4_MIN_HEADER > end) return bad('ip_truncated');
  const version = frame[l3] >> 4;
  const ihl = frame[l3] & 0xf;
  // 3.8 ip_truncated: IHL*4 past the frame; listed before ip_version, so tested first (R1).
  if (l3 + ihl * 4 > end) return bad('ip_truncated');
  // 3.8 ip_version, then ihl.
  if (version !== 4) return bad('ip_version');
  if (ihl < 5) return bad('ihl');

  // 3.7 / R5: fragment kind from MF and the offset.
  const fragField = frame.readUInt16BE(l3 + 6);
  const fragOffset = fragField & IPV4_OFFSET_MASK;
  const fragment: FragmentKind = fragOffset > 0 ? 'non_first' : fragField & IPV4_MF ? 'first' : 'none';

  let proto = frame[l3 + 9];
  // 3.6: IPv4 options are skipped by IHL.
  let l4 = l3 + ihl * 4;
  let extHeaders = 0;
  // 3.6 / R6: one AH header is walked, unless this is a non-first fragment.
  if (proto === PROTO_AH && fragment !== 'non_first') {
    // 3.8 ext_header: the AH header runs past the frame (R3), even before its length byte.
    if (l4 + 2 > end) return bad('ext_header');
    const size = (frame[l4 + 1] + 2) * 4;
    if (l4 + size > end) return bad('ext_header');
    proto = frame[l4];
    l4 += size;
    extHeaders = 1;
  }

  const l4Problem = checkL4(frame, l4, proto, fragment);
  if (l4Problem) return bad(l4Problem);
  // 3.8 tiny_fragment / R8: an IPv4 TCP fragment at offset 1 (its 8 bytes overlap ports and flags).
  if (proto === PROTO_TCP && fragOffset === 1) return bad('tiny_fragment');

  return withL4(frame, {
    kind: 'ip', family: 4,
    src: [frame.readUInt32BE(l3 + 12)], dst: [frame.readUInt32BE(l3 + 16)],
    proto, hopLimit: frame[l3 + 8], fragment, extHeaders, vlanTags, l4Offset: fragment === 'non_first' ? null : l4,
    sport: null, dport: null, tcpFlags: null, icmpType: null, icmpCode: null,
  });
}

function parseIPv6(frame: Buffer, l3: number, vlanTags: number): ParsedFrame {
  const end = frame.length;
  const bad = (reason: MalformedReason): ParsedMalformed => ({ kind: 'malformed', family: 6, reason, vlanTags });
  // 3.8 ip_truncated, then ip_version.
  if (l3 + IPV6_HEADER_LEN > end) return bad('ip_truncated');
  if (frame[l3] >> 4 !== 6) return bad('ip_version');

  // 3.6: walk the extension headers (R3, R4).
  let next = frame[l3 + 6];
  let at = l3 + IPV6_HEADER_LEN;
  let walked = 0;
  let fragment: FragmentKind = 'none';
  while (IPV6_WALKED.has(next)) {
    // 3.6 "at most 8 headers": a 9th is ext_header (3.8).
    if (walked === MAX_EXT_HEADERS) return bad('ext_header');
    if (next === IPV6_FRAGMENT) {
      // 3.6: a Fragment header is 8 bytes.
      if (at + 8 > end) return bad('ext_header');
      const offset = frame.readUInt16BE(at + 2) >> 3;
      next = frame[at];
      at += 8;
      walked++;
      // 3.6: the walk stops at a Fragment header with offset > 0; its next header is the protocol.
      if (offset > 0) {
        fragment = 'non_first';
        break;
      }
      fragment = 'first';
      continue;
    }
    // 3.6: AH is (len+2)*4 bytes, the others (len+1)*8; 3.8: running past the frame is ext_header.
    if (at + 2 > end) return bad('ext_header');
    const size = next === PROTO_AH ? (frame[at + 1] + 2) * 4 : (frame[at + 1] + 1) * 8;
    if (at + size > end) return bad('ext_header');
    next = frame[at];
    at += size;
    walked++;
  }
  const proto = next;

  const l4Problem = checkL4(frame, at, proto, fragment);
  if (l4Problem) return bad(l4Problem);

  const words = (from: number) => [0, 1, 2, 3].map((i) => frame.readUInt32BE(from + 4 * i));
  return withL4(frame, {
    kind: 'ip', family: 6,
    src: words(l3 + 8), dst: words(l3 + 24),
    proto, hopLimit: frame[l3 + 7], fragment, extHeaders: walked, vlanTags, l4Offset: fragment === 'non_first' ? null : at,
    sport: null, dport: null, tcpFlags: null, icmpType: null, icmpCode: null,
  });
}

/** 3.8 l4_truncated (R7): protocols 6, 17, 132, 1, 58 that carry an L4 header need its minimum. */
function checkL4(frame: Buffer, l4: number, proto: number, fragment: FragmentKind): MalformedReason | null {
  if (fragment === 'non_first') return null;
  const min = L4_MIN_LEN.get(proto);
  if (min === undefined) return null;
  if (frame.length - l4 < min) return 'l4_truncated';
  if (proto === PROTO_TCP && frame[l4 + 12] >> 4 < TCP_MIN_DATA_OFFSET) return 'l4_truncated';
  return null;
}

/** Fills the L4 fields of 3.3 from the header at l4Offset (none for non-first fragments, 3.7). */
function withL4(frame: Buffer, p: ParsedIp): ParsedIp {
  const l4 = p.l4Offset;
  if (l4 === null) return p;
  if (PORT_PROTOS.has(p.proto)) {
    // 3.3: the first two 16-bit fields of TCP, UDP and SCTP headers.
    p.sport = frame.readUInt16BE(l4);
    p.dport = frame.readUInt16BE(l4 + 2);
  }
  // 3.3: byte 13 of the TCP header.
  if (p.proto === PROTO_TCP) p.tcpFlags = frame[l4 + 13];
  // 3.3 / R9: the first two bytes of the ICMP or ICMPv6 header.
  if (ICMP_PROTOS.has(p.proto)) {
    p.icmpType = frame[l4];
    p.icmpCode = frame[l4 + 1];
  }
  return p;
}

export function classify(ruleset: Ruleset, frame: Buffer, iface: string): Outcome {
  return classifyParsed(ruleset, parseFrame(frame), iface);
}

export function classifyParsed(ruleset: Ruleset, parsed: ParsedFrame, iface: string): Outcome {
  if (parsed.kind === 'non_ip') {
    // 3.4: non-IP passes unless non_ip is drop; ARP always passes.
    const verdict: Action = parsed.arp || ruleset.nonIp !== 'drop' ? 'pass' : 'drop';
    return { kind: 'bypass', bypass: 'non_ip', verdict };
  }
  // 3.8: malformed packets are always dropped.
  if (parsed.kind === 'malformed') return { kind: 'malformed', reason: parsed.reason, verdict: 'drop' };
  // 3.5 / R10: neighbour solicitations and advertisements bypass the rules.
  if (ruleset.ndp === 'bypass' && isNeighbourDiscovery(parsed)) return { kind: 'bypass', bypass: 'ndp', verdict: 'pass' };
  // 3.1: the first enabled rule whose every given field matches.
  for (let i = 0; i < ruleset.rules.length; i++) {
    const rule = ruleset.rules[i];
    if (rule.enabled && ruleMatches(rule, parsed, iface, ruleset.sets)) {
      return { kind: 'rule', ruleIndex: i, ruleId: rule.id, verdict: rule.action };
    }
  }
  return { kind: 'default', verdict: ruleset.default };
}

export function isNeighbourDiscovery(p: ParsedIp): boolean {
  return p.family === 6 && p.hopLimit === NDP_HOP_LIMIT && p.fragment === 'none' && p.proto === 58 && p.icmpType !== null && NDP_TYPES.has(p.icmpType);
}

export function ruleMatches(rule: Rule, p: ParsedIp, iface: string, sets: ReadonlyMap<string, PrefixList>): boolean {
  if (rule.family !== null && rule.family !== p.family) return false;
  if (rule.iface !== null && !rule.iface.includes(iface)) return false;
  // 3.2: addresses match the entries of the packet's family only.
  if (rule.src !== null && !addressMatches(rule.src, p.family, p.src, sets)) return false;
  if (rule.dst !== null && !addressMatches(rule.dst, p.family, p.dst, sets)) return false;
  if (rule.proto !== null && !rule.proto.includes(p.proto)) return false;
  // 3.3 / R12: ports only for TCP, UDP, SCTP with an L4 header (3.7: never a non-first fragment).
  if (rule.sport !== null || rule.dport !== null) {
    if (!PORT_PROTOS.has(p.proto) || p.sport === null || p.dport === null) return false;
    if (rule.sport !== null && !rule.sport.some((r) => p.sport! >= r.lo && p.sport! <= r.hi)) return false;
    if (rule.dport !== null && !rule.dport.some((r) => p.dport! >= r.lo && p.dport! <= r.hi)) return false;
  }
  // 3.3: plain flags set, negated flags clear, others any.
  if (rule.tcpFlags !== null) {
    if (p.proto !== PROTO_TCP || p.tcpFlags === null) return false;
    const { set, clear } = rule.tcpFlags;
    if ((p.tcpFlags & set) !== set || (p.tcpFlags & clear) !== 0) return false;
  }
  if (rule.icmpType !== null && (p.icmpType === null || !rule.icmpType.includes(p.icmpType))) return false;
  if (rule.icmpCode !== null && (p.icmpCode === null || !rule.icmpCode.includes(p.icmpCode))) return false;
  // 3.7: fragment none / first / non_first.
  if (rule.fragment !== null && rule.fragment !== p.fragment) return false;
  return true;
}

/** 3.2: any literal prefix or current set member of the packet's family contains the address. */
export function addressMatches(field: AddrField, family: Family, address: number[], sets: ReadonlyMap<string, PrefixList>): boolean {
  const lists = [field.prefixes, ...field.sets.map((name) => sets.get(name))];
  // R13: an unknown set is empty.
  return lists.some((list) => list !== undefined && listContains(list, family, address));
}

/** Linear scan over the list's typed arrays (sets may hold many prefixes; no objects per prefix). */
function listContains(list: PrefixList, family: Family, address: number[]): boolean {
  const width = family === 4 ? 1 : 4;
  const { addr, len } = family === 4 ? list.v4() : list.v6();
  for (let i = 0; i < len.length; i++) {
    let inside = true;
    for (let w = 0; w < width && inside; w++) {
      const mask = wordMask(len[i] - 32 * w);
      inside = ((addr[i * width + w] ^ address[w]) & mask) >>> 0 === 0;
    }
    if (inside) return true;
  }
  return false;
}
