// CONTRACT 3.9: bytes count the whole frame as XDP sees it, Ethernet header and VLAN tags
// included, for every counter a frame touches (rule, default, malformed, bypass, interface).
// Each case writes the length out, so a counter that drops the link layer cannot pass.

import { DROP_ALL, DROP_NON_IP, HIT, LINK, MALFORMED, NDP, NON_IP, DEFAULT_DROP, ext, icmp, rs, tag, tcp, udp, v4, v6, type Section3Group } from './dsl';

const UDP_DROP = rs([{ id: 'u', proto: 'udp', action: 'drop' }]);

export const BYTES: Section3Group = {
  title: '3.9 bytes count the whole frame',
  cases: [
    { name: 'untagged IPv4 UDP: 14 + 20 + 8 = 42 bytes on the rule', ruleset: UDP_DROP, frame: v4(udp()), expect: HIT('u'), bytes: 42 },
    { name: 'one 0x8100 tag: 14 + 4 + 20 + 8 = 46 bytes', ruleset: UDP_DROP, frame: v4(udp(), {}, { vlans: [tag(0x8100)] }), expect: HIT('u'), bytes: 46 },
    { name: 'two tags and 100 payload bytes: 14 + 8 + 20 + 8 + 100 = 150 bytes', ruleset: UDP_DROP, frame: v4(udp(), {}, { vlans: [tag(0x88a8), tag(0x8100)], payload: 100 }), expect: HIT('u'), bytes: 150 },
    { name: 'IPv6 TCP behind hop-by-hop on eth1: 14 + 40 + 8 + 20 = 82 bytes', ruleset: rs([{ id: 't', proto: 'tcp', action: 'pass' }]), frame: v6(tcp(), { ext: [ext(0)] }), iface: 'eth1', expect: HIT('t'), bytes: 82 },
    { name: 'trailing padding counts: a 60-byte frame', ruleset: UDP_DROP, frame: v4(udp(), {}, { payload: 18 }), expect: HIT('u'), bytes: 60 },
    { name: 'the default counts the whole frame: 14 + 4 + 20 + 8 + 64 = 110 bytes', ruleset: DROP_ALL, frame: v4(udp(), {}, { vlans: [tag(0x8100)], payload: 64 }), expect: DEFAULT_DROP, bytes: 110 },
    { name: 'malformed counts the whole frame: tagged IHL 4, 18 + 20 + 20 = 58 bytes', ruleset: UDP_DROP, frame: v4(tcp(), { ihl: 4 }, { vlans: [tag(0x8100)] }), expect: MALFORMED('ihl'), bytes: 58 },
    { name: 'bypass non_ip counts ARP: 14 + 28 = 42 bytes', ruleset: DROP_NON_IP, frame: { ethertype: 0x0806, payload: 28 }, expect: NON_IP('pass'), bytes: 42 },
    { name: 'bypass non_ip behind three tags: 14 + 12 + 20 + 8 = 54 bytes', ruleset: DROP_NON_IP, frame: v4(udp(), {}, { vlans: [tag(0x8100), tag(0x8100), tag(0x8100)] }), expect: NON_IP('drop'), bytes: 54 },
    { name: 'bypass ndp counts the NS: 14 + 4 + 40 + 8 + 16 = 82 bytes', ruleset: DROP_ALL, frame: v6(icmp(135), LINK, { vlans: [tag(0x88a8)], payload: 16 }), expect: NDP, bytes: 82 },
  ],
};
