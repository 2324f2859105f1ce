// The CLI's HTTP client for a running daemon: `http://HOST:PORT` or `unix:/path` (node:http
// with socketPath; fetch cannot speak to a unix socket). Errors come back as the daemon's
// error body, with the exit code the contract gives: 1 rejected (4xx), 2 unreachable or broken.

import http from 'node:http';
import { readTokenFile } from './auth';
import type { ErrorBody } from './errors';

export const DEFAULT_URL = 'http://127.0.0.1:9720';

export interface ClientOptions {
  url: string;
  tokenFile?: string | null;
  /** Give up after this long (a 64 MiB ruleset may take a while to apply). */
  timeoutMs?: number;
}

export interface Answer<T> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
}

/** A failed call: `exitCode` 1 when the daemon rejected the request, 2 when it could not be made. */
export class ClientError extends Error {
  constructor(readonly exitCode: 1 | 2, message: string, readonly body: ErrorBody | null = null) {
    super(message);
  }
}

interface Target {
  socketPath?: string;
  host?: string;
  port?: number;
  basePath: string;
  label: string;
}

export function parseUrl(url: string): Target {
  if (url.startsWith('unix:')) {
    const socketPath = url.slice('unix:'.length);
    if (!socketPath.startsWith('/')) throw new ClientError(2, `--url ${url}: the socket path must be absolute`);
    return { socketPath, basePath: '', label: url };
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ClientError(2, `--url ${url}: expected http://HOST:PORT or unix:/path`);
  }
  if (u.protocol !== 'http:') throw new ClientError(2, `--url ${url}: only http:// and unix: are supported`);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 80), basePath: u.pathname.replace(/\/$/, ''), label: url };
}

export async function call<T>(opts: ClientOptions, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const target = parseUrl(opts.url);
  const token = opts.tokenFile ? tokenFrom(opts.tokenFile) : null;
  const payload = body === undefined ? null : Buffer.from(JSON.stringify(body));
  const reqHeaders: Record<string, string> = { accept: 'application/json', ...headers };
  if (payload) {
    reqHeaders['content-type'] = 'application/json';
    reqHeaders['content-length'] = String(payload.length);
  }
  if (token) reqHeaders.authorization = `Bearer ${token}`;

  const answer = await new Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }>((resolve, reject) => {
    const req = http.request(
      { socketPath: target.socketPath, host: target.host, port: target.port, path: target.basePath + path, method, headers: reqHeaders, timeout: opts.timeoutMs ?? 120_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e: NodeJS.ErrnoException) => reject(new ClientError(2, `cannot reach the daemon at ${target.label}: ${e.code ?? e.message}`)));
    req.end(payload ?? undefined);
  });

  let parsed: unknown = answer.text;
  if ((answer.headers['content-type'] ?? '').includes('json')) {
    try {
      parsed = JSON.parse(answer.text);
    } catch {
      throw new ClientError(2, `the daemon answered ${answer.status} with broken JSON`);
    }
  }
  if (answer.status >= 400) {
    const err = isErrorBody(parsed) ? parsed : null;
    const message = err ? `${err.error}: ${err.message}` : `HTTP ${answer.status}`;
    throw new ClientError(answer.status < 500 ? 1 : 2, message, err);
  }
  return { status: answer.status, headers: answer.headers, body: parsed as T };
}

function tokenFrom(file: string): string {
  try {
    return readTokenFile(file);
  } catch (e) {
    throw new ClientError(2, (e as Error).message);
  }
}

function isErrorBody(v: unknown): v is ErrorBody {
  return typeof v === 'object' && v !== null && typeof (v as ErrorBody).error === 'string' && typeof (v as ErrorBody).message === 'string';
}

/** The lines a CLI prints for a failed call: the message, then each detail as `rules[3].dport: ...`. */
export function clientErrorLines(e: ClientError, dotted: (pointer: string) => string): string[] {
  const lines = [e.message];
  for (const d of e.body?.details ?? []) lines.push(d.path ? `  ${dotted(d.path)}: ${d.message}` : `  ${d.message}`);
  return lines;
}
