// Section 4: real traffic on veth. trafgen in one namespace sends at a fixed offered rate; the
// receiver runs, in turn (interleaved trials): xdpfw (native XDP), nftables in its best form,
// iptables (nft backend) in linear form, each with the same N rules; also xdpfw's largest ruleset
// and xdp-filter's deny-all program. Receiver CPU per packet = CPU time of the receiver's NAPI
// thread / packets that reached it. Then the in-situ figure: the program's own ns/run from
// kernel.bpf_stats_enabled under the same traffic (random sources, so caches see new addresses).

import { enableBpfStats, progStats } from '../lib/host';
import type { BenchOptions } from '../lib/options';
import { Summary, rotate, summarize } from '../lib/stats';
import { XdpHolder } from '../veth/holder';
import { iptablesRestore, loadIptables, loadNft, nftScript, unloadIptables, unloadNft } from '../veth/netfilter';
import { VETH_LARGEST, vethRuleset } from '../veth/rulesets';
import { createTopology, linkStats, softirqNs, threadCpuNs, type VethTopology } from '../veth/topology';
import { sendFixedRate } from '../veth/trafgen';
import { execFileSync } from 'node:child_process';

export type VethFirewall = 'xdpfw' | 'nftables' | 'iptables' | 'xdp-filter';

export interface VethRow {
  firewall: VethFirewall;
  /** rules in the ruleset; sets named in `sets` */
  rules: number;
  sets: string;
  cpuNsPerPacket: Summary;
  /**
   * Per trial: frames that entered the receiver's queue (all of them reach its NAPI thread);
   * sends refused because that queue was full (trafgen retries them, so the offered rate was not
   * held); frames the receiver dropped before any firewall; frames that reached the UDP layer
   * (0: the firewall dropped everything); the rate achieved.
   */
  sent: number[];
  queueFull: number[];
  rxDropped: number[];
  reachedUdp: number[];
  achievedPps: number[];
  /** tick-sampled softirq time over all CPUs per packet (threaded NAPI moves the work out of softirq) */
  softirqNsPerPacket: Summary;
}

export interface VethResult {
  ratePps: number;
  packetsPerTrial: number;
  frameBytes: number;
  rows: VethRow[];
  inSitu: { name: string; rules: number; sets: string; nsPerRun: Summary }[];
}

interface Config {
  firewall: VethFirewall;
  rules: number;
  sets: string;
  up(): Promise<void>;
  down(): Promise<void>;
}

const LARGEST_SETS = `${VETH_LARGEST.v4 / 1e6}M IPv4 + ${VETH_LARGEST.v6 / 1e3}k IPv6`;

function udpReached(ns: string): number {
  const snmp = execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/snmp'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('Udp:'));
  const names = snmp[0].split(/\s+/);
  const values = snmp[1].split(/\s+/).map(Number);
  const at = (n: string) => values[names.indexOf(n)] ?? 0;
  return at('InDatagrams') + at('NoPorts') + at('InErrors');
}

