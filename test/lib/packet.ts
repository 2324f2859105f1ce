// A declarative frame builder: a FrameSpec (plain, printable data) becomes the bytes of an
// Ethernet frame. Every header field a firewall reads can be set to any value, including wrong
// ones (versions, header lengths, extension-header lengths, total lengths), and the frame can be
// cut anywhere, so generators can produce malformed frames as easily as good ones and a failing
// case prints as a readable spec rather than a hex dump.

import { parseIPv4, parseIPv6 } from '../../src/ruleset/address';

export const ETHERTYPE = { IPV4: 0x0800, IPV6: 0x86dd, ARP: 0x0806, VLAN: 0x8100, QINQ: 0x88a8, LLDP: 0x88cc } as const;

export interface VlanTag {
  /** Tag protocol identifier: 0x8100 or 0x88a8 (anything else is allowed, to test rejection). */
  tpid: number;
  vid: number;
  pcp?: number;
}

/** Bytes given as hex text, or a count of filler bytes. */
export type Bytes = string | number;

/** One IPv4 AH header (RFC 4302): 12 fixed bytes plus the ICV; its size is (len + 2) * 4. */
export interface AhSpec {
  /** Default: the L4 protocol. */
  nextHeader?: number;
  /** The payload-length field. Default 4 (a 24-byte header with a 12-byte ICV). */
  len?: number;
  /** Bytes actually emitted. Default: (len + 2) * 4, i.e. what the field says. */
  size?: number;
}

export interface Ipv4Spec {
  kind: 'ipv4';
  src: string;
  dst: string;
  /** The version nibble. Default 4. */
  version?: number;
  /** The IHL nibble. Default: what the emitted header and options measure. */
  ihl?: number;
  /** Option bytes emitted after the 20-byte header (hex, or a count of NOPs); padded to 4. */
  options?: Bytes;
  tos?: number;
  id?: number;
  df?: boolean;
  mf?: boolean;
  /** Fragment offset in 8-byte units (13 bits). */
  fragOffset?: number;
  ttl?: number;
  /** Default: 51 with `ah`, else the L4 protocol, else 253 (reserved for experiments). */
  protocol?: number;
  /** Default: the real length of header, AH, L4 and payload (before truncation). */
  totalLength?: number;
  /** Default: computed. */
  checksum?: number;
  ah?: AhSpec;
}

/** One IPv6 extension header (or any header placed in the chain, by type). */
export interface ExtHeaderSpec {
  /** The header's own type (the value the previous header's next-header field carries). */
  type: number;
  /** Default: the type of the following header in the chain, or the L4 protocol. */
  nextHeader?: number;
  /**
   * The length field. Default 0 (8 bytes), AH 4 (24 bytes). A Fragment header has no length
   * field: its second byte is reserved and is set from this (default 0).
   */
  len?: number;
  /** Bytes actually emitted. Default: the header's size as its length field says. */
  size?: number;
  /** Fragment header only: offset in 8-byte units, the M flag, the identification. */
  fragOffset?: number;
  more?: boolean;
  id?: number;
}

export interface Ipv6Spec {
  kind: 'ipv6';
  src: string;
  dst: string;
  /** The version nibble. Default 6. */
  version?: number;
  trafficClass?: number;
  flowLabel?: number;
  hopLimit?: number;
  /** Default: the first extension header's type, else the L4 protocol, else 59 (no next header). */
  nextHeader?: number;
  /** Default: the real length of extension headers, L4 and payload (before truncation). */
  payloadLength?: number;
  ext?: ExtHeaderSpec[];
}

export type L4Spec =
  | { kind: 'tcp'; sport: number; dport: number; flags?: number; seq?: number; ack?: number; window?: number;
      /** The data-offset nibble. Default: what the emitted header and options measure. */
      dataOffset?: number;
      /** Option bytes after the 20-byte header (hex, or a count of NOPs); padded to 4. */
      options?: Bytes; protocol?: number }
  | { kind: 'udp'; sport: number; dport: number; /** Default: 8 + payload. */ length?: number; protocol?: number }
  | { kind: 'sctp'; sport: number; dport: number; vtag?: number; protocol?: number }
  /** ICMP (protocol 1 by default) or ICMPv6 (58 by default): type, code, checksum, 4 more bytes. */
  | { kind: 'icmp' | 'icmpv6'; type: number; code: number; rest?: number; protocol?: number }
  | { kind: 'raw'; protocol: number; bytes?: Bytes };

