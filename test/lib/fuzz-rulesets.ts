// The few rulesets the packet fuzzer runs against. Each rule looks at a different field (source
// set, ports, flags, ICMP type/code, protocol, fragment kind, family, interface), so a frame the
// data path mis-parses lands on another rule than the reference's and the outcomes differ.
// Together they cover default pass and drop, ndp bypass and rules, non_ip pass and drop.

import type { RulesetJson } from '../../src/ruleset/model';

const BLOCKED = ['203.0.113.0/24', '2001:db8:bad::/48', '255.255.255.255', '::/128'];

/** A host baseline: default drop, a block-list first, services allowed, NDP bypassed. */
export const BASELINE: RulesetJson = {
  default: 'drop',
  sets: { blocked: BLOCKED, admins: ['192.0.2.0/24', '2001:db8::/64'], empty: [] },
  rules: [
    { id: 'block', src: '@blocked', action: 'drop' },
    { id: 'nothing', src: '@empty', action: 'pass' },
    { id: 'ssh-admins', src: '@admins', proto: 'tcp', dport: 22, action: 'pass' },
    { id: 'ssh-others', proto: 'tcp', dport: 22, action: 'drop' },
    { id: 'web-syn', proto: 'tcp', dport: [80, 443], tcp_flags: 'syn,!ack', action: 'pass' },
    { id: 'web-ack', proto: 6, dport: [80, 443], tcp_flags: 'ack', action: 'drop' },
    { id: 'dns', proto: 'udp', dport: 53, action: 'pass' },
    { id: 'sctp-sport', proto: 'sctp', sport: '39000-41000', action: 'pass' },
    { id: 'ping', proto: 'icmp', icmp_type: 8, action: 'pass' },
    { id: 'unreach', proto: 'icmp', icmp_type: 3, icmp_code: [1, 3], action: 'drop' },
    { id: 'ping6', proto: 'icmpv6', icmp_type: [128, 129], action: 'pass' },
    { id: 'edns', fragment: 'non_first', src: ['192.0.2.0/24', '2001:db8::/32'], proto: 'udp', action: 'pass' },
    { id: 'first-frag', fragment: 'first', action: 'drop' },
    { id: 'ipsec', proto: ['esp', 51], action: 'pass' },
    { id: 'gre-v6-eth1', proto: 'gre', family: 'ipv6', iface: 'eth1', action: 'pass' },
    { id: 'to-lan', dst: ['198.51.100.0/24', '2001:db8:1::/48'], action: 'pass' },
    { id: 'tcp-any', proto: 'tcp', action: 'drop' },
  ],
};

/** A permissive host: default pass, drops named; neighbour discovery goes through the rules. */
export const BLOCKLIST: RulesetJson = {
  default: 'pass',
  ndp: 'rules',
  non_ip: 'drop',
  sets: { bogons: ['0.0.0.0/8', '10.0.0.0/8', '2001:db8:bad::/48', 'fe80::/10'] },
  rules: [
    { id: 'rogue-ra', proto: 'icmpv6', icmp_type: [133, 134, 137], action: 'drop' },
    { id: 'ns-from-ll', src: 'fe80::/10', proto: 58, icmp_type: 135, action: 'pass' },
    { id: 'bogons', src: '@bogons', action: 'drop' },
    { id: 'ssh', dport: 22, action: 'drop' },
    { id: 'low-udp', proto: 'udp', dport: '0-1023', sport: ['0-1023', 40000], action: 'drop' },
    { id: 'rst', proto: 'tcp', tcp_flags: 'rst', action: 'drop' },
    { id: 'frags', fragment: 'non_first', family: 'ipv4', action: 'drop' },
    { id: 'no-next', proto: [59, 0, 60], action: 'drop' },
    { id: 'icmp-v6-type8', proto: 'icmp', icmp_type: 8, family: 'ipv6', action: 'drop' },
    { id: 'eth0-sctp', proto: 'sctp', iface: 'eth0', action: 'drop' },
    { id: 'll-dst', dst: ['fe80::/10', 'ff02::/16'], action: 'pass' },
  ],
};

/** Nothing but a default drop: only ARP and NDP bypasses may pass (xdp-tools issue 470). */
export const DENY_ALL: RulesetJson = { default: 'drop', non_ip: 'drop', rules: [] };

export const FUZZ_RULESETS: readonly { name: string; json: RulesetJson }[] = [
  { name: 'baseline', json: BASELINE },
  { name: 'blocklist', json: BLOCKLIST },
  { name: 'deny-all', json: DENY_ALL },
];

/** Interfaces frames arrive on: the two the harness registers, and one it does not ("other"). */
export const FUZZ_IFACES = ['eth0', 'eth1', 'lo'] as const;