export async function runVeth(opts: BenchOptions, log: (s: string) => void): Promise<VethResult> {
  const topo = createTopology();
  let holder: XdpHolder | null = null;
  try {
    holder = await XdpHolder.start(topo.rxPath, topo.rx.ifname, opts.vethRuleSizes);
    const h = holder;
    const configs: Config[] = [];
    for (const n of opts.vethRuleSizes) {
      const rs = vethRuleset(n);
      const nft = nftScript(rs);
      const ipt = iptablesRestore(rs);
      configs.push({ firewall: 'xdpfw', rules: n, sets: 'none', up: async () => void (await h.attach(`xdpfw-${n}`)), down: async () => void (await h.detach()) });
      configs.push({ firewall: 'nftables', rules: n, sets: 'none', up: async () => loadNft(topo.rx.ns, nft), down: async () => unloadNft(topo.rx.ns) });
      configs.push({ firewall: 'iptables', rules: n, sets: 'none', up: async () => loadIptables(topo.rx.ns, ipt), down: async () => unloadIptables(topo.rx.ns) });
    }
    configs.push({ firewall: 'xdpfw', rules: VETH_LARGEST.rules, sets: LARGEST_SETS, up: async () => void (await h.attach('xdpfw-largest')), down: async () => void (await h.detach()) });
    configs.push({ firewall: 'xdp-filter', rules: 0, sets: 'deny all', up: async () => void (await h.attach('xdp-filter')), down: async () => void (await h.detach()) });

    const packets = Math.round(opts.vethRate * opts.vethSeconds);
    const samples = configs.map(() => ({ cpu: [] as number[], si: [] as number[], sent: [] as number[], full: [] as number[], rxDropped: [] as number[], udp: [] as number[], pps: [] as number[] }));
    const measure = async () => {
      const threads = topo.napiThreads();
      if (threads.length === 0) throw new Error(`no NAPI thread for ${topo.rx.ifname}`);
      const before = { cpu: threadCpuNs(threads), si: softirqNs(), tx: linkStats(topo.tx.ns, topo.tx.ifname), rx: linkStats(topo.rx.ns, topo.rx.ifname), udp: udpReached(topo.rx.ns) };
      const run = await sendFixedRate(topo.tx.ns, topo.tx.ifname, topo.rx.mac, opts.vethRate, packets);
      await new Promise((r) => setTimeout(r, 100)); // let the receiver drain its queue
      const threadsAfter = topo.napiThreads();
      if (threadsAfter.join() !== threads.join()) throw new Error('the NAPI threads changed during a trial');
      const tx = linkStats(topo.tx.ns, topo.tx.ifname);
      const rx = linkStats(topo.rx.ns, topo.rx.ifname);
      const sent = tx.txPackets - before.tx.txPackets;
      return {
        cpu: threadCpuNs(threads) - before.cpu, si: softirqNs() - before.si, sent,
        full: tx.txDropped - before.tx.txDropped, rxDropped: rx.rxDropped - before.rx.rxDropped,
        udp: udpReached(topo.rx.ns) - before.udp, pps: sent / run.seconds,
      };
    };
    for (let t = 0; t < opts.trials; t++) {
      for (const i of rotate(configs.map((_, k) => k), t)) {
        const c = configs[i];
        await c.up();
        try {
          const m = await measure();
          const got = Math.max(1, m.sent);
          samples[i].cpu.push(m.cpu / got);
          samples[i].si.push(m.si / got);
          samples[i].sent.push(m.sent);
          samples[i].full.push(m.full);
          samples[i].rxDropped.push(m.rxDropped);
          samples[i].udp.push(m.udp);
          samples[i].pps.push(m.pps);
        } finally {
          await c.down();
        }
      }
    }
    const rows: VethRow[] = configs.map((c, i) => ({
      firewall: c.firewall, rules: c.rules, sets: c.sets,
      cpuNsPerPacket: summarize(samples[i].cpu), softirqNsPerPacket: summarize(samples[i].si),
      sent: samples[i].sent, queueFull: samples[i].full, rxDropped: samples[i].rxDropped, reachedUdp: samples[i].udp, achievedPps: samples[i].pps,
    }));
    for (const r of rows) log(`  veth ${r.firewall} ${r.rules} rules (${r.sets}): ${r.cpuNsPerPacket.median.toFixed(0)} ns/packet receiver CPU`);

    const inSitu = await runInSitu(opts, topo, h, packets);
    return { ratePps: opts.vethRate, packetsPerTrial: packets, frameBytes: 64, rows, inSitu };
  } finally {
    await holder?.stop();
    topo.remove();
  }
}

/** run_time_ns / run_cnt of our program under the same traffic, stats switched on only here. */
async function runInSitu(opts: BenchOptions, topo: VethTopology, h: XdpHolder, packets: number): Promise<VethResult['inSitu']> {
  const largest = Math.max(...opts.vethRuleSizes);
  const names = [{ name: 'xdpfw-largest', rules: VETH_LARGEST.rules, sets: LARGEST_SETS }, { name: `xdpfw-${largest}`, rules: largest, sets: 'none' }, { name: 'xdp-filter', rules: 0, sets: 'deny all' }];
  const samples = names.map(() => [] as number[]);
  const restore = enableBpfStats();
  try {
    for (let t = 0; t < opts.trials; t++) {
      for (const i of rotate(names.map((_, k) => k), t)) {
        const id = h.ids[names[i].name];
        await h.attach(names[i].name);
        try {
          const before = progStats(id);
          await sendFixedRate(topo.tx.ns, topo.tx.ifname, topo.rx.mac, opts.vethRate, packets);
          await new Promise((r) => setTimeout(r, 100));
          const after = progStats(id);
          samples[i].push((after.runTimeNs - before.runTimeNs) / Math.max(1, after.runCnt - before.runCnt));
        } finally {
          await h.detach();
        }
      }
    }
  } finally {
    restore();
  }
  return names.map((n, i) => ({ ...n, nsPerRun: summarize(samples[i]) }));
}
