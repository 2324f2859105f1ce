// Frame mutations for the packet fuzzer. Each takes a seed frame (with the layout it was built
// with, so length fields can be targeted) and returns a new frame: bit flips, lying length fields
// (IPv4 total length and IHL, TCP data offset, UDP length, IPv6 payload length, extension-header
// and AH lengths), fragment fields, protocol and next-header values, ethertypes and TPIDs,
// truncation, extension, inserted and removed bytes. Deterministic for a given Rng.

import type { Rng } from './rng';
import type { Seed } from './fuzz-seeds';

export interface Mutant {
  frame: Buffer;
  /** The operations applied, e.g. "ihl=3 trunc@41": with the seed name, enough to rebuild it. */
  ops: string[];
}

/** Values a parser's edge cases hide at: headers' sizes, their neighbours, the extremes. */
const INTERESTING_U16 = [0, 1, 4, 7, 8, 12, 19, 20, 39, 40, 60, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_PROTO = [0, 1, 6, 17, 41, 43, 44, 47, 50, 51, 58, 59, 60, 132, 135, 253, 255];
const INTERESTING_ETHERTYPE = [0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100, 0x88cc, 0x0000, 0xffff];
const INTERESTING_ICMP = [0, 3, 8, 128, 129, 133, 134, 135, 136, 137];
const INTERESTING_PORT = [0, 22, 53, 80, 443, 2905, 40000, 65535];

type Op = (b: Buffer, s: Seed, rng: Rng) => { frame: Buffer; op: string } | null;

const put8 = (b: Buffer, at: number, v: number) => {
  if (at >= 0 && at < b.length) b[at] = v & 0xff;
};
const put16 = (b: Buffer, at: number, v: number) => {
  put8(b, at, v >> 8);
  put8(b, at + 1, v);
};
const pickU16 = (rng: Rng, real: number) =>
  rng.weighted([[6, rng.pick(INTERESTING_U16)], [3, real + rng.int(-2, 2)], [2, rng.int(0, 0xffff)]] as const) & 0xffff;
const pickProto = (rng: Rng) => (rng.chance(0.8) ? rng.pick(INTERESTING_PROTO) : rng.int(0, 255));

const bitFlips: Op = (b, s, rng) => {
  // Mostly inside the headers, where a flipped bit changes what the parser does.
  const limit = rng.chance(0.8) ? Math.min(b.length, s.layout.l4 + 24) : b.length;
  if (limit === 0) return null;
  const n = rng.weighted([[6, 1], [3, 2], [2, 4], [1, 8]] as const);
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    const bit = rng.int(0, limit * 8 - 1);
    b[bit >> 3] ^= 1 << (bit & 7);
    at.push(bit);
  }
  return { frame: b, op: `flip[${at.join(',')}]` };
};

const ipv4Field: Op = (b, s, rng) => {
  if (s.family !== 4) return null;
  const l3 = s.layout.l3;
  switch (rng.int(0, 5)) {
    case 0: {
      const ihl = rng.int(0, 15);
      put8(b, l3, (b[l3] & 0xf0) | ihl);
      return { frame: b, op: `ihl=${ihl}` };
    }
    case 1: {
      const v = pickU16(rng, s.layout.end - l3);
      put16(b, l3 + 2, v);
      return { frame: b, op: `totlen=${v}` };
    }
    case 2: {
      const v = rng.int(0, 15);
      put8(b, l3, (v << 4) | (b[l3] & 0x0f));
      return { frame: b, op: `version=${v}` };
    }
    case 3: {
      const offset = rng.weighted([[3, 0], [4, 1], [2, 2], [1, 0x1fff], [2, rng.int(0, 0x1fff)]] as const);
      const flags = rng.int(0, 7) << 13;
      put16(b, l3 + 6, flags | offset);
      return { frame: b, op: `frag=${(flags | offset).toString(16)}` };
    }
    case 4: {
      const p = pickProto(rng);
      put8(b, l3 + 9, p);
      return { frame: b, op: `proto=${p}` };
    }
    default: {
      const ttl = rng.pick([0, 1, 255]);
      put8(b, l3 + 8, ttl);
      return { frame: b, op: `ttl=${ttl}` };
    }
  }
};

const ipv6Field: Op = (b, s, rng) => {
  if (s.family !== 6) return null;
  const l3 = s.layout.l3;
  switch (rng.int(0, 3)) {
    case 0: {
      const v = pickU16(rng, s.layout.end - l3 - 40);
      put16(b, l3 + 4, v);
      return { frame: b, op: `paylen=${v}` };
    }
    case 1: {
      const p = pickProto(rng);
      put8(b, l3 + 6, p);
      return { frame: b, op: `nexthdr=${p}` };
    }
    case 2: {
      const v = rng.int(0, 15);
      put8(b, l3, (v << 4) | (b[l3] & 0x0f));
      return { frame: b, op: `version=${v}` };
    }
    default: {
      const hl = rng.pick([255, 255, 254, 0, 64]);
      put8(b, l3 + 7, hl);
      return { frame: b, op: `hoplimit=${hl}` };
    }
  }
};

/** An IPv6 extension header's (or the IPv4 AH's) next-header, length or fragment field. */
const extField: Op = (b, s, rng) => {
  if (s.layout.ext.length === 0) return null;
  const i = rng.int(0, s.layout.ext.length - 1);
  const at = s.layout.ext[i];
  switch (rng.int(0, 2)) {
    case 0: {
      const len = rng.chance(0.6) ? rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 127, 254, 255]) : rng.int(0, 255);
      put8(b, at + 1, len);
      return { frame: b, op: `ext${i}.len=${len}` };
    }
    case 1: {
      const p = pickProto(rng);
      put8(b, at, p);
      return { frame: b, op: `ext${i}.next=${p}` };
    }
    default: {
      // Fragment offset/M in a Fragment header; in others, option bytes (harmless, as they should be).
      const v = rng.weighted([[3, 0], [3, 1 << 3], [2, 2 << 3], [1, 1], [2, rng.int(0, 0xffff)]] as const);
      put16(b, at + 2, v);
      return { frame: b, op: `ext${i}.w1=${v.toString(16)}` };
    }
  }
};

