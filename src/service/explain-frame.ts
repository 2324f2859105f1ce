// POST /v1/explain: the question ("a packet from A to B, TCP dport 22, SYN") becomes a real
// frame — Ethernet, IPv4 or IPv6, a full L4 header — that the explain twin classifies like any
// arriving packet. Pure: the query is checked here, with JSON-pointer paths into the body.

import { parseIPv4, parseIPv6 } from '../ruleset/address';
import { IPPROTO, PROTO_NUMBERS, TCP_FLAG_BITS } from '../ruleset/model';
import { ErrorDetail, invalid } from './errors';

export interface ExplainQuery {
  iface: string;
  src: string;
  dst: string;
  proto?: string | number;
  sport?: number;
  dport?: number;
  tcp_flags?: string;
  icmp_type?: number;
  icmp_code?: number;
}

const ETH_P_IPV4 = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const ETH_HEADER = 14;
const IPV4_HEADER = 20;
const IPV6_HEADER = 40;
const DEFAULT_HOP_LIMIT = 64;
/** RFC 4861: neighbour discovery is sent with hop limit 255, which the NDP bypass requires. */
const NDP_HOP_LIMIT = 255;
const ICMPV6_NEIGHBOUR_SOLICIT = 135;
const ICMPV6_NEIGHBOUR_ADVERT = 136;
/** Next-header values the IPv6 walk treats as extension headers, and AH (walked in both families). */
const IPV6_EXTENSION_HEADERS = new Set([0, 43, 44, 51, 60]);
const PORT_PROTOCOLS = new Set<number>([IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP]);
const ICMP_PROTOCOLS = new Set<number>([IPPROTO.ICMP, IPPROTO.ICMPV6]);

/** Checks a query and builds its frame; throws invalid_ruleset (400) naming the fields at fault. */
export function explainFrame(q: ExplainQuery): { frame: Buffer; family: 4 | 6; proto: number } {
  const errors: ErrorDetail[] = [];
  const src = parseAddress(q.src);
  const dst = parseAddress(q.dst);
  if (!src) errors.push({ path: '/src', message: `"${q.src}" is not an IP address` });
  if (!dst) errors.push({ path: '/dst', message: `"${q.dst}" is not an IP address` });
  if (src && dst && src.family !== dst.family) {
    errors.push({ path: '/dst', message: `src is IPv${src.family}, dst IPv${dst.family}: a packet has one family` });
  }
  const family = src?.family ?? dst?.family ?? 4;
  const proto = resolveProto(q, family, errors);
  if (proto !== null) checkFieldsFitProto(q, proto, family, errors);
  const flags = q.tcp_flags === undefined ? 0 : parseFlags(q.tcp_flags, errors);
  if (errors.length > 0 || !src || !dst || proto === null) throw invalid('the explain query is not a packet', errors);

  const l4 = l4Header(q, proto, flags);
  const ndp = family === 6 && proto === IPPROTO.ICMPV6 && (q.icmp_type === ICMPV6_NEIGHBOUR_SOLICIT || q.icmp_type === ICMPV6_NEIGHBOUR_ADVERT);
  const ip = family === 4 ? ipv4Header(src.bytes, dst.bytes, proto, l4.length) : ipv6Header(src.bytes, dst.bytes, proto, l4.length, ndp ? NDP_HOP_LIMIT : DEFAULT_HOP_LIMIT);
  const eth = Buffer.alloc(ETH_HEADER);
  Buffer.from([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01]).copy(eth, 0);
  eth.writeUInt16BE(family === 4 ? ETH_P_IPV4 : ETH_P_IPV6, 12);
  return { frame: Buffer.concat([eth, ip, l4]), family, proto };
}

function parseAddress(text: unknown): { family: 4 | 6; bytes: Buffer } | null {
  if (typeof text !== 'string') return null;
  const v4 = parseIPv4(text);
  if (v4 !== null) {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v4);
    return { family: 4, bytes: b };
  }
  const v6 = parseIPv6(text);
  if (v6 === null) return null;
  const b = Buffer.alloc(16);
  v6.forEach((w, i) => b.writeUInt32BE(w >>> 0, i * 4));
  return { family: 6, bytes: b };
}

