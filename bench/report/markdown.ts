// The printed report: markdown tables of medians (min–max) for every section, then the targets.

import { formatNumber, formatSummary, ratio } from '../lib/stats';
import { PACKET_KINDS } from '../lib/workload';
import type { BenchReport } from './types';

const table = (head: string[], rows: string[][]) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

const count = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : `${n}`);

export function renderMarkdown(r: BenchReport): string {
  const out: string[] = [];
  out.push(`## xdpfw benchmark, ${r.startedAt.slice(0, 10)}`, '');
  out.push(`Kernel ${r.host.kernel}; CPU ${r.host.cpuModel} x ${r.host.cpus}; Node ${r.host.node}; JIT ${r.host.jitEnabled ? 'on' : 'off'}; ` +
    `${r.options.trials} interleaved trials per figure${r.options.quick ? ' (--quick)' : ''}; run took ${Math.round(r.seconds)} s. ` +
    'Figures: median (min–max).', '');

  if (r.datapath) {
    const d = r.datapath;
    out.push(`### Data path, ns/packet (BPF_PROG_TEST_RUN, ${count(d.repeatPerCell)} runs per cell over ${d.packetsPerCell} distinct 64-byte frames)`, '');
    const rows = d.blocks.map((b) => [`${b.rules}`, b.v4 ? `${count(b.v4)} v4 + ${count(b.v6)} v6` : 'none',
      ...PACKET_KINDS.map((k) => formatSummary(b.cells[k].xdpfw)),
      `${formatNumber(Math.max(...PACKET_KINDS.map((k) => ratio(b.cells[k].xdpfw, b.cells[k].baseline))))}x`,
      `${formatNumber(b.compileMs + b.applyMs)} ms`]);
    const ref = d.blocks.find((b) => b.rules === 4096 && b.v4 === 1_000_000) ?? d.blocks[d.blocks.length - 1];
    if (ref) {
      for (const [c, label] of [['baseline', 'baseline: 10 rules, no sets, same frames'], ['xdp-filter', 'xdp-filter (deny program, 10+10 addresses, 1 port)'], ['XDP_PASS', 'XDP_PASS']] as const) {
        rows.push([label, `(in the trials of ${ref.rules} rules + ${count(ref.v4)} v4)`, ...PACKET_KINDS.map((k) => formatSummary(ref.cells[k][c])), '', '']);
      }
    }
    out.push(table(['rules', 'sets', ...PACKET_KINDS, 'worst vs baseline', 'compile+apply'], rows), '');
    const wrong = d.blocks.flatMap((b) => PACKET_KINDS.filter((k) => b.decided[k].rule !== b.decided[k].expected).map((k) => `${b.rules}/${count(b.v4)} ${k}`));
    if (d.skipped.length) out.push(`Left out to stay within the time budget (the machine was loaded): ${d.skipped.join('; ')}.`, '');
    if (wrong.length) out.push(`Packets decided by another rule than planned: ${wrong.join(', ')}.`, '');
  }

  if (r.miss) {
    const m = r.miss;
    out.push(`### Miss flood (${m.packetsPerTrial} packets per family and trial, each a new source and ports, each run once; ${m.rules} rules + ${count(m.v4)} v4 + ${count(m.v6)} v6)`, '');
    out.push(table(['program', 'IPv4 ns (bpf_stats)', 'IPv6 ns (bpf_stats)', 'IPv4 ns (test-run duration)', 'IPv6 ns (test-run duration)'],
      (['xdpfw', 'xdp-filter', 'XDP_PASS'] as const).map((c) => [c, formatSummary(m.stats.ipv4[c]), formatSummary(m.stats.ipv6[c]), formatSummary(m.duration.ipv4[c]), formatSummary(m.duration.ipv6[c])])), '');
  }

  if (r.control) {
    const c = r.control;
    out.push('### Control plane (ms; compile + apply from a fresh data plane; changes back and forth on the largest)', '');
    const rows = c.bySize.map((s) => [`${s.rules} rules + ${count(s.v4)} v4 + ${count(s.v6)} v6`, formatSummary(s.compileMs), formatSummary(s.applyMs), formatSummary(s.totalMs)]);
    rows.push(['one-rule edit', formatSummary(c.ruleEdit.compileMs), formatSummary(c.ruleEdit.applyMs), formatSummary(c.ruleEdit.totalMs)]);
    rows.push([`set patch, ${c.setPatch.elements} elements`, formatSummary(c.setPatch.compileMs), formatSummary(c.setPatch.applyMs), formatSummary(c.setPatch.totalMs)]);
    out.push(table(['what', 'compile', 'apply', 'total'], rows), '');
    out.push(`BPF map memory at ${c.largest.rules} rules + ${count(c.largest.v4)} v4 + ${count(c.largest.v6)} v6: ${formatNumber(c.mapMemory.bytes / 2 ** 20)} MiB (bytes_memlock of ${c.mapMemory.maps.length} maps).`, '');
    if ('metricsMs' in c.service) {
      const s = c.service;
      out.push(table(['REST (app.inject, same largest ruleset)', 'ms'], [
        ['PUT /v1/ruleset (whole ruleset, once)', formatNumber(s.putRulesetMs)],
        ['PUT /v1/rules/:id', formatSummary(s.putRuleMs)],
        [`PATCH /v1/sets/:name (${s.patchElements} elements)`, formatSummary(s.patchSetMs)],
        [`GET /metrics (${formatNumber(s.metricsBytes / 1024)} KiB)`, formatSummary(s.metricsMs)],
      ]), '');
      out.push(`Daemon-like process (service + HTTP app + data plane, largest ruleset): peak RSS ${formatNumber(s.memory.peakRssMiB)} MiB ` +
        `(plain VmHWM, mmap'ed BPF map pages included; largest anonymous part sampled ${formatNumber(s.memory.rssAnonMiB)} MiB, file/shmem-backed ${formatNumber(s.memory.rssFileMiB + s.memory.rssShmemMiB)} MiB).`, '');
    } else {
      out.push(`REST figures skipped: ${c.service.skipped}`, '');
    }
  }

  if (r.veth) {
    const v = r.veth;
    out.push(`### Real traffic on veth (trafgen, ${v.ratePps} pps offered, ${v.packetsPerTrial} ${v.frameBytes}-byte UDP frames per trial, random sources in 198.18.0.0/16, all dropped by the last rule)`, '');
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    out.push(table(['firewall', 'rules', 'sets', 'receiver CPU ns/packet', 'achieved pps (min)', 'queue-full retries', 'dropped before the firewall', 'reached UDP'],
      v.rows.map((x) => [x.firewall, `${x.rules}`, x.sets, formatSummary(x.cpuNsPerPacket), formatNumber(Math.min(...x.achievedPps)),
        `${sum(x.queueFull)}`, `${sum(x.rxDropped)}`, `${sum(x.reachedUdp)}`])), '');
    out.push('Counts are totals over all trials. Every frame that entered the receiver\'s queue reached its NAPI thread; ' +
      'a full queue makes trafgen retry, so where retries are many the offered rate was not held.', '');
    out.push(table(['in situ (bpf_stats run_time_ns / run_cnt, same traffic)', 'ns/packet'], v.inSitu.map((x) => [`${x.name} (${x.rules} rules, ${x.sets})`, formatSummary(x.nsPerRun)])), '');
  }

  out.push('### Targets (issue 5)', '');
  out.push(table(['target', 'measured', 'met'], r.targets.map((t) => [t.target, t.measured, t.met === null ? 'not measured' : t.met ? 'met' : '**not met**'])), '');
  if (r.notes.length) out.push('Notes:', ...r.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
