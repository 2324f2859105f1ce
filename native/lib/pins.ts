// Pinning to and opening from bpffs, shared by maps, programs and links. A pinned path can hold
// any kind of BPF object, so what bpf_obj_get returns is checked before it is wrapped.
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import type { NativeFd } from './binding';
import { call, makeBpfError, toBpfError } from './errors';
import { binding } from './load';
import { isBpffs } from './system';
import { requireString } from './validate';

export type FdKind = 'map' | 'program' | 'link';

// /proc/self/fd/N of a BPF object reads "anon_inode:bpf-map", "...:bpf-prog", and for links
// "...:bpf_link" when created but "...:bpf-link" when opened from a pin.
const KIND_BY_LINK: Record<string, FdKind> = {
  'anon_inode:bpf-map': 'map',
  'anon_inode:bpf-prog': 'program',
  'anon_inode:bpf_link': 'link',
  'anon_inode:bpf-link': 'link',
};

export function fdKind(fd: number): FdKind | undefined {
  return KIND_BY_LINK[fs.readlinkSync(`/proc/self/fd/${fd}`)];
}

export function openPinned(pinPath: string, kind: FdKind): NativeFd {
  requireString('pin path', pinPath);
  const handle = call(`"${pinPath}"`, () => binding().objGet(pinPath));
  const actual = fdKind(handle.fd);
  if (actual !== kind) {
    handle.close();
    throw makeBpfError(os.constants.errno.EINVAL, 'bpf_obj_get', {
      subject: `"${pinPath}"`,
      detail: `pinned object is a ${actual ?? 'non-BPF file'}, not a ${kind}`,
    });
  }
  return handle;
}

export function pin(fd: number, pinPath: string, subject: string): void {
  requireString('pin path', pinPath);
  try {
    binding().objPin(fd, pinPath);
  } catch (e) {
    const dir = path.dirname(pinPath);
    const detail = (e as { errno?: number }).errno === os.constants.errno.EPERM && !isBpffs(dir)
      ? `${dir} is not a bpf filesystem (mount -t bpf bpf ${dir})`
      : undefined;
    throw toBpfError(e, { subject: `${subject} at "${pinPath}"`, detail });
  }
}

/** Removes a pin; the object lives on while fds or other pins hold it. */
export function unpin(pinPath: string): void {
  requireString('pin path', pinPath);
  try {
    fs.unlinkSync(pinPath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (typeof err.errno !== 'number') throw e;
    throw makeBpfError(-err.errno, 'unlink', { subject: `"${pinPath}"` }, { strerror: err.message });
  }
}
