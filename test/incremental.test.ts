// Incremental compiles and address-table writes on the real data path: one DataPlane takes a
// random sequence of set patches, set replacements, nesting prefixes, rule edits and literal rules
// coming and going. After every step the compiled entries equal a from-scratch compile, the live
// copy's address tables (read back from the maps) agree with longest-prefix match over them, and
// generated packets get the reference classifier's decision through BPF_PROG_TEST_RUN. Each copy
// is written many times, so updates over both copies' histories are covered.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRuleset, type CompiledRuleset } from '../src/compiler/compile';
import type { Prefix } from '../src/ruleset/address';
import type { Ruleset } from '../src/ruleset/model';
import { BpfHarness, classify, retvalVerdict } from './lib/bpf-harness';
import { assertSameAddresses, lpmClass, tableClass } from './lib/address-equivalence';
import { ChangeSequence, addressIn, formatAddress, nearPrefix } from './lib/change-sequence';
import { buildFrame } from './lib/packet';
import { Rng } from './lib/rng';
import { isRoot } from './lib/netdev';
import type { BpfMap, PendingUpdate } from '../native/lib';
import type { DataPlane } from '../src/dataplane/dataplane';

let h: BpfHarness;
before(() => {
  if (isRoot()) h = new BpfHarness();
});
after(() => h?.close());

/** Addresses inside the prefixes rules name (and just around them), and random ones near anchors. */
function sampleAddresses(rng: Rng, prefixes: Prefix[], family: 4 | 6, n: number): number[][] {
  const own = prefixes.filter((p) => p.family === family);
  return Array.from({ length: n }, () => (own.length > 0 && rng.chance(0.7) ? addressIn(rng, rng.pick(own)) : addressIn(rng, nearPrefix(rng, family))));
}

function checkStep(model: Ruleset, compiled: CompiledRuleset, prefixes: Prefix[], rng: Rng, where: string): void {
  assertSameAddresses(compiled, compileRuleset(model, { ifaceClasses: h.dp.ifaceClasses() }), where);
  const live = Number(h.dp.epoch() & 1n);
  for (const family of [4, 6] as const) {
    const entries = family === 4 ? compiled.addresses.v4 : compiled.addresses.v6;
    for (const a of sampleAddresses(rng, prefixes, family, 1500)) {
      const want = lpmClass(entries, family === 4 ? 1 : 4, a);
      assert.equal(tableClass(h.dp.maps.addressViews[family], family, live, a), want, `${where}: table of copy ${live} at ${formatAddress(family, a)}`);
    }
  }
  for (let p = 0; p < 60; p++) {
    const family = rng.chance(0.5) ? 4 : 6;
    const [src, dst] = sampleAddresses(rng, prefixes, family, 2);
    const frame = buildFrame({
      ip: family === 4 ? { kind: 'ipv4', src: formatAddress(4, src), dst: formatAddress(4, dst) } : { kind: 'ipv6', src: formatAddress(6, src), dst: formatAddress(6, dst) },
      l4: { kind: 'udp', sport: rng.int(1, 65535), dport: rng.pick([53, 1500, rng.int(1, 65535)]) },
    });
    const want = classify(model, frame, 'eth0');
    assert.deepEqual(h.explain(frame, 'eth0'), want, `${where}: packet ${formatAddress(family, src)} -> ${formatAddress(family, dst)}`);
    assert.equal(retvalVerdict(h.run(frame, 'eth0')), want.verdict, where);
  }
}

