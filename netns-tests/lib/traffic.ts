// Real traffic between test namespaces: ping/ping6, UDP datagrams, TCP connects. Receivers and
// listeners run in the far namespace, so a test sees delivery where it happens, not only counters.

import { NsProcess } from './ns-process';
import type { Netns } from './netns';

const isV6 = (addr: string) => addr.includes(':');

export interface PingResult {
  sent: number;
  received: number;
}

export interface PingOptions {
  count?: number;
  /** Seconds between requests (root may go below 0.2). Default 0.05. */
  interval?: number;
  /** Seconds to wait for each reply. Default 1. */
  timeout?: number;
  /** ICMP payload bytes. */
  size?: number;
  /** Source address (one of the namespace's own). */
  from?: string;
}

/** ping (or ping -6 for an IPv6 address) from `ns`; never throws on loss. */
export async function ping(ns: Netns, dst: string, opts: PingOptions = {}): Promise<PingResult> {
  const count = opts.count ?? 3;
  const argv = ['ping', isV6(dst) ? '-6' : '-4', '-n', '-q', '-c', String(count), '-i', String(opts.interval ?? 0.05), '-W', String(opts.timeout ?? 1)];
  if (opts.size !== undefined) argv.push('-s', String(opts.size));
  if (opts.from !== undefined) argv.push('-I', opts.from);
  argv.push(dst);
  const r = await ns.exec(argv, { timeoutMs: 10_000 + count * 1000 });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  if (!m) throw new Error(`ping ${dst}: unexpected output: ${r.stdout} ${r.stderr}`);
  return { sent: Number(m[1]), received: Number(m[2]) };
}

/**
 * A continuous ping (ping -D -O): which sequence numbers were answered, and when (Unix seconds).
 * Used to see exactly when a change took effect.
 */
export class PingStream {
  private constructor(private readonly proc: NsProcess) {}

  static start(ns: Netns, dst: string, intervalSec = 0.01): PingStream {
    return new PingStream(new NsProcess(ns, ['ping', isV6(dst) ? '-6' : '-4', '-n', '-D', '-O', '-W', '1', '-i', String(intervalSec), dst]));
  }

  /** Answered sequence numbers with the time each reply arrived. */
  replies(): { seq: number; at: number }[] {
    const out: { seq: number; at: number }[] = [];
    for (const line of this.proc.lines) {
      const m = /^\[(\d+\.\d+)\] \d+ bytes from .* icmp_seq=(\d+)/.exec(line);
      if (m) out.push({ seq: Number(m[2]), at: Number(m[1]) });
    }
    return out;
  }

  /** The highest sequence number sent so far (answered or reported unanswered). */
  lastSeq(): number {
    let last = 0;
    for (const line of this.proc.lines) {
      const m = /icmp_seq=(\d+)/.exec(line);
      if (m) last = Math.max(last, Number(m[1]));
    }
    return last;
  }