const l4Field: Op = (b, s, rng) => {
  const l4 = s.layout.l4;
  if (l4 >= b.length) return null;
  switch (rng.int(0, 5)) {
    case 0: {
      const doff = rng.int(0, 15);
      put8(b, l4 + 12, (doff << 4) | (b[l4 + 12] & 0x0f));
      return { frame: b, op: `doff=${doff}` };
    }
    case 1: {
      const flags = rng.chance(0.5) ? rng.pick([0x02, 0x12, 0x10, 0x04, 0x00, 0xff]) : rng.int(0, 255);
      put8(b, l4 + 13, flags);
      return { frame: b, op: `flags=${flags}` };
    }
    case 2: {
      const v = pickU16(rng, s.layout.end - l4);
      put16(b, l4 + 4, v);
      return { frame: b, op: `udplen=${v}` };
    }
    case 3: {
      const which = rng.int(0, 1);
      const port = rng.chance(0.7) ? rng.pick(INTERESTING_PORT) : rng.int(0, 0xffff);
      put16(b, l4 + 2 * which, port);
      return { frame: b, op: `${which ? 'dport' : 'sport'}=${port}` };
    }
    case 4: {
      const t = rng.pick(INTERESTING_ICMP);
      put8(b, l4, t);
      put8(b, l4 + 1, rng.pick([0, 0, 1, 3]));
      return { frame: b, op: `icmp=${t}` };
    }
    default: {
      const v = rng.int(0, 255);
      const at = l4 + rng.int(0, 19);
      put8(b, at, v);
      return { frame: b, op: `l4[${at - l4}]=${v}` };
    }
  }
};

/** The ethertype after the tags, or any tag's TPID / inner type. */
const ethertype: Op = (b, s, rng) => {
  const positions = [12];
  for (let at = 16; at <= s.layout.l3 - 2; at += 4) positions.push(at);
  const at = rng.chance(0.6) ? s.layout.l3 - 2 : rng.pick(positions);
  const v = rng.chance(0.7) ? rng.pick(INTERESTING_ETHERTYPE) : rng.int(0, 0xffff);
  put16(b, at, v);
  return { frame: b, op: `ethertype@${at}=${v.toString(16)}` };
};

const truncate: Op = (b, s, rng) => {
  // Biased towards header boundaries, where off-by-one bounds checks live.
  const marks = [14, s.layout.l3, s.layout.l3 + 20, s.layout.l3 + 40, ...s.layout.ext, s.layout.l4, s.layout.l4 + 8, s.layout.l4 + 20];
  const n = rng.chance(0.6) ? Math.max(0, rng.pick(marks) + rng.int(-2, 2)) : rng.int(0, b.length);
  return n < b.length ? { frame: b.subarray(0, n), op: `trunc@${n}` } : null;
};

const extend: Op = (b, _s, rng) => {
  const n = rng.int(1, 64);
  return { frame: Buffer.concat([b, Buffer.from(rng.hex(n), 'hex')]), op: `extend+${n}` };
};

const randomBytes: Op = (b, _s, rng) => {
  if (b.length === 0) return null;
  const at = rng.int(0, b.length - 1);
  const n = Math.min(rng.int(1, 8), b.length - at);
  Buffer.from(rng.hex(n), 'hex').copy(b, at);
  return { frame: b, op: `rand[${at}+${n}]` };
};

/** Inserts or removes bytes in the headers: every later field moves (a tag, 8 option bytes...). */
const shift: Op = (b, s, rng) => {
  const at = rng.int(12, Math.max(12, Math.min(b.length, s.layout.l4 + 8)));
  if (rng.chance(0.5)) {
    const n = rng.pick([1, 2, 4, 8]);
    const ins = rng.chance(0.5) ? Buffer.from([0x81, 0x00, 0x00, 0x0a]).subarray(0, n) : Buffer.from(rng.hex(n), 'hex');
    return { frame: Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]), op: `insert@${at}+${n}` };
  }
  const n = Math.min(rng.pick([1, 2, 4, 8]), b.length - at);
  if (n <= 0) return null;
  return { frame: Buffer.concat([b.subarray(0, at), b.subarray(at + n)]), op: `remove@${at}-${n}` };
};

/** Field mutations first (they use the seed's layout); shifts and truncation change it, so last. */
const FIELD_OPS: ReadonlyArray<readonly [number, Op]> = [
  [4, bitFlips], [4, ipv4Field], [4, ipv6Field], [4, extField], [4, l4Field], [2, ethertype], [1, randomBytes], [1, extend],
];
const LAST_OPS: ReadonlyArray<readonly [number, Op | null]> = [[6, null], [3, truncate], [1, shift]];

export function mutate(seed: Seed, rng: Rng): Mutant {
  let frame: Buffer = Buffer.from(seed.frame);
  const ops: string[] = [];
  const rounds = rng.weighted([[5, 1], [3, 2], [2, 3], [1, 5]] as const);
  for (let i = 0; i < rounds; i++) {
    const r = rng.weighted(FIELD_OPS)(frame, seed, rng);
    if (r) {
      frame = r.frame;
      ops.push(r.op);
    }
  }
  const last = rng.weighted(LAST_OPS);
  const r = last?.(frame, seed, rng);
  if (r) {
    frame = r.frame;
    ops.push(r.op);
  }
  return { frame, ops };
}
