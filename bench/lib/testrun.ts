// Timing programs with BPF_PROG_TEST_RUN. The kernel times the repeat loop itself and reports ns
// per run, so the syscall and Node's call overhead stay out of the figure.

import type { BpfProgram } from '../../native/lib';
import { progStats } from './host';

/**
 * ns/packet of one cell: `total` runs split evenly over the distinct frames, each frame's
 * kernel-reported average weighted equally. Returns the return codes seen too (a cell whose
 * packets do not all get the expected verdict is a broken benchmark, not a fast one).
 */
export function cellNsPerPacket(program: BpfProgram, frames: Buffer[], total: number): { ns: number; retvals: number[] } {
  const repeat = Math.ceil(total / frames.length);
  let sum = 0;
  const retvals = new Set<number>();
  for (const data of frames) {
    const r = program.testRun({ data, repeat, dataOutSize: data.length + 256 });
    sum += r.duration;
    retvals.add(r.retval);
  }
  return { ns: sum / frames.length, retvals: [...retvals].sort() };
}

export interface OnceEach {
  /** mean of the kernel's duration of each single run (its clock reads around one run included) */
  durationNs: number;
  /** (run_time_ns delta) / (run_cnt delta) from kernel.bpf_stats_enabled: the program alone */
  statsNs: number;
}

/** Runs every frame exactly once (repeat 1): nothing warms a cache for the next packet of a flow. */
export function runOnceEach(program: BpfProgram, frames: Buffer[]): OnceEach {
  const before = progStats(program.id);
  let sum = 0;
  for (const data of frames) sum += program.testRun({ data, repeat: 1 }).duration;
  const after = progStats(program.id);
  const runs = after.runCnt - before.runCnt;
  if (runs !== frames.length) throw new Error(`bpf_stats counted ${runs} runs of ${program.name}, expected ${frames.length} (is kernel.bpf_stats_enabled on?)`);
  return { durationNs: sum / frames.length, statsNs: (after.runTimeNs - before.runTimeNs) / runs };
}
