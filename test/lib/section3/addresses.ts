// CONTRACT 3.2: addresses. Each family matches only its own entries (no IPv4-mapped
// translation), /0 matches its whole family, sets match their current members (empty: nothing),
// nested prefixes and prefixes shared by several sets or literals keep first-match order.

import { DEFAULT_PASS, HIT, rs, tcp, udp, v4, v6, type Section3Group } from './dsl';

const sets = { sets: { empty: [], v6only: ['2001:db8::/32'], mixed: ['192.0.2.0/24', '2001:db8::/32'] } };
const NESTED = rs([{ id: 'inner', src: '10.1.2.0/24', action: 'pass' }, { id: 'outer', src: '10.0.0.0/8', action: 'drop' }]);
const NESTED_OUTER_FIRST = rs([{ id: 'outer', src: '10.0.0.0/8', action: 'drop' }, { id: 'inner', src: '10.1.2.0/24', action: 'pass' }]);
const SHARED = rs(
  [{ id: 'a-tcp', dst: '@a', proto: 'tcp', action: 'drop' }, { id: 'b', dst: '@b', action: 'pass' }],
  { default: 'drop', sets: { a: ['198.51.100.0/24'], b: ['198.51.100.0/24', '203.0.113.0/24'] } },
);
const LITERAL_AND_SET = rs([{ id: 'lit', src: '192.0.2.0/24', proto: 'tcp', action: 'drop' }, { id: 'set', src: '@s', action: 'pass' }], { default: 'drop', sets: { s: ['192.0.2.0/24'] } });
const HOST_IN_NET = rs(
  [{ id: 'host', src: '@host', proto: 'udp', action: 'pass' }, { id: 'net', src: '@net', action: 'drop' }],
  { sets: { host: ['192.0.2.10/32', '2001:db8::10/128'], net: ['192.0.0.0/8', '2001:db8::/32'] } },
);
const ANY = rs([{ id: 'any4', src: '@any4', action: 'drop' }], { sets: { any4: ['0.0.0.0/0'] } });
const BOTH_ANY = rs([{ id: 'any', dst: '@any', action: 'drop' }], { sets: { any: ['0.0.0.0/0', '::/0'] } });
const SLASH33 = rs([{ id: 's33', src: '2001:db8:8000::/33', action: 'drop' }]);
const SLASH64 = rs([{ id: 's64', dst: '2001:db8:1::/64', action: 'drop' }]);

