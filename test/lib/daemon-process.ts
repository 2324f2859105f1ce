// `xdpfw run` as a child process for daemon and CLI tests, in the root namespaces: a veth pair
// with no addresses, generic XDP, the pin dir on a bpffs mounted under /run for this test only,
// state and socket in a temporary directory. Everything is torn down by `cleanup()`.

import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../native/lib';
import { call } from '../../src/api/client';
import { detachCommand } from '../../src/cli/detach';
import { createVethPair, type VethPair } from './netdev';

const REPO = packageRoot(__dirname);
const COMPILED = __filename.endsWith('.js');

/** argv of the CLI as `xdpfw ...` runs it: compiled when these tests are, else from source (tsx). */
export function cliArgv(args: string[]): string[] {
  return COMPILED
    ? [process.execPath, path.join(REPO, 'dist', 'src', 'cli', 'main.js'), ...args]
    : [process.execPath, '--import', 'tsx', path.join(REPO, 'src', 'cli', 'main.ts'), ...args];
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], timeoutMs = 30_000): CliResult {
  const [cmd, ...rest] = cliArgv(args);
  const r = spawnSync(cmd, rest, { cwd: REPO, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Removes the bpffs mounts that daemon and atomicity tests left behind when their process was
 * killed (`/run/xdpfw-test-<pid>` and `/run/xdpfw-test-<pid>-<tag>` with <pid> gone): pinned maps
 * hold hundreds of MiB each, and unmounting also detaches what their links had attached.
 */
export function removeStaleTestMounts(): void {
  for (const entry of fs.readdirSync('/run')) {
    const m = /^xdpfw-test-([0-9]+)(-[a-z]+)?$/.exec(entry);
    if (!m) continue;
    try {
      process.kill(Number(m[1]), 0);
      continue; // its test is still running
    } catch {
      // gone: clean up below
    }
    try {
      execFileSync('umount', [`/run/${entry}`], { stdio: 'ignore' });
    } catch {
      // not mounted
    }
    fs.rmSync(`/run/${entry}`, { recursive: true, force: true });
  }
}

export class TestEnv {
  readonly mount: string;
  readonly pinDir: string;
  readonly dir: string;
  readonly veth: VethPair;
  private readonly daemons = new Set<DaemonProcess>();

  constructor(tag: string) {
    removeStaleTestMounts();
    this.mount = `/run/xdpfw-test-${process.pid}-${tag}`;
    fs.mkdirSync(this.mount, { recursive: true });
    execFileSync('mount', ['-t', 'bpf', 'bpf', this.mount]);
    this.pinDir = path.join(this.mount, 'pins');
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `xdpfw-${tag}-`));
    this.veth = createVethPair('xd');
  }

  get stateDir(): string {
    return path.join(this.dir, 'state');
  }

  get socket(): string {
    return path.join(this.dir, 'api.sock');
  }

  writeRules(name: string, ruleset: unknown): string {
    const file = path.join(this.dir, name);
    fs.writeFileSync(file, JSON.stringify(ruleset, null, 2));
    return file;
  }

  /** Starts `xdpfw run` with the usual test flags plus `extra`; resolves once /healthz is 200. */
  async start(extra: string[], opts: { listen?: string; token?: string } = {}): Promise<DaemonProcess> {
    const listen = opts.listen ?? `unix:${this.socket}`;
    const args = ['run', '--iface', this.veth.a, '--mode', 'generic', '--pin-dir', this.pinDir, '--state-dir', this.stateDir, '--listen', listen, ...extra];
    const d = new DaemonProcess(args, listen.startsWith('unix:') ? listen : `http://${listen}`, opts.token);
    this.daemons.add(d);
    await d.ready();
    return d;
  }

  async cleanup(): Promise<void> {
    for (const d of this.daemons) if (d.alive()) d.child.kill('SIGKILL');
    await Promise.all([...this.daemons].map((d) => d.exited));
    const quiet = process.stdout.write;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    try {
      await detachCommand(['--all', '--pin-dir', this.pinDir]);
    } finally {
      process.stdout.write = quiet;
      // Whatever failed above, the veth, the bpffs and the temp dir still go (and the failure
      // is still thrown).
      try {
        this.veth.remove();
        execFileSync('umount', [this.mount]);
        fs.rmdirSync(this.mount);
      } finally {
        fs.rmSync(this.dir, { recursive: true, force: true });
      }
    }
  }
}

export class DaemonProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  output = '';
  private code: number | null | undefined;

  constructor(args: string[], readonly url: string, private readonly token?: string) {
    const [cmd, ...rest] = cliArgv(args);
    this.child = spawn(cmd, rest, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve((this.code = code ?? (signal ? -1 : null)))));
  }

  alive(): boolean {
    return this.code === undefined;
  }

  /** Log lines (pino JSON) so far. */
  logs(): Record<string, unknown>[] {
    return this.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  }

  async ready(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive()) throw new Error(`daemon exited (${this.code}) before it was ready:\n${this.output}`);
      try {
        const r = await call<{ status: string }>({ url: this.url, timeoutMs: 1000 }, 'GET', '/healthz');
        if (r.status === 200) return;
      } catch {
        // not yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`daemon not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  api<T>(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
    const auth: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    return call<T>({ url: this.url }, method, p, body, { ...auth, ...headers });
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    this.child.kill(signal);
    return this.exited;
  }
}
