// Crafted frames (VLAN tags, fragments, extension headers, malformed headers) sent from an
// AF_PACKET socket in the generator namespace, and a sniffer on the far end that shows which of
// them got past XDP (an AF_PACKET tap sees a frame only after the program passed it). Node has
// no AF_PACKET, so both are small python3 programs; frames travel as hex lines on stdin/stdout.

import { python3 } from './env';
import { NsProcess } from './ns-process';
import type { Netns } from './netns';

const SENDER = `
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
n = 0
for line in sys.stdin:
    line = line.strip()
    if line:
        s.send(bytes.fromhex(line))
        n += 1
print(n)
`;

const SNIFFER = `
import socket, sys
ETH_P_ALL = 3
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind((sys.argv[1], 0))
marker = bytes.fromhex(sys.argv[2])
print('{"ready":true}', flush=True)
while True:
    frame, addr = s.recvfrom(65536)
    if addr[2] != socket.PACKET_OUTGOING and marker in frame:
        print(frame.hex(), flush=True)
`;

/** Sends raw frames out of `ifname` in `ns`. */
export async function sendFrames(ns: Netns, ifname: string, frames: Buffer[]): Promise<void> {
  const r = await ns.exec([python3(), '-c', SENDER, ifname], { input: frames.map((f) => f.toString('hex')).join('\n') + '\n' });
  if (r.code !== 0 || Number(r.stdout.trim()) !== frames.length) throw new Error(`AF_PACKET send on ${ifname} failed (${r.code}): ${r.stderr}`);
}

/**
 * Records frames arriving on `ifname` in `ns` (after XDP) whose bytes contain `marker`. Put the
 * marker in the payload of crafted frames. A VLAN tag the kernel took off arrives untagged.
 */
export class FrameSniffer {
  private constructor(private readonly proc: NsProcess) {}

  static async start(ns: Netns, ifname: string, marker: Buffer): Promise<FrameSniffer> {
    return new FrameSniffer(await new NsProcess(ns, [python3(), '-u', '-c', SNIFFER, ifname, marker.toString('hex')]).ready());
  }

  frames(): Buffer[] {
    return this.proc.lines.filter((l) => /^[0-9a-f]+$/.test(l)).map((l) => Buffer.from(l, 'hex'));
  }

  /** Frames seen containing `needle` (e.g. a per-case tag). */
  count(needle: Buffer): number {
    return this.frames().filter((f) => f.includes(needle)).length;
  }

  /** Waits up to timeoutMs for `n` frames containing `needle`; returns how many arrived. */
  async waitFor(needle: Buffer, n: number, timeoutMs = 3000): Promise<number> {
    try {
      await this.proc.waitForLine(() => this.count(needle) >= n, timeoutMs);
    } catch {
      // fewer arrived: the caller asserts on the count
    }
    return this.count(needle);
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}
