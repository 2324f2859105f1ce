// Unit tests of the reference classifier (test/lib/reference.ts), one named case per edge of
// CONTRACT section 3. The reference is the oracle the data path is held to, so these cases are
// written from the contract text; "R<n>" points at a reading documented in reference.ts.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RuleJson, Ruleset, RulesetJson } from '../src/ruleset/model';
import { buildFrame, type ExtHeaderSpec, type FrameSpec, type Ipv4Spec, type Ipv6Spec, type L4Spec } from './lib/packet';
import { classify, parseFrame, type MalformedReason, type Outcome } from './lib/reference';
import { rulesetJsonToModel } from './lib/ruleset-json';

const SYN = 0x02;
const ACK = 0x10;

function rs(rules: RuleJson[], top: Omit<RulesetJson, 'rules'> = {}): Ruleset {
  return rulesetJsonToModel({ ...top, rules });
}

function v4(l4?: L4Spec, ip: Partial<Ipv4Spec> = {}, rest: Partial<FrameSpec> = {}): FrameSpec {
  return { ip: { kind: 'ipv4', src: '192.0.2.10', dst: '198.51.100.20', ...ip }, l4, ...rest };
}

function v6(l4?: L4Spec, ip: Partial<Ipv6Spec> = {}, rest: Partial<FrameSpec> = {}): FrameSpec {
  return { ip: { kind: 'ipv6', src: '2001:db8::10', dst: '2001:db8:1::20', ...ip }, l4, ...rest };
}

const tcp = (dport = 22, flags = SYN, more: Partial<Extract<L4Spec, { kind: 'tcp' }>> = {}): L4Spec => ({ kind: 'tcp', sport: 40000, dport, flags, ...more });
const udp = (dport = 53): L4Spec => ({ kind: 'udp', sport: 40000, dport });
const sctp = (dport = 2905): L4Spec => ({ kind: 'sctp', sport: 40000, dport });
const icmp = (type: number, code = 0, protocol?: number): L4Spec => ({ kind: 'icmp', type, code, protocol });
const raw = (protocol: number, bytes = 0): L4Spec => ({ kind: 'raw', protocol, bytes });
const ext = (type: number, more: Partial<ExtHeaderSpec> = {}): ExtHeaderSpec => ({ type, ...more });
const hops = (n: number): ExtHeaderSpec[] => Array.from({ length: n }, (_, i) => ext([0, 43, 60][i % 3]));

interface Case {
  name: string;
  ruleset: Ruleset;
  frame: FrameSpec | Buffer;
  iface?: string;
  expect: Partial<Outcome> & { kind: Outcome['kind'] };
}

/** The outcome must agree with every key the case names. */
function runCases(cases: Case[]): void {
  for (const c of cases) {
    it(c.name, () => {
      const frame = Buffer.isBuffer(c.frame) ? c.frame : buildFrame(c.frame);
      const got = classify(c.ruleset, frame, c.iface ?? 'eth0') as unknown as Record<string, unknown>;
      for (const [key, value] of Object.entries(c.expect)) assert.equal(got[key], value, `${key} of ${JSON.stringify(got)}`);
    });
  }
}

const MALFORMED = (reason: MalformedReason) => ({ kind: 'malformed', reason, verdict: 'drop' }) as const;
const DEFAULT_PASS = { kind: 'default', verdict: 'pass' } as const;
const DEFAULT_DROP = { kind: 'default', verdict: 'drop' } as const;
const HIT = (ruleId: string) => ({ kind: 'rule', ruleId }) as const;
const NON_IP = (verdict: 'pass' | 'drop') => ({ kind: 'bypass', bypass: 'non_ip', verdict }) as const;
const NDP = { kind: 'bypass', bypass: 'ndp', verdict: 'pass' } as const;

const EMPTY = rs([]);
const DROP_ALL = rs([], { default: 'drop' });
const SSH = rs([{ id: 'ssh', proto: 'tcp', dport: 22, action: 'drop' }]);
const ANY_PORT_22 = rs([{ id: 'p22', dport: 22, action: 'drop' }]);
const DROP_NON_IP = rs([], { non_ip: 'drop' });

