// Hostile API input (issue 6) through app.inject(): oversized bodies, deep nesting, huge arrays,
// invalid UTF-8, prototype-pollution keys at every level, path traversal in set names and rule
// ids, auth bypass attempts. Every one must get the contract's error (status, code, body shape)
// and change nothing: generation, GET /v1/ruleset, state.json bytes, the state dir, decisions.
// Socket-level attacks are in hostile-socket.test.ts, memory in hostile-memory.test.ts.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH, BASE_RULESET, TOKEN, assertPrototypesClean, hostileApi, type HostileApi } from './lib/fuzz-api-fixture';
import { isRoot } from './lib/netdev';

const BODY_LIMIT = 1024 * 1024;
const skip = !isRoot() && 'needs root (BPF maps, veth)';

type Method = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** Every route that takes a body, with a valid body for it. */
const BODY_ROUTES: { method: Method; url: string; valid: object }[] = [
  { method: 'PUT', url: '/v1/ruleset', valid: BASE_RULESET },
  { method: 'POST', url: '/v1/ruleset/validate', valid: BASE_RULESET },
  { method: 'POST', url: '/v1/rules', valid: { id: 'new', action: 'pass' } },
  { method: 'PUT', url: '/v1/rules/ssh', valid: { id: 'ssh', action: 'pass' } },
  { method: 'PATCH', url: '/v1/sets/blocked', valid: { add: ['10.0.0.0/8'] } },
  { method: 'PUT', url: '/v1/sets/blocked', valid: { elements: ['10.0.0.0/8'] } },
  { method: 'POST', url: '/v1/explain', valid: { iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp' } },
];

describe('hostile API input', { skip }, () => {
  let api: HostileApi;
  const send = (method: Method, url: string, payload?: string | Buffer | object, headers: Record<string, string | string[]> = AUTH) => () =>
    api.app.inject({ method, url, payload: payload as string, headers: { 'content-type': 'application/json', ...headers } as Record<string, string> });

  before(async () => {
    api = await hostileApi({ bodyLimit: BODY_LIMIT });
  });
  after(async () => api?.close());

  test('oversized bodies: 413 payload_too_large on every body route', async () => {
    const big = Buffer.alloc(BODY_LIMIT + 1, 0x20);
    big.write('{"rules": [], "comment": "', 0);
    for (const r of BODY_ROUTES) {
      await api.rejects(send(r.method, r.url, big), 413, 'payload_too_large', `${r.method} ${r.url} ${big.length} bytes`);
    }
  });

  test('deep nesting (10,000 and 100,000 levels): 400, no stack overflow', async () => {
    const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
    const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    for (const r of BODY_ROUTES) {
      for (const [name, nested] of [['arrays 10k', arrays(10_000)], ['objects 10k', objects(10_000)], ['arrays 100k', arrays(100_000)]]) {
        // As the whole body, and as the value of a field the route knows.
        for (const body of [nested, JSON.stringify(r.valid).replace(/^\{/, `{"comment": ${nested}, "id": ${nested}, `)]) {
          await api.rejects(send(r.method, r.url, body), 400, 'invalid_ruleset', `${r.method} ${r.url} ${name}`);
        }
      }
    }
  });

  test('huge arrays within the body limit: 400 or 422 with at most 100 details', async () => {
    const tooMany = { rules: Array.from({ length: 5000 }, (_, i) => ({ id: `r${i}`, action: 'pass' })) };
    await api.rejects(send('PUT', '/v1/ruleset', tooMany), 422, 'capacity_exceeded', '5,000 rules');
    const cases: [Method, string, object][] = [
      ['PATCH', '/v1/sets/blocked', { add: Array.from({ length: 40_000 }, () => 1) }],
      ['PATCH', '/v1/sets/blocked', { remove: Array.from({ length: 20_000 }, (_, i) => `bad-${i}`) }],
      ['PUT', '/v1/sets/blocked', { elements: Array.from({ length: 30_000 }, () => '300.0.0.0/8') }],
      ['PUT', '/v1/ruleset', { rules: [{ id: 'x', action: 'drop', dport: Array.from({ length: 40_000 }, () => 70000) }] }],
      ['POST', '/v1/rules', { id: 'x', action: 'drop', src: Array.from({ length: 20_000 }, () => 'nope') }],
      ['POST', '/v1/explain', { iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', sport: Array.from({ length: 40_000 }, () => 1) }],
    ];
    for (const [method, url, body] of cases) {
      const res = await api.rejects(send(method, url, body), 400, 'invalid_ruleset', `${method} ${url} huge array`);
      assert.ok(JSON.parse(res.body).details.length <= 101, `${method} ${url}: ${JSON.parse(res.body).details.length} details`);
    }
  });

  test('invalid UTF-8 anywhere in the body: 400', async () => {
    const bad = ['c0af', 'eda080', 'e282', 'f888808080', '80', 'ff', 'fe', 'f4908080'].map((h) => Buffer.from(h, 'hex'));
    // Bodies that would be accepted but for the bytes: in free text (a comment), in a key, bare.
    const withComment: [Method, string, string][] = [
      ['PUT', '/v1/ruleset', '{"rules": [{"id": "u", "action": "pass", "comment": "@"}]}'],
      ['POST', '/v1/ruleset/validate', '{"rules": [{"id": "u", "action": "pass", "comment": "@"}]}'],
      ['POST', '/v1/rules', '{"id": "u", "action": "pass", "comment": "@"}'],
      ['PUT', '/v1/rules/ssh', '{"id": "ssh", "action": "drop", "comment": "@"}'],
    ];
    for (const [method, url, text] of withComment) {
      for (const b of bad) {
        const [head, tail] = text.split('@');
        const body = Buffer.concat([Buffer.from(head), b, Buffer.from(tail)]);
        await api.rejects(send(method, url, body), 400, 'invalid_ruleset', `${method} ${url} comment bytes ${b.toString('hex')}`);
      }
    }
    for (const r of BODY_ROUTES) {
      const text = JSON.stringify(r.valid);
      for (const b of bad) {
        const inKey = Buffer.concat([Buffer.from(text.slice(0, -1) + ', "'), b, Buffer.from('": 1}')]);
        const bare = Buffer.concat([b, Buffer.from(text)]);
        for (const body of [inKey, bare]) {
          await api.rejects(send(r.method, r.url, body), 400, 'invalid_ruleset', `${r.method} ${r.url} bytes ${b.toString('hex')}`);
        }
      }
    }
  });

  test('prototype-pollution keys at every level: 400, prototypes clean', async () => {
    const poison = ['"__proto__": {"polluted": true, "action": "drop"}', '"constructor": {"prototype": {"polluted": true}}', '"\\u005f\\u005fproto__": {"polluted": true}', '"__proto__": ["0.0.0.0/0"]'];
    const bodies: [Method, string, string][] = [];
    for (const key of poison) {
      for (const r of BODY_ROUTES) {
        const text = JSON.stringify(r.valid);
        bodies.push([r.method, r.url, `{${key}, ${text.slice(1)}`]);
        bodies.push([r.method, r.url, `${text.slice(0, -1)}, ${key}}`]);
      }
      bodies.push(['PUT', '/v1/ruleset', `{"rules": [{"id": "x", "action": "pass", ${key}}]}`]);
      bodies.push(['PUT', '/v1/ruleset', `{"rules": [], "sets": {${key}}}`]);
      bodies.push(['PUT', '/v1/ruleset', `{"rules": [], "sets": {"s": {${key}}}}`]);
      bodies.push(['PUT', '/v1/ruleset', `{"rules": [{"id": "x", "action": "pass", "src": [{${key}}]}]}`]);
      bodies.push(['POST', '/v1/rules', `{"id": "x", "action": "pass", "dport": {${key}}}`]);
      bodies.push(['PATCH', '/v1/sets/blocked', `{"add": [{${key}}]}`]);
    }
    // Inherited values that would pass the schema if a parser turned `__proto__` into a prototype.
    bodies.push(['POST', '/v1/rules', '{"id": "p1", "__proto__": {"action": "drop"}}']);
    bodies.push(['PUT', '/v1/ruleset', '{"__proto__": {"default": "drop", "rules": []}}']);
    bodies.push(['PATCH', '/v1/sets/blocked', '{"__proto__": {"add": ["0.0.0.0/0"]}}']);
    bodies.push(['PUT', '/v1/sets/blocked', '{"__proto__": {"elements": []}}']);
    // `prototype` is only a key name: unknown where the schema does not allow it.
    bodies.push(['PUT', '/v1/ruleset', '{"prototype": {"polluted": true}, "rules": []}']);
    bodies.push(['POST', '/v1/rules', '{"id": "p", "action": "pass", "prototype": {"action": "drop"}}']);
    for (const [method, url, body] of bodies) {
      await api.rejects(send(method, url, body), 400, 'invalid_ruleset', `${method} ${url} ${body.slice(0, 120)}`);
      assertPrototypesClean(`${method} ${url} ${body.slice(0, 120)}`);
    }
  });

  test('names of Object.prototype members as set names and rule ids: plain names, nothing more', async () => {
    // Legal set names that shadow Object.prototype: found when they exist, 404 when not.
    const ctor = await api.app.inject({ method: 'GET', url: '/v1/sets/constructor', headers: AUTH });
    assert.deepEqual(JSON.parse(ctor.body), { name: 'constructor', elements: ['198.51.100.0/24'], count: 1 });
    for (const name of ['__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf']) {
      await api.rejects(send('GET', `/v1/sets/${name}`), 404, 'not_found', `GET set ${name}`);
      await api.rejects(send('PATCH', `/v1/sets/${name}`, { add: ['10.0.0.0/8'] }), 404, 'not_found', `PATCH set ${name}`);
      await api.rejects(send('PUT', `/v1/sets/${name}`, { elements: [] }), 404, 'not_found', `PUT set ${name}`);
      await api.rejects(send('GET', `/v1/rules/${name}`), 404, 'not_found', `GET rule ${name}`);
      await api.rejects(send('DELETE', `/v1/rules/${name}`), 404, 'not_found', `DELETE rule ${name}`);
      await api.rejects(send('PUT', `/v1/rules/${name}`, { id: name, action: 'pass' }), 404, 'not_found', `PUT rule ${name}`);
      await api.rejects(send('POST', `/v1/rules?before=${name}`, { id: 'placed', action: 'pass' }), 404, 'not_found', `POST before ${name}`);
    }
    // A rule id or set name such as __proto__ is invalid in a body.
    await api.rejects(send('POST', '/v1/rules', { id: '__proto__', action: 'pass' }), 400, 'invalid_ruleset', 'rule id __proto__');
    await api.rejects(send('PUT', '/v1/ruleset', '{"rules": [], "sets": {"toString": []}}'), 400, 'invalid_ruleset', 'set name toString');
    // The shadowing set is edited like any other, and the edit is what it says.
    const patched = await api.app.inject({ method: 'PATCH', url: '/v1/sets/constructor', payload: { add: ['198.51.100.7'] }, headers: AUTH });
    assert.equal(patched.statusCode, 200, patched.body);
    const after = await api.app.inject({ method: 'GET', url: '/v1/sets/constructor', headers: AUTH });
    assert.deepEqual(JSON.parse(after.body).elements, ['198.51.100.0/24', '198.51.100.7']);
    assertPrototypesClean('set named constructor');
  });

  test('path traversal in set names and rule ids: 404, no file touched', async () => {
    const names = ['..', '.', '../state.json', '..%2fstate.json', '..%2f..%2f..%2fetc%2fpasswd', '%2e%2e', '%2e%2e%2f%2e%2e%2fetc%2fshadow', '..%5c..%5cstate.json', '%00', 'a%00b', 'state.json%00.txt', '%2f', '%2fetc%2fpasswd', '~root', '%252e%252e%252f'];
    for (const n of names) {
      await api.rejects(send('GET', `/v1/sets/${n}`), 404, 'not_found', `GET set ${n}`);
      await api.rejects(send('PATCH', `/v1/sets/${n}`, { add: ['10.0.0.0/8'] }), 404, 'not_found', `PATCH set ${n}`);
      await api.rejects(send('PUT', `/v1/sets/${n}`, { elements: ['10.0.0.0/8'] }), 404, 'not_found', `PUT set ${n}`);
      await api.rejects(send('GET', `/v1/rules/${n}`), 404, 'not_found', `GET rule ${n}`);
      await api.rejects(send('DELETE', `/v1/rules/${n}`), 404, 'not_found', `DELETE rule ${n}`);
      await api.rejects(send('PUT', `/v1/rules/${n}`, { id: 'ssh', action: 'pass' }), 404, 'not_found', `PUT rule ${n}`);
      await api.rejects(send('POST', `/v1/rules?after=${n}`, { id: 'placed', action: 'pass' }), 404, 'not_found', `POST after ${n}`);
    }
    // File-backed sets name a path the daemon would read: refused over REST.
    for (const file of ['/etc/shadow', '../../state.json', 'state.json', '/proc/self/environ']) {
      await api.rejects(send('PUT', '/v1/ruleset', { rules: [], sets: { feed: { file } } }), 400, 'invalid_ruleset', `file set ${file}`);
      await api.rejects(send('POST', '/v1/ruleset/validate', { rules: [], sets: { feed: { file } } }), 400, 'invalid_ruleset', `validate file set ${file}`);
    }
  });

  test('auth bypass attempts: 401 unauthorized on every /v1/ route, nothing changes', async () => {
    const headerSets: Record<string, string | string[]>[] = [
      {},
      { authorization: '' },
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: 'Bearer wrong-token' },
      { authorization: `bearer ${TOKEN}` },
      { authorization: `BEARER ${TOKEN}` },
      { authorization: `Bearer ${TOKEN} ` },
      { authorization: `Bearer ${TOKEN}  ` },
      { authorization: ` Bearer ${TOKEN}` },
      { authorization: `Bearer\t${TOKEN}` },
      { authorization: `Bearer  ${TOKEN}` },
      { authorization: `Bearer ${TOKEN}\u0000` },
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.toUpperCase()}` },
      { authorization: `Bearer ${TOKEN.slice(1)}` },
      { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
      { authorization: [`Bearer wrong`, `Bearer ${TOKEN}`] },
      { 'proxy-authorization': `Bearer ${TOKEN}` },
      { cookie: `token=${TOKEN}; authorization=Bearer ${TOKEN}` },
      { 'x-forwarded-user': 'root', 'x-auth-token': TOKEN, 'x-api-key': TOKEN },
    ];
    const routes: [Method, string, object?][] = [
      ['GET', '/v1/ruleset'], ['PUT', '/v1/ruleset', BASE_RULESET], ['POST', '/v1/ruleset/validate', BASE_RULESET],
      ['GET', '/v1/rules'], ['GET', '/v1/rules/ssh'], ['POST', '/v1/rules', { id: 'z', action: 'pass' }], ['PUT', '/v1/rules/ssh', { id: 'ssh', action: 'pass' }], ['DELETE', '/v1/rules/ssh'],
      ['GET', '/v1/sets/blocked'], ['PATCH', '/v1/sets/blocked', { add: ['0.0.0.0/0'] }], ['PUT', '/v1/sets/blocked', { elements: [] }],
      ['GET', '/v1/stats'], ['POST', '/v1/explain', { iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2' }], ['GET', '/v1/status'], ['GET', '/v1/nope'],
    ];
    for (const headers of headerSets) {
      for (const [method, url, body] of routes) {
        await api.rejects(send(method, url, body, headers as Record<string, string>), 401, 'unauthorized', `${method} ${url} with ${JSON.stringify(headers)}`);
      }
    }
    // The token in the URL, and path spellings that might dodge a route-based check.
    const urls = [
      `/v1/ruleset?token=${TOKEN}`, `/v1/ruleset?access_token=${TOKEN}`, `/v1/ruleset?authorization=Bearer%20${TOKEN}`, `/v1/ruleset#${TOKEN}`,
      '/v1/ruleset/', '//v1/ruleset', '/v1//ruleset', '/V1/ruleset', '/v1/ruleset?', '/v1/ruleset;x', '/v1/%72uleset',
      '/metrics/../v1/ruleset', '/healthz/../v1/ruleset', '/metrics%2f..%2fv1%2fruleset', '/docs/json/../../v1/ruleset',
    ];
    for (const url of urls) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        await api.rejects(send(method, url, method === 'PUT' ? { rules: [] } : undefined, {}), 401, 'unauthorized', `${method} ${url} without a token`);
      }
    }
    // The open routes stay open, and open nothing else.
    assert.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode !== 401, true);
    assert.equal((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200);
  });

  test('two Authorization headers, the right one first: refused as ambiguous', async () => {
    await api.rejects(send('GET', '/v1/ruleset', undefined, { authorization: [`Bearer ${TOKEN}`, 'Bearer wrong'] }), 401, 'unauthorized', 'right then wrong');
  });

  test('malformed URL encodings and over-long names: the contract error body, after auth', async () => {
    const urls = ['/v1/sets/%ff', '/v1/sets/%', '/v1/rules/%zz', '/v1/rules/%c0%af', '/v1/sets/a%e2%82', `/v1/rules/${'a'.repeat(200)}`, `/v1/sets/${'b'.repeat(5000)}`, `/v1/sets/${'%41'.repeat(120)}`];
    const methods: [Method, object?][] = [['GET'], ['DELETE'], ['PUT', { elements: [] }], ['PATCH', { add: [] }]];
    for (const url of urls) {
      for (const [method, body] of methods) {
        const what = `${method} ${url.slice(0, 40)}`;
        // Without a token (or with a wrong one): 401 first, whatever is wrong with the URL.
        await api.rejects(send(method, url, body, {}), 401, 'unauthorized', `${what} without a token`);
        await api.rejects(send(method, url, body, { authorization: 'Bearer wrong' }), 401, 'unauthorized', `${what} with a wrong token`);
        // With it: 400 for an encoding no name can have, 404 for a name longer than any can be.
        const long = url.length > 100;
        await api.rejects(send(method, url, body), long ? 404 : 400, long ? 'not_found' : 'invalid_ruleset', what);
      }
    }
  });

  test('many invalid rules or sets are answered quickly (no quadratic validation)', async (t) => {
    const bodies: [string, object, number][] = [
      ['32,000 empty rules', { rules: Array.from({ length: 32_000 }, () => ({})) }, 2000],
      ['32,000 sets of numbers', { rules: [], sets: Object.fromEntries(Array.from({ length: 32_000 }, (_, i) => [`s${i}`, i])) }, 2000],
      ['32,000 bad set names', { rules: [], sets: Object.fromEntries(Array.from({ length: 32_000 }, (_, i) => [`S${i}`, []])) }, 2000],
      ['20,000 rules, each a bad port', { rules: Array.from({ length: 20_000 }, (_, i) => ({ id: `r${i}`, action: 'drop', dport: 70_000 })) }, 2000],
      ['60,000 unknown fields in a rule', { rules: [Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`k${i}`, i]))] }, 2000],
      // Minutes before the fix; now the checks stop after a page of schema errors.
      ['250,000 empty rules', { rules: Array.from({ length: 250_000 }, () => ({})) }, 2000],
    ];
    for (const [what, body, limitMs] of bodies) {
      const t0 = performance.now();
      const res = await api.rejects(send('PUT', '/v1/ruleset', body), 400, 'invalid_ruleset', what);
      const ms = performance.now() - t0;
      const details = JSON.parse(res.body).details as { path: string; message: string }[];
      assert.ok(details.length >= 2 && details.length <= 101, `${what}: ${details.length} details`);
      assert.ok(details.some((d) => d.path.startsWith('/rules/0') || d.path.startsWith('/sets/')), `${what}: ${JSON.stringify(details.slice(0, 3))}`);
      assert.ok(ms < limitMs, `${what}: answered in ${ms.toFixed(0)} ms (limit ${limitMs})`);
      t.diagnostic(`${what}: ${ms.toFixed(0)} ms`);
    }
    // The first errors are those a small input gets: precise paths and messages.
    const res = await send('PUT', '/v1/ruleset', { rules: [{ id: 'ok', action: 'pass', dport: 70_000 }, ...Array.from({ length: 4_000 }, (_, i) => ({ id: `r${i}`, action: 'pass' })), { id: 'bad', action: 'maybe' }] })();
    assert.deepEqual(JSON.parse(res.body).details, [
      { path: '/rules/0/dport', message: 'must be <= 65535' },
      { path: '/rules/4001/action', message: 'must be one of: pass, drop; got "maybe"' },
    ]);
  });
});