/** The protocol named, or the one the other fields imply (ports or flags: tcp; ICMP fields: the family's ICMP). */
function resolveProto(q: ExplainQuery, family: 4 | 6, errors: ErrorDetail[]): number | null {
  if (q.proto !== undefined) {
    const n = typeof q.proto === 'number' ? q.proto : PROTO_NUMBERS[q.proto];
    if (n === undefined || !Number.isInteger(n) || n < 0 || n > 255) {
      errors.push({ path: '/proto', message: `must be one of ${Object.keys(PROTO_NUMBERS).join(' ')} or 0..255` });
      return null;
    }
    if (IPV6_EXTENSION_HEADERS.has(n) && (family === 6 || n === 51)) {
      errors.push({ path: '/proto', message: `${n} is an extension header, not the protocol a rule sees after the header walk` });
      return null;
    }
    return n;
  }
  if (q.sport !== undefined || q.dport !== undefined || q.tcp_flags !== undefined) return IPPROTO.TCP;
  if (q.icmp_type !== undefined || q.icmp_code !== undefined) return family === 4 ? IPPROTO.ICMP : IPPROTO.ICMPV6;
  errors.push({ path: '/proto', message: 'give proto (nothing else in the query implies one)' });
  return null;
}

function checkFieldsFitProto(q: ExplainQuery, proto: number, family: 4 | 6, errors: ErrorDetail[]): void {
  for (const field of ['sport', 'dport'] as const) {
    if (q[field] !== undefined && !PORT_PROTOCOLS.has(proto)) errors.push({ path: `/${field}`, message: `protocol ${proto} has no ports (tcp, udp and sctp do)` });
  }
  if (q.tcp_flags !== undefined && proto !== IPPROTO.TCP) errors.push({ path: '/tcp_flags', message: 'needs proto tcp' });
  for (const field of ['icmp_type', 'icmp_code'] as const) {
    if (q[field] !== undefined && !ICMP_PROTOCOLS.has(proto)) errors.push({ path: `/${field}`, message: `needs proto ${family === 4 ? 'icmp' : 'icmpv6'}` });
  }
}

function parseFlags(text: string, errors: ErrorDetail[]): number {
  let bits = 0;
  for (const name of text.split(',').map((s) => s.trim())) {
    if (name === '') continue;
    const bit = TCP_FLAG_BITS[name.toLowerCase()];
    if (bit === undefined) {
      errors.push({ path: '/tcp_flags', message: `"${name}" is not a TCP flag (${Object.keys(TCP_FLAG_BITS).join(' ')}); list the flags set, the others are clear` });
      continue;
    }
    bits |= bit;
  }
  return bits;
}

function l4Header(q: ExplainQuery, proto: number, flags: number): Buffer {
  switch (proto) {
    case IPPROTO.TCP: {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(q.sport ?? 0, 0);
      h.writeUInt16BE(q.dport ?? 0, 2);
      h[12] = 5 << 4; // data offset: 5 words, no options
      h[13] = flags;
      h.writeUInt16BE(0xffff, 14);
      return h;
    }
    case IPPROTO.UDP: {
      const h = Buffer.alloc(8);
      h.writeUInt16BE(q.sport ?? 0, 0);
      h.writeUInt16BE(q.dport ?? 0, 2);
      h.writeUInt16BE(8, 4);
      return h;
    }
    case IPPROTO.SCTP: {
      const h = Buffer.alloc(12);
      h.writeUInt16BE(q.sport ?? 0, 0);
      h.writeUInt16BE(q.dport ?? 0, 2);
      return h;
    }
    case IPPROTO.ICMP:
    case IPPROTO.ICMPV6: {
      const h = Buffer.alloc(8);
      h[0] = q.icmp_type ?? 0;
      h[1] = q.icmp_code ?? 0;
      return h;
    }
    default:
      return Buffer.alloc(8); // some payload for protocols the firewall does not look into
  }
}

function ipv4Header(src: Buffer, dst: Buffer, proto: number, rest: number): Buffer {
  const h = Buffer.alloc(IPV4_HEADER);
  h[0] = 0x45;
  h.writeUInt16BE(IPV4_HEADER + rest, 2);
  h[8] = DEFAULT_HOP_LIMIT;
  h[9] = proto;
  src.copy(h, 12);
  dst.copy(h, 16);
  let sum = 0;
  for (let i = 0; i < IPV4_HEADER; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return h;
}

function ipv6Header(src: Buffer, dst: Buffer, proto: number, rest: number, hopLimit: number): Buffer {
  const h = Buffer.alloc(IPV6_HEADER);
  h.writeUInt32BE(0x60000000, 0);
  h.writeUInt16BE(rest, 4);
  h[6] = proto;
  h[7] = hopLimit;
  src.copy(h, 8);
  dst.copy(h, 24);
  return h;
}