describe('3.4 link layer', () => {
  const tag = (tpid: number) => ({ tpid, vid: 10 });
  runCases([
    { name: 'untagged IPv4 reaches the rules', ruleset: SSH, frame: v4(tcp()), expect: HIT('ssh') },
    { name: 'one 0x8100 tag is skipped', ruleset: SSH, frame: v4(tcp(), {}, { vlans: [tag(0x8100)] }), expect: HIT('ssh') },
    { name: 'one 0x88a8 tag is skipped', ruleset: SSH, frame: v6(tcp(), {}, { vlans: [tag(0x88a8)] }), expect: HIT('ssh') },
    { name: 'two tags 0x88a8 then 0x8100 are skipped', ruleset: SSH, frame: v4(tcp(), {}, { vlans: [tag(0x88a8), tag(0x8100)] }), expect: HIT('ssh') },
    { name: 'two tags in the other order (0x8100 then 0x88a8) are skipped', ruleset: SSH, frame: v6(tcp(), {}, { vlans: [tag(0x8100), tag(0x88a8)] }), expect: HIT('ssh') },
    { name: 'a third tag is non-IP (passes by default)', ruleset: SSH, frame: v4(tcp(), {}, { vlans: [tag(0x8100), tag(0x8100), tag(0x8100)] }), expect: NON_IP('pass') },
    { name: 'a third tag is non-IP and dropped under non_ip drop', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x88a8), tag(0x8100), tag(0x8100)] }), expect: NON_IP('drop') },
    { name: 'an unknown TPID (0x9100) is just an ethertype: non-IP', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x9100)] }), expect: NON_IP('drop') },
    { name: 'ARP passes under non_ip drop', ruleset: DROP_NON_IP, frame: { ethertype: 0x0806, payload: 28 }, expect: NON_IP('pass') },
    { name: 'ARP behind two tags passes under non_ip drop', ruleset: DROP_NON_IP, frame: { vlans: [tag(0x88a8), tag(0x8100)], ethertype: 0x0806, payload: 28 }, expect: NON_IP('pass') },
    { name: 'ARP behind a third tag follows non_ip (R11)', ruleset: DROP_NON_IP, frame: { vlans: [tag(0x8100), tag(0x8100), tag(0x8100)], ethertype: 0x0806, payload: 28 }, expect: NON_IP('drop') },
    { name: 'ARP with no payload at all (14 bytes) still passes', ruleset: DROP_NON_IP, frame: { ethertype: 0x0806 }, expect: NON_IP('pass') },
    { name: 'LLDP passes under non_ip pass', ruleset: EMPTY, frame: { ethertype: 0x88cc, payload: 30 }, expect: NON_IP('pass') },
    { name: 'LLDP is dropped under non_ip drop', ruleset: DROP_NON_IP, frame: { ethertype: 0x88cc, payload: 30 }, expect: NON_IP('drop') },
    { name: 'non-IP bypasses default drop (non_ip pass)', ruleset: DROP_ALL, frame: { ethertype: 0x88cc }, expect: NON_IP('pass') },
    { name: 'a 13-byte frame is non-IP (R11), even with an ARP-looking start', ruleset: DROP_NON_IP, frame: { ethertype: 0x0806, truncate: 13 }, expect: NON_IP('drop') },
    { name: 'an empty frame is non-IP', ruleset: EMPTY, frame: Buffer.alloc(0), expect: NON_IP('pass') },
    { name: 'a frame ending inside the first tag is non-IP', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x8100)], truncate: 17 }), expect: NON_IP('drop') },
    { name: 'a frame ending inside the second tag is non-IP', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x8100), tag(0x8100)], truncate: 20 }), expect: NON_IP('drop') },
    { name: 'a frame ending right after the tags with IPv4 ethertype is ip_truncated', ruleset: EMPTY, frame: v4(tcp(), {}, { vlans: [tag(0x8100)], truncate: 18 }), expect: MALFORMED('ip_truncated') },
    { name: 'a 14-byte IPv4 frame is ip_truncated', ruleset: EMPTY, frame: v4(tcp(), {}, { truncate: 14 }), expect: MALFORMED('ip_truncated') },
  ]);
});

describe('3.8 malformed IPv4 header: ip_truncated, ip_version, ihl (R1)', () => {
  runCases([
    { name: '19 bytes of IPv4 header: ip_truncated', ruleset: EMPTY, frame: v4(undefined, {}, { truncate: 14 + 19 }), expect: MALFORMED('ip_truncated') },
    { name: '20 bytes of IPv4 header and nothing else: fine', ruleset: EMPTY, frame: v4(undefined, {}, { truncate: 14 + 20 }), expect: DEFAULT_PASS },
    { name: 'version 5: ip_version', ruleset: EMPTY, frame: v4(tcp(), { version: 5 }), expect: MALFORMED('ip_version') },
    { name: 'version 6 under ethertype 0x0800: ip_version', ruleset: EMPTY, frame: v4(tcp(), { version: 6 }), expect: MALFORMED('ip_version') },
    { name: 'version 0: ip_version', ruleset: EMPTY, frame: v4(tcp(), { version: 0 }), expect: MALFORMED('ip_version') },
    { name: 'IHL 4: ihl', ruleset: EMPTY, frame: v4(tcp(), { ihl: 4 }), expect: MALFORMED('ihl') },
    { name: 'IHL 3 in a 20-byte header: ihl', ruleset: EMPTY, frame: v4(undefined, { ihl: 3 }), expect: MALFORMED('ihl') },
    { name: 'IHL 0: ihl', ruleset: EMPTY, frame: v4(tcp(), { ihl: 0 }), expect: MALFORMED('ihl') },
    { name: 'IHL 5: fine', ruleset: SSH, frame: v4(tcp(), { ihl: 5 }), expect: HIT('ssh') },
    { name: 'IHL 15 with 30 bytes of IP: ip_truncated', ruleset: EMPTY, frame: v4(raw(253, 10), { ihl: 15 }), expect: MALFORMED('ip_truncated') },
    { name: 'IHL 15 with exactly 60 bytes of IP: fine', ruleset: EMPTY, frame: v4(raw(253, 40), { ihl: 15 }), expect: DEFAULT_PASS },
    { name: 'IHL 6 with 23 bytes of IP: ip_truncated', ruleset: EMPTY, frame: v4(raw(253, 3), { ihl: 6 }), expect: MALFORMED('ip_truncated') },
    { name: 'IHL 6 with 24 bytes of IP: fine', ruleset: EMPTY, frame: v4(raw(253, 4), { ihl: 6 }), expect: DEFAULT_PASS },
    { name: 'version 5 and IHL*4 past the frame: ip_truncated wins over ip_version (R1)', ruleset: EMPTY, frame: v4(raw(253, 10), { version: 5, ihl: 15 }), expect: MALFORMED('ip_truncated') },
    { name: 'version 5 and IHL 4: ip_version wins over ihl', ruleset: EMPTY, frame: v4(tcp(), { version: 5, ihl: 4 }), expect: MALFORMED('ip_version') },
    { name: 'options are skipped by IHL: ports behind 40 option bytes match', ruleset: SSH, frame: v4(tcp(), { options: 40 }), expect: HIT('ssh') },
    { name: 'IHL larger than the options: the L4 header is read where IHL says', ruleset: SSH, frame: v4(raw(6, 24), { ihl: 6 }), expect: DEFAULT_PASS },
    { name: 'total length lying (too big) is not malformed (R2)', ruleset: SSH, frame: v4(tcp(), { totalLength: 9000 }), expect: HIT('ssh') },
    { name: 'total length lying (too small) is not malformed (R2)', ruleset: SSH, frame: v4(tcp(), { totalLength: 20 }), expect: HIT('ssh') },
    { name: 'a bad IPv4 checksum is not malformed', ruleset: SSH, frame: v4(tcp(), { checksum: 0 }), expect: HIT('ssh') },
    { name: 'trailing padding is not malformed', ruleset: SSH, frame: v4(tcp(), {}, { payload: 30 }), expect: HIT('ssh') },
  ]);
});

