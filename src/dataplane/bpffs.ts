// The pin dir must be on a bpf filesystem of the init mount namespace, or pins (and with them
// the attached program) vanish when the daemon exits.

import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { isBpffs } from '../../native/lib';
import { EnvironmentError } from './interfaces';

export const DEFAULT_PIN_DIR = '/sys/fs/bpf/xdpfw';
const SYS_FS_BPF = '/sys/fs/bpf';

function mountNamespaceOf(pid: number | 'self'): string | null {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
}

// PID 1 may hide its namespaces (ptrace rules, e.g. a VM's init); kthreadd (PID 2) is always in
// the init mount namespace.
function inInitMountNamespace(): boolean {
  const self = mountNamespaceOf('self');
  return self !== null && self === (mountNamespaceOf(1) ?? mountNamespaceOf(2));
}

/** The nearest existing ancestor of p (p itself if it exists). */
function existingAncestor(p: string): string {
  let dir = path.resolve(p);
  while (!fs.existsSync(dir)) dir = path.dirname(dir);
  return dir;
}

/** Checks (and when needed mounts) the bpffs under pinDir, then creates pinDir. */
export function preparePinDir(pinDir: string): void {
  const resolved = path.resolve(pinDir);
  if (!inInitMountNamespace()) {
    throw new EnvironmentError(
      `--pin-dir ${resolved}: this process runs in a private mount namespace (e.g. under \`ip netns exec\`), ` +
        'where pins vanish with it and the program would detach; run xdpfw in the init mount namespace ' +
        '(use `nsenter --net=/run/netns/NAME` rather than `ip netns exec`)',
    );
  }
  if (!isBpffs(existingAncestor(resolved))) {
    if (resolved === SYS_FS_BPF || resolved.startsWith(SYS_FS_BPF + '/')) {
      fs.mkdirSync(SYS_FS_BPF, { recursive: true });
      execFileSync('mount', ['-t', 'bpf', 'bpf', SYS_FS_BPF]);
    }
    if (!isBpffs(existingAncestor(resolved))) {
      throw new EnvironmentError(`--pin-dir ${resolved} is not on a bpf filesystem (mount one: mount -t bpf bpf DIR)`);
    }
  }
  fs.mkdirSync(resolved, { recursive: true, mode: 0o700 });
}
