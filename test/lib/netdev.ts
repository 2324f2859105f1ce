// Test-made network devices: a veth pair in the root namespace with no addresses, so BPF test
// runs can name real ifindexes. Removed by the returned cleanup (and on process exit).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface VethPair {
  a: string;
  b: string;
  ifindexA: number;
  ifindexB: number;
  remove(): void;
}

let counter = 0;

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function ifindexOf(name: string): number {
  return Number(fs.readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8').trim());
}

export function createVethPair(prefix = 'xt'): VethPair {
  const base = `${prefix}${process.pid % 100000}${counter++}`;
  const a = `${base}a`;
  const b = `${base}b`;
  execFileSync('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  const remove = () => {
    try {
      execFileSync('ip', ['link', 'del', a], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  };
  process.once('exit', remove);
  return { a, b, ifindexA: ifindexOf(a), ifindexB: ifindexOf(b), remove };
}
