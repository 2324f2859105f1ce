// Regressions other firewalls shipped, as cases with hand-written expectations (CONTRACT section 3
// decides each): the data path, the explain twin, the counters and the reference are all held to
// them by test/fuzz-regressions.test.ts, which also fuzzes the neighbourhood of every frame.

import type { Section3Case } from './section3/dsl';
import { DEFAULT_DROP, DEFAULT_PASS, HIT, MALFORMED, NDP, NON_IP, ext, icmp, raw, rs, tag, tcp, udp, v4, v6 } from './section3/dsl';

/** First 16 bytes of a TCP header from 40000 to port 22 with SYN: what a fragment may forge. */
const PORT22_TCP = '9c400016000003e8000000005002ffff';
/** The same as a UDP header (40000 -> 22, length 8): what a lying header length may expose. */
const PORT22_UDP = '9c40001600080000';
/** An AH header (next header TCP, len 4: 24 bytes) followed by PORT22_TCP. */
const AH_THEN_PORT22 = ['0604', '0000', '00000100', '00000001', '00'.repeat(12), PORT22_TCP].join('');

export interface RegressionGroup {
  /** The upstream report the group guards against. */
  source: string;
  cases: Section3Case[];
}

const SSH_ONLY = rs([{ id: 'ssh-in', proto: 'tcp', dport: 22, action: 'pass' }], { default: 'drop' });
const NO_SSH = rs([{ id: 'no-ssh', proto: 'tcp', dport: 22, action: 'drop' }]);
const WEB_ONLY = rs([{ id: 'web', proto: 'tcp', dport: 80, action: 'pass' }, { id: 'syn-only', proto: 'tcp', tcp_flags: 'syn,!ack', action: 'drop' }]);
const ANY_22 = rs([{ id: 'p22', dport: 22, action: 'drop' }]);
const BLOCK = rs(
  [{ id: 'block', src: '@blocked', action: 'drop' }, { id: 'web', proto: 'tcp', dport: 443, action: 'pass' }],
  { sets: { blocked: ['2001:db8::/64', '192.0.2.0/24'] } },
);
const DENY = rs([], { default: 'drop' });
const DENY_NON_IP = rs([], { default: 'drop', non_ip: 'drop' });