describe('3.8 malformed IPv6 header', () => {
  runCases([
    { name: '39 bytes of IPv6 header: ip_truncated', ruleset: EMPTY, frame: v6(undefined, {}, { truncate: 14 + 39 }), expect: MALFORMED('ip_truncated') },
    { name: '40 bytes with next header 59: fine', ruleset: EMPTY, frame: v6(undefined, {}, { truncate: 14 + 40 }), expect: DEFAULT_PASS },
    { name: 'version 4 under ethertype 0x86dd: ip_version', ruleset: EMPTY, frame: v6(tcp(), { version: 4 }), expect: MALFORMED('ip_version') },
    { name: 'version 7: ip_version', ruleset: EMPTY, frame: v6(tcp(), { version: 7 }), expect: MALFORMED('ip_version') },
    { name: 'short frame with a wrong version: ip_truncated first', ruleset: EMPTY, frame: v6(undefined, { version: 4 }, { truncate: 30 }), expect: MALFORMED('ip_truncated') },
    { name: 'payload length lying is not malformed (R2)', ruleset: SSH, frame: v6(tcp(), { payloadLength: 3 }), expect: HIT('ssh') },
  ]);
});

describe('3.6 IPv6 extension headers', () => {
  const P60 = rs([{ id: 'p60', proto: 60, action: 'drop' }]);
  runCases([
    { name: 'hop-by-hop then TCP: ports matched', ruleset: SSH, frame: v6(tcp(), { ext: [ext(0)] }), expect: HIT('ssh') },
    { name: 'routing (43) and dest-opts (60) with length 3 (32 bytes): walked', ruleset: SSH, frame: v6(tcp(), { ext: [ext(43, { len: 3 }), ext(60, { len: 3 })] }), expect: HIT('ssh') },
    { name: 'hop-by-hop anywhere in the chain is walked (R3)', ruleset: SSH, frame: v6(tcp(), { ext: [ext(60), ext(0)] }), expect: HIT('ssh') },
    { name: 'AH (51) is (len+2)*4 bytes: ports behind it matched', ruleset: rs([{ id: 'dns', proto: 'udp', dport: 53, action: 'drop' }]), frame: v6(udp(53), { ext: [ext(51, { len: 4 })] }), expect: HIT('dns') },
    { name: 'AH with len 1 (12 bytes) then TCP', ruleset: SSH, frame: v6(tcp(), { ext: [ext(51, { len: 1 })] }), expect: HIT('ssh') },
    { name: 'an unwalked header type (135) is the protocol', ruleset: rs([{ id: 'p135', proto: 135, action: 'drop' }]), frame: v6(raw(135, 8)), expect: HIT('p135') },
    { name: '8 walked headers: fine', ruleset: SSH, frame: v6(tcp(), { ext: hops(8) }), expect: HIT('ssh') },
    { name: 'a 9th walked header: ext_header', ruleset: EMPTY, frame: v6(tcp(), { ext: hops(9) }), expect: MALFORMED('ext_header') },
    { name: 'a Fragment header counts among the 8', ruleset: EMPTY, frame: v6(tcp(), { ext: [...hops(4), ext(44), ...hops(4)] }), expect: MALFORMED('ext_header') },
    { name: '7 headers plus an offset-0 Fragment header: 8, fine', ruleset: SSH, frame: v6(tcp(), { ext: [...hops(4), ext(44), ...hops(3)] }), expect: HIT('ssh') },
    { name: 'after 8 headers a 9th walkable next header is ext_header even past the frame end (R3)', ruleset: EMPTY, frame: v6(undefined, { ext: [...hops(7), ext(60, { nextHeader: 60 })] }), expect: MALFORMED('ext_header') },
    { name: 'the 8th header a non-first Fragment: the walk stops, next header 60 is the protocol (R4)', ruleset: P60, frame: v6(raw(60, 16), { ext: [...hops(7), ext(44, { fragOffset: 3 })] }), expect: HIT('p60') },
    { name: 'a header whose length runs 1 byte past the frame: ext_header', ruleset: EMPTY, frame: v6(undefined, { ext: [ext(60, { len: 1 })] }, { truncate: 14 + 40 + 15 }), expect: MALFORMED('ext_header') },
    { name: 'a header ending exactly at the frame end: fine (R2)', ruleset: EMPTY, frame: v6(undefined, { ext: [ext(60, { len: 1 })] }, { truncate: 14 + 40 + 16 }), expect: DEFAULT_PASS },
    { name: 'only 1 byte of an extension header: ext_header', ruleset: EMPTY, frame: v6(undefined, { ext: [ext(0)] }, { truncate: 14 + 41 }), expect: MALFORMED('ext_header') },
    { name: 'next header 0 with no bytes left: ext_header', ruleset: EMPTY, frame: v6(undefined, { nextHeader: 0 }), expect: MALFORMED('ext_header') },
    { name: 'a Fragment header cut at 7 bytes: ext_header', ruleset: EMPTY, frame: v6(undefined, { ext: [ext(44)] }, { truncate: 14 + 40 + 7 }), expect: MALFORMED('ext_header') },
    { name: 'an AH whose (len+2)*4 runs past the frame: ext_header', ruleset: EMPTY, frame: v6(tcp(), { ext: [ext(51, { len: 200, size: 24 })] }), expect: MALFORMED('ext_header') },
    { name: 'a lying length that lands inside TCP: the walk goes on from there', ruleset: SSH, frame: v6(tcp(), { ext: [ext(60, { len: 1, size: 8 })] }, { payload: 40 }), expect: DEFAULT_PASS },
    { name: 'a lying length leaving too little for TCP: l4_truncated', ruleset: SSH, frame: v6(tcp(), { ext: [ext(60, { len: 1, size: 8 })] }), expect: MALFORMED('l4_truncated') },
  ]);
});

