// Concurrent operators (issue 6): 100 mutations (rules added, replaced, deleted; sets patched
// and replaced; whole rulesets), half with If-Match, from 5 clients with 4 connections each over
// real HTTP. The order in which the service took them is recorded (its mutation methods are
// wrapped; it serialises them in call order) and replayed on a serial model written from the
// contract: every answer must be the one that order demands (the generation, 404, and every
// 412 stale at its turn), generations of the successes are exactly g0+1..g0+N, and the ruleset
// persisted by each generation, at the end, in the state file and in the live data path are the
// model's: no acknowledged change lost or changed.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { RuleJson, RulesetJson } from '../src/ruleset/model';
import { StateStore } from '../src/service/state-store';
import { listen, parseListen } from '../src/api/server';
import { TOKEN, hostileApi, type HostileApi } from './lib/fuzz-api-fixture';
import { SerialModel, requestOf, type MutationOp } from './lib/fuzz-serial-model';
import { isRoot } from './lib/netdev';
import { Rng } from './lib/rng';

const CLIENTS = 5;
const LANES = 4;
const OPS_PER_LANE = 5;
const TOTAL = CLIENTS * LANES * OPS_PER_LANE;

const baseRules = (): RuleJson[] => Array.from({ length: 5 }, (_, j) => ({ id: `b${j}`, proto: 'tcp', dport: 1000 + j, action: 'drop' }));
const INITIAL: RulesetJson = { default: 'pass', sets: { pool: ['10.255.0.0/16'], other: [] }, rules: baseRules() };

/** The k-th op: each carries a unique mark (an id, a comment, a prefix) the recorder finds. */
function makeOps(rng: Rng): MutationOp[] {
  const ops: MutationOp[] = [];
  const posted: number[] = [];
  const added: string[] = [];
  for (let k = 0; k < TOTAL; k++) {
    const kind = rng.weighted([[25, 'postRule'], [15, 'putRule'], [15, 'deleteRule'], [20, 'patchSet'], [15, 'putSet'], [10, 'putRuleset']] as const);
    if (kind === 'postRule' || (kind === 'deleteRule' && posted.length === 0)) {
      ops.push({ kind: 'postRule', rule: { id: `c${k}`, proto: 'udp', dport: 20000 + k, action: 'drop' } });
      posted.push(k);
    } else if (kind === 'deleteRule') {
      // Each posted rule is deleted at most once; it may not be there yet (404 is then right).
      ops.push({ kind: 'deleteRule', id: `c${posted.splice(rng.int(0, posted.length - 1), 1)[0]}` });
    } else if (kind === 'putRule') {
      const j = rng.int(0, 4);
      ops.push({ kind: 'putRule', id: `b${j}`, rule: { id: `b${j}`, proto: 'tcp', dport: 30000 + k, action: rng.pick(['pass', 'drop'] as const), comment: `m${k}` } });
    } else if (kind === 'patchSet') {
      const remove = added.length > 0 && rng.chance(0.5) ? [rng.pick(added)] : [];
      ops.push({ kind: 'patchSet', name: 'pool', add: [`10.${k}.0.0/16`], remove });
      added.push(`10.${k}.0.0/16`);
    } else if (kind === 'putSet') {
      ops.push({ kind: 'putSet', name: 'other', elements: [`172.16.${k}.0/24`, '172.31.0.0/16'] });
    } else {
      ops.push({ kind: 'putRuleset', ruleset: { ...INITIAL, rules: [...baseRules(), { id: `w${k}`, proto: 'udp', dport: 40000 + k, action: 'pass' }] } });
    }
  }
  return ops;
}

/** The unique mark of a mutation as the service receives it (its arguments but the options). */
function markOf(method: string, args: unknown[]): string {
  const a = args as [Record<string, unknown> & string, Record<string, unknown>];
  switch (method) {
    case 'addRule': return `postRule ${a[0].id}`;
    case 'replaceRule': return `putRule ${a[1].comment}`;
    case 'deleteRule': return `deleteRule ${a[0]}`;
    case 'patchSet': return `patchSet ${(a[1].add as string[])[0]}`;
    case 'replaceSet': return `putSet ${(a[1].elements as string[])[0]}`;
    case 'replaceRuleset': return `putRuleset ${((a[0].rules as RuleJson[]).find((r) => r.id.startsWith('w')) as RuleJson).id}`;
  }
  throw new Error(`unexpected mutation ${method}`);
}

function markOfOp(op: MutationOp): string {
  switch (op.kind) {
    case 'postRule': return `postRule ${op.rule.id}`;
    case 'putRule': return `putRule ${op.rule.comment}`;
    case 'deleteRule': return `deleteRule ${op.id}`;
    case 'patchSet': return `patchSet ${op.add[0]}`;
    case 'putSet': return `putSet ${op.elements[0]}`;
    case 'putRuleset': return `putRuleset ${(op.ruleset.rules.find((r) => r.id.startsWith('w')) as RuleJson).id}`;
  }
}

interface Answer {
  status: number;
  body: string;
  etag?: string;
}

