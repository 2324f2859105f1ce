// CONTRACT 3.5: neighbour solicitations/advertisements (well formed, hop limit 255, no Fragment
// header, ICMPv6 135/136) bypass the rules unless `ndp: rules`; router messages and redirects
// always go through the rules. A `default: drop` host must keep its IPv6 neighbours.

import { DEFAULT_DROP, DEFAULT_PASS, DROP_ALL, HIT, LINK, MALFORMED, NDP, ext, icmp, raw, rs, tag, v4, v6, type Section3Group } from './dsl';

const ndRules = rs([], { default: 'drop', ndp: 'rules' });
const DROP_ICMP6 = rs([{ id: 'no-icmp6', proto: 'icmpv6', action: 'drop' }]);
const DROP_LINK_LOCAL = rs([{ id: 'll', src: '@linklocal', action: 'drop' }], { sets: { linklocal: ['fe80::/10'] } });

export const NEIGHBOUR_DISCOVERY: Section3Group = {
  title: '3.5 neighbour discovery',
  cases: [
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
    { name: 'an NS of only 4 ICMPv6 bytes is well formed by 3.8 and bypasses', ruleset: DROP_ALL, frame: v6(icmp(135), LINK, { truncate: 14 + 40 + 4 }), expect: NDP },
    { name: 'NA with hop limit 64 goes through the rules', ruleset: DROP_ALL, frame: v6(icmp(136), { ...LINK, hopLimit: 64 }), expect: DEFAULT_DROP },
    { name: 'NA with an offset-0 Fragment header goes through the rules', ruleset: DROP_ALL, frame: v6(icmp(136), { ...LINK, ext: [ext(44, { more: true })] }), expect: DEFAULT_DROP },
    { name: 'NS as a non-first fragment goes through the rules', ruleset: DROP_ALL, frame: v6(raw(58, 24), { ...LINK, ext: [ext(44, { fragOffset: 1 })] }), expect: DEFAULT_DROP },
    { name: 'NS under ndp: rules is dropped by an icmpv6 drop rule', ruleset: rs([{ id: 'no-icmp6', proto: 'icmpv6', action: 'drop' }], { ndp: 'rules' }), frame: v6(icmp(135), LINK), expect: HIT('no-icmp6') },
    { name: 'NA under ndp: rules reaches the default (pass)', ruleset: rs([], { ndp: 'rules' }), frame: v6(icmp(136), LINK), expect: DEFAULT_PASS },
    { name: 'NA bypasses a src-set rule dropping link-local sources', ruleset: DROP_LINK_LOCAL, frame: v6(icmp(136), LINK), expect: NDP },
    { name: 'NA bypasses an icmpv6 drop rule', ruleset: DROP_ICMP6, frame: v6(icmp(136), LINK), expect: NDP },
    { name: 'NS behind a VLAN tag bypasses', ruleset: DROP_ALL, frame: v6(icmp(135), LINK, { vlans: [tag(0x8100)] }), expect: NDP },
    { name: 'NS behind routing + dest-opts bypasses (R10)', ruleset: DROP_ALL, frame: v6(icmp(135), { ...LINK, ext: [ext(43), ext(60)] }), expect: NDP },
    { name: 'a rogue RA (134) is dropped by a rule', ruleset: rs([{ id: 'no-ra', proto: 'icmpv6', icmp_type: 134, action: 'drop' }]), frame: v6(icmp(134), LINK), expect: HIT('no-ra') },
    { name: 'a redirect (137) is dropped by a rule', ruleset: rs([{ id: 'no-redirect', proto: 'icmpv6', icmp_type: 137, action: 'drop' }]), frame: v6(icmp(137), LINK), expect: HIT('no-redirect') },
    { name: 'an echo request (128) with hop limit 255 goes through the rules', ruleset: DROP_ICMP6, frame: v6(icmp(128), LINK), expect: HIT('no-icmp6') },
    { name: 'NS with a 9th extension header is malformed, not bypassed', ruleset: DROP_ALL, frame: v6(icmp(135), { ...LINK, ext: [ext(0), ext(60), ext(43), ext(60), ext(43), ext(60), ext(43), ext(60), ext(60)] }), expect: MALFORMED('ext_header') },
  ],
};
