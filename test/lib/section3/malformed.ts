// CONTRACT 3.8 (malformed, the first reason that applies) and 3.6's IPv4 options: frames too
// short for their IP header, wrong versions, IHL < 5, truncated L4 headers, RFC 1858 tiny
// fragments. Malformed frames are dropped whatever the rules say and touch no rule counter.

import { ACK, DEFAULT_PASS, EMPTY, HIT, MALFORMED, SSH, SYN, ext, icmp, raw, rs, sctp, tcp, udp, v4, v6, type Section3Group } from './dsl';
import type { FrameSpec } from '../packet';

const PASS_ALL = rs([{ id: 'all', action: 'pass' }]);
const FRAGMENTS_PASS = rs([{ id: 'frags', fragment: 'non_first', action: 'pass' }], { default: 'drop' });
const cut = (spec: FrameSpec, l4Bytes: number, l3Len = 20): FrameSpec => ({ ...spec, truncate: 14 + l3Len + l4Bytes });

export const IPV4_HEADER: Section3Group = {
  title: '3.8 malformed IPv4 header: ip_truncated, ip_version, ihl (R1); 3.6 options',
  cases: [
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
    { name: 'IHL 4 is dropped even when a rule passes everything', ruleset: PASS_ALL, frame: v4(tcp(), { ihl: 4 }), expect: MALFORMED('ihl') },
    { name: 'IHL 6 (4 option bytes): ports read after the options', ruleset: SSH, frame: v4(tcp(), { options: 4 }), expect: HIT('ssh') },
    { name: 'IHL 15 (40 option bytes) with a UDP port rule', ruleset: rs([{ id: 'dns', proto: 'udp', dport: 53, action: 'drop' }]), frame: v4(udp(53), { options: 40 }), expect: HIT('dns') },
    { name: 'options would be read as ports if IHL were ignored: no false match', ruleset: rs([{ id: 'p', dport: 0x0101, action: 'drop' }]), frame: v4(udp(80), { options: 8 }), expect: DEFAULT_PASS },
    { name: 'IHL 5 with a 19-byte frame after tags: ip_truncated', ruleset: EMPTY, frame: v4(undefined, {}, { vlans: [{ tpid: 0x8100, vid: 1 }], truncate: 18 + 19 }), expect: MALFORMED('ip_truncated') },
  ],
};

export const IPV6_HEADER: Section3Group = {
  title: '3.8 malformed IPv6 header',
  cases: [
    { name: '39 bytes of IPv6 header: ip_truncated', ruleset: EMPTY, frame: v6(undefined, {}, { truncate: 14 + 39 }), expect: MALFORMED('ip_truncated') },
    { name: '40 bytes with next header 59: fine', ruleset: EMPTY, frame: v6(undefined, {}, { truncate: 14 + 40 }), expect: DEFAULT_PASS },
    { name: 'version 4 under ethertype 0x86dd: ip_version', ruleset: EMPTY, frame: v6(tcp(), { version: 4 }), expect: MALFORMED('ip_version') },
    { name: 'version 7: ip_version', ruleset: EMPTY, frame: v6(tcp(), { version: 7 }), expect: MALFORMED('ip_version') },
    { name: 'short frame with a wrong version: ip_truncated first', ruleset: EMPTY, frame: v6(undefined, { version: 4 }, { truncate: 30 }), expect: MALFORMED('ip_truncated') },
    { name: 'payload length lying is not malformed (R2)', ruleset: SSH, frame: v6(tcp(), { payloadLength: 3 }), expect: HIT('ssh') },
    { name: 'version 6 nibble under ethertype 0x0800 with a long enough frame: ip_version', ruleset: PASS_ALL, frame: v6(tcp(), {}, { ethertype: 0x0800 }), expect: MALFORMED('ip_version') },
    { name: 'version 4 with 40 bytes under ethertype 0x86dd is dropped despite a pass-all rule', ruleset: PASS_ALL, frame: v6(udp(), { version: 4 }), expect: MALFORMED('ip_version') },
  ],
};

export const L4_AND_TINY: Section3Group = {
  title: '3.8 l4_truncated (R7) and tiny_fragment (R8, RFC 1858)',
  cases: [
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
    { name: 'RFC 1858: TCP at offset 1 is dropped though a rule passes non-first fragments', ruleset: FRAGMENTS_PASS, frame: v4(raw(6, 8), { fragOffset: 1, mf: true }), expect: MALFORMED('tiny_fragment') },
    { name: 'RFC 1858: TCP at offset 1 with no bytes at all: tiny_fragment', ruleset: EMPTY, frame: v4(raw(6, 0), { fragOffset: 1 }), expect: MALFORMED('tiny_fragment') },
    { name: 'RFC 1858: TCP at offset 1 whose bytes would rewrite the flags to ACK: tiny_fragment', ruleset: rs([{ id: 'web', proto: 'tcp', dport: 80, action: 'pass' }], { default: 'drop' }), frame: v4(raw(6, 0), { fragOffset: 1 }, { payload: '00000000501000000000000000000000' }), expect: MALFORMED('tiny_fragment') },
    { name: 'RFC 1858: the fragment at offset 2 after it is a normal non-first fragment', ruleset: FRAGMENTS_PASS, frame: v4(raw(6, 8), { fragOffset: 2 }), expect: HIT('frags') },
    { name: 'AH at offset 1 is not walked, so not TCP: not a tiny fragment (R6, R8)', ruleset: EMPTY, frame: v4(raw(51, 8), { fragOffset: 1 }), expect: DEFAULT_PASS },
    { name: 'ICMP at offset 1: fine', ruleset: EMPTY, frame: v4(raw(1, 8), { fragOffset: 1 }), expect: DEFAULT_PASS },
    { name: 'a tiny first fragment (TCP 8 bytes) is dropped though a port rule passes it', ruleset: rs([{ id: 'web', proto: 'tcp', dport: 80, action: 'pass' }], { default: 'drop' }), frame: cut(v4(tcp(80, SYN | ACK), { mf: true }), 8), expect: MALFORMED('l4_truncated') },
    { name: 'a tiny first fragment behind AH: l4_truncated', ruleset: EMPTY, frame: cut(v4(tcp(), { mf: true, ah: {} }), 10, 20 + 24), expect: MALFORMED('l4_truncated') },
    { name: 'UDP 7 bytes in IPv6: l4_truncated', ruleset: EMPTY, frame: cut(v6(udp()), 7, 40), expect: MALFORMED('l4_truncated') },
    { name: 'SCTP 11 bytes in IPv4: l4_truncated', ruleset: EMPTY, frame: cut(v4(sctp()), 11), expect: MALFORMED('l4_truncated') },
    { name: 'ICMP 4 bytes matches an icmp_code rule (code is byte 2)', ruleset: rs([{ id: 'unr', proto: 'icmp', icmp_type: 3, icmp_code: 4, action: 'drop' }]), frame: cut(v4(icmp(3, 4)), 4), expect: HIT('unr') },
    { name: 'TCP 19 bytes behind a hop-by-hop header: l4_truncated', ruleset: EMPTY, frame: cut(v6(tcp(), { ext: [ext(0)] }), 19, 48), expect: MALFORMED('l4_truncated') },
  ],
};
