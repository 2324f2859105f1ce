// Benchmark packets as bytes: 64-byte Ethernet frames (FCS not included) carrying UDP, built with
// the tests' frame builder so the data path sees exactly what the tests feed it.

import { buildFrame } from '../../test/lib/packet';
import { formatAddr, type PacketFields } from './workload';
import { BenchRng } from './rng';

export const FRAME_BYTES = 64;
const ETH = 14;
const UDP = 8;
const IP_HEADER = { 4: 20, 6: 40 } as const;

export function frameOf(p: PacketFields): Buffer {
  const payload = FRAME_BYTES - ETH - IP_HEADER[p.family] - UDP;
  const src = formatAddr(p.family, p.src);
  const dst = formatAddr(p.family, p.dst);
  return buildFrame({
    ip: p.family === 4 ? { kind: 'ipv4', src, dst } : { kind: 'ipv6', src, dst },
    l4: { kind: 'udp', sport: p.sport, dport: p.dport },
    payload,
  });
}

/**
 * The miss flood: every packet a new source address and new ports. IPv4 sources are uniform over
 * the whole space (the block-list's prefixes are too); IPv6 sources are uniform over 2000::/4,
 * where the benchmark's IPv6 block-list lives. Seeded, so every contender gets the same packets.
 */
export function missFlood(family: 4 | 6, n: number, seed: number): Buffer[] {
  const rng = new BenchRng(seed);
  const seen = new Set<string>();
  const frames: Buffer[] = [];
  while (frames.length < n) {
    const src = family === 4 ? [rng.u32()] : [((0x2 << 28) | (rng.u32() >>> 4)) >>> 0, rng.u32(), rng.u32(), rng.u32()];
    const key = src.join('.');
    if (seen.has(key)) continue;
    seen.add(key);
    const dst = family === 4 ? [0xc6120002] : [0xfd000000, 0, 0, 2];
    frames.push(frameOf({ family, src, dst, proto: 17, sport: rng.int(1024, 65535), dport: rng.int(1, 65535) }));
  }
  return frames;
}
