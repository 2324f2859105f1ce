// CONTRACT 3.6: the header walk. IPv6 extension headers 0, 43, 44, 51, 60 (AH (len+2)*4 bytes,
// Fragment 8, the others (len+1)*8), at most 8; one IPv4 AH. The protocol is what follows, so
// no rule can be skipped by hiding the L4 header (or the source) behind extension headers.

import { DEFAULT_PASS, EMPTY, HIT, MALFORMED, SSH, ext, hops, icmp, raw, rs, tcp, udp, v4, v6, type Section3Group } from './dsl';

const P60 = rs([{ id: 'p60', proto: 60, action: 'drop' }]);
const DNS = rs([{ id: 'dns', proto: 'udp', dport: 53, action: 'drop' }]);
/** A block-list the way hosts use one: a set of sources dropped before anything else. */
const BLOCK = rs(
  [{ id: 'block', src: '@blocked', action: 'drop' }, { id: 'web', proto: 'tcp', dport: 443, action: 'pass' }],
  { sets: { blocked: ['2001:db8::/64', '192.0.2.0/24'] } },
);

export const IPV6_EXT_HEADERS: Section3Group = {
  title: '3.6 IPv6 extension headers',
  cases: [
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
    { name: 'block-list: a src-set drop rule drops IPv6 with hop-by-hop + dest-opts + routing before TCP', ruleset: BLOCK, frame: v6(tcp(443), { ext: [ext(0), ext(60), ext(43)] }), expect: HIT('block') },
    { name: 'block-list: the same packet from another source reaches the port rule', ruleset: BLOCK, frame: v6(tcp(443), { src: '2001:db8:0:1::10', ext: [ext(0), ext(60), ext(43)] }), expect: HIT('web') },
    { name: 'block-list: 8 extension headers still hit the src-set rule', ruleset: BLOCK, frame: v6(tcp(443), { ext: hops(8) }), expect: HIT('block') },
    { name: 'block-list: 9 extension headers are dropped as ext_header, never passed', ruleset: BLOCK, frame: v6(tcp(443), { src: '2001:db8:0:1::10', ext: hops(9) }), expect: MALFORMED('ext_header') },
    { name: 'block-list: AH + offset-0 Fragment + dest-opts before TCP still hit the set', ruleset: BLOCK, frame: v6(tcp(443), { ext: [ext(51), ext(44, { more: true }), ext(60)] }), expect: HIT('block') },
    { name: 'block-list: a non-first fragment behind hop-by-hop still hits the set', ruleset: BLOCK, frame: v6(raw(6, 32), { ext: [ext(0), ext(44, { fragOffset: 7 })] }), expect: HIT('block') },
    { name: 'ports behind hop-by-hop + dest-opts + routing + AH', ruleset: SSH, frame: v6(tcp(), { ext: [ext(0), ext(60), ext(43), ext(51)] }), expect: HIT('ssh') },
    { name: 'AH len 2 (16 bytes, not 24 as (len+1)*8 would say) then routing then UDP', ruleset: DNS, frame: v6(udp(53), { ext: [ext(51, { len: 2 }), ext(43)] }), expect: HIT('dns') },
    { name: 'AH len 0 is walked as 8 bytes', ruleset: SSH, frame: v6(tcp(), { ext: [ext(51, { len: 0 })] }), expect: HIT('ssh') },
    { name: 'a 2048-byte hop-by-hop header (len 255) is walked', ruleset: SSH, frame: v6(tcp(), { ext: [ext(0, { len: 255 })] }), expect: HIT('ssh') },
    { name: 'a routing header of len 255 past the frame: ext_header', ruleset: EMPTY, frame: v6(tcp(), { ext: [ext(43, { len: 255, size: 64 })] }), expect: MALFORMED('ext_header') },
    { name: 'ESP (50) ends the walk: protocol esp', ruleset: rs([{ id: 'esp', proto: 'esp', action: 'drop' }]), frame: v6(raw(50, 16), { ext: [ext(0)] }), expect: HIT('esp') },
    { name: 'no next header (59) is the protocol', ruleset: rs([{ id: 'p59', proto: 59, action: 'drop' }]), frame: v6(undefined, { ext: [ext(60)] }), expect: HIT('p59') },
    { name: 'ICMPv6 type behind hop-by-hop and routing', ruleset: rs([{ id: 'ping6', proto: 'icmpv6', icmp_type: 128, action: 'drop' }]), frame: v6(icmp(128), { ext: [ext(0), ext(43)] }), expect: HIT('ping6') },
    { name: 'a proto 0 rule never sees a hop-by-hop header (it is walked)', ruleset: rs([{ id: 'p0', proto: 0, action: 'drop' }]), frame: v6(udp(), { ext: [ext(0)] }), expect: DEFAULT_PASS },
  ],
};

export const IPV4_AH: Section3Group = {
  title: '3.6 IPv4 AH',
  cases: [
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
    { name: 'AH len 2 (16 bytes) then TCP: ports matched', ruleset: SSH, frame: v4(tcp(), { ah: { len: 2 } }), expect: HIT('ssh') },
    { name: 'AH len 3 (20 bytes, not a multiple of 8) then UDP', ruleset: DNS, frame: v4(udp(53), { ah: { len: 3 } }), expect: HIT('dns') },
    { name: 'AH then ICMP: icmp_type matched', ruleset: rs([{ id: 'ping', proto: 'icmp', icmp_type: 8, action: 'drop' }]), frame: v4(icmp(8), { ah: {} }), expect: HIT('ping') },
    { name: 'a proto 51 rule does not match AH whose walk reached TCP', ruleset: rs([{ id: 'ah', proto: 51, action: 'drop' }]), frame: v4(tcp(), { ah: {} }), expect: DEFAULT_PASS },
    { name: 'IPv4 does not walk IPv6 headers: protocol 0 is the protocol', ruleset: rs([{ id: 'p0', proto: 0, action: 'drop' }]), frame: v4(raw(0, 16)), expect: HIT('p0') },
    { name: 'IPv4 does not walk IPv6 headers: protocol 43 is the protocol', ruleset: rs([{ id: 'p43', proto: 43, action: 'drop' }]), frame: v4(raw(43, 16)), expect: HIT('p43') },
  ],
};