describe('3.6 IPv4 AH', () => {
  runCases([
    { name: 'AH then TCP: ports behind AH matched', ruleset: SSH, frame: v4(tcp(), { ah: {} }), expect: HIT('ssh') },
    { name: 'AH with len 1 (12 bytes) then UDP', ruleset: rs([{ id: 'dns', proto: 'udp', dport: 53, action: 'drop' }]), frame: v4(udp(53), { ah: { len: 1 } }), expect: HIT('dns') },
    { name: 'AH after IPv4 options', ruleset: SSH, frame: v4(tcp(), { ah: {}, options: 8 }), expect: HIT('ssh') },
    { name: 'AH running past the frame: ext_header', ruleset: EMPTY, frame: v4(tcp(), { ah: { len: 100, size: 24 } }), expect: MALFORMED('ext_header') },
    { name: 'AH with only 1 byte in the frame: ext_header', ruleset: EMPTY, frame: v4(undefined, { ah: {} }, { truncate: 14 + 20 + 1 }), expect: MALFORMED('ext_header') },
    { name: 'AH ending exactly at the frame end, next header 59: fine', ruleset: EMPTY, frame: v4(undefined, { ah: { nextHeader: 59 } }), expect: DEFAULT_PASS },
    { name: 'AH ending at the frame end before TCP: l4_truncated', ruleset: EMPTY, frame: v4(undefined, { ah: { nextHeader: 6 } }), expect: MALFORMED('l4_truncated') },
    { name: 'only one AH is walked: AH in AH leaves protocol 51 (R6)', ruleset: rs([{ id: 'ah', proto: 51, action: 'drop' }]), frame: v4(raw(51, 16), { ah: { nextHeader: 51 } }), expect: HIT('ah') },
    { name: 'AH in a non-first fragment is not walked: protocol 51 (R6)', ruleset: rs([{ id: 'ah', proto: 51, action: 'drop' }]), frame: v4(raw(51, 4), { protocol: 51, fragOffset: 10 }), expect: HIT('ah') },
    { name: 'AH in a first fragment is walked', ruleset: SSH, frame: v4(tcp(), { ah: {}, mf: true }), expect: HIT('ssh') },
  ]);
});

describe('3.8 l4_truncated (R7) and tiny_fragment (R8)', () => {
  const cut = (spec: FrameSpec, l4Bytes: number, l3Len = 20): FrameSpec => ({ ...spec, truncate: 14 + l3Len + l4Bytes });
  runCases([
    { name: 'TCP 19 bytes: l4_truncated', ruleset: EMPTY, frame: cut(v4(tcp()), 19), expect: MALFORMED('l4_truncated') },
    { name: 'TCP 20 bytes: fine', ruleset: SSH, frame: cut(v4(tcp()), 20), expect: HIT('ssh') },
    { name: 'TCP data offset 4: l4_truncated', ruleset: EMPTY, frame: v4(tcp(22, SYN, { dataOffset: 4 })), expect: MALFORMED('l4_truncated') },
    { name: 'TCP data offset 0: l4_truncated', ruleset: EMPTY, frame: v6(tcp(22, SYN, { dataOffset: 0 })), expect: MALFORMED('l4_truncated') },
    { name: 'TCP data offset 15 past the frame: not malformed (R7)', ruleset: SSH, frame: v4(tcp(22, SYN, { dataOffset: 15 })), expect: HIT('ssh') },
    { name: 'UDP 7 bytes: l4_truncated', ruleset: EMPTY, frame: cut(v4(udp()), 7), expect: MALFORMED('l4_truncated') },
    { name: 'UDP 8 bytes: fine', ruleset: EMPTY, frame: cut(v4(udp()), 8), expect: DEFAULT_PASS },
    { name: 'SCTP 11 bytes: l4_truncated', ruleset: EMPTY, frame: cut(v6(sctp()), 11, 40), expect: MALFORMED('l4_truncated') },
    { name: 'SCTP 12 bytes: fine', ruleset: EMPTY, frame: cut(v6(sctp()), 12, 40), expect: DEFAULT_PASS },
    { name: 'ICMP 3 bytes: l4_truncated', ruleset: EMPTY, frame: cut(v4(icmp(8)), 3), expect: MALFORMED('l4_truncated') },
    { name: 'ICMP 4 bytes: fine', ruleset: EMPTY, frame: cut(v4(icmp(8)), 4), expect: DEFAULT_PASS },
    { name: 'ICMPv6 3 bytes: l4_truncated', ruleset: EMPTY, frame: cut(v6(icmp(128)), 3, 40), expect: MALFORMED('l4_truncated') },
    { name: 'ICMPv6 4 bytes: fine', ruleset: EMPTY, frame: cut(v6(icmp(128)), 4, 40), expect: DEFAULT_PASS },
    { name: 'protocol 58 in IPv4 with 3 bytes: l4_truncated (R7)', ruleset: EMPTY, frame: cut(v4(icmp(128, 0, 58)), 3), expect: MALFORMED('l4_truncated') },
    { name: 'protocol 1 in IPv6 with 3 bytes: l4_truncated (R7)', ruleset: EMPTY, frame: cut(v6(icmp(8, 0, 1)), 3, 40), expect: MALFORMED('l4_truncated') },
    { name: 'GRE with no bytes at all: not malformed', ruleset: EMPTY, frame: v4(raw(47, 0)), expect: DEFAULT_PASS },
    { name: 'a tiny first fragment (TCP 8 bytes, MF): l4_truncated', ruleset: EMPTY, frame: cut(v4(tcp(), { mf: true }), 8), expect: MALFORMED('l4_truncated') },
    { name: 'an IPv6 first fragment with 10 bytes of TCP: l4_truncated', ruleset: EMPTY, frame: cut(v6(tcp(), { ext: [ext(44, { more: true })] }), 10, 48), expect: MALFORMED('l4_truncated') },
    { name: 'a non-first fragment with no L4 bytes: not malformed', ruleset: EMPTY, frame: v4(raw(6, 0), { fragOffset: 5 }), expect: DEFAULT_PASS },
    { name: 'an IPv6 non-first fragment with no L4 bytes: not malformed', ruleset: EMPTY, frame: v6(raw(17, 0), { ext: [ext(44, { fragOffset: 5 })] }), expect: DEFAULT_PASS },
    { name: 'IPv4 TCP at fragment offset 1: tiny_fragment', ruleset: EMPTY, frame: v4(raw(6, 8), { fragOffset: 1, mf: true }), expect: MALFORMED('tiny_fragment') },
    { name: 'IPv4 TCP at fragment offset 1 without MF: tiny_fragment (R8)', ruleset: EMPTY, frame: v4(raw(6, 8), { fragOffset: 1 }), expect: MALFORMED('tiny_fragment') },
    { name: 'IPv4 TCP at fragment offset 2: fine', ruleset: EMPTY, frame: v4(raw(6, 8), { fragOffset: 2 }), expect: DEFAULT_PASS },
    { name: 'IPv4 UDP at fragment offset 1: fine', ruleset: EMPTY, frame: v4(raw(17, 8), { fragOffset: 1 }), expect: DEFAULT_PASS },
    { name: 'IPv6 TCP at fragment offset 1: fine (R8)', ruleset: EMPTY, frame: v6(raw(6, 8), { ext: [ext(44, { fragOffset: 1 })] }), expect: DEFAULT_PASS },
    { name: 'malformed beats default drop and matching rules', ruleset: rs([{ id: 'all', action: 'pass' }]), frame: v4(tcp(), { ihl: 4 }), expect: MALFORMED('ihl') },
    { name: 'ext_header comes before l4_truncated', ruleset: EMPTY, frame: v6(tcp(), { ext: [ext(60, { len: 2 })] }, { truncate: 14 + 40 + 20 }), expect: MALFORMED('ext_header') },
  ]);
});

