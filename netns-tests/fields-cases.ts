// Every field of CONTRACT section 2 exercised by real traffic from `gen` to `fw`: the ruleset,
// and one case per behaviour with the rule that must count it and what the far side must see.
// Crafted frames (SCTP, GRE/ESP, VLAN tags, extension headers, AH, a malformed header) go out
// of an AF_PACKET socket and are looked for, past XDP, by a sniffer on f0.

import assert from 'node:assert/strict';
import { buildFrame, type FrameSpec } from '../test/lib/packet';
import { FrameSniffer, UdpReceiver, addHost, ping, sendFrames, tcpConnect, udpSend, type Pair } from './lib';

export const MARKER = Buffer.from('xdpfw-fields');

export interface FieldCase {
  name: string;
  /** The rule whose counter must move (and no other rule's), or 'malformed'. */
  rule: string | 'malformed';
  /** Exactly this many packets, or at least one (TCP handshakes retransmit). */
  packets: number | 'some';
  run(): Promise<void>;
}

export interface FieldsWorld {
  ruleset: unknown;
  cases: FieldCase[];
  /** UDP ports with a receiver in fw. */
  udpPorts: number[];
  /** Files to put beside the rules file (file-backed sets). */
  files: Record<string, string>;
}

const BIG = 3000; // above the 1500 MTU: the kernel sends 3 fragments (2 non-first) in each family

