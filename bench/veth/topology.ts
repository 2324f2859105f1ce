// Two namespaces of the benchmark's own and a veth pair between them: the sender (trafgen) and
// the receiver (the firewall under test). Addresses from 198.18.0.0/15 only. The receiver takes
// frames through veth NAPI (GRO on, so netfilter's path gets it too, not only XDP's) in threaded
// mode, so all of its receive work runs in one kernel thread whose CPU time the kernel accounts
// to the nanosecond (/proc/<pid>/schedstat); the sender has TSO/GSO off, which makes its frames
// eligible for the receiver's NAPI.

import fs from 'node:fs';
import { sweepStale } from '../../netns-tests/lib/netns';
import { runSync as sh, tryRunSync as trySh } from '../../netns-tests/lib/sh';

export interface VethTopology {
  tx: { ns: string; ifname: string };
  rx: { ns: string; ifname: string; mac: string; ifindex: number };
  /** /run/netns/<rx>: for nsenter --net= */
  rxPath: string;
  /** pids of the receiver's NAPI threads */
  napiThreads(): number[];
  remove(): void;
}

/** Namespaces `xdpfwb-<pid>-tx|rx`: the pid lets a later run remove those of a killed one. */
const NS_PREFIX = 'xdpfwb-';

export function createTopology(): VethTopology {
  sweepStale(NS_PREFIX);
  const tag = `${process.pid}`;
  const tx = { ns: `${NS_PREFIX}${tag}-tx`, ifname: `xt${tag}` };
  const rxNs = `${NS_PREFIX}${tag}-rx`;
  const rxIf = `xr${tag}`;
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    // Deleting a namespace destroys its veth end and any XDP program attached to it.
    trySh(['ip', 'netns', 'del', tx.ns]);
    trySh(['ip', 'netns', 'del', rxNs]);
  };
  process.once('exit', remove);
  try {
    sh(['ip', 'netns', 'add', tx.ns]);
    sh(['ip', 'netns', 'add', rxNs]);
    sh(['ip', '-n', tx.ns, 'link', 'add', tx.ifname, 'type', 'veth', 'peer', 'name', rxIf, 'netns', rxNs]);
    for (const [ns, ifname, addr] of [[tx.ns, tx.ifname, '198.18.0.1/24'], [rxNs, rxIf, '198.18.0.2/24']]) {
      sh(['ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${ifname}.disable_ipv6=1`]);
      sh(['ip', '-n', ns, 'addr', 'add', addr, 'dev', ifname]);
      sh(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['ip', '-n', ns, 'link', 'set', ifname, 'up']);
    }
    sh(['ip', 'netns', 'exec', tx.ns, 'ethtool', '-K', tx.ifname, 'tso', 'off', 'gso', 'off']);
    sh(['ip', 'netns', 'exec', rxNs, 'ethtool', '-K', rxIf, 'gro', 'on']);
    sh(['ip', 'netns', 'exec', rxNs, 'sh', '-c', `echo 1 > /sys/class/net/${rxIf}/threaded`]);
    const mac = sh(['ip', 'netns', 'exec', rxNs, 'cat', `/sys/class/net/${rxIf}/address`]).trim();
    const ifindex = Number(sh(['ip', 'netns', 'exec', rxNs, 'cat', `/sys/class/net/${rxIf}/ifindex`]).trim());
    return { tx, rx: { ns: rxNs, ifname: rxIf, mac, ifindex }, rxPath: `/run/netns/${rxNs}`, napiThreads: () => napiThreadsOf(rxIf), remove };
  } catch (e) {
    remove();
    throw e;
  }
}

/** Kernel threads "napi/<ifname>-<id>" (comm is cut at 15 characters). */
function napiThreadsOf(ifname: string): number[] {
  const want = `napi/${ifname}-`;
  const pids: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let comm: string;
    try {
      comm = fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    if (comm.startsWith(want.slice(0, 15))) pids.push(Number(d));
  }
  return pids;
}

/** CPU time the threads have run, ns (sum_exec_runtime: exact, not sampled by ticks). */
export function threadCpuNs(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) sum += Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  return sum;
}

/** Interface counters inside a namespace (ip -s -j). */
export function linkStats(ns: string, ifname: string): { rxPackets: number; rxDropped: number; txPackets: number; txDropped: number } {
  const info = JSON.parse(sh(['ip', '-n', ns, '-s', '-j', 'link', 'show', ifname]))[0].stats64;
  return { rxPackets: info.rx.packets, rxDropped: info.rx.dropped, txPackets: info.tx.packets, txDropped: info.tx.dropped };
}

/** The veth driver's own counters (ethtool -S): XDP drops live there. */
export function vethStats(ns: string, ifname: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of sh(['ip', 'netns', 'exec', ns, 'ethtool', '-S', ifname]).split('\n')) {
    const m = /^\s*([\w]+):\s*(\d+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/** Softirq time of all CPUs from /proc/stat, ns (tick-sampled; kept for comparison only). */
export function softirqNs(): number {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  return Number(line[7]) * (1e9 / 100); // USER_HZ is 100
}