export interface FrameSpec {
  dstMac?: string;
  srcMac?: string;
  /** Tags between the MAC addresses and the ethertype, outermost first. */
  vlans?: VlanTag[];
  /** The ethertype after the tags. Default: from `ip`; without `ip`, 0x88b5 (local experimental). */
  ethertype?: number;
  ip?: Ipv4Spec | Ipv6Spec;
  l4?: L4Spec;
  payload?: Bytes;
  /** Keep only the first `truncate` bytes of the frame. */
  truncate?: number;
}

/** Where each part of the built frame starts (before truncation); used to cut at boundaries. */
export interface FrameLayout {
  /** Start of the IP header (after MACs, tags and ethertype). */
  l3: number;
  /** Start of each IPv4 AH / IPv6 extension header. */
  ext: number[];
  l4: number;
  payload: number;
  /** Length before truncation. */
  end: number;
}

const DEFAULT_DST_MAC = '02:00:00:00:00:02';
const DEFAULT_SRC_MAC = '02:00:00:00:00:01';
const PROTO_NONE_V4 = 253;
const PROTO_NONE_V6 = 59;

export function buildFrame(spec: FrameSpec): Buffer {
  return buildFrameWithLayout(spec).frame;
}

export function buildFrameWithLayout(spec: FrameSpec): { frame: Buffer; layout: FrameLayout } {
  const parts: Buffer[] = [];
  let at = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    at += b.length;
  };

  push(macBytes(spec.dstMac ?? DEFAULT_DST_MAC));
  push(macBytes(spec.srcMac ?? DEFAULT_SRC_MAC));
  for (const tag of spec.vlans ?? []) {
    const b = Buffer.alloc(4);
    b.writeUInt16BE(tag.tpid & 0xffff, 0);
    b.writeUInt16BE((((tag.pcp ?? 0) & 7) << 13) | (tag.vid & 0xfff), 2);
    push(b);
  }
  const ethertype = spec.ethertype ?? (spec.ip?.kind === 'ipv4' ? ETHERTYPE.IPV4 : spec.ip?.kind === 'ipv6' ? ETHERTYPE.IPV6 : 0x88b5);
  push(u16(ethertype));

  const l3 = at;
  const payload = bytesOf(spec.payload ?? 0, 0xa5);
  const l4 = spec.l4 ? l4Bytes(spec.l4, payload.length) : Buffer.alloc(0);
  const family = spec.ip?.kind === 'ipv6' ? 6 : 4;
  const l4Proto = spec.l4 ? l4Protocol(spec.l4, family) : null;

  const ext: number[] = [];
  if (spec.ip?.kind === 'ipv4') {
    const ah = spec.ip.ah ? ahBytes(spec.ip.ah, l4Proto ?? PROTO_NONE_V4) : Buffer.alloc(0);
    const header = ipv4HeaderBytes(spec.ip, ah.length + l4.length + payload.length, l4Proto);
    push(header);
    if (spec.ip.ah) {
      ext.push(at);
      push(ah);
    }
  } else if (spec.ip?.kind === 'ipv6') {
    const chain = spec.ip.ext ?? [];
    const headers = chain.map((h, i) => extHeaderBytes(h, i + 1 < chain.length ? chain[i + 1].type : l4Proto ?? PROTO_NONE_V6));
    const extLen = headers.reduce((n, h) => n + h.length, 0);
    push(ipv6HeaderBytes(spec.ip, extLen + l4.length + payload.length, chain.length > 0 ? chain[0].type : l4Proto));
    for (const h of headers) {
      ext.push(at);
      push(h);
    }
  }
  const l4Start = at;
  push(l4);
  const payloadStart = at;
  push(payload);

  let frame = Buffer.concat(parts);
  const end = frame.length;
  if (spec.truncate !== undefined && spec.truncate < frame.length) frame = frame.subarray(0, Math.max(0, spec.truncate));
  return { frame, layout: { l3, ext, l4: l4Start, payload: payloadStart, end } };
}

