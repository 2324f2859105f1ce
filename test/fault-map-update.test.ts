// Fault injection (issue 6): a map write the kernel refuses in the middle of an apply (EBUSY,
// ENOMEM). Every write by system call that an apply makes (update, updateBatch, delete,
// deleteBatch on every map but the grace-period pair, which runs after the flip) is failed in
// turn. Each time the API must answer 500 `internal` in the contract's body and nothing may
// change: the generation, GET /v1/ruleset, the state files, and what the real program decides
// for probe frames through BPF_PROG_TEST_RUN. The same change then goes through unfaulted.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { BpfError } from '../native/lib';
import { XDP_DROP, XDP_PASS } from '../src/dataplane/layout';
import type { RulesetJson } from '../src/ruleset/model';
import { AUTH, BASE_RULESET, assertErrorBody, hostileApi, type HostileApi } from './lib/fuzz-api-fixture';
import { buildFrame } from './lib/packet';
import { isRoot } from './lib/netdev';

const WRITES = ['update', 'updateBatch', 'delete', 'deleteBatch'] as const;
/** Written by commit, after the flip: a failure there is reported once the change is live. */
const AFTER_FLIP = new Set(['grace_sync', 'grace_inner']);

// New rule ids (fresh counter slots to zero), other sets, another default: every table changes.
const NEXT: RulesetJson = {
  default: 'drop',
  sets: { blocked: ['198.51.100.0/24'], allowed: ['192.0.2.0/24', '2001:db8::/32'] },
  rules: [
    { id: 'allow', src: '@allowed', action: 'pass' },
    { id: 'web', proto: 'tcp', dport: [80, 443], action: 'pass' },
    { id: 'block-v2', src: '@blocked', action: 'drop' },
  ],
};

const frame = (src: string, proto: 'udp' | 'tcp', dport: number) =>
  buildFrame({ ip: { kind: 'ipv4', src, dst: '10.0.0.1' }, l4: proto === 'udp' ? { kind: 'udp', sport: 5, dport } : { kind: 'tcp', sport: 5, dport, flags: 0x02 } });
const PROBES = [frame('192.0.2.7', 'udp', 53), frame('198.51.100.9', 'tcp', 22), frame('10.9.9.9', 'tcp', 443), frame('10.9.9.9', 'udp', 53)];

interface Injector {
  /** `map.method` of each write so far. */
  calls: string[];
  /** The index (into calls) of the write to fail, and with what. */
  failAt: number | null;
  code: 'EBUSY' | 'ENOMEM';
}

/** Wraps the write methods of the data plane's maps: counts them, fails the chosen one. */
function inject(api: HostileApi): Injector {
  const inj: Injector = { calls: [], failAt: null, code: 'EBUSY' };
  for (const [name, map] of api.fx.dp.maps.byName) {
    if (AFTER_FLIP.has(name)) continue;
    for (const method of WRITES) {
      const real = (map[method] as (...a: unknown[]) => unknown).bind(map);
      (map as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
        const i = inj.calls.push(`${name}.${method}`) - 1;
        if (i === inj.failAt) {
          const errno = os.constants.errno[inj.code];
          throw new BpfError(`map "${name}": ${method}: ${inj.code} (injected)`, { code: inj.code, errno, syscall: method === 'update' ? 'bpf_map_update_elem' : `bpf_map_${method}` });
        }
        return real(...args);
      };
    }
  }
  return inj;
}

const skip = !isRoot() && 'needs root (BPF maps, veth)';
let api: HostileApi;
before(async () => {
  if (!skip) api = await hostileApi();
});
after(async () => api?.close());

test('a map write refused mid-apply (EBUSY, ENOMEM): 500 internal, the previous generation keeps filtering, the retry works', { skip, timeout: 300_000 }, async (t) => {
  const ifindex = api.fx.ifindex.get('eth0') as number;
  const verdicts = () => PROBES.map((f) => api.fx.dp.run(f, ifindex).retval);
  const put = (body: RulesetJson) => api.app.inject({ method: 'PUT', url: '/v1/ruleset', payload: body as object, headers: AUTH });
  const base = verdicts();
  assert.deepEqual(base, [XDP_DROP, XDP_PASS, XDP_PASS, XDP_PASS]);

  // A dry run lists the writes of the change (and of the way back).
  const inj = inject(api);
  assert.equal((await put(NEXT)).statusCode, 200);
  const next = verdicts();
  assert.deepEqual(next, [XDP_PASS, XDP_DROP, XDP_PASS, XDP_DROP]);
  const writes = [...inj.calls];
  assert.ok(writes.length >= 2, `the change made ${writes.length} map writes by system call: ${writes.join(', ')}`);
  assert.equal((await put(BASE_RULESET)).statusCode, 200);

  let injected = 0;
  for (let k = 0; k < writes.length; k++) {
    for (const code of ['EBUSY', 'ENOMEM'] as const) {
      const what = `write ${k} (${writes[k]}) fails with ${code}`;
      const before = await api.snapshot();
      inj.calls = [];
      inj.failAt = k;
      inj.code = code;
      const res = await put(NEXT);
      inj.failAt = null;
      assert.ok(inj.calls.length > k, `${what}: the apply made only ${inj.calls.length} writes`);
      injected++;
      assert.equal(res.statusCode, 500, `${what}: ${res.body}`);
      assertErrorBody(res, 'internal', what);
      assert.deepEqual(JSON.parse(res.body).details, [], `${what}: details`);
      // The operator learns what the kernel said, and that the change did not happen.
      assert.match(JSON.parse(res.body).message, new RegExp(`${code}.*nothing changed`), what);
      await api.assertUnchanged(before, what);
      assert.deepEqual(verdicts(), base, `${what}: the program decides differently`);

      // The same change, unfaulted, goes through; then back for the next round.
      const retry = await put(NEXT);
      assert.equal(retry.statusCode, 200, `${what}: retry: ${retry.body}`);
      assert.equal(JSON.parse(retry.body).generation, before.generation + 1, `${what}: the failed apply used up a generation`);
      assert.deepEqual(verdicts(), next, `${what}: after the retry`);
      assert.equal((await put(BASE_RULESET)).statusCode, 200);
      assert.deepEqual(verdicts(), base, `${what}: back to the base ruleset`);
    }
  }
  assert.equal(injected, writes.length * 2);
  t.diagnostic(`${injected} faults injected into ${writes.length} writes: ${writes.join(', ')}`);
});