describe('incremental changes on the data path', { skip: !isRoot() && 'needs root (BPF)' }, () => {
  it('a random change sequence: every step equals a from-scratch compile, in both copies', () => {
    const seq = new ChangeSequence(11);
    const rng = new Rng(1234);
    h.apply(seq.model);
    const writes = new Set<string>();
    for (let step = 0; step < 40; step++) {
      const { kind, model } = seq.next();
      const compiled = h.apply(model);
      const w = h.dp.lastAddressWrite();
      writes.add(`4:${w[4]}`).add(`6:${w[6]}`);
      checkStep(model, compiled, seq.prefixes(), rng, `step ${step} (${kind}; v4 ${w[4]}, v6 ${w[6]}, copy ${h.dp.epoch() & 1n})`);
    }
    for (const kind of ['4:updated', '6:updated', '4:kept', '6:kept']) assert.ok(writes.has(kind), `no step had ${kind}: ${[...writes]}`);
  });

  it('the first write of each copy, a delta after a from-scratch compile and a large delta rebuild whole', () => {
    const seq = new ChangeSequence(12);
    const rng = new Rng(99);
    const fresh = new BpfHarness();
    const prev = h;
    h = fresh;
    try {
      const step = (model: Ruleset, want: { 4: string; 6?: string }, what: string) => {
        const compiled = h.apply(model);
        const w = h.dp.lastAddressWrite();
        assert.equal(w[4], want[4], `${what}: IPv4 tables`);
        if (want[6]) assert.equal(w[6], want[6], `${what}: IPv6 tables`);
        checkStep(model, compiled, seq.prefixes(), rng, what);
        return compiled;
      };
      step(seq.model, { 4: 'rebuilt', 6: 'rebuilt' }, 'first write of copy 1');
      step(seq.next('patch', 's4').model, { 4: 'rebuilt', 6: 'rebuilt' }, 'first write of copy 0');
      step(seq.next('patch', 's4').model, { 4: 'updated', 6: 'kept' }, 'copy 1 again');
      step(seq.next('patch', 's6').model, { 4: 'updated', 6: 'updated' }, 'copy 0 again');

      // A replacement past the compiler's break-even: from scratch, so the tables are rebuilt.
      const sets = new Map(seq.model.sets);
      const big = sets.get('s4')!.withChanges(Array.from({ length: 9000 }, (_, i): Prefix => ({ family: 4, words: [(0x0b000000 + i * 256) >>> 0], len: 24 })), []);
      sets.set('s4', big);
      seq.model = { ...seq.model, sets };
      const large = step(seq.model, { 4: 'rebuilt', 6: 'rebuilt' }, 'large delta');
      assert.equal(large.addresses.delta, null);
      // The next delta's base was computed from scratch: the idle copy holds an older line.
      step(seq.next('patch', 's4').model, { 4: 'rebuilt', 6: 'rebuilt' }, 'delta from a scratch base, other copy');
      step(seq.next('patch', 's4').model, { 4: 'updated' }, 'delta again');

      // A small compile delta covering half the root: the table is rebuilt whole.
      const half: Prefix = { family: 4, words: [0x80000000], len: 1 };
      const sets2 = new Map(seq.model.sets);
      sets2.set('s4', sets2.get('s4')!.withChanges([half], []));
      seq.model = { ...seq.model, sets: sets2 };
      step(seq.model, { 4: 'rebuilt' }, 'a /1 added');
      const sets3 = new Map(seq.model.sets);
      sets3.set('s4', sets3.get('s4')!.withChanges([], [half]));
      seq.model = { ...seq.model, sets: sets3 };
      step(seq.model, { 4: 'rebuilt' }, 'the /1 removed');
      // The other copy still holds a table from before the /1: the way back covers it too.
      step(seq.next('patch', 's4').model, { 4: 'rebuilt' }, 'small, over the /1 removal');
      step(seq.next('patch', 's4').model, { 4: 'updated' }, 'small again');
    } finally {
      h = prev;
      fresh.close();
    }
  });

  describe('the RCU grace period after a flip runs on a native thread', () => {
    /** Records the order of grace-period joins and writes of the idle copy's config. */
    function spy(dp: DataPlane, fail: Error | null, failWait: Error | null = null) {
      const log: string[] = [];
      const grace = dp.maps.get('grace_sync') as BpfMap & Record<string, unknown>;
      const config = dp.maps.get('config') as BpfMap & Record<string, unknown>;
      const start = grace.updateStart.bind(grace);
      const update = grace.update.bind(grace);
      const write = config.update.bind(config);
      grace.updateStart = (key: Buffer, value: Buffer) => {
        const real = start(key, value);
        log.push('start');
        return {
          get joined() {
            return real.joined;
          },
          join() {
            real.join();
            log.push('join');
            if (fail) throw fail;
          },
        } as PendingUpdate;
      };
      grace.update = (key: Buffer, value: Buffer) => {
        update(key, value);
        log.push('wait');
        if (failWait) throw failWait;
      };
      config.update = (key: Buffer, value: Buffer) => {
        write(key, value);
        log.push('write');
      };
      const restore = () => {
        for (const m of [grace, config]) for (const k of ['update', 'updateStart']) delete m[k];
      };
      return { log, restore };
    }

    it('a prepare after a commit waits for its grace period before writing the old copy', () => {
      const seq = new ChangeSequence(21);
      h.apply(seq.model);
      const { log, restore } = spy(h.dp, null);
      try {
        h.apply(seq.next('patch', 's4').model); // joins the grace period started before the spy
        assert.deepEqual(log, ['write', 'start'], 'wrote, flipped and started the wait');
        h.apply(seq.next('edit-rule').model);
        assert.deepEqual(log.slice(2), ['join', 'write', 'start'], 'joined it before writing the copy that was live');
        h.dp.settle();
        assert.deepEqual(log.slice(5), ['join']);
        h.dp.settle();
        assert.equal(log.length, 6, 'nothing left to wait for');
      } finally {
        restore();
      }
    });

    it('a grace period that failed on its thread is waited for again by the next apply, which goes ahead', () => {
      const seq = new ChangeSequence(24);
      h.apply(seq.model);
      const { log, restore } = spy(h.dp, new Error('grace period failed'));
      const frame = buildFrame({ ip: { kind: 'ipv4', src: '192.0.2.1', dst: '198.51.100.1' }, l4: { kind: 'udp', sport: 1000, dport: 53 } });
      try {
        h.apply(seq.next('patch', 's4').model); // the flip happened; its grace period fails on the thread
        const edited = seq.next('edit-rule').model;
        h.apply(edited);
        assert.deepEqual(log, ['write', 'start', 'join', 'wait', 'write', 'start'], 'waited again before writing the copy that was live');
        assert.deepEqual(h.explain(frame, 'eth0'), classify(edited, frame, 'eth0'));
      } finally {
        restore();
        h.dp.settle();
      }
    });

    it('when waiting again fails too, the next apply changes nothing; the one after waits and applies', () => {
      const seq = new ChangeSequence(22);
      const model = seq.model;
      h.apply(model);
      const failure = new Error('grace period failed');
      const { log, restore } = spy(h.dp, failure, failure);
      const frame = buildFrame({ ip: { kind: 'ipv4', src: '192.0.2.1', dst: '198.51.100.1' }, l4: { kind: 'udp', sport: 1000, dport: 53 } });
      try {
        const patched = seq.next('patch', 's4').model;
        h.apply(patched); // the flip happened; its grace period fails on the thread
        const epoch = h.dp.epoch();
        const live = h.dp.live();
        assert.throws(() => h.apply(seq.next('edit-rule').model), failure);
        assert.equal(h.dp.epoch(), epoch, 'no flip');
        assert.equal(h.dp.live(), live);
        h.ruleset = patched;
        h.compiled = live;
        assert.deepEqual(h.explain(frame, 'eth0'), classify(patched, frame, 'eth0'), 'the live generation is intact');
        restore();
        const again = spy(h.dp, null);
        try {
          const edited = seq.next('edit-rule').model;
          h.apply(edited);
          assert.deepEqual(again.log, ['wait', 'write', 'start'], 'a grace period is waited for before the old copy is written');
          assert.deepEqual(h.explain(frame, 'eth0'), classify(edited, frame, 'eth0'));
        } finally {
          again.restore();
        }
        assert.deepEqual(log, ['write', 'start', 'join', 'wait'], 'nothing was written after the failed waits');
      } finally {
        restore();
      }
    });

    it('close joins the grace period and throws its failure after releasing everything', () => {
      const fresh = new BpfHarness();
      const seq = new ChangeSequence(23);
      fresh.apply(seq.model);
      const failure = new Error('grace period failed at close');
      spy(fresh.dp, failure);
      fresh.apply(seq.next('patch', 's4').model);
      try {
        assert.throws(() => fresh.dp.close(), failure);
        assert.ok(fresh.dp.maps.get('config').closed, 'the maps were closed anyway');
      } finally {
        fresh.close(); // a second close has nothing left to wait for
      }
    });
  });
});

