// A REST API under attack, for the hostile-input tests (test/hostile-*.test.ts): the real
// fastify app over a real (unpinned) data plane and state dir, a token, and a snapshot of all a
// hostile request must leave alone: the generation, GET /v1/ruleset, the state file's bytes, the
// state dir's listing and what the data path decides for a few probe packets.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { build, type AppOptions } from '../../src/api/app';
import type { RulesetJson } from '../../src/ruleset/model';
import { serviceFixture, type ServiceFixture } from './service-fixture';
import { stateBytes } from './state-files';

export const TOKEN = 'hostile-test-token-5f0c2a9b7e';
export const AUTH = { authorization: `Bearer ${TOKEN}` } as const;

/** The codes of CONTRACT section 5 (and 415, which the API adds for a wrong media type). */
export const ERROR_CODES = new Set(['invalid_ruleset', 'unauthorized', 'not_found', 'conflict', 'precondition_failed', 'payload_too_large', 'unsupported_media_type', 'capacity_exceeded', 'internal']);

/** Sets named like Object.prototype's members: legal names (^[a-z][a-z0-9_-]*$) a lookup must not confuse. */
export const BASE_RULESET: RulesetJson = {
  default: 'pass',
  sets: { blocked: ['192.0.2.0/24', '2001:db8:bad::/48'], constructor: ['198.51.100.0/24'], prototype: ['203.0.113.0/24'] },
  rules: [
    { id: 'block', src: '@blocked', action: 'drop' },
    { id: 'ctor', src: '@constructor', proto: 'tcp', dport: 22, action: 'pass' },
    { id: 'ssh', proto: 'tcp', dport: 22, action: 'drop' },
  ],
};

const PROBES = [
  { iface: 'eth0', src: '192.0.2.7', dst: '10.0.0.1', proto: 'udp' },
  { iface: 'eth0', src: '198.51.100.9', dst: '10.0.0.1', proto: 'tcp', dport: 22 },
  { iface: 'eth1', src: '10.9.9.9', dst: '10.0.0.1', proto: 'tcp', dport: 22 },
];

export interface HostileApi {
  fx: ServiceFixture;
  app: FastifyInstance;
  snapshot(): Promise<Snapshot>;
  assertUnchanged(before: Snapshot, what: string): Promise<void>;
  /** Sends a request, checks the status and the contract's error body, and that nothing changed. */
  rejects(send: () => Promise<LightMyRequestResponse>, status: number, code: string, what: string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface Snapshot {
  generation: number;
  etag: string | undefined;
  ruleset: string;
  state: Buffer;
  stateDir: string[];
  decisions: unknown[];
}

export async function hostileApi(opts: Partial<AppOptions> = {}, initial: RulesetJson = BASE_RULESET): Promise<HostileApi> {
  const fx = serviceFixture();
  const app = await build(fx.service, { token: TOKEN, logger: pino({ level: 'silent' }), ...opts });
  const put = await app.inject({ method: 'PUT', url: '/v1/ruleset', payload: initial as object, headers: AUTH });
  assert.equal(put.statusCode, 200, put.body);

  const snapshot = async (): Promise<Snapshot> => {
    const r = await app.inject({ method: 'GET', url: '/v1/ruleset', headers: AUTH });
    return {
      generation: fx.service.generation(),
      etag: r.headers.etag as string | undefined,
      ruleset: r.body,
      state: stateBytes(fx.store),
      stateDir: fs.readdirSync(fx.stateDir).sort(),
      decisions: PROBES.map((p) => fx.service.explain(p)),
    };
  };
  const assertUnchanged = async (before: Snapshot, what: string) => {
    const now = await snapshot();
    assert.equal(now.generation, before.generation, `${what}: the generation moved`);
    assert.equal(now.etag, before.etag, `${what}: the ETag moved`);
    assert.equal(now.ruleset, before.ruleset, `${what}: GET /v1/ruleset changed`);
    assert.ok(now.state.equals(before.state), `${what}: the state dir changed`);
    assert.deepEqual(now.stateDir, before.stateDir, `${what}: files appeared in the state dir`);
    assert.deepEqual(now.decisions, before.decisions, `${what}: the data path decides differently`);
  };
  const rejects = async (send: () => Promise<LightMyRequestResponse>, status: number, code: string, what: string) => {
    const before = await snapshot();
    const res = await send();
    assert.equal(res.statusCode, status, `${what}: ${res.body.slice(0, 500)}`);
    assertErrorBody(res, code, what);
    await assertUnchanged(before, what);
    return res;
  };
  return {
    fx,
    app,
    snapshot,
    assertUnchanged,
    rejects,
    async close() {
      await app.close();
      fx.close();
    },
  };
}

/** `{"error": CODE, "message": TEXT, "details": [{path, message}]}` with the expected code. */
export function assertErrorBody(res: LightMyRequestResponse | { body: string; headers: Record<string, unknown> }, code: string, what: string): void {
  let body: { error?: unknown; message?: unknown; details?: unknown };
  try {
    body = JSON.parse(res.body);
  } catch {
    assert.fail(`${what}: the error body is not JSON: ${res.body.slice(0, 200)}`);
  }
  assert.equal(body.error, code, `${what}: ${res.body.slice(0, 500)}`);
  assert.equal(typeof body.message, 'string', `${what}: message`);
  assert.ok(Array.isArray(body.details), `${what}: details`);
  for (const d of body.details as { path: unknown; message: unknown }[]) {
    assert.equal(typeof d.path, 'string', `${what}: details[].path`);
    assert.equal(typeof d.message, 'string', `${what}: details[].message`);
  }
}

/** Object.prototype as a fresh realm has it: a pollution shows up as an extra own key. */
export function assertPrototypesClean(what: string): void {
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), PRISTINE_OBJECT_PROTO, `${what}: Object.prototype polluted`);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, `${what}: {}.polluted`);
  assert.equal(Object.getOwnPropertyNames(Array.prototype).length, PRISTINE_ARRAY_PROTO_COUNT, `${what}: Array.prototype polluted`);
}

const PRISTINE_OBJECT_PROTO = Object.getOwnPropertyNames(Object.prototype).sort();
const PRISTINE_ARRAY_PROTO_COUNT = Object.getOwnPropertyNames(Array.prototype).length;
