// POST /v1/explain agrees with the reference classifier (test/lib/reference.ts) on generated
// rulesets and packets. The query is turned into a frame by the service; the reference parses
// that frame (so the synthesis is checked too: it must carry exactly the query's fields) and
// classifies it against the generator's own model of the ruleset, independent of the validator
// and compiler the service uses.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIPv4, formatIPv6 } from '../src/ruleset/address';
import { TCP_FLAG_BITS } from '../src/ruleset/model';
import { ServiceError } from '../src/service/errors';
import { explainFrame, type ExplainQuery } from '../src/service/explain-frame';
import type { ExplainAnswer } from '../src/service/ruleset-service';
import { addressPool, fieldsForRule, nearMiss, randomFields, type PacketFields } from './lib/gen-fields';
import { generateRuleset } from './lib/gen-ruleset';
import { isRoot } from './lib/netdev';
import { classify, parseFrame, type Outcome } from './lib/reference';
import { Rng } from './lib/rng';
import { caller, serviceFixture, type ServiceFixture } from './lib/service-fixture';

const RULESETS = 40;
const PACKETS_PER_RULESET = 150;
const IFACES = ['eth0', 'eth1'];
const NOT_A_FINAL_PROTOCOL: Record<4 | 6, Set<number>> = { 4: new Set([51]), 6: new Set([0, 43, 44, 51, 60]) };

/** The explain question a packet's fields ask (unfragmented; ports, flags, ICMP as its protocol has them). */
function queryOf(f: PacketFields, rng: Rng): ExplainQuery {
  const text = (w: number[]) => (w.length === 1 ? formatIPv4(w[0]) : formatIPv6(w));
  const q: ExplainQuery = { iface: f.iface, src: text(f.src), dst: text(f.dst) };
  const names: Record<number, string> = { 6: 'tcp', 17: 'udp', 132: 'sctp', 1: 'icmp', 58: 'icmpv6', 47: 'gre', 50: 'esp' };
  q.proto = names[f.proto] !== undefined && rng.chance(0.5) ? names[f.proto] : f.proto;
  if ([6, 17, 132].includes(f.proto)) {
    q.sport = f.sport;
    q.dport = f.dport;
  }
  if (f.proto === 6) q.tcp_flags = Object.entries(TCP_FLAG_BITS).filter(([, bit]) => f.tcpFlags & bit).map(([name]) => name).join(',');
  if (f.proto === 1 || f.proto === 58) {
    q.icmp_type = f.icmpType;
    q.icmp_code = f.icmpCode;
  }
  return q;
}

function expectedAnswer(o: Outcome): ExplainAnswer {
  switch (o.kind) {
    case 'rule': return { rule: o.ruleId, action: o.verdict };
    case 'default': return { rule: null, action: o.verdict };
    case 'bypass': return { rule: null, action: o.verdict, bypass: o.bypass };
    case 'malformed': return { rule: null, action: 'drop', malformed: o.reason };
  }
}

const skip = isRoot() ? false : 'needs root (BPF maps, veth)';

