// Seed frames for the packet fuzzer: well-formed (and a few deliberately broken) frames covering
// every header the data path walks: 0-4 VLAN tags of both TPIDs, IPv4 with options, AH and
// fragments (tiny, overlapping, last), IPv6 with extension-header chains of every length 0-12
// with right and wrong lengths, TCP/UDP/SCTP/ICMP/ICMPv6 and protocols without ports, NDP,
// ARP and other ethertypes. The fuzzer truncates each at every byte and mutates them.
//
// Addresses come from the prefixes of the fuzz rulesets (fuzz-rulesets.ts), so a mis-parsed
// address or port moves a frame to another rule and shows up as a different outcome.

import { buildFrameWithLayout, ETHERTYPE, type ExtHeaderSpec, type FrameLayout, type FrameSpec, type Ipv4Spec, type Ipv6Spec, type L4Spec, type VlanTag } from './packet';

export interface Seed {
  name: string;
  spec: FrameSpec;
  frame: Buffer;
  layout: FrameLayout;
  family: 4 | 6 | null;
}

/** Sources and destinations: inside the rulesets' prefixes, on their edges, and outside. */
export const V4_ADDRS = ['192.0.2.10', '203.0.113.5', '198.51.100.20', '10.1.2.3', '192.0.2.255', '0.0.0.0', '255.255.255.255'];
export const V6_ADDRS = ['2001:db8::10', '2001:db8:bad::1', '2001:db8:1::20', 'fe80::1', 'ff02::1:ff00:2', '::', 'fd00::ffff'];

const TPIDS = [ETHERTYPE.VLAN, ETHERTYPE.QINQ];

/** The VLAN stacks of 0-4 tags: every TPID pattern of up to two tags, a few of three and four. */
export function vlanStacks(): VlanTag[][] {
  const stacks: VlanTag[][] = [[]];
  for (const a of TPIDS) {
    stacks.push([{ tpid: a, vid: 10 }]);
    for (const b of TPIDS) stacks.push([{ tpid: a, vid: 10 }, { tpid: b, vid: 4095 }]);
  }
  stacks.push(TPIDS.concat(ETHERTYPE.VLAN).map((tpid, i) => ({ tpid, vid: i })));
  stacks.push([ETHERTYPE.QINQ, ETHERTYPE.QINQ, ETHERTYPE.QINQ].map((tpid) => ({ tpid, vid: 0 })));
  stacks.push([ETHERTYPE.QINQ, ETHERTYPE.VLAN, ETHERTYPE.QINQ, ETHERTYPE.VLAN].map((tpid, i) => ({ tpid, vid: 100 + i })));
  stacks.push(Array.from({ length: 4 }, () => ({ tpid: ETHERTYPE.VLAN, vid: 1 })));
  return stacks;
}

const tcp = (dport: number, flags = 0x02, more: Partial<Extract<L4Spec, { kind: 'tcp' }>> = {}): L4Spec => ({ kind: 'tcp', sport: 40000, dport, flags, ...more });
const udp = (dport: number, sport = 40000): L4Spec => ({ kind: 'udp', sport, dport });
const sctp = (dport: number): L4Spec => ({ kind: 'sctp', sport: 40000, dport });
const icmp = (type: number, code = 0, protocol?: number): L4Spec => ({ kind: 'icmp', type, code, protocol });
const raw = (protocol: number, bytes = 16): L4Spec => ({ kind: 'raw', protocol, bytes });

/** L4 headers every IP variant is combined with (round robin, so the product stays small). */
const V4_L4: L4Spec[] = [tcp(22), tcp(443, 0x02, { options: 12 }), tcp(80, 0x12), udp(53), sctp(2905), icmp(8), icmp(3, 3), raw(47), raw(50), raw(51, 0)];
const V6_L4: L4Spec[] = [tcp(22), udp(53), icmp(128, 0, 58), sctp(2905), tcp(443, 0x10, { options: 4 }), icmp(8, 0, 1), raw(59, 0), raw(50)];

interface Variant<T> {
  name: string;
  ip: Partial<T>;
  /** The L4 the variant needs (e.g. a fragment's raw bytes), else the round-robin one. */
  l4?: L4Spec;
  payload?: number | string;
}

