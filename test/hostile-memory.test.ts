// Hostile API input over time (issue 6): 10,000 hostile requests of every kind the API refuses
// (401, 400 bad JSON / UTF-8 / poisoning / nesting / schema, 404 traversal, 409, 412, 413, 415)
// each get their status; the heap after a full GC does not grow between the 1,000th and the
// 10,000th (a per-request leak of even 1 KB would add ~9 MB); and at the end nothing changed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AUTH, BASE_RULESET, assertPrototypesClean, hostileApi, type HostileApi } from './lib/fuzz-api-fixture';
import { isRoot } from './lib/netdev';

const REQUESTS = 10_000;
const FIRST_SAMPLE = 1_000;
const BODY_LIMIT = 64 * 1024;
const MB = 1024 * 1024;

type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
interface Hostile {
  method: Method;
  url: string;
  payload?: string | Buffer | object;
  headers?: Record<string, string>;
  /** Sent without the bearer token. */
  anonymous?: boolean;
  status: number;
}

const json = { 'content-type': 'application/json' };
const HOSTILE: Hostile[] = [
  { method: 'GET', url: '/v1/ruleset', anonymous: true, status: 401 },
  { method: 'PUT', url: '/v1/ruleset', payload: BASE_RULESET, headers: { authorization: 'Bearer nope' }, status: 401 },
  { method: 'GET', url: `/v1/ruleset?token=${AUTH.authorization.slice(7)}`, anonymous: true, status: 401 },
  { method: 'PUT', url: '/v1/ruleset', payload: '{"rules": [', status: 400 },
  { method: 'PUT', url: '/v1/ruleset', payload: Buffer.from('7b2272756c6573223a5b5d2c2278223a22c0af227d', 'hex'), status: 400 },
  { method: 'PUT', url: '/v1/ruleset', payload: '{"rules": [], "__proto__": {"polluted": true}}', status: 400 },
  { method: 'POST', url: '/v1/rules', payload: '{"id": "x", "action": "pass", "constructor": {"prototype": {"polluted": 1}}}', status: 400 },
  { method: 'PUT', url: '/v1/ruleset', payload: `{"rules": ${'['.repeat(2000)}${']'.repeat(2000)}}`, status: 400 },
  { method: 'PUT', url: '/v1/ruleset', payload: { rules: [{ id: 'x', action: 'pass', dport: 70000 }] }, status: 400 },
  { method: 'GET', url: '/v1/sets/..%2f..%2fetc%2fpasswd', status: 404 },
  { method: 'PATCH', url: '/v1/sets/%2e%2e%2fstate.json', payload: { add: ['10.0.0.0/8'] }, status: 404 },
  { method: 'DELETE', url: '/v1/rules/%00', status: 404 },
  { method: 'POST', url: '/v1/rules', payload: { id: 'ssh', action: 'drop' }, status: 409 },
  { method: 'PUT', url: '/v1/ruleset', payload: BASE_RULESET, headers: { 'if-match': '"999999"' }, status: 412 },
  { method: 'PUT', url: '/v1/ruleset', payload: `{"rules": [], "comment": "${'x'.repeat(BODY_LIMIT)}"}`, status: 413 },
  { method: 'PUT', url: '/v1/ruleset', payload: '{"rules": []}', headers: { 'content-type': 'text/plain' }, status: 415 },
  { method: 'POST', url: '/v1/explain', payload: { iface: '../eth0', src: '10.0.0.1', dst: '10.0.0.2' }, status: 400 },
];

/** Heap in use after a full GC (node --test runs without --expose-gc). */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
  return process.memoryUsage().heapUsed;
}

let api: HostileApi;
before(async () => {
  if (isRoot()) api = await hostileApi({ bodyLimit: BODY_LIMIT });
});
after(async () => api?.close());

test(`${REQUESTS} hostile requests: each refused, no memory growth, nothing changed`, { skip: !isRoot() && 'needs root (BPF maps, veth)' }, async () => {
  const before = await api.snapshot();
  const logLines = api.fx.logs.length;
  let first = 0;
  const statuses = new Map<number, number>();
  for (let i = 0; i < REQUESTS; i++) {
    const h = HOSTILE[i % HOSTILE.length];
    const res = await api.app.inject({ method: h.method, url: h.url, payload: h.payload as string, headers: { ...(h.anonymous ? {} : AUTH), ...json, ...h.headers } });
    if (res.statusCode !== h.status) assert.fail(`request ${i} ${h.method} ${h.url}: ${res.statusCode}, not ${h.status}: ${res.body.slice(0, 200)}`);
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (i + 1 === FIRST_SAMPLE) first = heapAfterGc();
  }
  const last = heapAfterGc();
  // The fixture keeps service log lines in an array: their growth is the test's, not a leak.
  assert.equal(api.fx.logs.length - logLines < REQUESTS / 10, true, 'the service logs refused requests');
  assert.ok(last - first < 4 * MB, `heap after GC grew from ${(first / MB).toFixed(1)} MB at ${FIRST_SAMPLE} to ${(last / MB).toFixed(1)} MB at ${REQUESTS}`);
  await api.assertUnchanged(before, `${REQUESTS} hostile requests`);
  assertPrototypesClean(`${REQUESTS} hostile requests`);
  console.log(`# statuses ${JSON.stringify(Object.fromEntries(statuses))}; heap ${(first / MB).toFixed(1)} -> ${(last / MB).toFixed(1)} MB`);
});
