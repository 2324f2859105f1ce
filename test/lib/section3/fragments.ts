// CONTRACT 3.7: fragments. A non-first fragment has no L4 header, so it never matches a rule on
// ports, flags or ICMP fields, whatever its first bytes look like; it still matches src, dst,
// proto, iface, family and fragment. A first fragment is classified like any packet.

import { ANY_PORT_22, DEFAULT_DROP, DEFAULT_PASS, HIT, SSH, ext, raw, rs, tcp, udp, v4, v6, type Section3Group } from './dsl';

const frag = (f: 'none' | 'first' | 'non_first') => rs([{ id: f, fragment: f, action: 'drop' }]);
const SSH_IN = rs([{ id: 'ssh-in', proto: 'tcp', dport: 22, action: 'pass' }], { default: 'drop' });
const EDNS = rs([{ id: 'edns', fragment: 'non_first', src: '192.0.2.0/24', proto: 'udp', action: 'pass' }], { default: 'drop' });
/** The first bytes of a TCP header to port 22 with SYN: what a non-first fragment may carry. */
const PORT22_LOOKALIKE = '9c400016000003e8000000005002ffff';

export const FRAGMENTS: Section3Group = {
  title: '3.7 fragments',
  cases: [
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
    { name: 'a non-first fragment that looks like TCP to port 22 never takes a dport 22 pass rule (default drop)', ruleset: SSH_IN, frame: v4(raw(6, 0), { fragOffset: 100 }, { payload: PORT22_LOOKALIKE }), expect: DEFAULT_DROP },
    { name: 'IPv6: a non-first fragment that looks like TCP to port 22 never takes a dport 22 pass rule', ruleset: SSH_IN, frame: v6(raw(6, 0), { ext: [ext(44, { fragOffset: 100 })] }, { payload: PORT22_LOOKALIKE }), expect: DEFAULT_DROP },
    { name: 'a non-first fragment matches a proto-only rule', ruleset: rs([{ id: 'tcp', proto: 'tcp', action: 'drop' }]), frame: v4(raw(6, 16), { fragOffset: 100 }), expect: HIT('tcp') },
    { name: 'IPv6: the Fragment header\'s next header is the non-first fragment\'s protocol', ruleset: rs([{ id: 'udp', proto: 'udp', action: 'drop' }]), frame: v6(raw(17, 16), { ext: [ext(44, { fragOffset: 100 })] }), expect: HIT('udp') },
    { name: 'a non-first fragment never matches a sport rule', ruleset: rs([{ id: 's', sport: 40000, action: 'drop' }]), frame: v4(raw(17, 0), { fragOffset: 3 }, { payload: PORT22_LOOKALIKE }), expect: DEFAULT_PASS },
    { name: 'the EDNS recipe: a fragment from elsewhere stays dropped', ruleset: EDNS, frame: v4(raw(17, 16), { src: '203.0.113.5', fragOffset: 185 }), expect: DEFAULT_DROP },
    { name: 'the EDNS recipe works for the last fragment (offset > 0, no MF)', ruleset: EDNS, frame: v4(raw(17, 16), { fragOffset: 185, mf: false }), expect: HIT('edns') },
    { name: 'fragment first with a dport: the first fragment matches', ruleset: rs([{ id: 'ff', fragment: 'first', proto: 'udp', dport: 53, action: 'drop' }]), frame: v4(udp(53), { mf: true }), expect: HIT('ff') },
    { name: 'fragment first with a dport: an unfragmented packet does not', ruleset: rs([{ id: 'ff', fragment: 'first', proto: 'udp', dport: 53, action: 'drop' }]), frame: v4(udp(53)), expect: DEFAULT_PASS },
    { name: 'fragment none does not match an IPv6 atomic fragment', ruleset: frag('none'), frame: v6(udp(), { ext: [ext(44)] }), expect: DEFAULT_PASS },
    { name: 'fragment none matches IPv6 with other extension headers', ruleset: frag('none'), frame: v6(udp(), { ext: [ext(0), ext(60)] }), expect: HIT('none') },
    { name: 'IPv6 first fragment behind hop-by-hop matches ports', ruleset: SSH, frame: v6(tcp(), { ext: [ext(0), ext(44, { more: true })] }), expect: HIT('ssh') },
    { name: 'IPv4 MF with offset 0 and DF: a first fragment', ruleset: frag('first'), frame: v4(udp(), { mf: true, df: true }), expect: HIT('first') },
    { name: 'a port rule never matches an IPv6 non-first fragment at offset 1', ruleset: ANY_PORT_22, frame: v6(raw(6, 0), { ext: [ext(44, { fragOffset: 1 })] }, { payload: PORT22_LOOKALIKE }), expect: DEFAULT_PASS },
  ],
};