export const REGRESSIONS: readonly RegressionGroup[] = [
  {
    source: 'RFC 1858: tiny and overlapping IPv4 fragments',
    cases: [
      { name: 'TCP fragment at offset 1 (rewrites ports and flags of the first): tiny_fragment', ruleset: NO_SSH, frame: v4(raw(6, 0), { fragOffset: 1, mf: true }, { payload: PORT22_TCP }), expect: MALFORMED('tiny_fragment') },
      { name: 'TCP fragment at offset 1 without MF (the last): tiny_fragment', ruleset: NO_SSH, frame: v4(raw(6, 8), { fragOffset: 1 }), expect: MALFORMED('tiny_fragment') },
      { name: 'TCP fragment at offset 1 even under default pass and a pass rule on proto', ruleset: rs([{ id: 'tcp', proto: 'tcp', action: 'pass' }]), frame: v4(raw(6, 8), { fragOffset: 1, mf: true }), expect: MALFORMED('tiny_fragment') },
      { name: 'TCP fragment at offset 2 is an ordinary non-first fragment', ruleset: NO_SSH, frame: v4(raw(6, 16), { fragOffset: 2, mf: true }), expect: DEFAULT_PASS },
      { name: 'UDP fragment at offset 1 is not tiny_fragment (TCP only)', ruleset: ANY_22, frame: v4(raw(17, 8), { fragOffset: 1, mf: true }), expect: DEFAULT_PASS },
      { name: 'tiny first fragment: 8 bytes of TCP (ports, no flags) is l4_truncated', ruleset: WEB_ONLY, frame: v4(raw(6, 0), { mf: true }, { payload: '9c40005000000001' }), expect: MALFORMED('l4_truncated') },
      { name: 'first fragment with a full TCP header to 80 is classified (the overlap target)', ruleset: WEB_ONLY, frame: v4(tcp(80), { mf: true }), expect: HIT('web') },
      { name: 'IPv6 TCP fragment at offset 1 is non_first, not tiny_fragment (IPv4 only)', ruleset: ANY_22, frame: v6(raw(6, 0), { ext: [ext(44, { fragOffset: 1, more: true })] }, { payload: PORT22_TCP }), expect: DEFAULT_PASS },
      { name: 'tiny first fragment after AH: 8 bytes of TCP is l4_truncated', ruleset: WEB_ONLY, frame: v4(raw(6, 0), { mf: true, ah: { len: 4, nextHeader: 6 } }, { payload: '9c40005000000001' }), expect: MALFORMED('l4_truncated') },
    ],
  },
  {
    source: 'non-first fragments matched by port rules (openshift/ingress-node-firewall PR 730)',
    cases: [
      { name: 'IPv4: a non-first fragment that looks like TCP to 22 does not take the dport-22 pass rule', ruleset: SSH_ONLY, frame: v4(raw(6, 0), { fragOffset: 50, mf: true }, { payload: PORT22_TCP }), expect: DEFAULT_DROP },
      { name: 'IPv4: nor the dport-22 drop rule', ruleset: NO_SSH, frame: v4(raw(6, 0), { fragOffset: 50 }, { payload: PORT22_TCP }), expect: DEFAULT_PASS },
      { name: 'IPv6: a non-first fragment that looks like TCP to 22 does not take the pass rule', ruleset: SSH_ONLY, frame: v6(raw(6, 0), { ext: [ext(44, { fragOffset: 50, more: true })] }, { payload: PORT22_TCP }), expect: DEFAULT_DROP },
      { name: 'IPv6: behind hop-by-hop and routing too', ruleset: SSH_ONLY, frame: v6(raw(6, 0), { ext: [ext(0), ext(43), ext(44, { fragOffset: 50 })] }, { payload: PORT22_TCP }), expect: DEFAULT_DROP },
      { name: 'a port rule without proto does not take a UDP non-first fragment', ruleset: ANY_22, frame: v4(raw(17, 0), { fragOffset: 9 }, { payload: PORT22_UDP }), expect: DEFAULT_PASS },
      { name: 'fragment non_first + proto matches it (the documented way to pass fragments)', ruleset: rs([{ id: 'frags', fragment: 'non_first', proto: 'tcp', action: 'pass' }], { default: 'drop' }), frame: v4(raw(6, 0), { fragOffset: 50 }, { payload: PORT22_TCP }), expect: HIT('frags') },
      { name: 'an IPv4 non-first fragment with protocol 51 is not walked as AH', ruleset: ANY_22, frame: v4(raw(51, 0), { fragOffset: 20 }, { payload: AH_THEN_PORT22 }), expect: DEFAULT_PASS },
    ],
  },
  {
    source: 'AH is (len+2)*4 bytes, not (len+1)*8 (cilium/cilium issue 24309)',
    cases: [
      { name: 'IPv4 AH len 4 (24 bytes) then TCP to 22', ruleset: NO_SSH, frame: v4(tcp(22), { ah: { len: 4 } }), expect: HIT('no-ssh') },
      { name: 'IPv4 AH len 2 (16 bytes) then UDP to 53: the bytes (len+1)*8 would read as ports are not used', ruleset: ANY_22, frame: v4(udp(53), { ah: { len: 2 } }, { payload: PORT22_UDP }), expect: DEFAULT_PASS },
      { name: 'IPv4 AH len 2 then TCP to 22: found at 16 bytes', ruleset: NO_SSH, frame: v4(tcp(22), { ah: { len: 2 } }), expect: HIT('no-ssh') },
      { name: 'IPv6 AH len 2 (16 bytes) then UDP to 53 with a port-22 look-alike behind', ruleset: ANY_22, frame: v6(udp(53), { ext: [ext(51, { len: 2 })] }, { payload: PORT22_UDP }), expect: DEFAULT_PASS },
      { name: 'IPv6 AH len 3 (20 bytes, not a multiple of 8) then TCP to 22', ruleset: NO_SSH, frame: v6(tcp(22), { ext: [ext(51, { len: 3 })] }), expect: HIT('no-ssh') },
      { name: 'IPv6 AH len 1 (12 bytes) then dest-opts then TCP to 22', ruleset: NO_SSH, frame: v6(tcp(22), { ext: [ext(51, { len: 1 }), ext(60)] }), expect: HIT('no-ssh') },
      { name: 'IPv4 AH whose (len+2)*4 runs past the frame: ext_header', ruleset: NO_SSH, frame: v4(tcp(22), { ah: { len: 20, size: 24 } }), expect: MALFORMED('ext_header') },
    ],
  },
  {
    source: 'IHL < 5 and IPv4 options (xdp-tools parsing_helpers.h lacks the ihl >= 5 check)',
    cases: [
      ...[0, 1, 2, 3, 4].map((ihl) => ({ name: `IHL ${ihl}: malformed ihl, never classified`, ruleset: rs([{ id: 'all', action: 'pass' }], { default: 'drop' }), frame: v4(tcp(22), { ihl }), expect: MALFORMED('ihl') })),
      { name: 'IHL 6 (4 option bytes): TCP found after the options', ruleset: NO_SSH, frame: v4(tcp(22), { options: 4 }), expect: HIT('no-ssh') },
      { name: 'IHL 15 (40 option bytes that look like TCP to 22): the options are not ports', ruleset: NO_SSH, frame: v4(tcp(80), { options: `${PORT22_TCP}${PORT22_TCP}${'01'.repeat(8)}` }), expect: DEFAULT_PASS },
      { name: 'IHL 15 with options: TCP to 22 behind them', ruleset: NO_SSH, frame: v4(tcp(22), { options: 40 }), expect: HIT('no-ssh') },
      { name: 'IHL 15 in a frame that ends before 60 header bytes: ip_truncated', ruleset: NO_SSH, frame: v4(undefined, { ihl: 15, protocol: 6 }, { payload: 20 }), expect: MALFORMED('ip_truncated') },
      { name: 'IHL 6 claiming options the frame lacks, TCP read from IHL: l4_truncated', ruleset: NO_SSH, frame: v4(tcp(22), { ihl: 6 }), expect: MALFORMED('l4_truncated') },
    ],
  },
  {
    source: 'a block-list skipped because of an extension header or tag (gamemann/XDP-Firewall)',
    cases: [
      { name: 'IPv6 hop-by-hop before TCP: still blocked', ruleset: BLOCK, frame: v6(tcp(443), { ext: [ext(0)] }), expect: HIT('block') },
      { name: 'IPv6 routing + dest-opts + AH + first fragment: still blocked', ruleset: BLOCK, frame: v6(tcp(443), { ext: [ext(43), ext(60), ext(51), ext(44, { more: true })] }), expect: HIT('block') },
      { name: 'IPv6 8 extension headers: still blocked', ruleset: BLOCK, frame: v6(tcp(443), { ext: [ext(0), ext(43, { len: 3 }), ext(60), ext(51, { len: 1 }), ext(60), ext(43), ext(60, { len: 1 }), ext(43)] }), expect: HIT('block') },
      { name: 'IPv6 9 extension headers: dropped as ext_header, not passed', ruleset: BLOCK, frame: v6(tcp(443), { ext: Array.from({ length: 9 }, () => ext(60)) }), expect: MALFORMED('ext_header') },
      { name: 'IPv6 non-first fragment (no L4): still blocked by source', ruleset: BLOCK, frame: v6(raw(6, 32), { ext: [ext(0), ext(44, { fragOffset: 5 })] }), expect: HIT('block') },
      { name: 'IPv6 unknown next header (ESP): still blocked by source', ruleset: BLOCK, frame: v6(raw(50, 32), { ext: [ext(60)] }), expect: HIT('block') },
      { name: 'IPv4 options + AH: still blocked', ruleset: BLOCK, frame: v4(tcp(443), { options: 12, ah: { len: 4 } }), expect: HIT('block') },
      { name: 'IPv4 non-first fragment: still blocked', ruleset: BLOCK, frame: v4(raw(6, 16), { fragOffset: 3 }), expect: HIT('block') },
      { name: 'two VLAN tags (802.1ad + 802.1Q) before IPv6: still blocked', ruleset: BLOCK, frame: v6(tcp(443), {}, { vlans: [tag(0x88a8), tag(0x8100)] }), expect: HIT('block') },
      { name: 'two 802.1Q tags before IPv4: still blocked', ruleset: BLOCK, frame: v4(tcp(443), {}, { vlans: [tag(0x8100), tag(0x8100)] }), expect: HIT('block') },
      { name: 'a third tag hides IPv4: non-IP (dropped when non_ip is drop)', ruleset: { ...BLOCK, non_ip: 'drop' }, frame: v4(tcp(443), {}, { vlans: [tag(0x8100), tag(0x88a8), tag(0x8100)] }), expect: NON_IP('drop') },
    ],
  },
  {
    source: 'default drop cutting a host off ARP and neighbour discovery (xdp-project/xdp-tools issue 470)',
    cases: [
      { name: 'ARP under default drop passes', ruleset: DENY, frame: { ethertype: 0x0806, payload: 28 }, expect: NON_IP('pass') },
      { name: 'ARP under non_ip drop still passes', ruleset: DENY_NON_IP, frame: { ethertype: 0x0806, payload: 28 }, expect: NON_IP('pass') },
      { name: 'ARP behind two tags under non_ip drop passes', ruleset: DENY_NON_IP, frame: { vlans: [tag(0x88a8), tag(0x8100)], ethertype: 0x0806, payload: 28 }, expect: NON_IP('pass') },
      { name: 'ARP behind three tags under non_ip drop: dropped (not "after the tags")', ruleset: DENY_NON_IP, frame: { vlans: [tag(0x8100), tag(0x8100), tag(0x8100)], ethertype: 0x0806, payload: 28 }, expect: NON_IP('drop') },
      { name: 'neighbour solicitation under default drop passes', ruleset: DENY, frame: v6(icmp(135, 0, 58), { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 }, { payload: 24 }), expect: NDP },
      { name: 'neighbour advertisement under default drop passes', ruleset: DENY, frame: v6(icmp(136, 0, 58), { src: 'fe80::2', dst: 'fe80::1', hopLimit: 255 }, { payload: 24 }), expect: NDP },
      { name: 'neighbour solicitation behind hop-by-hop passes', ruleset: DENY, frame: v6(icmp(135, 0, 58), { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255, ext: [ext(0)] }, { payload: 24 }), expect: NDP },
      { name: 'a forged NS (hop limit 64, routed from afar) meets the rules', ruleset: DENY, frame: v6(icmp(135, 0, 58), { hopLimit: 64 }, { payload: 24 }), expect: DEFAULT_DROP },
      { name: 'router advertisement under default drop meets the rules', ruleset: DENY, frame: v6(icmp(134, 0, 58), { src: 'fe80::1', dst: 'ff02::1', hopLimit: 255 }, { payload: 24 }), expect: DEFAULT_DROP },
      { name: 'NS in a fragment meets the rules', ruleset: DENY, frame: v6(icmp(135, 0, 58), { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255, ext: [ext(44)] }, { payload: 24 }), expect: DEFAULT_DROP },
    ],
  },
];