/** The IP protocol number an L4 spec stands for. */
export function l4Protocol(l4: L4Spec, family: 4 | 6): number {
  if (l4.protocol !== undefined) return l4.protocol;
  switch (l4.kind) {
    case 'tcp': return 6;
    case 'udp': return 17;
    case 'sctp': return 132;
    case 'icmp': return family === 6 ? 58 : 1;
    case 'icmpv6': return 58;
    case 'raw': return l4.protocol;
  }
}

function ipv4HeaderBytes(ip: Ipv4Spec, restLength: number, l4Proto: number | null): Buffer {
  const options = padTo4(bytesOf(ip.options ?? 0, 0x01));
  const h = Buffer.alloc(20 + options.length);
  const ihl = ip.ihl ?? h.length / 4;
  h[0] = (((ip.version ?? 4) & 0xf) << 4) | (ihl & 0xf);
  h[1] = ip.tos ?? 0;
  h.writeUInt16BE((ip.totalLength ?? h.length + restLength) & 0xffff, 2);
  h.writeUInt16BE((ip.id ?? 0x1234) & 0xffff, 4);
  const flags = (ip.df ? 0x4000 : 0) | (ip.mf ? 0x2000 : 0);
  h.writeUInt16BE(flags | ((ip.fragOffset ?? 0) & 0x1fff), 6);
  h[8] = ip.ttl ?? 64;
  h[9] = ip.protocol ?? (ip.ah ? 51 : l4Proto ?? PROTO_NONE_V4);
  writeAddress(h, 12, ip.src, 4);
  writeAddress(h, 16, ip.dst, 4);
  options.copy(h, 20);
  h.writeUInt16BE(ip.checksum ?? internetChecksum(h), 10);
  return h;
}

function ipv6HeaderBytes(ip: Ipv6Spec, payloadLength: number, firstNext: number | null): Buffer {
  const h = Buffer.alloc(40);
  const word0 = ((((ip.version ?? 6) & 0xf) << 28) | (((ip.trafficClass ?? 0) & 0xff) << 20) | ((ip.flowLabel ?? 0) & 0xfffff)) >>> 0;
  h.writeUInt32BE(word0, 0);
  h.writeUInt16BE((ip.payloadLength ?? payloadLength) & 0xffff, 4);
  h[6] = ip.nextHeader ?? firstNext ?? PROTO_NONE_V6;
  h[7] = ip.hopLimit ?? 64;
  writeAddress(h, 8, ip.src, 6);
  writeAddress(h, 24, ip.dst, 6);
  return h;
}

function ahBytes(ah: AhSpec, defaultNext: number): Buffer {
  const len = ah.len ?? 4;
  const h = sized(Buffer.alloc(Math.max(12, (len + 2) * 4)), ah.size ?? (len + 2) * 4);
  if (h.length > 0) h[0] = ah.nextHeader ?? defaultNext;
  if (h.length > 1) h[1] = len & 0xff;
  if (h.length >= 8) h.writeUInt32BE(0x00000100, 4); // SPI: any non-reserved value
  if (h.length >= 12) h.writeUInt32BE(1, 8); // sequence number
  return h;
}

function extHeaderBytes(e: ExtHeaderSpec, defaultNext: number): Buffer {
  const next = e.nextHeader ?? defaultNext;
  if (e.type === 44) {
    const h = Buffer.alloc(8);
    h[0] = next;
    h[1] = (e.len ?? 0) & 0xff;
    h.writeUInt16BE((((e.fragOffset ?? 0) & 0x1fff) << 3) | (e.more ? 1 : 0), 2);
    h.writeUInt32BE((e.id ?? 0xabcd) >>> 0, 4);
    return sized(h, e.size ?? 8);
  }
  const isAh = e.type === 51;
  const len = (e.len ?? (isAh ? 4 : 0)) & 0xff;
  const natural = isAh ? (len + 2) * 4 : (len + 1) * 8;
  const h = Buffer.alloc(Math.max(8, natural));
  h[0] = next;
  h[1] = len;
  if (isAh) {
    if (h.length >= 12) { h.writeUInt32BE(0x00000100, 4); h.writeUInt32BE(1, 8); }
  } else if (e.type === 0 || e.type === 60) {
    // Options area: one PadN option filling it, so the header is also valid for a real stack.
    h[2] = 1;
    h[3] = h.length - 4;
  }
  return sized(h, e.size ?? natural);
}

