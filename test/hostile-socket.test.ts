// Hostile API input at the socket (issue 6), on a real listener: slowloris (slow headers, slow
// bodies, idle connections, a hundred of them at once) timed out by the server while it keeps
// answering others; a Content-Length far over the limit refused before the body is read;
// request-smuggling and duplicate-header tricks; the unix socket's mode (0660) enforced by the
// kernel against another user. Nothing changes, the server stays up.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { build } from '../src/api/app';
import { ListenError, listen, parseListen } from '../src/api/server';
import { TOKEN, assertErrorBody, hostileApi, type HostileApi } from './lib/fuzz-api-fixture';
import { isRoot } from './lib/netdev';

const REQUEST_TIMEOUT_MS = 1500;
/** requestTimeout, plus node's check interval (2 s, set by build()), plus slack for a busy host. */
const CLOSED_WITHIN_MS = REQUEST_TIMEOUT_MS + 2000 + 4000;
const NOBODY = 65534;

const skip = !isRoot() && 'needs root (BPF maps, veth, another uid)';

interface RawResult {
  /** What the server sent before closing (or before `waitMs`). */
  text: string;
  status: number | null;
  closed: boolean;
  ms: number;
  /** performance.now() when it ended. */
  endedAt: number;
}

/** Sends `parts` (with `gapMs` between them, the last repeated while open), then waits. */
function raw(target: net.NetConnectOpts, parts: string[], opts: { gapMs?: number; trickle?: string; waitMs?: number } = {}): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = net.connect(target);
    let text = '';
    let timer: NodeJS.Timeout | null = null;
    const done = (closed: boolean) => {
      if (timer) clearInterval(timer);
      clearTimeout(giveUp);
      s.destroy();
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : null, closed, ms: performance.now() - t0, endedAt: performance.now() });
    };
    const giveUp = setTimeout(() => done(false), opts.waitMs ?? CLOSED_WITHIN_MS);
    s.on('data', (d) => (text += d.toString('latin1')));
    s.on('close', () => done(true));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? done(true) : reject(e)));
    s.on('connect', () => {
      for (const p of parts) s.write(p);
      if (opts.trickle !== undefined) {
        timer = setInterval(() => {
          if (!s.destroyed) s.write(opts.trickle as string);
        }, opts.gapMs ?? 250);
      }
    });
  });
}

