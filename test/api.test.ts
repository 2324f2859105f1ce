// The REST API of CONTRACT section 5 through app.inject(), over a real (unpinned) data plane:
// every route, every error code, and after every error that nothing changed — the generation,
// GET /v1/ruleset, the state file's bytes and what the data path decides.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { BpfError } from '../native/lib';
import { DEFAULT_BODY_LIMIT, build } from '../src/api/app';
import { listen } from '../src/api/server';
import { buildFrame } from './lib/packet';
import { isRoot } from './lib/netdev';
import { serviceFixture, type ServiceFixture } from './lib/service-fixture';
import { stateBytes } from './lib/state-files';

const TOKEN = 'test-token-0123456789abcdef';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const BODY_LIMIT = 256 * 1024;

const R0 = {
  default: 'pass',
  sets: { bogons: ['192.0.2.0/24', '2001:db8:dead::/48'], admins: ['198.51.100.0/24'] },
  rules: [
    { id: 'drop-bogons', src: '@bogons', action: 'drop' },
    { id: 'ssh-admins', src: '@admins', proto: 'tcp', dport: 22, action: 'pass' },
    { id: 'ssh-others', proto: 'tcp', dport: 22, action: 'drop' },
    { id: 'off', proto: 'udp', action: 'drop', enabled: false },
  ],
};

const skip = isRoot() ? false : 'needs root (BPF maps, veth)';

