// Benchmark rulesets as the JSON a user would send (PUT /v1/ruleset, a rules file). Covers the
// fields the benchmark workloads use, and refuses the rest rather than dropping it silently.

import { formatPrefix } from '../../src/ruleset/address';
import type { PortRange, Rule, RuleJson, Ruleset, RulesetJson } from '../../src/ruleset/model';

const ports = (r: PortRange[]) => r.map((p) => (p.lo === p.hi ? p.lo : `${p.lo}-${p.hi}`));

export function ruleToJson(r: Rule): RuleJson {
  if (r.dst || r.sport || r.tcpFlags || r.icmpType || r.icmpCode || r.fragment || r.iface || r.family) {
    throw new Error(`rule ${r.id}: a field the benchmark's JSON writer does not cover`);
  }
  const json: RuleJson = { id: r.id, action: r.action };
  if (r.src) json.src = [...Array.from(r.src.prefixes, formatPrefix), ...r.src.sets.map((s) => `@${s}`)];
  if (r.proto) json.proto = r.proto;
  if (r.dport) json.dport = ports(r.dport);
  if (!r.enabled) json.enabled = false;
  return json;
}

export function rulesetToJson(rs: Ruleset): RulesetJson {
  return {
    default: rs.default,
    ndp: rs.ndp,
    non_ip: rs.nonIp,
    sets: Object.fromEntries([...rs.sets].map(([name, list]) => [name, list.toStrings()])),
    rules: rs.rules.map(ruleToJson),
  };
}
