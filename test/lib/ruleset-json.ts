// A small JSON -> model converter for rulesets the test generators produce. It exists so the
// test oracle does not depend on src/ruleset/validate.ts: the lead can feed the same JSON through
// the real validator and compare the two models. It trusts its input to be valid (it checks only
// what it must to convert) and throws on anything it cannot read.
//
// Canonical form it produces: proto numbers sorted and unique (model.ts says so); every other
// list (ports, icmp values, ifaces, set names, prefixes) in the order written, each port entry as
// {lo, hi}; enabled defaults to true, comment to null, omitted fields to null.

import { PrefixList, parsePrefix, type Prefix } from '../../src/ruleset/address';
import { PROTO_NUMBERS, TCP_FLAG_BITS, type AddrField, type PortRange, type Rule, type RuleJson, type Ruleset, type RulesetJson } from '../../src/ruleset/model';

export function rulesetJsonToModel(json: RulesetJson): Ruleset {
  const sets = new Map<string, PrefixList>();
  for (const [name, value] of Object.entries(json.sets ?? {})) {
    if (!Array.isArray(value)) throw new Error(`set ${name}: file-backed sets must be inlined first`);
    sets.set(name, PrefixList.of(value.map(prefixOf)));
  }
  return {
    default: json.default ?? 'pass',
    ndp: json.ndp ?? 'bypass',
    nonIp: json.non_ip ?? 'pass',
    sets,
    rules: json.rules.map(ruleJsonToModel),
  };
}

export function ruleJsonToModel(r: RuleJson): Rule {
  return {
    id: r.id,
    action: r.action,
    enabled: r.enabled ?? true,
    comment: r.comment ?? null,
    src: r.src === undefined ? null : addrFieldOf(r.src),
    dst: r.dst === undefined ? null : addrFieldOf(r.dst),
    proto: r.proto === undefined ? null : [...new Set(many(r.proto).map(protoNumber))].sort((a, b) => a - b),
    sport: r.sport === undefined ? null : many(r.sport).map(portRangeOf),
    dport: r.dport === undefined ? null : many(r.dport).map(portRangeOf),
    tcpFlags: r.tcp_flags === undefined ? null : tcpFlagsOf(r.tcp_flags),
    icmpType: r.icmp_type === undefined ? null : many(r.icmp_type),
    icmpCode: r.icmp_code === undefined ? null : many(r.icmp_code),
    fragment: r.fragment ?? null,
    iface: r.iface === undefined ? null : many(r.iface),
    family: r.family === undefined ? null : r.family === 'ipv4' ? 4 : 6,
  };
}

function many<T>(v: T | T[]): T[] {
  return Array.isArray(v) ? v : [v];
}

function prefixOf(text: string): Prefix {
  const p = parsePrefix(text);
  if (typeof p === 'string') throw new Error(p);
  return p;
}

function addrFieldOf(v: string | string[]): AddrField {
  const entries = many(v);
  return {
    prefixes: PrefixList.of(entries.filter((e) => !e.startsWith('@')).map(prefixOf)),
    sets: entries.filter((e) => e.startsWith('@')).map((e) => e.slice(1)),
  };
}

function protoNumber(p: string | number): number {
  if (typeof p === 'number') return p;
  const n = PROTO_NUMBERS[p];
  if (n === undefined) throw new Error(`unknown protocol ${p}`);
  return n;
}

function portRangeOf(p: number | string): PortRange {
  if (typeof p === 'number') return { lo: p, hi: p };
  const m = /^(\d+)-(\d+)$/.exec(p);
  if (!m) throw new Error(`bad port range ${p}`);
  return { lo: Number(m[1]), hi: Number(m[2]) };
}

function tcpFlagsOf(text: string): { set: number; clear: number } {
  let set = 0;
  let clear = 0;
  for (const item of text.split(',')) {
    const negated = item.startsWith('!');
    const bit = TCP_FLAG_BITS[negated ? item.slice(1) : item];
    if (bit === undefined) throw new Error(`unknown TCP flag ${item}`);
    if (negated) clear |= bit;
    else set |= bit;
  }
  return { set, clear };
}
