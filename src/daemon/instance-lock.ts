// One daemon per interface, per pin dir and per state dir. Each is held as a Linux abstract unix
// socket (`\0xdpfw/...`): bind() is exclusive, the kernel releases it when the process dies
// (kill -9 included), so there are no stale lock files to judge and no race in taking one over.
// Abstract sockets live in the network namespace, like interface names; a connecting client is
// told the holder's pid so the refusal can name it.

import crypto from 'node:crypto';
import net from 'node:net';
import path from 'node:path';

export class LockHeldError extends Error {
  constructor(readonly what: string, readonly holderPid: number | null) {
    super(`${what} is held by another xdpfw daemon${holderPid !== null ? ` (pid ${holderPid})` : ''}`);
  }
}

export interface InstanceLock {
  what: string;
  release(): Promise<void>;
}

/** The abstract socket name of a resource; long paths are hashed to fit sun_path. */
export function lockName(kind: 'iface' | 'pin-dir' | 'state-dir', key: string): string {
  const k = kind === 'iface' ? key : path.resolve(key);
  const name = `xdpfw/${kind}/${k}`;
  return name.length <= 100 ? name : `xdpfw/${kind}/sha256:${crypto.createHash('sha256').update(k).digest('hex')}`;
}

export async function acquireLock(what: string, name: string): Promise<InstanceLock> {
  const server = net.createServer((socket) => socket.end(`${process.pid}\n`));
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ path: `\0${name}` }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new LockHeldError(what, await holderPid(name));
    throw e;
  }
  server.unref(); // a lock does not keep the process alive
  return { what, release: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Takes every lock or none. */
export async function acquireLocks(wanted: { what: string; name: string }[]): Promise<InstanceLock[]> {
  const held: InstanceLock[] = [];
  try {
    for (const w of wanted) held.push(await acquireLock(w.what, w.name));
    return held;
  } catch (e) {
    await Promise.all(held.map((l) => l.release()));
    throw e;
  }
}

function holderPid(name: string): Promise<number | null> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect({ path: `\0${name}` });
    const done = () => {
      socket.destroy();
      const pid = Number.parseInt(text, 10);
      resolve(Number.isSafeInteger(pid) && pid > 0 ? pid : null);
    };
    socket.setTimeout(1000, done);
    socket.on('data', (d) => (text += d.toString('utf8')));
    socket.on('end', done);
    socket.on('error', done);
  });
}
