// Versions for GET /v1/status: xdpfw, node, the kernel, and the libbpf this process loaded.

import fs from 'node:fs';
import os from 'node:os';
import { packageRoot } from '../../native/lib';

export interface Versions {
  xdpfw: string;
  node: string;
  kernel: string;
  libbpf: string | null;
}

let cached: Versions | null = null;

export function versions(): Versions {
  cached ??= { xdpfw: xdpfwVersion(), node: process.versions.node, kernel: os.release(), libbpf: loadedLibbpfVersion() };
  return cached;
}

function xdpfwVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(`${packageRoot()}/package.json`, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** libbpf.so.1 -> libbpf.so.1.1.2: the mapped file's real name carries the full version. */
function loadedLibbpfVersion(): string | null {
  try {
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    const lib = /\s(\/\S*libbpf\.so[.0-9]*)$/m.exec(maps)?.[1];
    if (!lib) return null;
    return /libbpf\.so\.([0-9.]+)$/.exec(fs.realpathSync(lib))?.[1] ?? null;
  } catch {
    return null;
  }
}