describe('explain agrees with the reference classifier', { skip }, () => {
  let fx: ServiceFixture;
  before(() => (fx = serviceFixture()));
  after(() => fx?.close());

  test(`${RULESETS} generated rulesets x ${PACKETS_PER_RULESET} packets`, async () => {
    let compared = 0;
    let byRule = 0;
    let ndp = 0;
    for (let seed = 1; seed <= RULESETS; seed++) {
      const gen = generateRuleset(seed * 7919, { ifaces: IFACES, maxRules: 40 });
      await fx.service.replaceRuleset(gen.json, caller);
      const pool = addressPool(gen.model);
      const rng = new Rng(seed);
      for (let i = 0; i < PACKETS_PER_RULESET; i++) {
        const rules = gen.model.rules;
        let f: PacketFields;
        if (rules.length > 0 && rng.chance(0.7)) {
          f = fieldsForRule(rng, gen.model, pool, rng.pick(rules), IFACES);
          if (rng.chance(0.3)) nearMiss(rng, gen.model, rng.pick(rules), f, IFACES);
        } else {
          f = randomFields(rng, pool, IFACES);
        }
        if (rng.chance(0.03)) Object.assign(f, { family: 6, proto: 58, icmpType: rng.pick([135, 136]), src: [0xfe800000, 0, 0, 1], dst: [0xff020000, 0, 1, 0xff000001] });
        const q = queryOf(f, rng);
        const where = `ruleset seed ${seed * 7919}, query ${JSON.stringify(q)}`;

        if (NOT_A_FINAL_PROTOCOL[f.family].has(f.proto)) {
          assert.throws(() => fx.service.explain(q), (e: unknown) => e instanceof ServiceError && e.status === 400 && e.details[0].path === '/proto', where);
          continue;
        }
        const { frame } = explainFrame(q);
        const parsed = parseFrame(frame);
        assert.equal(parsed.kind, 'ip', where);
        if (parsed.kind !== 'ip') continue;
        assert.deepEqual([parsed.src, parsed.dst, parsed.proto, parsed.fragment], [f.src, f.dst, f.proto, 'none'], `${where}: the frame is not the query`);
        if (q.dport !== undefined) assert.deepEqual([parsed.sport, parsed.dport], [q.sport, q.dport], where);
        if (q.tcp_flags !== undefined) assert.equal(parsed.tcpFlags, f.tcpFlags, where);
        if (q.icmp_type !== undefined) assert.deepEqual([parsed.icmpType, parsed.icmpCode], [q.icmp_type, q.icmp_code], where);

        const expected = expectedAnswer(classify(gen.model, frame, q.iface));
        assert.deepEqual(fx.service.explain(q), expected, where);
        compared++;
        if (expected.rule !== null) byRule++;
        if (expected.bypass === 'ndp') ndp++;
      }
    }
    // The comparison means something only if rules decide a good share of the packets.
    assert.ok(compared > RULESETS * PACKETS_PER_RULESET * 0.8, `only ${compared} compared`);
    assert.ok(byRule > compared * 0.3, `only ${byRule} of ${compared} decided by a rule`);
    assert.ok(ndp > 0, 'no neighbour discovery asked');
  });

  test('explain moves no counter', async () => {
    const before = JSON.stringify(fx.dp.counters());
    for (let i = 0; i < 50; i++) fx.service.explain({ iface: 'eth0', src: `10.0.0.${i}`, dst: '10.0.1.1', proto: 'udp', dport: i });
    assert.equal(JSON.stringify(fx.dp.counters()), before);
  });

  test('a query that is no packet is refused with the field named', () => {
    const bad: [ExplainQuery, string][] = [
      [{ iface: 'eth0', src: '10.0.0.1', dst: '::1', proto: 'udp' }, '/dst'],
      [{ iface: 'eth0', src: 'x', dst: '10.0.0.1', proto: 'udp' }, '/src'],
      [{ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'gre', dport: 1 }, '/dport'],
      [{ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', icmp_type: 8 }, '/icmp_type'],
      [{ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'tcp', tcp_flags: 'syn,bogus' }, '/tcp_flags'],
      [{ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2' }, '/proto'],
      [{ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', proto: 'ipip' }, '/proto'],
      [{ iface: 'eth0', src: '2001:db8::1', dst: '2001:db8::2', proto: 44 }, '/proto'],
    ];
    for (const [q, path] of bad) {
      assert.throws(() => explainFrame(q), (e: unknown) => e instanceof ServiceError && e.code === 'invalid_ruleset' && e.details.some((d) => d.path === path), JSON.stringify(q));
    }
    // Implied protocols: ports or flags mean tcp, ICMP fields the family's ICMP.
    assert.equal(explainFrame({ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', dport: 22 }).proto, 6);
    assert.equal(explainFrame({ iface: 'eth0', src: '10.0.0.1', dst: '10.0.0.2', icmp_type: 8 }).proto, 1);
    assert.equal(explainFrame({ iface: 'eth0', src: '::1', dst: '::2', icmp_type: 128 }).proto, 58);
  });
});