function call(agent: http.Agent, port: number, method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port, method, path: url, agent, headers: { authorization: `Bearer ${TOKEN}`, ...(payload ? { 'content-type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, etag: res.headers.etag }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let api: HostileApi;
let port: number;
before(async () => {
  if (!isRoot()) return;
  api = await hostileApi({}, INITIAL);
  port = Number((await listen(api.app, parseListen('127.0.0.1:0'))).split(':').pop());
});
after(async () => api?.close());

test(`${TOTAL} concurrent mutations from ${CLIENTS} clients equal their serial order`, { skip: !isRoot() && 'needs root (BPF maps, veth)' }, async () => {
  const g0 = api.fx.service.generation();
  const ops = makeOps(new Rng(Number(process.env.XDPFW_SEED ?? 20261126)));
  const byMark = new Map(ops.map((op, i) => [markOfOp(op), i]));
  assert.equal(byMark.size, TOTAL, 'marks are unique');

  // Record the order in which the service takes the mutations.
  const taken: number[] = [];
  const service = api.fx.service as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ['addRule', 'replaceRule', 'deleteRule', 'patchSet', 'replaceSet', 'replaceRuleset']) {
    const original = service[method].bind(api.fx.service);
    service[method] = (...args: unknown[]) => {
      taken.push(byMark.get(markOf(method, args.slice(0, -1))) as number);
      return original(...args);
    };
  }

  // And what each generation persisted: an acknowledged change must be exactly in it.
  const persisted = new Map<number, RulesetJson>();
  // Snapshots and journal lines alike: what a restart would load after each write.
  const store = api.fx.store;
  const reread = () => {
    const state = new StateStore(store.dir).load()!;
    persisted.set(state.generation, state.ruleset);
  };
  const save = store.save.bind(store);
  const append = store.append.bind(store);
  store.save = (state) => (save(state), reread());
  store.append = (record) => (append(record), reread());

  const answers: Answer[] = new Array(TOTAL);
  const ifMatch: (string | undefined)[] = new Array(TOTAL);
  const rng = new Rng(7);
  const clients = Array.from({ length: CLIENTS }, () => ({ agent: new http.Agent({ keepAlive: true, maxSockets: LANES }), seen: g0 }));
  const lanes = clients.flatMap((client, c) =>
    Array.from({ length: LANES }, (_, l) => async () => {
      for (let n = 0; n < OPS_PER_LANE; n++) {
        const k = (c * LANES + l) * OPS_PER_LANE + n;
        const { method, url, body } = requestOf(ops[k]);
        ifMatch[k] = rng.chance(0.5) ? `"${client.seen}"` : undefined;
        const a = await call(client.agent, port, method, url, body, ifMatch[k] ? { 'if-match': ifMatch[k] as string } : {});
        answers[k] = a;
        if (a.etag) client.seen = Math.max(client.seen, Number(a.etag.replace(/"/g, '')));
        if (a.status === 412) client.seen = Number((await call(client.agent, port, 'GET', '/v1/rules')).etag?.replace(/"/g, ''));
      }
    }),
  );
  await Promise.all(lanes.map((lane) => lane()));
  for (const c of clients) c.agent.destroy();

  // Replay in the order taken: every answer must be the one that order demands.
  assert.deepEqual([...taken].sort((a, b) => a - b), ops.map((_, i) => i), 'each mutation reached the service once');
  const model = new SerialModel(INITIAL, g0);
  const successes: number[] = [];
  for (const k of taken) {
    const want = model.apply(ops[k], ifMatch[k]);
    const got = answers[k];
    const where = `mutation ${k} (${markOfOp(ops[k])}, If-Match ${ifMatch[k] ?? 'none'}), taken #${taken.indexOf(k)}: ${got.body.slice(0, 200)}`;
    assert.equal(got.status, want.status, where);
    if (want.generation !== undefined) {
      assert.deepEqual(JSON.parse(got.body), { generation: want.generation }, where);
      assert.equal(got.etag, `"${want.generation}"`, where);
      assert.deepEqual(persisted.get(want.generation), model.ruleset, `${where}: generation ${want.generation} as persisted`);
      successes.push(want.generation);
    } else {
      assert.equal(JSON.parse(got.body).error, { 404: 'not_found', 409: 'conflict', 412: 'precondition_failed' }[want.status], where);
    }
  }
  assert.deepEqual(successes, successes.map((_, i) => g0 + 1 + i), 'generations of the successes: g0+1..g0+N, no gaps');
  assert.equal(api.fx.service.generation(), g0 + successes.length);

  // The end state: GET /v1/ruleset, the state file and the data path are the model's.
  const final = await call(new http.Agent(), port, 'GET', '/v1/ruleset');
  assert.equal(final.etag, `"${model.generation}"`);
  assert.deepEqual(JSON.parse(final.body), model.ruleset);
  const state = new StateStore(api.fx.store.dir).load()!;
  assert.equal(state.generation, model.generation);
  assert.deepEqual(state.ruleset, model.ruleset);
  for (const op of ops) {
    if (op.kind !== 'postRule') continue;
    const present = model.ruleset.rules.some((r) => r.id === op.rule.id);
    const d = api.fx.service.explain({ iface: 'eth0', src: '10.1.1.1', dst: '10.2.2.2', proto: 'udp', dport: op.rule.dport as number });
    assert.equal(d.rule, present ? op.rule.id : null, `data path for ${op.rule.id}`);
  }
  const counts = new Map<number, number>();
  for (const a of answers) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  assert.ok((counts.get(412) ?? 0) > 0 && successes.length > TOTAL / 3, `a mix of outcomes: ${JSON.stringify(Object.fromEntries(counts))}`);
  console.log(`# ${TOTAL} mutations: ${JSON.stringify(Object.fromEntries(counts))}; generations ${g0 + 1}..${model.generation}`);
});