describe('3.5 neighbour discovery', () => {
  const LINK = { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 };
  const ndRules = rs([], { default: 'drop', ndp: 'rules' });
  runCases([
    { name: 'NS (135), hop limit 255: bypass ndp under default drop', ruleset: DROP_ALL, frame: v6(icmp(135), LINK, { payload: 20 }), expect: NDP },
    { name: 'NA (136): bypass ndp', ruleset: DROP_ALL, frame: v6(icmp(136), LINK), expect: NDP },
    { name: 'NS with a non-zero code still bypasses (R10)', ruleset: DROP_ALL, frame: v6(icmp(135, 7), LINK), expect: NDP },
    { name: 'NS bypasses a rule that would drop it', ruleset: rs([{ id: 'no-icmp6', proto: 'icmpv6', action: 'drop' }]), frame: v6(icmp(135), LINK), expect: NDP },
    { name: 'NS behind hop-by-hop: bypass (R10)', ruleset: DROP_ALL, frame: v6(icmp(135), { ...LINK, ext: [ext(0)] }), expect: NDP },
    { name: 'RS (133) goes through the rules', ruleset: DROP_ALL, frame: v6(icmp(133), LINK), expect: DEFAULT_DROP },
    { name: 'RA (134) goes through the rules', ruleset: DROP_ALL, frame: v6(icmp(134), LINK), expect: DEFAULT_DROP },
    { name: 'redirect (137) goes through the rules', ruleset: DROP_ALL, frame: v6(icmp(137), LINK), expect: DEFAULT_DROP },
    { name: 'NS with hop limit 254 goes through the rules', ruleset: DROP_ALL, frame: v6(icmp(135), { ...LINK, hopLimit: 254 }), expect: DEFAULT_DROP },
    { name: 'NS with an offset-0 Fragment header goes through the rules', ruleset: DROP_ALL, frame: v6(icmp(135), { ...LINK, ext: [ext(44, { more: true })] }), expect: DEFAULT_DROP },
    { name: 'NS with an atomic Fragment header (offset 0, no M) goes through the rules (R4, R10)', ruleset: DROP_ALL, frame: v6(icmp(135), { ...LINK, ext: [ext(44)] }), expect: DEFAULT_DROP },
    { name: 'type 135 over protocol 1 in IPv6 is not NDP', ruleset: DROP_ALL, frame: v6(icmp(135, 0, 1), LINK), expect: DEFAULT_DROP },
    { name: 'type 135 over ICMP in IPv4 with TTL 255 is not NDP', ruleset: DROP_ALL, frame: v4(icmp(135, 0, 58), { ttl: 255 }), expect: DEFAULT_DROP },
    { name: 'ndp: rules classifies NS like any packet', ruleset: ndRules, frame: v6(icmp(135), LINK), expect: DEFAULT_DROP },
    { name: 'ndp: rules lets a rule match NS', ruleset: rs([{ id: 'ns', proto: 'icmpv6', icmp_type: 135, action: 'pass' }], { default: 'drop', ndp: 'rules' }), frame: v6(icmp(135), LINK), expect: HIT('ns') },
    { name: 'a truncated NS (3 ICMPv6 bytes) is malformed, not bypassed', ruleset: DROP_ALL, frame: v6(icmp(135), LINK, { truncate: 14 + 40 + 3 }), expect: MALFORMED('l4_truncated') },
  ]);
});

