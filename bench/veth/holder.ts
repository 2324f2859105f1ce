// The benchmark's side of xdp-holder.ts: starts it in the receiver's namespace and asks it to
// attach or detach programs, one request at a time.

import { spawn, type ChildProcess } from 'node:child_process';
import readline from 'node:readline';
import { helperArgv } from '../lib/child';

export class XdpHolder {
  private readonly lines: string[] = [];
  private waiter: (() => void) | null = null;
  private stderr = '';

  private constructor(private readonly child: ChildProcess, readonly ids: Record<string, number>) {}

  static async start(netnsPath: string, ifname: string, sizes: number[]): Promise<XdpHolder> {
    // nsenter rather than `ip netns exec`: the same mount namespace, so nothing pinned is hidden.
    const argv = ['nsenter', `--net=${netnsPath}`, '--', ...helperArgv('veth/xdp-holder'), ifname, ...sizes.map(String)];
    const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
    const holder = new XdpHolder(child, {});
    child.stderr!.on('data', (d: Buffer) => (holder.stderr += d.toString()));
    readline.createInterface({ input: child.stdout! }).on('line', (l) => {
      holder.lines.push(l);
      holder.waiter?.();
    });
    const ready = await holder.next(600_000);
    Object.assign(holder.ids, (ready as { ids: Record<string, number> }).ids);
    return holder;
  }

  private next(timeoutMs: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`xdp holder: no answer in ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
      const onExit = () => reject(new Error(`xdp holder exited: ${this.stderr}`));
      this.child.once('exit', onExit);
      const take = () => {
        const line = this.lines.shift();
        if (line === undefined) return;
        clearTimeout(timer);
        this.child.off('exit', onExit);
        this.waiter = null;
        resolve(JSON.parse(line));
      };
      this.waiter = take;
      take();
    });
  }

  private async ask(request: string): Promise<Record<string, unknown>> {
    this.child.stdin!.write(`${request}\n`);
    const answer = await this.next(60_000);
    if (answer.ok !== true) throw new Error(`xdp holder: ${request}: ${String(answer.error)}`);
    return answer;
  }

  attach(name: string): Promise<Record<string, unknown>> {
    return this.ask(`attach ${name}`);
  }

  detach(): Promise<Record<string, unknown>> {
    return this.ask('detach');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end('quit\n');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