const V4_VARIANTS: Variant<Ipv4Spec>[] = [
  { name: 'plain', ip: {} },
  { name: 'options4', ip: { options: 4 } },
  { name: 'options40 (IHL 15)', ip: { options: 40 } },
  { name: 'ah len4', ip: { ah: { len: 4 } } },
  { name: 'ah len1', ip: { ah: { len: 1 } } },
  { name: 'ah len0', ip: { ah: { len: 0 } } },
  { name: 'ah + options', ip: { options: 8, ah: { len: 6 } } },
  { name: 'ah next 51', ip: { ah: { len: 4, nextHeader: 51 } }, l4: raw(51, 0) },
  { name: 'ah len lies (255)', ip: { ah: { len: 255, size: 24 } } },
  { name: 'first fragment', ip: { mf: true } },
  { name: 'first fragment, tiny TCP (8 bytes)', ip: { mf: true }, l4: raw(6, 0), payload: '9c40001600000001' },
  { name: 'tiny fragment (TCP at offset 1)', ip: { fragOffset: 1, mf: true }, l4: raw(6, 8), payload: '0016000000000000' },
  { name: 'TCP at offset 1, last fragment', ip: { fragOffset: 1 }, l4: raw(6, 24) },
  { name: 'TCP at offset 2', ip: { fragOffset: 2, mf: true }, l4: raw(6, 16) },
  { name: 'UDP at offset 1', ip: { fragOffset: 1, mf: true }, l4: raw(17, 16) },
  { name: 'non-first port-22 look-alike', ip: { fragOffset: 100 }, l4: raw(6, 0), payload: '9c400016000003e8000000005002ffff' },
  { name: 'non-first AH not walked', ip: { fragOffset: 3 }, l4: raw(51, 24) },
  { name: 'last fragment (DNS answer)', ip: { fragOffset: 185 }, l4: raw(17, 32) },
  { name: 'max offset', ip: { fragOffset: 0x1fff, mf: true }, l4: raw(17, 8) },
  { name: 'DF + reserved', ip: { df: true, id: 0 } },
  { name: 'version 6 under 0x0800', ip: { version: 6 } },
  { name: 'IHL 4', ip: { ihl: 4 } },
  { name: 'IHL 15 without options', ip: { ihl: 15 }, payload: 64 },
  { name: 'total length 0', ip: { totalLength: 0 } },
  { name: 'total length 0xffff', ip: { totalLength: 0xffff } },
];

/** A walked header of type `type` with one of the lengths the chains cycle through. */
function walked(type: number, k: number): ExtHeaderSpec {
  if (type === 44) return { type, fragOffset: 0, more: k % 2 === 0 };
  if (type === 51) return { type, len: [1, 4, 6, 0][k % 4] };
  return { type, len: [0, 1, 3, 0][k % 4] };
}

const CHAIN_TYPES = [0, 43, 60, 51, 44];

function v6Variants(): Variant<Ipv6Spec>[] {
  const out: Variant<Ipv6Spec>[] = [{ name: 'plain', ip: {} }];
  for (let n = 1; n <= 12; n++) {
    const chain = Array.from({ length: n }, (_, k) => walked(CHAIN_TYPES[(k + n) % CHAIN_TYPES.length], k));
    out.push({ name: `chain ${n}`, ip: { ext: chain } });
    // Wrong lengths: one header claims more (or less) than it has.
    const i = n >> 1;
    const liar = chain.map((h, k) => (k === i ? { ...h, len: h.type === 44 ? 7 : 255, size: h.type === 44 ? 8 : 16 } : h));
    out.push({ name: `chain ${n}, header ${i} claims more`, ip: { ext: liar } });
    const shorter = chain.map((h, k) => (k === i && h.type !== 44 ? { ...h, len: 1, size: 8 } : h));
    out.push({ name: `chain ${n}, header ${i} claims 16 of 8`, ip: { ext: shorter }, payload: 24 });
    // The walk stops at a non-first Fragment header (3.6): one at the end of the chain.
    out.push({ name: `chain ${n} then non-first fragment`, ip: { ext: [...chain.slice(0, n - 1), { type: 44, fragOffset: 1 + n, more: true }] }, l4: raw(6, 20) });
  }
  out.push({ name: 'hop limit 255', ip: { hopLimit: 255 } });
  out.push({ name: 'version 4 under 0x86dd', ip: { version: 4 } });
  out.push({ name: 'payload length 0', ip: { payloadLength: 0 } });
  out.push({ name: 'payload length 0xffff', ip: { payloadLength: 0xffff } });
  out.push({ name: 'non-first fragment offset 1 TCP', ip: { ext: [{ type: 44, fragOffset: 1, more: true }] }, l4: raw(6, 8) });
  out.push({ name: 'non-first fragment next header 0', ip: { ext: [{ type: 44, fragOffset: 9, nextHeader: 0 }] }, l4: raw(0, 16) });
  out.push({ name: 'fragment then fragment', ip: { ext: [{ type: 44, fragOffset: 0, more: true }, { type: 44, fragOffset: 2 }] }, l4: raw(17, 8) });
  return out;
}