describe('3.1-3.3 matching', () => {
  runCases([
    { name: 'first match wins', ruleset: rs([{ id: 'a', proto: 'tcp', action: 'pass' }, { id: 'b', dport: 22, action: 'drop' }]), frame: v4(tcp()), expect: { kind: 'rule', ruleId: 'a', ruleIndex: 0, verdict: 'pass' } },
    { name: 'a non-matching earlier rule is passed over', ruleset: rs([{ id: 'a', proto: 'udp', action: 'pass' }, { id: 'b', dport: 22, action: 'drop' }]), frame: v4(tcp()), expect: { kind: 'rule', ruleId: 'b', ruleIndex: 1, verdict: 'drop' } },
    { name: 'a disabled rule is skipped (ruleIndex counts it, R13)', ruleset: rs([{ id: 'off', action: 'drop', enabled: false }, { id: 'on', action: 'pass' }]), frame: v4(tcp()), expect: { kind: 'rule', ruleId: 'on', ruleIndex: 1 } },
    { name: 'no match: default drop', ruleset: rs([{ id: 'a', proto: 'udp', action: 'pass' }], { default: 'drop' }), frame: v4(tcp()), expect: DEFAULT_DROP },
    { name: 'empty rules: default pass', ruleset: EMPTY, frame: v6(udp()), expect: DEFAULT_PASS },
    { name: 'a port rule without proto matches UDP', ruleset: ANY_PORT_22, frame: v4(udp(22)), expect: HIT('p22') },
    { name: 'a port rule without proto matches SCTP', ruleset: ANY_PORT_22, frame: v6(sctp(22)), expect: HIT('p22') },
    { name: 'a port rule without proto does not match ICMP', ruleset: ANY_PORT_22, frame: v4(icmp(8, 0)), expect: DEFAULT_PASS },
    { name: 'a port rule without proto does not match GRE whose bytes look like port 22', ruleset: ANY_PORT_22, frame: v4(raw(47, 0), {}, { payload: '9c400016' }), expect: DEFAULT_PASS },
    { name: 'a port rule with proto [udp, sctp] does not match TCP', ruleset: rs([{ id: 'p', proto: ['udp', 'sctp'], dport: 22, action: 'drop' }]), frame: v4(tcp()), expect: DEFAULT_PASS },
    { name: 'dport range lower edge', ruleset: rs([{ id: 'r', dport: '8000-8099', action: 'drop' }]), frame: v4(tcp(8000)), expect: HIT('r') },
    { name: 'dport range upper edge', ruleset: rs([{ id: 'r', dport: '8000-8099', action: 'drop' }]), frame: v4(tcp(8099)), expect: HIT('r') },
    { name: 'dport range just below', ruleset: rs([{ id: 'r', dport: '8000-8099', action: 'drop' }]), frame: v4(tcp(7999)), expect: DEFAULT_PASS },
    { name: 'dport range just above', ruleset: rs([{ id: 'r', dport: '8000-8099', action: 'drop' }]), frame: v4(tcp(8100)), expect: DEFAULT_PASS },
    { name: 'dport array alternatives', ruleset: rs([{ id: 'w', proto: 'tcp', dport: [80, 443, '8000-8099'], action: 'pass' }]), frame: v6(tcp(443)), expect: HIT('w') },
    { name: 'sport matched on the first 16 bits', ruleset: rs([{ id: 's', sport: 40000, action: 'drop' }]), frame: v4(udp(1)), expect: HIT('s') },
    { name: 'tcp_flags syn,!ack: SYN matches', ruleset: rs([{ id: 'f', proto: 'tcp', tcp_flags: 'syn,!ack', action: 'drop' }]), frame: v4(tcp(80, SYN)), expect: HIT('f') },
    { name: 'tcp_flags syn,!ack: SYN-ACK does not', ruleset: rs([{ id: 'f', proto: 'tcp', tcp_flags: 'syn,!ack', action: 'drop' }]), frame: v4(tcp(80, SYN | ACK)), expect: DEFAULT_PASS },
    { name: 'tcp_flags: other flags are any', ruleset: rs([{ id: 'f', proto: 6, tcp_flags: 'syn,!ack', action: 'drop' }]), frame: v6(tcp(80, SYN | 0x08 | 0x80)), expect: HIT('f') },
    { name: 'icmp_type 8 matches an IPv4 echo request', ruleset: rs([{ id: 'ping', proto: 'icmp', icmp_type: 8, action: 'drop' }]), frame: v4(icmp(8)), expect: HIT('ping') },
    { name: 'icmp_type 8 does not match an echo reply', ruleset: rs([{ id: 'ping', proto: 'icmp', icmp_type: 8, action: 'drop' }]), frame: v4(icmp(0)), expect: DEFAULT_PASS },
    { name: 'proto icmp with icmp_type matches IPv6 next header 1 (R9)', ruleset: rs([{ id: 'ping', proto: 'icmp', icmp_type: 8, action: 'drop' }]), frame: v6(icmp(8, 0, 1)), expect: HIT('ping') },
    { name: 'proto icmpv6 icmp_type 128 matches an ICMPv6 echo request', ruleset: rs([{ id: 'ping6', proto: 'icmpv6', icmp_type: 128, action: 'drop' }]), frame: v6(icmp(128)), expect: HIT('ping6') },
    { name: 'proto icmpv6 does not match IPv4 ICMP type 128', ruleset: rs([{ id: 'ping6', proto: 'icmpv6', icmp_type: 128, action: 'drop' }]), frame: v4(icmp(128)), expect: DEFAULT_PASS },
    { name: 'icmp_code compares the second byte', ruleset: rs([{ id: 'unreach', proto: 'icmp', icmp_type: 3, icmp_code: [1, 3], action: 'drop' }]), frame: v4(icmp(3, 3)), expect: HIT('unreach') },
    { name: 'icmp_code mismatch', ruleset: rs([{ id: 'unreach', proto: 'icmp', icmp_type: 3, icmp_code: [1, 3], action: 'drop' }]), frame: v4(icmp(3, 4)), expect: DEFAULT_PASS },
    { name: 'proto list alternatives', ruleset: rs([{ id: 'gre-esp', proto: ['gre', 50], action: 'drop' }]), frame: v6(raw(50, 8)), expect: HIT('gre-esp') },
    { name: 'proto name and number are the same', ruleset: rs([{ id: 'u', proto: 17, action: 'drop' }]), frame: v4(udp()), expect: HIT('u') },
    { name: 'iface matches', ruleset: rs([{ id: 'i', iface: ['eth1', 'eth2'], action: 'drop' }]), frame: v4(udp()), iface: 'eth1', expect: HIT('i') },
    { name: 'iface mismatch', ruleset: rs([{ id: 'i', iface: 'eth1', action: 'drop' }]), frame: v4(udp()), iface: 'eth0', expect: DEFAULT_PASS },
    { name: 'family ipv6 does not match IPv4', ruleset: rs([{ id: 'f6', family: 'ipv6', action: 'drop' }]), frame: v4(udp()), expect: DEFAULT_PASS },
    { name: 'family ipv6 matches IPv6', ruleset: rs([{ id: 'f6', family: 'ipv6', action: 'drop' }]), frame: v6(udp()), expect: HIT('f6') },
  ]);
});

