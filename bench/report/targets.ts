// Issue 5's targets, judged from the figures of this run (medians; ratios of medians measured in
// the same interleaved trials). A target whose figures this run did not produce is "not measured".

import type { ControlResult } from '../sections/control';
import type { DatapathBlock, DatapathResult } from '../sections/datapath';
import type { MissResult } from '../sections/miss';
import type { VethResult } from '../sections/veth';
import { formatNumber, ratio } from '../lib/stats';
import type { PacketKind } from '../lib/workload';

export interface TargetRow {
  target: string;
  measured: string;
  /** the figure compared with the limit (a ratio or an absolute value) */
  value: number | null;
  limit: number;
  met: boolean | null;
}

const row = (target: string, value: number | null | undefined, limit: number, measured: string): TargetRow => {
  const v = value === undefined || value === null || Number.isNaN(value) ? null : value;
  return { target, measured: v === null ? 'not measured' : measured, value: v, limit, met: v === null ? null : v <= limit };
};

const KINDS: Record<4 | 6, PacketKind[]> = { 4: ['early4', 'late4', 'default4'], 6: ['early6', 'late6', 'default6'] };

/** The kind with the highest ratio a/b in a block, with that ratio. */
function worst(block: DatapathBlock, family: 4 | 6, against: 'baseline' | 'xdp-filter') {
  let best = { kind: KINDS[family][0], r: -Infinity };
  for (const k of KINDS[family]) {
    const r = ratio(block.cells[k].xdpfw, block.cells[k][against]);
    if (r > best.r) best = { kind: k, r };
  }
  return best;
}

export function evaluateTargets(dp?: DatapathResult, miss?: MissResult, control?: ControlResult, veth?: VethResult): TargetRow[] {
  const rows: TargetRow[] = [];
  const largest = dp?.blocks.find((b) => b.rules === 4096 && b.v4 === 1_000_000 && b.v6 === 100_000);
  for (const family of [4, 6] as const) {
    const w = largest ? worst(largest, family, 'baseline') : null;
    const c = w && largest ? largest.cells[w.kind] : null;
    rows.push(row(`Flat, IPv${family}: 4,096 rules + 1M IPv4 + 100k IPv6 vs 10 rules, no sets, same packets (worst of early/late/default) <= 1.5x`,
      w?.r, 1.5, c ? `${w!.kind}: ${formatNumber(c.xdpfw.median)} vs ${formatNumber(c.baseline.median)} ns = ${formatNumber(w!.r)}x` : ''));
  }
  for (const [family, limit] of [[4, 1.0], [6, 1.5]] as const) {
    const w = largest ? worst(largest, family, 'xdp-filter') : null;
    const c = w && largest ? largest.cells[w.kind] : null;
    rows.push(row(`vs xdp-filter, IPv${family}, largest ruleset (worst kind) <= ${limit.toFixed(1)}x`,
      w?.r, limit, c ? `${w!.kind}: ${formatNumber(c.xdpfw.median)} vs ${formatNumber(c['xdp-filter'].median)} ns = ${formatNumber(w!.r)}x` : ''));
  }
  for (const fam of ['ipv4', 'ipv6'] as const) {
    const s = miss?.stats[fam];
    const r = s ? ratio(s.xdpfw, s['xdp-filter']) : null;
    rows.push(row(`Miss flood, ${fam === 'ipv4' ? 'IPv4' : 'IPv6'}: each packet new, run once, vs xdp-filter <= 2.0x`,
      r, 2.0, s ? `${formatNumber(s.xdpfw.median)} vs ${formatNumber(s['xdp-filter'].median)} ns (bpf_stats) = ${formatNumber(r!)}x` : ''));
  }
  const full = control?.bySize.find((s) => s.v4 === 1_000_000 && s.v6 === 250_000);
  rows.push(row('Compile + apply 4,096 rules + 1M IPv4 + 250k IPv6 <= 5 s', full ? full.totalMs.median / 1000 : null, 5, full ? `${formatNumber(full.totalMs.median / 1000)} s` : ''));
  rows.push(row('One-rule change on that ruleset (compile + apply) <= 200 ms', control?.ruleEdit.totalMs.median, 200, `${formatNumber(control?.ruleEdit.totalMs.median ?? NaN)} ms`));
  rows.push(row('1,000-element set patch on that ruleset (compile + apply) <= 50 ms', control?.setPatch.totalMs.median, 50, `${formatNumber(control?.setPatch.totalMs.median ?? NaN)} ms`));
  const svc = control && 'metricsMs' in control.service ? control.service : null;
  rows.push(row('One-rule change through REST (PUT /v1/rules/:id) <= 200 ms', svc?.putRuleMs.median, 200, `${formatNumber(svc?.putRuleMs.median ?? NaN)} ms`));
  rows.push(row('Set patch through REST (PATCH /v1/sets/:name, 1,000 elements) <= 50 ms', svc?.patchSetMs.median, 50, `${formatNumber(svc?.patchSetMs.median ?? NaN)} ms`));
  rows.push(row('/metrics with 4,096 rules <= 100 ms', svc?.metricsMs.median, 100, `${formatNumber(svc?.metricsMs.median ?? NaN)} ms`));
  // The figure leaves out the mapped BPF map pages (file-backed RSS): anonymous RSS,
  // sampled every 2 ms from outside the process, peak over the whole run.
  rows.push(row('Daemon RSS without mapped BPF map pages (anonymous, peak of 2 ms samples) <= 512 MiB', svc?.memory.rssAnonMiB, 512,
    svc ? `${formatNumber(svc.memory.rssAnonMiB)} MiB (VmHWM with the map pages: ${formatNumber(svc.memory.peakRssMiB)} MiB)` : ''));
  const mib = control ? control.mapMemory.bytes / 2 ** 30 : null;
  rows.push(row('BPF map memory at full capacity (bpftool bytes_memlock) <= 1.5 GiB', mib, 1.5, `${formatNumber(mib ?? NaN)} GiB`));
  const vethRow = (fw: string) => veth?.rows.find((r) => r.firewall === fw && r.rules === 4096 && r.sets === 'none');
  const ours = vethRow('xdpfw');
  const ipt = vethRow('iptables');
  const nft = vethRow('nftables');
  const r = ratio(ours?.cpuNsPerPacket, ipt?.cpuNsPerPacket);
  rows.push(row('veth, 4,096 rules: receiver CPU/packet, xdpfw vs iptables <= 0.5x (nftables beside)', ours && ipt ? r : null, 0.5,
    ours && ipt ? `${formatNumber(ours.cpuNsPerPacket.median)} vs ${formatNumber(ipt.cpuNsPerPacket.median)} ns = ${formatNumber(r)}x; nftables ${formatNumber(nft?.cpuNsPerPacket.median ?? NaN)} ns = ${formatNumber(ratio(nft?.cpuNsPerPacket, ipt.cpuNsPerPacket))}x` : ''));
  return rows;
}