describe('REST API', { skip }, () => {
  let fx: ServiceFixture;
  let app: FastifyInstance;

  const req = (method: string, url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: method as 'GET', url, payload: payload as string, headers: { ...AUTH, ...headers } });
  const json = (r: LightMyRequestResponse) => JSON.parse(r.body);

  /** Everything that must stay put when a request fails. */
  async function snapshot() {
    const r = await req('GET', '/v1/ruleset');
    return {
      etag: r.headers.etag,
      ruleset: r.body,
      state: stateBytes(fx.store),
      ssh: fx.service.explain({ iface: 'eth0', src: '203.0.113.9', dst: '10.0.0.1', dport: 22 }),
      bogon: fx.service.explain({ iface: 'eth0', src: '192.0.2.7', dst: '10.0.0.1', proto: 'udp' }),
    };
  }
  async function assertUnchanged(before: Awaited<ReturnType<typeof snapshot>>, what: string) {
    const now = await snapshot();
    assert.equal(now.etag, before.etag, `${what}: generation moved`);
    assert.equal(now.ruleset, before.ruleset, `${what}: GET /v1/ruleset changed`);
    assert.ok(now.state.equals(before.state), `${what}: the state dir changed`);
    assert.deepEqual([now.ssh, now.bogon], [before.ssh, before.bogon], `${what}: the data path changed`);
  }
  /** Sends a failing request; checks status, error code, detail paths, and that nothing changed. */
  async function rejects(r: Promise<LightMyRequestResponse>, status: number, code: string, paths?: string[]) {
    const before = await snapshot();
    const res = await r;
    assert.equal(res.statusCode, status, res.body);
    const body = json(res);
    assert.equal(body.error, code, res.body);
    assert.equal(typeof body.message, 'string');
    assert.ok(Array.isArray(body.details));
    if (paths) assert.deepEqual(body.details.map((d: { path: string }) => d.path), paths, res.body);
    await assertUnchanged(before, `${status} ${code}`);
    return body;
  }

  before(async () => {
    fx = serviceFixture();
    app = await build(fx.service, { token: TOKEN, logger: pino({ level: 'silent' }), bodyLimit: BODY_LIMIT, listen: 'unix:/test.sock' });
    const r = await req('PUT', '/v1/ruleset', R0);
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(json(r), { generation: 1 });
  });
  after(async () => {
    await app?.close();
    fx?.close();
  });

  test('GET /v1/ruleset: the ruleset as applied, no defaults filled in, ETag', async () => {
    const r = await req('GET', '/v1/ruleset');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers.etag, '"1"');
    assert.deepEqual(json(r), R0);
    assert.equal('ndp' in json(r), false, 'useDefaults must be off');
    const head = await req('HEAD', '/v1/ruleset');
    assert.equal(head.statusCode, 200);
    assert.equal(head.headers.etag, '"1"');
    assert.equal(head.body, '');
  });

  test('PUT /v1/ruleset: 200 {generation}, ETag, persisted before the answer', async () => {
    const next = { ...R0, rules: [...R0.rules, { id: 'web', proto: 'tcp', dport: [80, 443], action: 'pass' }] };
    const r = await req('PUT', '/v1/ruleset', next, { 'if-match': '"1"' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(json(r), { generation: 2 });
    assert.equal(r.headers.etag, '"2"');
    const state = JSON.parse(fs.readFileSync(fx.store.file, 'utf8'));
    assert.equal(state.generation, 2);
    assert.deepEqual(state.ruleset, next);
    assert.deepEqual(Object.keys(state.slots).sort(), ['drop-bogons', 'off', 'ssh-admins', 'ssh-others', 'web']);
    assert.deepEqual((await req('GET', '/v1/rules')).headers.etag, '"2"');
  });

  test('400: JSON-pointer paths into the body; no coercion, no stripping', async () => {
    const bad = { ...R0, rules: [R0.rules[0], { id: 'x', proto: 'tcp', dport: 70000, action: 'pass' }] };
    await rejects(req('PUT', '/v1/ruleset', bad), 400, 'invalid_ruleset', ['/rules/1/dport']);
    await rejects(req('PUT', '/v1/ruleset', { ...R0, bogus: 1 }), 400, 'invalid_ruleset', ['/bogus']);
    const coerced = { rules: [{ id: 'x', proto: 'tcp', dport: '22', action: 'pass' }] };
    await rejects(req('PUT', '/v1/ruleset', coerced), 400, 'invalid_ruleset', ['/rules/0/dport']);
    const extra = { rules: [{ id: 'x', action: 'pass', colour: 'red' }] };
    await rejects(req('PUT', '/v1/ruleset', extra), 400, 'invalid_ruleset', ['/rules/0/colour']);
    await rejects(req('PUT', '/v1/ruleset', { rules: [], sets: { feed: { file: '/etc/passwd' } } }), 400, 'invalid_ruleset', ['/sets/feed']);
    await rejects(req('PUT', '/v1/ruleset', { rules: [{ id: 'x', action: 'drop', iface: 'eth9' }] }), 400, 'invalid_ruleset', ['/rules/0/iface']);
    await rejects(req('PUT', '/v1/ruleset', { rules: [{ id: 'x', action: 'drop', src: '10.0.0.1/8' }] }), 400, 'invalid_ruleset', ['/rules/0/src']);
    await rejects(req('PUT', '/v1/ruleset', [1, 2]), 400, 'invalid_ruleset', ['']);
  });

  test('400: bodies that are not JSON objects as written', async () => {
    const raw = (payload: string | Buffer, type = 'application/json') =>
      app.inject({ method: 'PUT', url: '/v1/ruleset', payload, headers: { ...AUTH, 'content-type': type } });
    await rejects(raw('{"rules": ['), 400, 'invalid_ruleset');
    await rejects(raw(''), 400, 'invalid_ruleset');
    await rejects(raw('{"rules": [], "__proto__": {"polluted": true}}'), 400, 'invalid_ruleset', ['/__proto__']);
    await rejects(raw('{"rules": [], "sets": {"constructor": {"prototype": {"x": 1}}}}'), 400, 'invalid_ruleset', ['/sets/constructor']);
    await rejects(raw('{"rules": [], "\\u005f_proto__": {}}'), 400, 'invalid_ruleset', ['/__proto__']);
    await rejects(raw(Buffer.from([0x7b, 0x22, 0x72, 0xff, 0xfe, 0x22, 0x3a, 0x5b, 0x5d, 0x7d])), 400, 'invalid_ruleset');
    await rejects(raw('{"rules": []}', 'text/plain'), 415, 'unsupported_media_type');
    await rejects(raw('{"rules": []}', 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('409: duplicate ids, in a ruleset and in POST /v1/rules', async () => {
    const dup = { rules: [{ id: 'a', action: 'pass' }, { id: 'b', action: 'pass' }, { id: 'a', action: 'drop' }] };
    await rejects(req('PUT', '/v1/ruleset', dup), 409, 'conflict', ['/rules/2/id']);
    await rejects(req('POST', '/v1/rules', { id: 'ssh-admins', action: 'drop' }), 409, 'conflict', ['/id']);
  });

  test('412: stale If-Match changes nothing, on every mutation route', async () => {
    const stale = { 'if-match': '"1"' };
    await rejects(req('PUT', '/v1/ruleset', R0, stale), 412, 'precondition_failed');
    await rejects(req('POST', '/v1/rules', { id: 'n', action: 'pass' }, stale), 412, 'precondition_failed');
    await rejects(req('PUT', '/v1/rules/web', { id: 'web', action: 'drop' }, stale), 412, 'precondition_failed');
    await rejects(req('DELETE', '/v1/rules/web', undefined, stale), 412, 'precondition_failed');
    await rejects(req('PATCH', '/v1/sets/bogons', { add: ['203.0.113.0/24'] }, stale), 412, 'precondition_failed');
    await rejects(req('PUT', '/v1/sets/bogons', { elements: [] }, stale), 412, 'precondition_failed');
    await rejects(req('PUT', '/v1/ruleset', R0, { 'if-match': 'garbage' }), 412, 'precondition_failed');
  });

  test('413: a body over the limit; 64 MiB by default', async () => {
    const big = { rules: [], sets: { big: Array.from({ length: 20000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`) } };
    assert.ok(JSON.stringify(big).length > BODY_LIMIT);
    await rejects(req('PUT', '/v1/ruleset', big), 413, 'payload_too_large');
    const junk = `{"rules": [], "sets": {"a": [${'1,'.repeat(2_000_000)}1]}}`;
    const roomy = await build(fx.service, { token: TOKEN, logger: pino({ level: 'silent' }), metrics: false });
    const started = Date.now();
    await rejects(roomy.inject({ method: 'PUT', url: '/v1/ruleset', payload: junk, headers: { ...AUTH, 'content-type': 'application/json' } }), 413, 'payload_too_large');
    assert.ok(Date.now() - started < 3000, 'millions of junk elements must be refused before validation');
    await roomy.close();
    const defaults = await build(fx.service, { token: TOKEN, logger: pino({ level: 'silent' }), metrics: false });
    assert.equal(defaults.initialConfig.bodyLimit, DEFAULT_BODY_LIMIT);
    assert.equal(DEFAULT_BODY_LIMIT, 64 * 1024 * 1024);
    await defaults.close();
  });

  test('422: over capacity', async () => {
    const tooMany = { rules: Array.from({ length: 4097 }, (_, i) => ({ id: `r${i}`, action: 'pass', dport: i % 65536 })) };
    const body = await rejects(req('PUT', '/v1/ruleset', tooMany), 422, 'capacity_exceeded');
    assert.match(body.details[0].message, /4,?096/);
  });

  test('POST /v1/ruleset/validate: a summary, changing nothing', async () => {
    const before = await snapshot();
    const r = await req('POST', '/v1/ruleset/validate', R0);
    assert.equal(r.statusCode, 200, r.body);
    const body = json(r);
    assert.equal(body.valid, true);
    assert.equal(body.summary.rules.total, 4);
    assert.equal(body.summary.rules.enabled, 3);
    await assertUnchanged(before, 'validate');
    await rejects(req('POST', '/v1/ruleset/validate', { rules: [{ id: 'x', action: 'maybe' }] }), 400, 'invalid_ruleset', ['/rules/0/action']);
    // Every problem is a 400 on this route, duplicates and capacity included.
    await rejects(req('POST', '/v1/ruleset/validate', { rules: [{ id: 'x', action: 'pass' }, { id: 'x', action: 'pass' }] }), 400, 'invalid_ruleset', ['/rules/1/id']);
    const tooMany = { rules: Array.from({ length: 4097 }, (_, i) => ({ id: `r${i}`, action: 'pass' })) };
    await rejects(req('POST', '/v1/ruleset/validate', tooMany), 400, 'invalid_ruleset');
  });

  test('rules: list, get, add (placed), replace, delete, with paths relative to the rule', async () => {
    let r = await req('GET', '/v1/rules');
    assert.equal(r.statusCode, 200);
    const g0 = json(r).generation;
    assert.equal(r.headers.etag, `"${g0}"`);
    assert.deepEqual(json(r).rules.map((x: { id: string }) => x.id), ['drop-bogons', 'ssh-admins', 'ssh-others', 'off', 'web']);

    r = await req('GET', '/v1/rules/ssh-admins');
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r), R0.rules[1]);
    await rejects(req('GET', '/v1/rules/nope'), 404, 'not_found');

    r = await req('POST', '/v1/rules?before=ssh-others', { id: 'dns', proto: 'udp', dport: 53, action: 'pass' });
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual(json(r), { generation: g0 + 1 });
    assert.equal(r.headers.etag, `"${g0 + 1}"`);
    r = await req('POST', '/v1/rules?after=drop-bogons', { id: 'ntp', proto: 'udp', dport: 123, action: 'pass' });
    assert.equal(r.statusCode, 201, r.body);
    r = await req('POST', '/v1/rules', { id: 'last', action: 'pass', src: '203.0.113.0/24' });
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual(json(await req('GET', '/v1/rules')).rules.map((x: { id: string }) => x.id),
      ['drop-bogons', 'ntp', 'ssh-admins', 'dns', 'ssh-others', 'off', 'web', 'last']);

    await rejects(req('POST', '/v1/rules', { id: 'bad', proto: 'tcp', dport: 70000, action: 'pass' }), 400, 'invalid_ruleset', ['/dport']);
    await rejects(req('POST', '/v1/rules', { id: 'bad', src: '@nosuchset', action: 'pass' }), 400, 'invalid_ruleset', ['/src']);
    await rejects(req('POST', '/v1/rules', { id: 'bad', action: 'pass', tcp_flags: 'syn' }), 400, 'invalid_ruleset', ['']);
    await rejects(req('POST', '/v1/rules?before=nope', { id: 'bad', action: 'pass' }), 404, 'not_found');
    await rejects(req('POST', '/v1/rules?before=web&after=web', { id: 'bad', action: 'pass' }), 400, 'invalid_ruleset');
    await rejects(req('POST', '/v1/rules?colour=red', { id: 'bad', action: 'pass' }), 400, 'invalid_ruleset');

    const g1 = fx.service.generation();
    r = await req('PUT', '/v1/rules/web', { id: 'web', proto: 'tcp', dport: 8080, action: 'drop' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(json(r), { generation: g1 + 1 });
    assert.equal(r.headers.etag, `"${g1 + 1}"`);
    assert.deepEqual(json(await req('GET', '/v1/rules/web')), { id: 'web', proto: 'tcp', dport: 8080, action: 'drop' });
    assert.equal(json(await req('GET', '/v1/rules')).rules[6].id, 'web', 'replaced in place');
    await rejects(req('PUT', '/v1/rules/web', { id: 'other', action: 'drop' }), 400, 'invalid_ruleset', ['/id']);
    await rejects(req('PUT', '/v1/rules/web', { id: 'web', action: 'drop', sport: -1 }), 400, 'invalid_ruleset', ['/sport']);
    await rejects(req('PUT', '/v1/rules/nope', { id: 'nope', action: 'drop' }), 404, 'not_found');

    for (const id of ['dns', 'ntp', 'last']) {
      r = await req('DELETE', `/v1/rules/${id}`, undefined, id === 'dns' ? { 'content-type': 'application/json' } : {});
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.headers.etag, `"${json(r).generation}"`);
    }
    await rejects(req('DELETE', '/v1/rules/dns'), 404, 'not_found');
    assert.deepEqual(json(await req('GET', '/v1/rules')).rules.map((x: { id: string }) => x.id), ['drop-bogons', 'ssh-admins', 'ssh-others', 'off', 'web']);
  });

  test('sets: get, patch (as prefixes, all or nothing), replace', async () => {
    let r = await req('GET', '/v1/sets/admins');
    assert.equal(r.statusCode, 200);
    assert.deepEqual(json(r), { name: 'admins', elements: ['198.51.100.0/24'], count: 1 });
    await rejects(req('GET', '/v1/sets/nope'), 404, 'not_found');
    await rejects(req('GET', '/v1/sets/..%2F..%2Fetc'), 404, 'not_found');

    const g = fx.service.generation();
    r = await req('PATCH', '/v1/sets/admins', { add: ['203.0.113.5', '2001:db8::/32'], remove: ['198.51.100.0/24'] });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(json(r), { generation: g + 1 });
    assert.equal(r.headers.etag, `"${g + 1}"`);
    assert.deepEqual(json(await req('GET', '/v1/sets/admins')), { name: 'admins', elements: ['203.0.113.5', '2001:db8::/32'], count: 2 });
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '203.0.113.5', dst: '10.0.0.1', dport: 22 }), { rule: 'ssh-admins', action: 'pass' });

    // Already there (as a prefix) and not there: no error, no duplicate, still a new generation.
    r = await req('PATCH', '/v1/sets/admins', { add: ['203.0.113.5/32'], remove: ['10.9.9.9'] });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(json(r), { generation: g + 2 });
    assert.equal(json(await req('GET', '/v1/sets/admins')).count, 2);
    r = await req('PATCH', '/v1/sets/admins', {});
    assert.deepEqual(json(r), { generation: g + 3 }, 'an empty patch is a mutation too');

    await rejects(req('PATCH', '/v1/sets/admins', { add: ['10.0.0.1'], remove: ['10.0.0.1/32'] }), 400, 'invalid_ruleset', ['/remove/0']);
    await rejects(req('PATCH', '/v1/sets/admins', { add: ['10.0.0.0/24', 'nonsense'] }), 400, 'invalid_ruleset', ['/add/1']);
    await rejects(req('PATCH', '/v1/sets/admins', { add: ['10.0.0.1/8'] }), 400, 'invalid_ruleset', ['/add/0']);
    await rejects(req('PATCH', '/v1/sets/admins', { add: [], extra: [] }), 400, 'invalid_ruleset', ['/extra']);
    await rejects(req('PATCH', '/v1/sets/nope', { add: ['10.0.0.1'] }), 404, 'not_found');

    r = await req('PUT', '/v1/sets/admins', { elements: ['198.51.100.0/24', '198.51.100.0/24'] });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(json(await req('GET', '/v1/sets/admins')), { name: 'admins', elements: ['198.51.100.0/24'], count: 1 });
    await rejects(req('PUT', '/v1/sets/admins', { elements: ['x'] }), 400, 'invalid_ruleset', ['/elements/0']);
    await rejects(req('PUT', '/v1/sets/admins', { members: [] }), 400, 'invalid_ruleset');
    await rejects(req('PUT', '/v1/sets/nope', { elements: [] }), 404, 'not_found');
  });

  test('GET /v1/stats: enabled rules in order, counters by slot', async () => {
    const frame = buildFrame({ ip: { kind: 'ipv4', src: '192.0.2.9', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 1, dport: 2 } });
    const before = json(await req('GET', '/v1/stats'));
    for (let i = 0; i < 3; i++) fx.dp.run(frame, fx.ifindex.get('eth0'));
    const r = await req('GET', '/v1/stats');
    assert.equal(r.statusCode, 200);
    const s = json(r);
    assert.deepEqual(Object.keys(s).sort(), ['bypass', 'default', 'generation', 'malformed', 'rules']);
    assert.equal(s.generation, fx.service.generation());
    assert.deepEqual(s.rules.map((x: { id: string }) => x.id), ['drop-bogons', 'ssh-admins', 'ssh-others', 'web'], 'disabled rule "off" is not shown');
    const bogons = s.rules[0];
    assert.equal(bogons.action, 'drop');
    assert.equal(bogons.packets - before.rules[0].packets, 3);
    assert.equal(bogons.bytes - before.rules[0].bytes, 3 * frame.length);
    assert.deepEqual(Object.keys(s.default).sort(), ['action', 'bytes', 'packets']);
    assert.deepEqual(Object.keys(s.malformed).sort(), ['bytes', 'packets']);
    assert.deepEqual(Object.keys(s.bypass).sort(), ['ndp', 'non_ip']);
  });

  test('POST /v1/explain: the live decision, counting nothing', async () => {
    const stats = (await req('GET', '/v1/stats')).body;
    const ask = (q: object) => req('POST', '/v1/explain', q);
    let r = await ask({ iface: 'eth0', src: '192.0.2.1', dst: '10.0.0.1', proto: 'tcp', dport: 80 });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(json(r), { rule: 'drop-bogons', action: 'drop' });
    r = await ask({ iface: 'eth1', src: '198.51.100.7', dst: '10.0.0.1', proto: 6, dport: 22, tcp_flags: 'syn' });
    assert.deepEqual(json(r), { rule: 'ssh-admins', action: 'pass' });
    r = await ask({ iface: 'eth0', src: '10.1.1.1', dst: '10.0.0.1', proto: 'udp', dport: 22 });
    assert.deepEqual(json(r), { rule: null, action: 'pass' });
    r = await ask({ iface: 'eth0', src: 'fe80::1', dst: 'ff02::1:ff00:1', proto: 'icmpv6', icmp_type: 135 });
    assert.deepEqual(json(r), { rule: null, action: 'pass', bypass: 'ndp' });
    r = await ask({ iface: 'eth0', src: '2001:db8:dead::1', dst: 'ff02::1', proto: 'icmpv6', icmp_type: 128 });
    assert.deepEqual(json(r), { rule: 'drop-bogons', action: 'drop' });
    assert.equal((await req('GET', '/v1/stats')).body, stats, 'explain moved a counter');

    await rejects(ask({ iface: 'eth0', src: '10.0.0.1', dst: '2001:db8::1', proto: 'udp' }), 400, 'invalid_ruleset', ['/dst']);
    await rejects(ask({ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', dport: '22' }), 400, 'invalid_ruleset', ['/dport']);
    await rejects(ask({ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', colour: 1 }), 400, 'invalid_ruleset', ['/colour']);
    await rejects(ask({ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', tcp_flags: 'syn' }), 400, 'invalid_ruleset', ['/tcp_flags']);
    await rejects(ask({ iface: 'eth9', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp' }), 400, 'invalid_ruleset', ['/iface']);
    await rejects(ask({ iface: 'eth0', src: '10.0.0.300', dst: '10.0.0.2', proto: 'udp' }), 400, 'invalid_ruleset', ['/src']);
    await rejects(ask({ iface: 'eth0', dst: '10.0.0.2', proto: 'udp' }), 400, 'invalid_ruleset', ['/src']);
  });

  test('GET /v1/status, /healthz, /metrics, /docs/json', async () => {
    const r = await req('GET', '/v1/status');
    assert.equal(r.statusCode, 200);
    const s = json(r);
    assert.equal(s.generation, fx.service.generation());
    assert.deepEqual(s.rules, { total: 5, enabled: 4 });
    assert.deepEqual(s.interfaces.map((i: { name: string; ifindex: number }) => [i.name, i.ifindex]), [['eth0', fx.veth.ifindexA], ['eth1', fx.veth.ifindexB]]);
    for (const i of s.interfaces) assert.deepEqual(Object.keys(i).sort(), ['ifindex', 'mode', 'name', 'ours', 'prog_id']);
    assert.deepEqual(Object.keys(s.versions).sort(), ['kernel', 'libbpf', 'node', 'xdpfw']);
    assert.equal(s.versions.kernel, os.release());

    // Not attached (this fixture only registers the interfaces): unhealthy, open without a token.
    const h = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(h.statusCode, 503);
    const m = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(m.statusCode, 200);
    assert.match(m.body, new RegExp(`^xdpfw_ruleset_generation ${fx.service.generation()}$`, 'm'));
    const d = await app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(d.statusCode, 200);
    const doc = json(d);
    assert.match(doc.openapi, /^3\./);
    for (const p of ['/v1/ruleset', '/v1/ruleset/validate', '/v1/rules', '/v1/rules/{id}', '/v1/sets/{name}', '/v1/stats', '/v1/explain', '/v1/status', '/healthz', '/metrics']) {
      assert.ok(doc.paths[p], `OpenAPI lacks ${p}`);
    }
    assert.ok(doc.paths['/v1/rules'].post.requestBody, 'POST /v1/rules documents its body');
  });

  test('401: every /v1/ route needs the exact bearer token', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer wrong-token' },
      { authorization: `bearer ${TOKEN}` },
      { authorization: `BEARER ${TOKEN}` },
      { authorization: `Bearer  ${TOKEN}` },
      { authorization: `Bearer ${TOKEN} ` },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { 'x-token': TOKEN },
    ];
    for (const headers of attempts) {
      for (const [method, url, payload] of [
        ['GET', '/v1/ruleset'], ['PUT', '/v1/ruleset', R0], ['GET', '/v1/stats'], ['POST', '/v1/rules', { id: 'z', action: 'pass' }],
        ['DELETE', '/v1/rules/web'], ['PATCH', '/v1/sets/admins', { add: ['10.0.0.1'] }], ['POST', '/v1/explain', { iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp' }],
        ['GET', '/v1/status'], ['GET', '/v1/no-such-route'],
      ] as const) {
        await rejects(app.inject({ method, url, payload: payload as object, headers }), 401, 'unauthorized');
      }
    }
    for (const q of [`token=${TOKEN}`, `access_token=${TOKEN}`, `authorization=Bearer%20${TOKEN}`]) {
      await rejects(app.inject({ method: 'GET', url: `/v1/ruleset?${q}` }), 401, 'unauthorized');
    }
    assert.equal((await app.inject({ method: 'GET', url: '/nope' })).statusCode, 401, 'unknown routes need the token too');
    assert.equal((await req('GET', '/nope')).statusCode, 404);
    await rejects(req('GET', '/nope'), 404, 'not_found');
  });

  test('one log line per change: generation, rules, duration, token id, route; never the token', async () => {
    const lines = fx.logs.length;
    const tokenApp = await build(fx.service, { token: TOKEN, logger: pino({ level: 'silent' }), metrics: false });
    const r = await tokenApp.inject({ method: 'POST', url: '/v1/rules', payload: { id: 'logged', action: 'pass', dport: 9 }, headers: AUTH });
    assert.equal(r.statusCode, 201, r.body);
    await tokenApp.inject({ method: 'DELETE', url: '/v1/rules/logged', headers: AUTH });
    await tokenApp.close();
    const applied = fx.logs.slice(lines).filter((l) => l.msg === 'ruleset applied');
    assert.equal(applied.length, 2);
    const id = crypto.createHash('sha256').update(TOKEN).digest('hex').slice(0, 8);
    assert.equal(applied[0].who, `token:${id}`);
    assert.equal(applied[0].route, 'POST /v1/rules');
    assert.equal(applied[0].generation, json(r).generation);
    assert.equal(typeof applied[0].duration_ms, 'number');
    assert.equal(applied[0].rules, 6);
    assert.ok(!JSON.stringify(fx.logs).includes(TOKEN), 'the token reached the log');
  });

  test('concurrent mutations: some serial order, gap-free generations', async () => {
    const g = fx.service.generation();
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        i % 3 === 0
          ? req('PATCH', '/v1/sets/admins', { add: [`10.77.${i}.0/24`] })
          : req('POST', '/v1/rules', { id: `c${i}`, action: 'pass', dport: 1000 + i }),
      ),
    );
    for (const a of answers) assert.ok(a.statusCode === 200 || a.statusCode === 201, a.body);
    const gens = answers.map((a) => json(a).generation).sort((a, b) => a - b);
    assert.deepEqual(gens, Array.from({ length: 24 }, (_, i) => g + 1 + i));
    const rules = json(await req('GET', '/v1/rules')).rules.map((x: { id: string }) => x.id);
    for (let i = 0; i < 24; i++) if (i % 3 !== 0) assert.ok(rules.includes(`c${i}`), `c${i} lost`);
    assert.equal(json(await req('GET', '/v1/sets/admins')).count, 1 + 8);
    // Each If-Match against the same generation: exactly one wins.
    const now = fx.service.generation();
    const racing = await Promise.all(Array.from({ length: 5 }, (_, i) => req('DELETE', `/v1/rules/c${i * 3 + 1}`, undefined, { 'if-match': `"${now}"` })));
    assert.deepEqual(racing.map((a) => a.statusCode).sort(), [200, 412, 412, 412, 412]);
  });
});

describe('REST API: failures of the environment change nothing', { skip }, () => {
  test('500 when the state cannot be written; the next change works once it can', async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-ro-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir]);
    t.after(() => {
      execFileSync('umount', [dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const fx = serviceFixture({ stateDir: dir });
    t.after(() => fx.close());
    const app = await build(fx.service, { token: null, logger: pino({ level: 'silent' }), metrics: false });
    t.after(() => app.close());
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/ruleset', payload: R0 })).statusCode, 200);
    const before = stateBytes(fx.store);
    const ask = () => fx.service.explain({ iface: 'eth0', src: '192.0.2.1', dst: '10.0.0.1', proto: 'udp' });
    assert.deepEqual(ask(), { rule: 'drop-bogons', action: 'drop' });

    execFileSync('mount', ['-o', 'remount,ro', dir]);
    const r = await app.inject({ method: 'DELETE', url: '/v1/rules/drop-bogons' });
    assert.equal(r.statusCode, 500, r.body);
    const body = JSON.parse(r.body);
    assert.equal(body.error, 'internal');
    assert.match(body.message, /EROFS/);
    assert.ok(stateBytes(fx.store).equals(before), 'the state dir changed');
    assert.equal(fx.service.generation(), 1);
    assert.deepEqual(ask(), { rule: 'drop-bogons', action: 'drop' }, 'the data path changed');
    assert.equal((await app.inject({ method: 'GET', url: '/v1/ruleset' })).headers.etag, '"1"');
    assert.ok(fx.logs.some((l) => l.msg === 'state not persisted; nothing changed' && (l.err as { code?: string }).code === 'EROFS'));

    execFileSync('mount', ['-o', 'remount,rw', dir]);
    const ok = await app.inject({ method: 'DELETE', url: '/v1/rules/drop-bogons' });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(JSON.parse(ok.body), { generation: 2 });
    assert.deepEqual(ask(), { rule: null, action: 'pass' });
    assert.deepEqual(fs.readdirSync(dir), ['state.json'], 'a temporary file was left behind');
  });

  test('500 when the kernel refuses the change (ENOMEM injected); the old generation stays', async (t) => {
    const fx = serviceFixture();
    t.after(() => fx.close());
    const app = await build(fx.service, { token: null, logger: pino({ level: 'silent' }), metrics: false });
    t.after(() => app.close());
    assert.equal((await app.inject({ method: 'PUT', url: '/v1/ruleset', payload: R0 })).statusCode, 200);
    const before = stateBytes(fx.store);
    // The last write before the flip fails as a kernel out of memory would.
    const config = fx.dp.maps.get('config');
    const update = config.update.bind(config);
    config.update = () => {
      config.update = update;
      throw new BpfError('bpf_map_update_elem on map "config": Cannot allocate memory (ENOMEM)', { code: 'ENOMEM', errno: 12, syscall: 'bpf_map_update_elem' });
    };
    const r = await app.inject({ method: 'PUT', url: '/v1/sets/bogons', payload: { elements: ['10.1.5.0/24'] } });
    assert.equal(r.statusCode, 500, r.body);
    const body = JSON.parse(r.body);
    assert.equal(body.error, 'internal');
    assert.match(body.message, /ENOMEM/);
    assert.ok(fx.logs.some((l) => l.msg === 'apply failed; nothing changed' && (l.err as { errno?: number }).errno === 12), 'the errno is logged');
    assert.ok(stateBytes(fx.store).equals(before));
    assert.equal(fx.service.generation(), 1);
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '192.0.2.1', dst: '10.0.0.1', proto: 'udp' }), { rule: 'drop-bogons', action: 'drop' });
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '10.1.5.1', dst: '10.0.0.1', proto: 'udp' }), { rule: null, action: 'pass' });
    const ok = await app.inject({ method: 'PATCH', url: '/v1/sets/bogons', payload: { add: ['10.1.5.0/24'] } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(JSON.parse(ok.body), { generation: 2 });
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '10.1.5.1', dst: '10.0.0.1', proto: 'udp' }), { rule: 'drop-bogons', action: 'drop' });
    assert.deepEqual(fx.service.explain({ iface: 'eth0', src: '192.0.2.1', dst: '10.0.0.1', proto: 'udp' }), { rule: 'drop-bogons', action: 'drop' });
  });

  test('409 under --watch: the file owns the ruleset', async (t) => {
    const fx = serviceFixture({ watchFile: '/etc/xdpfw/rules.json' });
    t.after(() => fx.close());
    const app = await build(fx.service, { token: null, logger: pino({ level: 'silent' }), metrics: false });
    t.after(() => app.close());
    const parsed = (await import('../src/ruleset/validate')).parseRuleset(R0, { allowFileSets: false });
    await fx.service.applyParsed(parsed, { who: 'test', route: 'file' });
    const before = stateBytes(fx.store);
    for (const [method, url, payload] of [
      ['PUT', '/v1/ruleset', R0], ['POST', '/v1/rules', { id: 'x', action: 'pass' }], ['PUT', '/v1/rules/off', { id: 'off', action: 'pass' }],
      ['DELETE', '/v1/rules/off'], ['PATCH', '/v1/sets/admins', { add: ['10.0.0.1'] }], ['PUT', '/v1/sets/admins', { elements: [] }],
    ] as const) {
      const r = await app.inject({ method, url, payload: payload as object });
      assert.equal(r.statusCode, 409, `${method} ${url}: ${r.body}`);
      const body = JSON.parse(r.body);
      assert.equal(body.error, 'conflict');
      assert.match(body.message, /\/etc\/xdpfw\/rules\.json/);
    }
    assert.equal(fx.service.generation(), 1);
    assert.ok(stateBytes(fx.store).equals(before));
    assert.equal((await app.inject({ method: 'POST', url: '/v1/ruleset/validate', payload: R0 })).statusCode, 200, 'validate is no mutation');
  });

  test('a request that never finishes is cut off (slowloris); the unix socket is 0660', async (t) => {
    const fx = serviceFixture();
    t.after(() => fx.close());
    const app = await build(fx.service, { token: null, logger: pino({ level: 'silent' }), metrics: false, requestTimeoutMs: 500 });
    t.after(() => app.close());
    const sock = path.join(fx.stateDir, 'api.sock');
    fs.writeFileSync(sock, ''); // not a socket: refused rather than deleted
    await assert.rejects(listen(app, { kind: 'unix', path: sock }), /not a socket/);
    fs.rmSync(sock);
    assert.equal(await listen(app, { kind: 'unix', path: sock }), `unix:${sock}`);
    assert.equal(fs.statSync(sock).mode & 0o777, 0o660);
    const started = Date.now();
    const closed = await new Promise<string>((resolve) => {
      const c = net.connect({ path: sock }, () => c.write('PUT /v1/ruleset HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ru'));
      let answer = '';
      c.on('data', (d) => (answer += d.toString()));
      c.on('close', () => resolve(answer));
    });
    assert.ok(Date.now() - started < 6000, 'the slow request was not cut off in time');
    assert.match(closed, /^$|^HTTP\/1\.1 408/);
  });

  test('/healthz is 200 once attached with a ruleset in force', async (t) => {
    const fx = serviceFixture({ realNames: true });
    t.after(() => fx.close());
    const app = await build(fx.service, { token: 'x', logger: pino({ level: 'silent' }), metrics: false });
    t.after(() => app.close());
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503, 'no ruleset yet');
    assert.equal((await app.inject({ method: 'GET', url: '/v1/ruleset', headers: { authorization: 'Bearer x' } })).statusCode, 404);
    const parsed = (await import('../src/ruleset/validate')).parseRuleset({ rules: [] }, { allowFileSets: false });
    await fx.service.applyParsed(parsed, { who: 'test', route: 'test' });
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 503, 'not attached yet');
    fx.dp.attach(fx.veth.a, 'generic');
    fx.dp.attach(fx.veth.b, 'generic');
    const h = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(h.statusCode, 200, h.body);
    const s = JSON.parse((await app.inject({ method: 'GET', url: '/v1/status', headers: { authorization: 'Bearer x' } })).body);
    assert.deepEqual(s.interfaces.map((i: { mode: string; prog_id: number; ours: boolean }) => [i.mode, i.prog_id, i.ours]), [
      ['generic', fx.dp.program.id, true],
      ['generic', fx.dp.program.id, true],
    ]);
  });
});
