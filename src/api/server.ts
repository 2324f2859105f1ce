// listen(): `HOST:PORT` or `unix:/path`. A unix socket is made mode 0660 (root and the socket's
// group may call the API; pick the group with chgrp on the directory or run under it), and a
// stale socket left by a killed daemon is removed first — only after checking nobody answers
// on it (the per-interface locks already keep a second daemon out).

import fs from 'node:fs';
import net from 'node:net';
import type { FastifyInstance } from 'fastify';

export class ListenError extends Error {}

export type ListenAddress = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export function parseListen(spec: string): ListenAddress {
  if (spec.startsWith('unix:')) {
    const path = spec.slice('unix:'.length);
    if (!path.startsWith('/')) throw new ListenError(`--listen ${spec}: the socket path must be absolute`);
    return { kind: 'unix', path };
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\s]+)):([0-9]{1,5})$/.exec(spec);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new ListenError(`--listen ${spec}: expected HOST:PORT, [IPv6]:PORT or unix:/path`);
  return { kind: 'tcp', host: m[1] ?? m[2], port };
}

/** Loopback: where a daemon without a token may listen. */
export function isLoopback(addr: ListenAddress): boolean {
  if (addr.kind === 'unix') return true;
  const h = addr.host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export async function listen(app: FastifyInstance, addr: ListenAddress): Promise<string> {
  if (addr.kind === 'tcp') {
    await app.listen({ host: addr.host, port: addr.port });
    const bound = app.server.address() as net.AddressInfo;
    return `${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}`;
  }
  await removeStaleSocket(addr.path);
  // Created 0660 from the start: no moment where the socket is open to everyone.
  const oldMask = process.umask(0o117);
  try {
    await app.listen({ path: addr.path });
  } finally {
    process.umask(oldMask);
  }
  fs.chmodSync(addr.path, 0o660);
  return `unix:${addr.path}`;
}

async function removeStaleSocket(path: string): Promise<void> {
  let st: fs.Stats;
  try {
    st = fs.lstatSync(path);
  } catch {
    return;
  }
  if (!st.isSocket()) throw new ListenError(`--listen unix:${path}: a file that is not a socket is in the way`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = net.connect({ path }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
  if (alive) throw new ListenError(`--listen unix:${path}: another process is serving on that socket`);
  fs.rmSync(path, { force: true });
}