function l4Bytes(l4: L4Spec, payloadLength: number): Buffer {
  switch (l4.kind) {
    case 'tcp': {
      const options = padTo4(bytesOf(l4.options ?? 0, 0x01));
      const h = Buffer.alloc(20 + options.length);
      h.writeUInt16BE(l4.sport & 0xffff, 0);
      h.writeUInt16BE(l4.dport & 0xffff, 2);
      h.writeUInt32BE((l4.seq ?? 1000) >>> 0, 4);
      h.writeUInt32BE((l4.ack ?? 0) >>> 0, 8);
      h[12] = ((l4.dataOffset ?? h.length / 4) & 0xf) << 4;
      h[13] = (l4.flags ?? 0x02) & 0xff;
      h.writeUInt16BE((l4.window ?? 65535) & 0xffff, 14);
      options.copy(h, 20);
      return h;
    }
    case 'udp': {
      const h = Buffer.alloc(8);
      h.writeUInt16BE(l4.sport & 0xffff, 0);
      h.writeUInt16BE(l4.dport & 0xffff, 2);
      h.writeUInt16BE((l4.length ?? 8 + payloadLength) & 0xffff, 4);
      return h;
    }
    case 'sctp': {
      const h = Buffer.alloc(12);
      h.writeUInt16BE(l4.sport & 0xffff, 0);
      h.writeUInt16BE(l4.dport & 0xffff, 2);
      h.writeUInt32BE((l4.vtag ?? 0x11223344) >>> 0, 4);
      return h;
    }
    case 'icmp':
    case 'icmpv6': {
      const h = Buffer.alloc(8);
      h[0] = l4.type & 0xff;
      h[1] = l4.code & 0xff;
      h.writeUInt32BE((l4.rest ?? 0) >>> 0, 4);
      return h;
    }
    case 'raw':
      return bytesOf(l4.bytes ?? 0, 0x5a);
  }
}

/** RFC 1071 one's-complement sum over the header (checksum field zero). */
function internetChecksum(b: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < b.length; i += 2) sum += b.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function writeAddress(b: Buffer, at: number, text: string, family: 4 | 6): void {
  if (family === 4) {
    const v = parseIPv4(text);
    if (v === null) throw new Error(`packet: bad IPv4 address ${text}`);
    b.writeUInt32BE(v, at);
  } else {
    const words = parseIPv6(text);
    if (words === null) throw new Error(`packet: bad IPv6 address ${text}`);
    words.forEach((w, i) => b.writeUInt32BE(w >>> 0, at + 4 * i));
  }
}

function macBytes(text: string): Buffer {
  const parts = text.split(':');
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{2}$/.test(p))) throw new Error(`packet: bad MAC ${text}`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

function u16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v & 0xffff, 0);
  return b;
}

/** Hex text, or `n` copies of a filler byte. */
function bytesOf(b: Bytes, filler: number): Buffer {
  if (typeof b === 'number') return Buffer.alloc(b, filler);
  if (!/^([0-9a-fA-F]{2})*$/.test(b)) throw new Error(`packet: bad hex "${b}"`);
  return Buffer.from(b, 'hex');
}

function padTo4(b: Buffer): Buffer {
  return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
}

/** The first `size` bytes of `b`, zero-filled past its end. */
function sized(b: Buffer, size: number): Buffer {
  if (size <= b.length) return b.subarray(0, Math.max(0, size));
  return Buffer.concat([b, Buffer.alloc(size - b.length)]);
}
