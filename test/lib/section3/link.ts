// CONTRACT 3.4: the link layer. Up to two VLAN tags of either TPID are skipped; anything that
// does not reach IPv4/IPv6 that way is non-IP (bypass non_ip, no rule counter), ARP always passes.

import { DROP_ALL, DROP_NON_IP, EMPTY, HIT, MALFORMED, NON_IP, SSH, rs, tag, tcp, udp, v4, v6, type Section3Group } from './dsl';

const DROP_EVERYTHING = rs([{ id: 'all', action: 'drop' }], { default: 'drop', non_ip: 'drop' });
const SRC_DROP = rs([{ id: 'src', src: '192.0.2.0/24', action: 'drop' }, { id: 'src6', src: '2001:db8::/64', action: 'drop' }]);
const ARP = { ethertype: 0x0806, payload: 28 };

export const LINK_LAYER: Section3Group = {
  title: '3.4 link layer',
  cases: [
    { name: 'untagged IPv4 reaches the rules', ruleset: SSH, frame: v4(tcp()), expect: HIT('ssh') },
    { name: 'one 0x8100 tag is skipped', ruleset: SSH, frame: v4(tcp(), {}, { vlans: [tag(0x8100)] }), expect: HIT('ssh') },
    { name: 'one 0x88a8 tag is skipped', ruleset: SSH, frame: v6(tcp(), {}, { vlans: [tag(0x88a8)] }), expect: HIT('ssh') },
    { name: 'two tags 0x88a8 then 0x8100 are skipped', ruleset: SSH, frame: v4(tcp(), {}, { vlans: [tag(0x88a8), tag(0x8100)] }), expect: HIT('ssh') },
    { name: 'two tags in the other order (0x8100 then 0x88a8) are skipped', ruleset: SSH, frame: v6(tcp(), {}, { vlans: [tag(0x8100), tag(0x88a8)] }), expect: HIT('ssh') },
    { name: 'two 0x8100 tags are skipped', ruleset: SRC_DROP, frame: v4(udp(), {}, { vlans: [tag(0x8100), tag(0x8100, 20)] }), expect: HIT('src') },
    { name: 'two 0x88a8 tags are skipped', ruleset: SRC_DROP, frame: v6(udp(), {}, { vlans: [tag(0x88a8), tag(0x88a8, 20)] }), expect: HIT('src6') },
    { name: 'VLAN id 0 (priority tag) is skipped like any tag', ruleset: SRC_DROP, frame: v4(udp(), {}, { vlans: [tag(0x8100, 0)] }), expect: HIT('src') },
    { name: 'VLAN id 4095 with priority 7 is skipped like any tag', ruleset: SRC_DROP, frame: v6(udp(), {}, { vlans: [{ tpid: 0x88a8, vid: 4095, pcp: 7 }] }), expect: HIT('src6') },
    { name: 'a third tag is non-IP (passes by default)', ruleset: SSH, frame: v4(tcp(), {}, { vlans: [tag(0x8100), tag(0x8100), tag(0x8100)] }), expect: NON_IP('pass') },
    { name: 'a third tag is non-IP and dropped under non_ip drop', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x88a8), tag(0x8100), tag(0x8100)] }), expect: NON_IP('drop') },
    { name: 'three 0x88a8 tags around IPv6: non-IP', ruleset: DROP_NON_IP, frame: v6(tcp(), {}, { vlans: [tag(0x88a8), tag(0x88a8), tag(0x88a8)] }), expect: NON_IP('drop') },
    { name: 'a third tag hides the IPv4 source from a src drop rule: non-IP pass, no rule counter', ruleset: SRC_DROP, frame: v4(udp(), {}, { vlans: [tag(0x8100), tag(0x88a8), tag(0x8100)] }), expect: NON_IP('pass') },
    { name: 'an unknown TPID (0x9100) is just an ethertype: non-IP', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x9100)] }), expect: NON_IP('drop') },
    { name: 'ARP passes under non_ip drop', ruleset: DROP_NON_IP, frame: ARP, expect: NON_IP('pass') },
    { name: 'ARP passes under default drop (xdp-tools issue 470)', ruleset: DROP_ALL, frame: ARP, expect: NON_IP('pass') },
    { name: 'ARP passes a catch-all drop rule, default drop and non_ip drop together', ruleset: DROP_EVERYTHING, frame: ARP, expect: NON_IP('pass') },
    { name: 'ARP behind one 0x8100 tag passes under non_ip drop', ruleset: DROP_NON_IP, frame: { ...ARP, vlans: [tag(0x8100)] }, expect: NON_IP('pass') },
    { name: 'ARP behind two tags passes under non_ip drop', ruleset: DROP_NON_IP, frame: { vlans: [tag(0x88a8), tag(0x8100)], ethertype: 0x0806, payload: 28 }, expect: NON_IP('pass') },
    { name: 'ARP behind a third tag follows non_ip (R11)', ruleset: DROP_NON_IP, frame: { vlans: [tag(0x8100), tag(0x8100), tag(0x8100)], ethertype: 0x0806, payload: 28 }, expect: NON_IP('drop') },
    { name: 'ARP with no payload at all (14 bytes) still passes', ruleset: DROP_NON_IP, frame: { ethertype: 0x0806 }, expect: NON_IP('pass') },
    { name: 'RARP (0x8035) is not ARP: dropped under non_ip drop', ruleset: DROP_NON_IP, frame: { ethertype: 0x8035, payload: 28 }, expect: NON_IP('drop') },
    { name: 'LLDP passes under non_ip pass', ruleset: EMPTY, frame: { ethertype: 0x88cc, payload: 30 }, expect: NON_IP('pass') },
    { name: 'LLDP is dropped under non_ip drop', ruleset: DROP_NON_IP, frame: { ethertype: 0x88cc, payload: 30 }, expect: NON_IP('drop') },
    { name: 'non-IP bypasses default drop (non_ip pass)', ruleset: DROP_ALL, frame: { ethertype: 0x88cc }, expect: NON_IP('pass') },
    { name: 'non-IP never reaches a catch-all drop rule (non_ip pass)', ruleset: rs([{ id: 'all', action: 'drop' }]), frame: { ethertype: 0x88b5, payload: 50 }, expect: NON_IP('pass') },
    { name: 'a 13-byte frame is non-IP (R11), even with an ARP-looking start', ruleset: DROP_NON_IP, frame: { ethertype: 0x0806, truncate: 13 }, expect: NON_IP('drop') },
    { name: 'an empty frame is non-IP', ruleset: EMPTY, frame: { truncate: 0 }, expect: NON_IP('pass') },
    { name: 'a 14-byte frame whose ethertype is a TPID (no tag bytes) is non-IP', ruleset: DROP_NON_IP, frame: { ethertype: 0x8100 }, expect: NON_IP('drop') },
    { name: 'a frame ending inside the first tag is non-IP', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x8100)], truncate: 17 }), expect: NON_IP('drop') },
    { name: 'a frame ending inside the second tag is non-IP', ruleset: DROP_NON_IP, frame: v4(tcp(), {}, { vlans: [tag(0x8100), tag(0x8100)], truncate: 20 }), expect: NON_IP('drop') },
    { name: 'a frame ending right after the tags with IPv4 ethertype is ip_truncated', ruleset: EMPTY, frame: v4(tcp(), {}, { vlans: [tag(0x8100)], truncate: 18 }), expect: MALFORMED('ip_truncated') },
    { name: 'a frame ending right after two tags with IPv6 ethertype is ip_truncated', ruleset: EMPTY, frame: v6(tcp(), {}, { vlans: [tag(0x88a8), tag(0x8100)], truncate: 22 }), expect: MALFORMED('ip_truncated') },
    { name: 'a 14-byte IPv4 frame is ip_truncated', ruleset: EMPTY, frame: v4(tcp(), {}, { truncate: 14 }), expect: MALFORMED('ip_truncated') },
  ],
};
