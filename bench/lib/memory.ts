// Memory of a process from /proc/<pid>/status. Plain RSS includes the pages of BPF maps the
// process has mmap'ed (they are file-backed, not anonymous): RssAnon is the heap without them.

import fs from 'node:fs';

export interface MemorySample {
  /** peak resident set (VmHWM), MiB */
  peakRssMiB: number;
  rssMiB: number;
  rssAnonMiB: number;
  rssFileMiB: number;
  rssShmemMiB: number;
}

export function memoryOf(pid: number | 'self' = 'self'): MemorySample {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return { peakRssMiB: kb('VmHWM'), rssMiB: kb('VmRSS'), rssAnonMiB: kb('RssAnon'), rssFileMiB: kb('RssFile'), rssShmemMiB: kb('RssShmem') };
}
