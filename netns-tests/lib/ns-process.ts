// A helper program running in a namespace for the length of a test (a UDP receiver, a TCP
// listener, a frame sniffer, a ping stream): its stdout lines are collected, it is killed at
// teardown, and a start-up marker line tells when it is ready.

import { spawn, type ChildProcess } from 'node:child_process';
import { onTeardown } from './cleanup';
import type { Netns } from './netns';

export class NsProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private stderr = '';
  private partial = '';
  private waiters: (() => void)[] = [];
  private exitCode: number | null | undefined = undefined;
  private readonly dispose: () => void;

  constructor(ns: Netns, argv: string[]) {
    this.child = spawn('ip', ['netns', 'exec', ns.name, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout!.on('data', (d: Buffer) => {
      const parts = (this.partial + d.toString()).split('\n');
      this.partial = parts.pop()!;
      this.lines.push(...parts);
      this.wake();
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('exit', (code) => {
      this.exitCode = code;
      this.wake();
    });
    this.dispose = onTeardown(`kill ${argv[0]} ${this.child.pid}`, () => {
      if (this.exitCode === undefined) this.child.kill('SIGKILL');
    });
  }

  get stdin(): NodeJS.WritableStream {
    return this.child.stdin!;
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Waits until some stdout line satisfies `pred` (checked on every new line); returns it. */
  async waitForLine(pred: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines.find(pred);
      if (hit !== undefined) return hit;
      if (this.exitCode !== undefined) throw new Error(`helper exited ${this.exitCode}: ${this.stderr.trim()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`helper: no expected line within ${timeoutMs} ms (stderr: ${this.stderr.trim()})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for the JSON line {"ready":true}. */
  async ready(timeoutMs = 20_000): Promise<this> {
    await this.waitForLine((l) => l === '{"ready":true}', timeoutMs);
    return this;
  }

  /** Stops it (SIGTERM, then SIGKILL after a moment) and forgets the teardown step. */
  async stop(): Promise<void> {
    if (this.exitCode === undefined) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const t = setTimeout(() => this.child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    }
    this.dispose();
  }
}
