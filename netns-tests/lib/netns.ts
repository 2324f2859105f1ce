// Network namespaces made by a test. Names carry the test process's pid, so parallel test files
// never collide and leftovers of a killed run can be told from live ones (see sweepStale()).

import fs from 'node:fs';
import { onTeardown } from './cleanup';
import { run, runSync, tryRunSync, type RunResult } from './sh';

export const NETNS_PREFIX = 'xdpfwt-';
let counter = 0;

export class Netns {
  /** /run/netns/<name>: what nsenter --net= takes. */
  readonly path: string;

  private constructor(readonly name: string) {
    this.path = `/run/netns/${name}`;
  }

  /** Creates `xdpfwt-<pid>-<n>-<role>` with loopback up; deleted at teardown. */
  static create(role: string): Netns {
    const ns = new Netns(`${NETNS_PREFIX}${process.pid}-${counter++}-${role}`);
    runSync(['ip', 'netns', 'add', ns.name]);
    onTeardown(`delete netns ${ns.name}`, () => ns.delete());
    ns.ip('link', 'set', 'lo', 'up');
    return ns;
  }

  /** `ip -n NS ...`, synchronously. */
  ip(...args: string[]): string {
    return runSync(['ip', '-n', this.name, ...args]);
  }

  /** argv prefix that runs a program inside this namespace (with its own /sys). */
  execArgv(argv: string[]): string[] {
    return ['ip', 'netns', 'exec', this.name, ...argv];
  }

  exec(argv: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
    return run(this.execArgv(argv), opts);
  }

  execSync(argv: string[]): string {
    return runSync(this.execArgv(argv));
  }

  sysctl(key: string, value: string | number): void {
    this.execSync(['sysctl', '-qw', `${key}=${value}`]);
  }

  macOf(ifname: string): string {
    return this.execSync(['cat', `/sys/class/net/${ifname}/address`]).trim();
  }

  ifindexOf(ifname: string): number {
    return Number(this.execSync(['cat', `/sys/class/net/${ifname}/ifindex`]).trim());
  }

  delete(): void {
    // Deleting the namespace destroys its veth ends, and with them any XDP attachment.
    tryRunSync(['ip', 'netns', 'del', this.name]);
  }
}

/**
 * Removes namespaces `<prefix><pid>-...` left by processes that no longer exist (a run killed
 * with -9). The benchmark's namespaces use a prefix of their own.
 */
export function sweepStale(prefix = NETNS_PREFIX): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync('/run/netns');
  } catch {
    return;
  }
  for (const name of names) {
    const m = new RegExp(`^${prefix}(\\d+)-`).exec(name);
    if (m && !pidAlive(Number(m[1]))) tryRunSync(['ip', 'netns', 'del', name]);
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