export function fieldsWorld(p: Pair, rx: Map<number, UdpReceiver>, sniffer: () => FrameSniffer): FieldsWorld {
  const { gen, link } = p;
  const me = link.a;
  const fw = link.b;
  const blocked = addHost(link, 'a', 50); // a second source of gen's, in a set
  const fed = addHost(link, 'a', 51); // another, in a file-backed set
  const dstLit = addHost(link, 'b', 99); // destinations of fw's named by rules
  const dstIcmp = addHost(link, 'b', 98);
  const dstFrag = addHost(link, 'b', 97);

  const ruleset = {
    default: 'pass',
    sets: { blocked: [blocked.ip4, `${blocked.ip6}/128`], empty: [], feed: { file: 'feed.txt' } },
    rules: [
      { id: 'set-src', src: '@blocked', action: 'drop', comment: 'sources in a set' },
      { id: 'feed-src', src: '@feed', proto: ['icmp', 'icmpv6'], action: 'drop' },
      { id: 'empty-set', src: '@empty', action: 'drop' },
      { id: 'dst-literal', dst: [dstLit.ip4, dstLit.ip6], action: 'drop' },
      { id: 'icmp-echo', proto: 'icmp', icmp_type: 8, icmp_code: 0, dst: dstIcmp.ip4, action: 'drop' },
      { id: 'icmp6-echo', proto: 'icmpv6', icmp_type: [128], dst: `${dstIcmp.ip6}/128`, action: 'drop' },
      { id: 'frag-nonfirst', fragment: 'non_first', dst: [dstFrag.ip4, dstFrag.ip6], action: 'drop' },
      { id: 'frag-first', fragment: 'first', proto: 'udp', dport: 6100, action: 'drop' },
      { id: 'frag-none', fragment: 'none', proto: 17, dport: 6200, action: 'drop' },
      { id: 'udp-sport', proto: 'udp', sport: '1234-1240', action: 'drop' },
      { id: 'ports-any', dport: [6001, '6010-6012'], action: 'drop' },
      { id: 'tcp-syn', proto: 'tcp', dport: 7000, tcp_flags: 'syn,!ack', action: 'drop' },
      { id: 'sctp', proto: 'sctp', dport: 9000, action: 'drop' },
      { id: 'gre-esp', proto: ['gre', 50], action: 'drop' },
      { id: 'iface', iface: 'f0', proto: 'udp', dport: 6300, action: 'drop' },
      { id: 'v6-only', family: 'ipv6', proto: 'udp', dport: 6400, action: 'drop' },
      { id: 'disabled', enabled: false, proto: 'udp', dport: 6500, action: 'drop' },
      { id: 'pass-6600', src: [me.ip4, me.ip6], proto: 'udp', dport: 6600, action: 'pass' },
    ],
  };

  let n = 0;
  const tag = () => `c${n++}`;
  /** UDP from gen; asserts how many arrived at fw. */
  const udp = async (dst: string, port: number, want: number, opts: { count?: number; size?: number; sport?: number; from?: string } = {}) => {
    const t = tag();
    await udpSend(gen, dst, port, { tag: t, count: opts.count ?? 1, size: opts.size, sport: opts.sport, from: opts.from });
    const got = await rx.get(port)!.waitFor(t, Math.max(want, 1), want > 0 ? 5000 : 300);
    assert.equal(got, want, `UDP to [${dst}]:${port} (${JSON.stringify(opts)}): delivered`);
  };
  const pings = async (dst: string, want: number, from?: string) => {
    const r = await ping(gen, dst, { count: 2, from, timeout: want > 0 ? 2 : 0.3 });
    assert.equal(r.received, want, `ping ${dst}${from ? ` from ${from}` : ''}: replies`);
  };
  /** Crafted frames from g0; asserts how many the sniffer on f0 saw. */
  const frames = async (specs: FrameSpec[], seen: number) => {
    const t = Buffer.from(tag());
    const payload = Buffer.concat([MARKER, t]).toString('hex');
    await sendFrames(gen, 'g0', specs.map((s) => buildFrame({ dstMac: fw.mac, srcMac: me.mac, ...s, payload })));
    assert.equal(await sniffer().waitFor(Buffer.concat([MARKER, t]), Math.max(seen, 1), seen > 0 ? 3000 : 300), seen, 'frames past XDP');
  };
  const v4 = { kind: 'ipv4' as const, src: me.ip4, dst: fw.ip4 };
  const v6 = { kind: 'ipv6' as const, src: me.ip6, dst: fw.ip6 };

  const cases: FieldCase[] = [
    { name: 'src @set: pings from a member are dropped (both families)', rule: 'set-src', packets: 4,
      run: async () => { await pings(fw.ip4, 0, blocked.ip4); await pings(fw.ip6, 0, blocked.ip6); } },
    { name: 'src @set from a file, with proto names', rule: 'feed-src', packets: 4,
      run: async () => { await pings(fw.ip4, 0, fed.ip4); await pings(fw.ip6, 0, fed.ip6); } },
    { name: 'src @set: other sources pass; an empty set matches nothing', rule: 'pass-6600', packets: 2,
      run: async () => { await pings(fw.ip4, 2); await udp(fw.ip4, 6600, 1); await udp(fw.ip6, 6600, 1); } },
    { name: 'dst literal list (v4 + v6)', rule: 'dst-literal', packets: 4,
      run: async () => { await pings(dstLit.ip4, 0); await pings(dstLit.ip6, 0); } },
    { name: 'icmp_type/icmp_code: echo requests to one address', rule: 'icmp-echo', packets: 2,
      run: async () => { await pings(dstIcmp.ip4, 0); await udp(dstIcmp.ip4, 6000, 1); } },
    { name: 'icmpv6 icmp_type list, dst as /128', rule: 'icmp6-echo', packets: 2,
      run: async () => { await pings(dstIcmp.ip6, 0); await udp(dstIcmp.ip6, 6000, 1); } },
    { name: 'fragment non_first: big datagrams never reassemble, small ones arrive', rule: 'frag-nonfirst', packets: 4,
      run: async () => { await udp(dstFrag.ip4, 6000, 0, { size: BIG }); await udp(dstFrag.ip6, 6000, 0, { size: BIG }); await udp(dstFrag.ip4, 6000, 1); } },
    { name: 'fragment first with a port', rule: 'frag-first', packets: 2,
      run: async () => { await udp(fw.ip4, 6100, 0, { size: BIG }); await udp(fw.ip6, 6100, 0, { size: BIG }); await udp(fw.ip4, 6100, 1); } },
    { name: 'fragment none: small datagrams dropped, fragmented ones pass', rule: 'frag-none', packets: 2,
      run: async () => { await udp(fw.ip4, 6200, 0); await udp(fw.ip6, 6200, 0); await udp(fw.ip4, 6200, 1, { size: BIG }); await udp(fw.ip6, 6200, 1, { size: BIG }); } },
    { name: 'sport range', rule: 'udp-sport', packets: 2,
      run: async () => { await udp(fw.ip4, 6000, 0, { sport: 1235 }); await udp(fw.ip6, 6000, 0, { sport: 1240 }); await udp(fw.ip4, 6000, 1, { sport: 1241 }); } },
    { name: 'dport list with a range, no proto (tcp|udp|sctp): UDP', rule: 'ports-any', packets: 2,
      run: async () => { await udp(fw.ip4, 6011, 0); await udp(fw.ip6, 6012, 0); await udp(fw.ip4, 6005, 1); } },
    { name: 'dport without proto: TCP', rule: 'ports-any', packets: 'some',
      run: async () => { assert.equal(await tcpConnect(gen, fw.ip4, 6001, 500), false, 'TCP to 6001 must not connect'); } },
    { name: 'dport without proto: SCTP, VLAN-tagged (one tag and two), behind IPv6 extension headers and IPv4 AH', rule: 'ports-any', packets: 5,
      run: () => frames([
        { ip: v4, l4: { kind: 'sctp', sport: 1, dport: 6010 } },
        { vlans: [{ tpid: 0x8100, vid: 10 }], ip: v4, l4: { kind: 'udp', sport: 1, dport: 6011 } },
        { vlans: [{ tpid: 0x88a8, vid: 20 }, { tpid: 0x8100, vid: 30 }], ip: v6, l4: { kind: 'udp', sport: 1, dport: 6011 } },
        { ip: { ...v6, ext: [{ type: 0 }, { type: 60 }, { type: 43, len: 0 }] }, l4: { kind: 'udp', sport: 1, dport: 6012 } },
        { ip: { ...v4, ah: {} }, l4: { kind: 'udp', sport: 1, dport: 6010 } },
      ], 0) },
    { name: 'tcp_flags syn,!ack: the SYN is dropped (no connection)', rule: 'tcp-syn', packets: 'some',
      run: async () => { assert.equal(await tcpConnect(gen, fw.ip6, 7000, 500), false); } },
    { name: 'tcp_flags syn,!ack: crafted SYN dropped, SYN+ACK and ACK pass', rule: 'tcp-syn', packets: 1,
      run: async () => {
        await frames([{ ip: v4, l4: { kind: 'tcp', sport: 1, dport: 7000, flags: 0x02 } }], 0);
        await frames([{ ip: v4, l4: { kind: 'tcp', sport: 1, dport: 7000, flags: 0x12 } }, { ip: v4, l4: { kind: 'tcp', sport: 1, dport: 7000, flags: 0x10 } }], 2);
      } },
    { name: 'proto sctp with dport', rule: 'sctp', packets: 2,
      run: async () => {
        await frames([{ ip: v4, l4: { kind: 'sctp', sport: 5, dport: 9000 } }, { ip: v6, l4: { kind: 'sctp', sport: 5, dport: 9000 } }], 0);
        await frames([{ ip: v4, l4: { kind: 'sctp', sport: 5, dport: 9001 } }], 1);
      } },
    { name: 'proto list: gre by name, esp by number', rule: 'gre-esp', packets: 3,
      run: async () => {
        await frames([{ ip: v4, l4: { kind: 'raw', protocol: 47, bytes: 8 } }, { ip: v6, l4: { kind: 'raw', protocol: 47, bytes: 8 } }, { ip: v4, l4: { kind: 'raw', protocol: 50, bytes: 8 } }], 0);
        await frames([{ ip: v4, l4: { kind: 'raw', protocol: 4, bytes: 8 } }], 1);
      } },
    { name: 'iface', rule: 'iface', packets: 2, run: async () => { await udp(fw.ip4, 6300, 0); await udp(fw.ip6, 6300, 0); } },
    { name: 'family ipv6', rule: 'v6-only', packets: 1, run: async () => { await udp(fw.ip6, 6400, 0); await udp(fw.ip4, 6400, 1); } },
    { name: 'enabled false: the rule is not in the data path', rule: 'pass-6600', packets: 0, run: () => udp(fw.ip4, 6500, 1) },
    { name: 'malformed (IHL 4) is dropped and counts as malformed', rule: 'malformed', packets: 2,
      run: () => frames([{ ip: { ...v4, ihl: 4 }, l4: { kind: 'udp', sport: 1, dport: 6005 } }, { ip: { ...v6, version: 4 }, l4: { kind: 'udp', sport: 1, dport: 6005 } }], 0) },
  ];
  const files = { 'feed.txt': `# a feed\n${fed.ip4}/32\n\n${fed.ip6}\n` };
  return { ruleset, cases, files, udpPorts: [6000, 6005, 6011, 6012, 6100, 6200, 6300, 6400, 6500, 6600] };
}