export const ADDRESSES: Section3Group = {
  title: '3.2 addresses and sets',
  cases: [
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
    { name: '::/0 matches every IPv6 source', ruleset: rs([{ id: 'a', src: '::/0', action: 'drop' }]), frame: v6(udp(), { src: 'ff02::1' }), expect: HIT('a') },
    { name: 'a /128 next door does not match', ruleset: rs([{ id: 'a', src: '2001:db8::11/128', action: 'drop' }]), frame: v6(udp()), expect: DEFAULT_PASS },
    { name: 'a /32 literal matches only IPv4 (its family)', ruleset: rs([{ id: 'a', src: '192.0.2.10/32', action: 'drop' }]), frame: v4(udp()), expect: HIT('a') },
    { name: 'nested literals, inner first: the inner address takes the inner rule', ruleset: NESTED, frame: v4(udp(), { src: '10.1.2.3' }), expect: HIT('inner') },
    { name: 'nested literals, inner first: an address of the outer only takes the outer rule', ruleset: NESTED, frame: v4(udp(), { src: '10.1.3.3' }), expect: HIT('outer') },
    { name: 'nested literals, inner first: an address outside both reaches the default', ruleset: NESTED, frame: v4(udp(), { src: '11.0.0.1' }), expect: DEFAULT_PASS },
    { name: 'nested literals, outer first: the outer rule wins for inner addresses too', ruleset: NESTED_OUTER_FIRST, frame: v4(udp(), { src: '10.1.2.3' }), expect: HIT('outer') },
    { name: 'the same prefix in two sets: the first rule (TCP) matches TCP', ruleset: SHARED, frame: v4(tcp()), expect: HIT('a-tcp') },
    { name: 'the same prefix in two sets: UDP goes on to the second set rule', ruleset: SHARED, frame: v4(udp()), expect: HIT('b') },
    { name: 'the same prefix in two sets: a member of the second only', ruleset: SHARED, frame: v4(tcp(), { dst: '203.0.113.99' }), expect: HIT('b') },
    { name: 'a literal and a set share a prefix: the literal rule (TCP) first', ruleset: LITERAL_AND_SET, frame: v4(tcp()), expect: HIT('lit') },
    { name: 'a literal and a set share a prefix: UDP takes the set rule', ruleset: LITERAL_AND_SET, frame: v4(udp()), expect: HIT('set') },
    { name: 'a /32 set member inside a /8 of another set: host rule first', ruleset: HOST_IN_NET, frame: v4(udp()), expect: HIT('host') },
    { name: 'a /32 set member inside a /8: TCP goes on to the /8 rule', ruleset: HOST_IN_NET, frame: v4(tcp()), expect: HIT('net') },
    { name: 'a neighbour of the /32 inside the /8 takes the /8 rule', ruleset: HOST_IN_NET, frame: v4(udp(), { src: '192.0.2.11' }), expect: HIT('net') },
    { name: 'a /128 set member inside a /32 of another set: host rule first', ruleset: HOST_IN_NET, frame: v6(udp()), expect: HIT('host') },
    { name: 'a set holding 0.0.0.0/0 matches every IPv4 source', ruleset: ANY, frame: v4(udp(), { src: '255.255.255.255' }), expect: HIT('any4') },
    { name: 'a set holding 0.0.0.0/0 never matches IPv6', ruleset: ANY, frame: v6(udp()), expect: DEFAULT_PASS },
    { name: 'a set holding both /0 matches IPv4 destinations', ruleset: BOTH_ANY, frame: v4(udp(), { dst: '0.0.0.0' }), expect: HIT('any') },
    { name: 'a set holding both /0 matches IPv6 destinations', ruleset: BOTH_ANY, frame: v6(udp(), { dst: '::' }), expect: HIT('any') },
    { name: 'an empty-set rule followed by a catch-all: the catch-all decides', ruleset: rs([{ id: 'e', src: '@empty', action: 'drop' }, { id: 'all', action: 'pass' }], { default: 'drop', ...sets }), frame: v6(udp()), expect: HIT('all') },
    { name: 'a /33 (across the first word boundary): inside', ruleset: SLASH33, frame: v6(udp(), { src: '2001:db8:8000::1' }), expect: HIT('s33') },
    { name: 'a /33: just outside', ruleset: SLASH33, frame: v6(udp(), { src: '2001:db8:7fff:ffff:ffff:ffff:ffff:ffff' }), expect: DEFAULT_PASS },
    { name: 'a /64: its last address', ruleset: SLASH64, frame: v6(udp(), { dst: '2001:db8:1:0:ffff:ffff:ffff:ffff' }), expect: HIT('s64') },
    { name: 'a /64: the first address of the next /64', ruleset: SLASH64, frame: v6(udp(), { dst: '2001:db8:1:1::' }), expect: DEFAULT_PASS },
    { name: 'a /1 (128.0.0.0/1) does not hold 127.255.255.255', ruleset: rs([{ id: 'hi', src: '128.0.0.0/1', action: 'drop' }]), frame: v4(udp(), { src: '127.255.255.255' }), expect: DEFAULT_PASS },
    { name: 'src and dst from two sets both match', ruleset: rs([{ id: 'sd', src: '@mixed', dst: '@dst', action: 'drop' }], { sets: { ...sets.sets, dst: ['198.51.100.20/32'] } }), frame: v4(udp()), expect: HIT('sd') },
  ],
};