describe('3.2 addresses and sets', () => {
  const sets = { sets: { empty: [], v6only: ['2001:db8::/32'], mixed: ['192.0.2.0/24', '2001:db8::/32'] } };
  runCases([
    { name: 'a v4 literal matches inside its prefix', ruleset: rs([{ id: 'a', src: '192.0.2.0/24', action: 'drop' }]), frame: v4(udp()), expect: HIT('a') },
    { name: 'a v4 literal does not match outside', ruleset: rs([{ id: 'a', src: '192.0.3.0/24', action: 'drop' }]), frame: v4(udp()), expect: DEFAULT_PASS },
    { name: 'a /32 is one address', ruleset: rs([{ id: 'a', dst: '198.51.100.20', action: 'drop' }]), frame: v4(udp()), expect: HIT('a') },
    { name: 'a /32 next door does not match', ruleset: rs([{ id: 'a', dst: '198.51.100.21/32', action: 'drop' }]), frame: v4(udp()), expect: DEFAULT_PASS },
    { name: 'a /128 is one address', ruleset: rs([{ id: 'a', src: '2001:db8::10/128', action: 'drop' }]), frame: v6(udp()), expect: HIT('a') },
    { name: '0.0.0.0/0 matches every IPv4 source', ruleset: rs([{ id: 'a', src: '0.0.0.0/0', action: 'drop' }]), frame: v4(udp()), expect: HIT('a') },
    { name: '0.0.0.0/0 never matches IPv6', ruleset: rs([{ id: 'a', src: '0.0.0.0/0', action: 'drop' }]), frame: v6(udp()), expect: DEFAULT_PASS },
    { name: '::/0 never matches IPv4', ruleset: rs([{ id: 'a', dst: '::/0', action: 'drop' }]), frame: v4(udp()), expect: DEFAULT_PASS },
    { name: 'mixed literals: the IPv6 entry matches IPv6', ruleset: rs([{ id: 'a', src: ['10.0.0.0/8', '2001:db8::/32'], action: 'drop' }]), frame: v6(udp()), expect: HIT('a') },
    { name: 'no IPv4-mapped translation', ruleset: rs([{ id: 'a', src: '192.0.2.10', action: 'drop' }]), frame: v6(udp(), { src: '::ffff:192.0.2.10' }), expect: DEFAULT_PASS },
    { name: 'src and dst must both match', ruleset: rs([{ id: 'a', src: '192.0.2.0/24', dst: '203.0.113.0/24', action: 'drop' }]), frame: v4(udp()), expect: DEFAULT_PASS },
    { name: 'an empty set matches nothing', ruleset: rs([{ id: 'a', src: '@empty', action: 'drop' }], sets), frame: v4(udp()), expect: DEFAULT_PASS },
    { name: 'a set holding only IPv6 does not match IPv4', ruleset: rs([{ id: 'a', src: '@v6only', action: 'drop' }], sets), frame: v4(udp()), expect: DEFAULT_PASS },
    { name: 'a set holding only IPv6 matches IPv6', ruleset: rs([{ id: 'a', src: '@v6only', action: 'drop' }], sets), frame: v6(udp()), expect: HIT('a') },
    { name: 'a mixed set matches IPv4 by its IPv4 members', ruleset: rs([{ id: 'a', src: '@mixed', action: 'drop' }], sets), frame: v4(udp()), expect: HIT('a') },
    { name: 'literal v6 plus a set: IPv4 matches via the set', ruleset: rs([{ id: 'a', src: ['2001:db8:ffff::/48', '@mixed'], action: 'drop' }], sets), frame: v4(udp()), expect: HIT('a') },
    { name: 'literal v4 plus an empty set: IPv6 never matches', ruleset: rs([{ id: 'a', src: ['192.0.2.0/24', '@empty'], action: 'drop' }], sets), frame: v6(udp()), expect: DEFAULT_PASS },
    { name: 'a set name the ruleset lacks matches nothing (R13)', ruleset: rs([{ id: 'a', src: '@missing', action: 'drop' }]), frame: v4(udp()), expect: DEFAULT_PASS },
  ]);
});