  /** Waits until `n` more requests have gone out. */
  async advance(n: number, timeoutMs = 10_000): Promise<void> {
    const target = this.lastSeq() + n;
    await this.proc.waitForLine(() => this.lastSeq() >= target, timeoutMs);
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

const UDP_RECEIVER = `
const dgram = require('node:dgram');
const [addr, port] = process.argv.slice(1);
const s = dgram.createSocket(addr.includes(':') ? 'udp6' : 'udp4');
s.on('message', (m, r) => process.stdout.write(JSON.stringify({ from: r.address, sport: r.port, data: m.toString() }) + '\\n'));
s.bind(Number(port), addr, () => process.stdout.write('{"ready":true}\\n'));
`;

const UDP_SENDER = `
const dgram = require('node:dgram');
const [dst, port, sport, count, tag, size, from] = process.argv.slice(1);
const s = dgram.createSocket(dst.includes(':') ? 'udp6' : 'udp4');
let i = 0;
const next = () => {
  if (i >= Number(count)) return s.close();
  const text = tag + '-' + i++;
  s.send(text.padEnd(Number(size), '.'), Number(port), dst, (e) => { if (e) { console.error(e.message); process.exit(1); } setTimeout(next, 2); });
};
s.bind({ port: Number(sport), address: from || undefined }, next);
`;

export interface Datagram {
  from: string;
  sport: number;
  data: string;
}

/** A UDP receiver bound in `ns`; records every datagram. */
export class UdpReceiver {
  private constructor(private readonly proc: NsProcess) {}

  static async start(ns: Netns, addr: string, port: number): Promise<UdpReceiver> {
    return new UdpReceiver(await new NsProcess(ns, [process.execPath, '-e', UDP_RECEIVER, addr, String(port)]).ready());
  }

  datagrams(tag?: string): Datagram[] {
    return this.proc.lines.filter((l) => l.startsWith('{"from"')).map((l) => JSON.parse(l) as Datagram).filter((d) => tag === undefined || d.data.startsWith(`${tag}-`));
  }

  /** Waits (up to timeoutMs) until `n` datagrams with `tag` arrived; returns how many did. */
  async waitFor(tag: string, n: number, timeoutMs = 5000): Promise<number> {
    try {
      await this.proc.waitForLine(() => this.datagrams(tag).length >= n, timeoutMs);
    } catch {
      // fewer arrived: the caller asserts on the count
    }
    return this.datagrams(tag).length;
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

export interface UdpSendOptions {
  /** Datagrams "<tag>-<i>" (padded with dots to `size` bytes). */
  tag: string;
  count?: number;
  /** Source port (0: any). */
  sport?: number;
  /** Payload bytes; above the MTU the kernel fragments the datagram. */
  size?: number;
  /** Source address (one of the namespace's own). */
  from?: string;
}

/** Sends datagrams from `ns` to dst:port, 2 ms apart. */
export async function udpSend(ns: Netns, dst: string, port: number, opts: UdpSendOptions): Promise<void> {
  const args = [dst, String(port), String(opts.sport ?? 0), String(opts.count ?? 1), opts.tag, String(opts.size ?? 0), opts.from ?? ''];
  const r = await ns.exec([process.execPath, '-e', UDP_SENDER, ...args]);
  if (r.code !== 0) throw new Error(`udp send to ${dst}:${port} failed: ${r.stderr}`);
}

const TCP_LISTENER = `
const net = require('node:net');
const [addr, port] = process.argv.slice(1);
const srv = net.createServer((c) => { process.stdout.write(JSON.stringify({ accepted: c.remoteAddress, sport: c.remotePort }) + '\\n'); c.end('hello'); });
srv.listen(Number(port), addr, () => process.stdout.write('{"ready":true}\\n'));
`;

const TCP_CONNECT = `
const net = require('node:net');
const [dst, port, ms] = process.argv.slice(1);
const c = net.connect({ host: dst, port: Number(port), timeout: Number(ms) });
c.on('data', (d) => { if (String(d) === 'hello') { process.stdout.write('connected'); process.exit(0); } });
c.on('timeout', () => process.exit(3));
c.on('error', (e) => { process.stderr.write(e.message); process.exit(4); });
`;

/** A TCP listener in `ns` that greets each connection; records who connected. */
export class TcpListener {
  private constructor(private readonly proc: NsProcess) {}

  static async start(ns: Netns, addr: string, port: number): Promise<TcpListener> {
    return new TcpListener(await new NsProcess(ns, [process.execPath, '-e', TCP_LISTENER, addr, String(port)]).ready());
  }

  accepted(): number {
    return this.proc.lines.filter((l) => l.startsWith('{"accepted"')).length;
  }

  stop(): Promise<void> {
    return this.proc.stop();
  }
}

/** True when a TCP connection from `ns` to dst:port completes and the greeting arrives in time. */
export async function tcpConnect(ns: Netns, dst: string, port: number, timeoutMs = 1000): Promise<boolean> {
  const r = await ns.exec([process.execPath, '-e', TCP_CONNECT, dst, String(port), String(timeoutMs)], { timeoutMs: timeoutMs + 5000 });
  return r.code === 0 && r.stdout === 'connected';
}

const UDP_STREAM = `
const dgram = require('node:dgram');
const [dst, port, tag, everyMs] = process.argv.slice(1);
const s = dgram.createSocket(dst.includes(':') ? 'udp6' : 'udp4');
let i = 0;
s.bind(0, () => {
  process.stdout.write('{"ready":true}\\n');
  setInterval(() => s.send(tag + '-' + i++, Number(port), dst), Number(everyMs));
});
process.on('SIGTERM', () => { process.stdout.write(JSON.stringify({ sent: i }) + '\\n'); process.exit(0); });
`;

/** Datagrams "<tag>-<i>" from `ns` every `everyMs` ms until stopped; stop() returns how many went out. */
export class UdpStream {
  private constructor(private readonly proc: NsProcess) {}

  static async start(ns: Netns, dst: string, port: number, tag: string, everyMs = 5): Promise<UdpStream> {
    return new UdpStream(await new NsProcess(ns, [process.execPath, '-e', UDP_STREAM, dst, String(port), tag, String(everyMs)]).ready());
  }

  async stop(): Promise<number> {
    await this.proc.stop();
    const last = this.proc.lines.find((l) => l.startsWith('{"sent"'));
    return last ? (JSON.parse(last) as { sent: number }).sent : -1;
  }
}