describe('hostile sockets', { skip }, () => {
  let api: HostileApi;
  let port: number;
  const target = () => ({ host: '127.0.0.1', port });

  before(async () => {
    api = await hostileApi({ requestTimeoutMs: REQUEST_TIMEOUT_MS, connectionTimeoutMs: 3000, bodyLimit: 1024 * 1024 });
    const bound = await listen(api.app, parseListen('127.0.0.1:0'));
    port = Number(bound.split(':').pop());
  });
  after(async () => api?.close());

  async function answersNormally(what: string): Promise<void> {
    const r = await raw(target(), [`GET /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`], { waitMs: 5000 });
    assert.equal(r.status, 200, `${what}: the server no longer answers: ${r.text.slice(0, 200)}`);
  }

  test('slow headers are timed out', async () => {
    const before = await api.snapshot();
    const r = await raw(target(), ['GET /v1/ruleset HTTP/1.1\r\nHost: x\r\n'], { trickle: 'X-Slow: 1\r\n' });
    assert.ok(r.closed, `still open after ${r.ms.toFixed(0)} ms`);
    assert.ok(r.status === null || r.status === 408, r.text.slice(0, 100));
    await api.assertUnchanged(before, 'slow headers');
    await answersNormally('after slow headers');
  });

  test('a slow body is timed out and changes nothing', async () => {
    const before = await api.snapshot();
    const head = `PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"rules": [`;
    const r = await raw(target(), [head], { trickle: ' ' });
    assert.ok(r.closed, `still open after ${r.ms.toFixed(0)} ms`);
    assert.ok(r.status === null || r.status === 408, r.text.slice(0, 100));
    await api.assertUnchanged(before, 'slow body');
  });

  test('an idle connection is closed', async () => {
    const r = await raw(target(), []);
    assert.ok(r.closed, `still open after ${r.ms.toFixed(0)} ms`);
  });

  test('a hundred slowloris connections: all closed, others served meanwhile', async () => {
    const slow = Array.from({ length: 100 }, (_, i) =>
      raw(target(), [i % 2 ? 'GET / HTTP/1.1\r\n' : `POST /v1/rules HTTP/1.1\r\nHost: x\r\nContent-Length: 9999\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`], { trickle: i % 2 ? 'X: y\r\n' : '{' }),
    );
    await new Promise((r) => setTimeout(r, 300));
    await answersNormally('during slowloris');
    const answeredAt = performance.now();
    const results = await Promise.all(slow);
    assert.equal(results.filter((r) => !r.closed).length, 0, 'slow connections left open');
    assert.ok(answeredAt < Math.min(...results.map((r) => r.endedAt)), 'a normal request waited until the slow ones were cut');
  });

  test('Content-Length far over the limit: 413 before the body is read', async () => {
    const before = await api.snapshot();
    const r = await raw(target(), [`PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n{"rules":`], { waitMs: 5000 });
    assert.equal(r.status, 413, r.text.slice(0, 200));
    const body = r.text.slice(r.text.indexOf('\r\n\r\n') + 4);
    assertErrorBody({ body: body.slice(body.indexOf('{')), headers: {} }, 'payload_too_large', '10 GiB Content-Length');
    await api.assertUnchanged(before, '10 GiB Content-Length');
  });

  test('smuggling and header tricks: never a 2xx, nothing changes', async () => {
    const body = '{"rules": []}';
    const tricks: [string, string][] = [
      ['Content-Length and Transfer-Encoding', `PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`],
      ['two Content-Lengths', `PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: 2\r\n\r\n${body}`],
      ['obs-fold Authorization', `PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['wrong then right Authorization', `PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['token in the query', `PUT /v1/ruleset?token=${TOKEN}&access_token=${TOKEN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['NUL in the header', `PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\u0000\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['absolute-form URL', `PUT http://127.0.0.1/metrics/../v1/ruleset HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['dot segments to an open route', `PUT /metrics/../v1/ruleset HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
      ['HTTP/1.0 without Host', `PUT /v1/ruleset HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`],
    ];
    for (const [what, text] of tricks) {
      const before = await api.snapshot();
      const r = await raw(target(), [text], { waitMs: 3000 });
      assert.ok(r.status === null || r.status >= 400, `${what}: ${r.text.slice(0, 200)}`);
      await api.assertUnchanged(before, what);
    }
    await answersNormally('after the tricks');
  });

  test('unix socket: mode 0660, another user cannot connect, a file in the way is kept', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-sock-'));
    fs.chmodSync(dir, 0o755); // the directory lets anyone reach the socket: only its mode protects it
    const sock = path.join(dir, 'api.sock');
    const app = await build(api.fx.service, { token: null, logger: pino({ level: 'silent' }), metrics: false, listen: `unix:${sock}` });
    try {
      await listen(app, parseListen(`unix:${sock}`));
      assert.equal(fs.statSync(sock).mode & 0o777, 0o660);
      const probe = `const s=require('net').connect(${JSON.stringify(sock)});s.on('connect',()=>{console.log('connected');process.exit(0)});s.on('error',e=>{console.log(e.code);process.exit(0)})`;
      const asNobody = spawnSync(process.execPath, ['-e', probe], { uid: NOBODY, gid: NOBODY, encoding: 'utf8', timeout: 10_000 });
      assert.equal(asNobody.stdout.trim(), 'EACCES', `uid ${NOBODY}: ${asNobody.stdout} ${asNobody.stderr}`);
      const asRoot = await raw({ path: sock }, ['GET /v1/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'], { waitMs: 5000 });
      assert.equal(asRoot.status, 200, asRoot.text.slice(0, 200));
    } finally {
      await app.close();
    }
    // A regular file where the socket goes is never removed to make room.
    const file = path.join(dir, 'not-a-socket');
    fs.writeFileSync(file, 'precious');
    const other = await build(api.fx.service, { token: null, logger: pino({ level: 'silent' }), metrics: false });
    try {
      await assert.rejects(listen(other, parseListen(`unix:${file}`)), ListenError);
      assert.equal(fs.readFileSync(file, 'utf8'), 'precious');
    } finally {
      await other.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