describe('3.7 fragments', () => {
  const frag = (f: 'none' | 'first' | 'non_first') => rs([{ id: f, fragment: f, action: 'drop' }]);
  runCases([
    { name: 'a non-first IPv4 fragment never matches a port rule', ruleset: ANY_PORT_22, frame: v4(raw(6, 16), { fragOffset: 100 }, { payload: '9c4000160000' }), expect: DEFAULT_PASS },
    { name: 'a non-first IPv6 fragment never matches a port rule', ruleset: ANY_PORT_22, frame: v6(raw(17, 16), { ext: [ext(44, { fragOffset: 100 })] }), expect: DEFAULT_PASS },
    { name: 'a non-first fragment never matches tcp_flags', ruleset: rs([{ id: 'f', proto: 'tcp', tcp_flags: '!syn', action: 'drop' }]), frame: v4(raw(6, 16), { fragOffset: 3 }), expect: DEFAULT_PASS },
    { name: 'a non-first fragment never matches icmp_type', ruleset: rs([{ id: 'f', proto: 'icmp', icmp_type: 0x5a, action: 'drop' }]), frame: v4(raw(1, 16), { fragOffset: 3 }), expect: DEFAULT_PASS },
    { name: 'a non-first fragment matches src + proto + fragment non_first', ruleset: rs([{ id: 'edns', fragment: 'non_first', src: '192.0.2.0/24', proto: 'udp', action: 'pass' }], { default: 'drop' }), frame: v4(raw(17, 16), { fragOffset: 185 }), expect: HIT('edns') },
    { name: 'IPv4 first fragment (MF, offset 0) matches ports', ruleset: SSH, frame: v4(tcp(), { mf: true }), expect: HIT('ssh') },
    { name: 'IPv6 first fragment matches ports', ruleset: SSH, frame: v6(tcp(), { ext: [ext(44, { more: true })] }), expect: HIT('ssh') },
    { name: 'fragment none: an unfragmented packet', ruleset: frag('none'), frame: v4(udp()), expect: HIT('none') },
    { name: 'fragment none: DF does not make a fragment', ruleset: frag('none'), frame: v4(udp(), { df: true }), expect: HIT('none') },
    { name: 'fragment none does not match a first fragment', ruleset: frag('none'), frame: v4(udp(), { mf: true }), expect: DEFAULT_PASS },
    { name: 'fragment first: IPv4 MF at offset 0', ruleset: frag('first'), frame: v4(udp(), { mf: true }), expect: HIT('first') },
    { name: 'fragment first: IPv6 atomic fragment (R4)', ruleset: frag('first'), frame: v6(udp(), { ext: [ext(44)] }), expect: HIT('first') },
    { name: 'fragment first does not match the last fragment (offset > 0, no MF)', ruleset: frag('first'), frame: v4(raw(17, 8), { fragOffset: 9 }), expect: DEFAULT_PASS },
    { name: 'fragment non_first: IPv4 offset > 0', ruleset: frag('non_first'), frame: v4(raw(17, 8), { fragOffset: 9, mf: true }), expect: HIT('non_first') },
    { name: 'fragment non_first: IPv6 offset > 0', ruleset: frag('non_first'), frame: v6(raw(17, 8), { ext: [ext(0), ext(44, { fragOffset: 9 })] }), expect: HIT('non_first') },
    { name: 'IPv6: offset-0 then offset>0 Fragment headers: non_first (R4)', ruleset: frag('non_first'), frame: v6(raw(17, 8), { ext: [ext(44), ext(44, { fragOffset: 2 })] }), expect: HIT('non_first') },
  ]);
});

describe('parseFrame', () => {
  it('reads the L4 fields of 3.3', () => {
    const p = parseFrame(buildFrame(v4(tcp(443, SYN | ACK), { options: 4, ttl: 7 }, { vlans: [{ tpid: 0x8100, vid: 1 }] })));
    assert.equal(p.kind, 'ip');
    if (p.kind !== 'ip') return;
    assert.deepEqual({ family: p.family, src: p.src, dst: p.dst, proto: p.proto, sport: p.sport, dport: p.dport, tcpFlags: p.tcpFlags, hop: p.hopLimit, vlans: p.vlanTags, l4: p.l4Offset },
      { family: 4, src: [0xc000020a], dst: [0xc6336414], proto: 6, sport: 40000, dport: 443, tcpFlags: SYN | ACK, hop: 7, vlans: 1, l4: 18 + 24 });
  });

  it('reads ICMPv6 type and code behind extension headers', () => {
    const p = parseFrame(buildFrame(v6(icmp(129, 3), { ext: [ext(0), ext(51)] })));
    assert.equal(p.kind, 'ip');
    if (p.kind !== 'ip') return;
    assert.deepEqual([p.proto, p.icmpType, p.icmpCode, p.sport, p.extHeaders, p.fragment], [58, 129, 3, null, 2, 'none']);
  });

  it('has no L4 fields for a non-first fragment', () => {
    const p = parseFrame(buildFrame(v6(raw(6, 40), { ext: [ext(44, { fragOffset: 8 })] })));
    assert.equal(p.kind, 'ip');
    if (p.kind !== 'ip') return;
    assert.deepEqual([p.proto, p.fragment, p.l4Offset, p.sport, p.tcpFlags], [6, 'non_first', null, null, null]);
  });

  it('names the malformed reason and non-IP ethertype', () => {
    assert.deepEqual(parseFrame(buildFrame(v4(tcp(), { ihl: 2 }))), { kind: 'malformed', family: 4, reason: 'ihl', vlanTags: 0 });
    assert.deepEqual(parseFrame(buildFrame({ ethertype: 0x0806, vlans: [{ tpid: 0x88a8, vid: 2 }] })), { kind: 'non_ip', ethertype: 0x0806, vlanTags: 1, arp: true });
  });
});
