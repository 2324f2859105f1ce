// Test daemons: `xdpfw run` in the init MOUNT namespace but the NETWORK namespace of its
// interfaces, i.e. `nsenter --net=/run/netns/NS -- node ...`. (`ip netns exec` would give it a
// private mount namespace, where pins vanish with the process; the daemon refuses that.) nsenter
// execs without forking, so the child's pid is the daemon's and kill -9 hits the daemon itself.
// Each daemon gets a temporary directory: its unix API socket, its state dir, its rules file.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from './api';
import { onTeardown } from './cleanup';
import { cliArgv } from './env';
import type { Netns } from './netns';
import { run, type RunResult } from './sh';

export interface DaemonOptions {
  ns: Netns;
  ifaces: string[];
  pinDir: string;
  /** A ruleset object (written to <tmp>/rules.json) or a path; omitted: no --rules (state restore). */
  rules?: unknown;
  mode?: 'auto' | 'native' | 'generic';
  watch?: boolean;
  /** Reuse another daemon's directory (a restart: same state dir, socket and rules file). */
  dir?: string;
  extraArgs?: string[];
  /** How long to wait for /healthz to answer 200. */
  readyTimeoutMs?: number;
}

/** The CLI run in a network namespace (nsenter, init mount namespace), to completion. */
export function xdpfw(ns: Netns | null, args: string[], opts: { timeoutMs?: number } = {}): Promise<RunResult> {
  const argv = [...cliArgv(), ...args];
  return run(ns ? ['nsenter', `--net=${ns.path}`, '--', ...argv] : argv, { timeoutMs: opts.timeoutMs ?? 60_000 });
}

export function makeTempDir(tag: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `xdpfw-${tag}-`));
  onTeardown(`remove ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export class Daemon {
  readonly api: ApiClient;
  readonly exited: Promise<number | null>;
  private out = '';
  private exitCode: number | null | undefined = undefined;

  private constructor(readonly opts: DaemonOptions, readonly dir: string, readonly child: ChildProcess) {
    this.api = new ApiClient(path.join(dir, 'api.sock'));
    child.stdout!.on('data', (d: Buffer) => (this.out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve((this.exitCode = code ?? (signal ? -1 : null)))));
    onTeardown(`kill daemon ${child.pid}`, () => this.alive() && child.kill('SIGKILL'));
  }

  get rulesPath(): string {
    return path.join(this.dir, 'rules.json');
  }

  get stateDir(): string {
    return path.join(this.dir, 'state');
  }

  /** Everything the daemon wrote to stdout and stderr so far. */
  output(): string {
    return this.out;
  }

  alive(): boolean {
    return this.exitCode === undefined;
  }

  /** Spawns the daemon and waits until /healthz answers 200. */
  static async start(opts: DaemonOptions): Promise<Daemon> {
    const d = Daemon.spawn(opts);
    await d.waitReady(opts.readyTimeoutMs ?? 60_000);
    return d;
  }

  /** Spawns without waiting (for tests of start-up failures: await `exited`). */
  static spawn(opts: DaemonOptions): Daemon {
    const dir = opts.dir ?? makeTempDir('daemon');
    const args = ['run', '--iface', opts.ifaces.join(','), '--listen', `unix:${path.join(dir, 'api.sock')}`,
      '--state-dir', path.join(dir, 'state'), '--pin-dir', opts.pinDir, '--mode', opts.mode ?? 'native'];
    if (typeof opts.rules === 'string') args.push('--rules', opts.rules);
    else if (opts.rules !== undefined) {
      fs.writeFileSync(path.join(dir, 'rules.json'), JSON.stringify(opts.rules, null, 2));
      args.push('--rules', path.join(dir, 'rules.json'));
    }
    if (opts.watch) args.push('--watch');
    args.push(...(opts.extraArgs ?? []));
    const child = spawn('nsenter', [`--net=${opts.ns.path}`, '--', ...cliArgv(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new Daemon(opts, dir, child);
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!this.alive()) throw new Error(`xdpfw run exited ${this.exitCode} before it was ready:\n${this.out}`);
      try {
        const res = await this.api.request('GET', '/healthz');
        if (res.status === 200) return;
        last = `healthz ${res.status} ${res.text}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    this.child.kill('SIGKILL');
    throw new Error(`xdpfw run not ready after ${timeoutMs} ms (${last}):\n${this.out}`);
  }

  /** kill -9: no chance to clean up; the program must stay attached. */
  async kill9(): Promise<void> {
    if (this.alive()) this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then the exit code. */
  async stop(): Promise<number | null> {
    if (this.alive()) this.child.kill('SIGTERM');
    return this.exited;
  }

  /**
   * Rewrites the rules file (for --watch, SIGHUP): written aside and renamed over it, as most
   * editors save, or rewritten in place (`inPlace`), as others do.
   */
  writeRules(ruleset: unknown, opts: { inPlace?: boolean } = {}): void {
    const text = typeof ruleset === 'string' ? ruleset : JSON.stringify(ruleset, null, 2);
    if (opts.inPlace) return fs.writeFileSync(this.rulesPath, text);
    const tmp = `${this.rulesPath}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, this.rulesPath);
  }
}
