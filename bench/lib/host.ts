// The machine a run happened on, and the kernel switches the benchmark depends on.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

export interface HostInfo {
  kernel: string;
  cpuModel: string;
  cpus: number;
  node: string;
  jitEnabled: number;
  /** kernel.bpf_stats_enabled when the run started: when on, every figure includes its clock reads */
  bpfStatsAtStart: number;
}

export function hostInfo(): HostInfo {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown';
  return {
    kernel: `${os.release()} ${os.version()}`,
    cpuModel: model.trim(),
    cpus: os.cpus().length,
    node: process.version,
    jitEnabled: jitSetting(),
    bpfStatsAtStart: bpfStatsSetting(),
  };
}

function jitSetting(): number {
  return Number(fs.readFileSync('/proc/sys/net/core/bpf_jit_enable', 'utf8').trim());
}

/** Data-path figures without the JIT would measure the interpreter: refuse to run. */
export function requireJit(): void {
  if (jitSetting() < 1) throw new Error('net.core.bpf_jit_enable is 0: the benchmark measures JIT-compiled programs');
}

const STATS_SYSCTL = '/proc/sys/kernel/bpf_stats_enabled';

/** Someone else may have it on; then BPF_PROG_TEST_RUN figures include two clock reads per run. */
export function bpfStatsSetting(): number {
  return Number(fs.readFileSync(STATS_SYSCTL, 'utf8').trim());
}

/**
 * Turns kernel.bpf_stats_enabled on and returns the undo. Restored on exit too, since the switch
 * is global and costs every BPF program on the machine two clock reads per run.
 */
export function enableBpfStats(): () => void {
  const before = String(bpfStatsSetting());
  fs.writeFileSync(STATS_SYSCTL, '1');
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      fs.writeFileSync(STATS_SYSCTL, before);
    } catch {
      // nothing more to do at exit
    }
  };
  process.once('exit', restore);
  return restore;
}

export interface ProgStats {
  runTimeNs: number;
  runCnt: number;
}

/** run_time_ns and run_cnt of one program (bpftool: the native addon does not expose them). */
export function progStats(id: number): ProgStats {
  const info = JSON.parse(execFileSync('bpftool', ['prog', 'show', 'id', String(id), '-j'], { encoding: 'utf8' }));
  return { runTimeNs: Number(info.run_time_ns ?? 0), runCnt: Number(info.run_cnt ?? 0) };
}

/** Sum of bytes_memlock over the given map ids, as `bpftool map show` reports them. */
export function mapMemlock(ids: number[]): { bytes: number; maps: { id: number; name: string; type: string; bytes: number }[] } {
  const all = JSON.parse(execFileSync('bpftool', ['map', 'show', '-j'], { encoding: 'utf8', maxBuffer: 256 << 20 })) as
    { id: number; name?: string; type: string; bytes_memlock?: number }[];
  const wanted = new Set(ids);
  const maps = all.filter((m) => wanted.has(m.id)).map((m) => ({ id: m.id, name: m.name ?? '', type: m.type, bytes: Number(m.bytes_memlock ?? 0) }));
  return { bytes: maps.reduce((a, m) => a + m.bytes, 0), maps };
}
