// Host-level queries: CPUs, bpffs, interfaces and their XDP state.
import fs from 'node:fs';
import { XDP_ATTACHED } from './constants';
import { call } from './errors';
import { binding } from './load';
import { requirePositive, requireString } from './validate';

const BPF_FS_MAGIC = 0xcafe4a11;

let possibleCpus: number | undefined;

/** CPUs the kernel may bring up: the stride of per-CPU map values. */
export function numPossibleCpus(): number {
  possibleCpus ??= call('possible CPUs', () => binding().numPossibleCpus());
  return possibleCpus;
}

/** Whether path is on a bpf filesystem (false when it does not exist). */
export function isBpffs(path: string): boolean {
  requireString('path', path);
  try {
    return fs.statfsSync(path).type === BPF_FS_MAGIC;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw e;
  }
}

/** if_nametoindex: 0 when there is no such interface. */
export function ifNameToIndex(name: string): number {
  requireString('interface name', name);
  return binding().ifNameToIndex(name);
}

export type XdpAttachMode = (typeof XDP_ATTACHED)[number];

/** The XDP program attached to an interface, and in which mode. */
export function xdpQuery(ifindex: number): { progId: number; mode: XdpAttachMode } {
  requirePositive('ifindex', ifindex, 0x7fff_ffff);
  const result = call(`interface ${ifindex}`, () => binding().xdpQuery(ifindex));
  const mode = XDP_ATTACHED[result.mode] ?? 'multi';
  // In multi mode the kernel reports no single id; the native one is what xdpfw attaches.
  const progId = result.progId || result.drvProgId || result.skbProgId || result.hwProgId;
  return { progId, mode };
}