/** Neighbour discovery and look-alikes (3.5). */
function ndpSeeds(): { name: string; spec: FrameSpec }[] {
  const base = { kind: 'ipv6' as const, src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 };
  const nd = (name: string, type: number, ip: Partial<Ipv6Spec> = {}) => ({ name: `ndp ${name}`, spec: { ip: { ...base, ...ip }, l4: icmp(type, 0, 58), payload: 24 } as FrameSpec });
  return [
    nd('NS', 135), nd('NA', 136), nd('RS', 133), nd('RA', 134), nd('redirect', 137),
    nd('NS hop limit 64', 135, { hopLimit: 64 }),
    nd('NS behind hop-by-hop', 135, { ext: [{ type: 0 }] }),
    nd('NS behind atomic fragment', 135, { ext: [{ type: 44 }] }),
    nd('NA from a blocked source', 136, { src: '2001:db8:bad::1' }),
  ];
}

function nonIpSeeds(): { name: string; spec: FrameSpec }[] {
  return [
    { name: 'arp', spec: { ethertype: ETHERTYPE.ARP, payload: 28 } },
    { name: 'lldp', spec: { ethertype: ETHERTYPE.LLDP, payload: 40 } },
    { name: 'ethertype 0x88b5', spec: { ethertype: 0x88b5, payload: 46 } },
    { name: 'ethertype 0x0000', spec: { ethertype: 0x0000, payload: 46 } },
    { name: 'ethertype 0x9100 tag', spec: { vlans: [{ tpid: 0x9100, vid: 5 }], ip: { kind: 'ipv4', src: V4_ADDRS[0], dst: V4_ADDRS[2] }, l4: udp(53) } },
  ];
}

/**
 * Every seed: each IPv4 and IPv6 variant (round-robin L4, addresses and VLAN stack), every VLAN
 * stack in front of one IPv4, one IPv6 and one ARP frame, NDP, non-IP.
 */
export function fuzzSeeds(): Seed[] {
  const stacks = vlanStacks();
  const specs: { name: string; spec: FrameSpec }[] = [];
  let k = 0;
  for (const v of V4_VARIANTS) {
    for (let j = 0; j < 2; j++, k++) {
      const ip: Ipv4Spec = { kind: 'ipv4', src: V4_ADDRS[k % V4_ADDRS.length], dst: V4_ADDRS[(k + 2) % V4_ADDRS.length], ...v.ip };
      const l4 = v.l4 ?? V4_L4[k % V4_L4.length];
      const vlans = stacks[k % 4];
      specs.push({ name: `v4 ${v.name} ${l4.kind} vlans=${vlans.length}`, spec: { vlans, ip, l4, payload: v.payload ?? (k % 3) * 8 } });
    }
  }
  for (const v of v6Variants()) {
    for (let j = 0; j < 2; j++, k++) {
      const ip: Ipv6Spec = { kind: 'ipv6', src: V6_ADDRS[k % V6_ADDRS.length], dst: V6_ADDRS[(k + 2) % V6_ADDRS.length], ...v.ip };
      const l4 = v.l4 ?? V6_L4[k % V6_L4.length];
      const vlans = stacks[k % 4];
      specs.push({ name: `v6 ${v.name} ${l4.kind} vlans=${vlans.length}`, spec: { vlans, ip, l4, payload: v.payload ?? (k % 3) * 8 } });
    }
  }
  for (const vlans of stacks) {
    const tag = `vlans=${vlans.map((t) => t.tpid.toString(16)).join('/')}`;
    specs.push({ name: `${tag} v4 tcp`, spec: { vlans, ip: { kind: 'ipv4', src: V4_ADDRS[0], dst: V4_ADDRS[2] }, l4: tcp(22) } });
    specs.push({ name: `${tag} v6 udp`, spec: { vlans, ip: { kind: 'ipv6', src: V6_ADDRS[0], dst: V6_ADDRS[2] }, l4: udp(53) } });
    specs.push({ name: `${tag} arp`, spec: { vlans, ethertype: ETHERTYPE.ARP, payload: 28 } });
  }
  specs.push(...ndpSeeds(), ...nonIpSeeds());
  return specs.map(({ name, spec }) => {
    const { frame, layout } = buildFrameWithLayout(spec);
    return { name, spec, frame, layout, family: spec.ip?.kind === 'ipv4' ? 4 : spec.ip?.kind === 'ipv6' ? 6 : null };
  });
}
