// A client of the daemon's REST API. Test daemons listen on a unix socket: the daemon lives in
// the firewall's network namespace, whose 127.0.0.1 the test process cannot reach, but a socket
// path is reachable from every network namespace.

import http from 'node:http';
import { parseExposition, type Exposition } from './prom-text';

export interface ApiResponse<T = unknown> {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: T;
  text: string;
}

export interface Stats {
  generation: number;
  rules: { id: string; action: 'pass' | 'drop'; packets: number; bytes: number }[];
  default: { action: 'pass' | 'drop'; packets: number; bytes: number };
  malformed: { packets: number; bytes: number };
  bypass: { non_ip: { packets: number; bytes: number }; ndp: { packets: number; bytes: number } };
}

export class ApiClient {
  constructor(readonly socketPath: string, private readonly token: string | null = null) {}

  request<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const h: Record<string, string> = { ...headers };
    if (payload) h['content-type'] = 'application/json';
    if (this.token) h.authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, method, path, headers: h, timeout: 120_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if (String(res.headers['content-type'] ?? '').startsWith('application/json')) parsed = JSON.parse(text);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed as T, text });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** A request that must answer 2xx; anything else throws with the answer. */
  async ok<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    const res = await this.request<T>(method, path, body, headers);
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body;
  }

  stats(): Promise<Stats> {
    return this.ok<Stats>('GET', '/v1/stats');
  }

  async metrics(): Promise<Exposition> {
    const res = await this.request<string>('GET', '/metrics');
    if (res.status !== 200) throw new Error(`GET /metrics: ${res.status} ${res.text}`);
    return parseExposition(res.text);
  }

  putRuleset(ruleset: unknown, headers?: Record<string, string>): Promise<{ generation: number }> {
    return this.ok('PUT', '/v1/ruleset', ruleset, headers);
  }
}

/** The counters of one rule in a stats answer (zero when the rule is absent). */
export function ruleCount(stats: Stats, id: string): { packets: number; bytes: number; action?: string } {
  const r = stats.rules.find((x) => x.id === id);
  return r ? { packets: r.packets, bytes: r.bytes, action: r.action } : { packets: 0, bytes: 0 };
}
