// What a ruleset holds, in numbers: printed by `xdpfw check`, returned by
// `POST /v1/ruleset/validate`. Plain JSON so either can add keys (e.g. compiled map usage).

import { PrefixList } from './address';
import type { Ruleset } from './model';

export type RulesetSummary = {
  default: Ruleset['default'];
  ndp: Ruleset['ndp'];
  non_ip: Ruleset['nonIp'];
  rules: { total: number; enabled: number; disabled: number };
  /** Members of each set by family, in the ruleset's order. */
  sets: Record<string, { v4: number; v6: number }>;
  /** Set members plus the distinct literal addresses of rules (what capacity counts). */
  prefixes: { v4: number; v6: number };
  /** Interfaces named by rules, sorted; empty: every rule applies on every interface. */
  interfaces: string[];
};

export function summariseRuleset(rs: Ruleset): RulesetSummary {
  const enabled = rs.rules.filter((r) => r.enabled).length;
  const sets: RulesetSummary['sets'] = {};
  const prefixes = { v4: 0, v6: 0 };
  for (const [name, list] of rs.sets) {
    sets[name] = { v4: list.countV4, v6: list.countV6 };
    prefixes.v4 += list.countV4;
    prefixes.v6 += list.countV6;
  }
  const literals = new PrefixList();
  const interfaces = new Set<string>();
  for (const rule of rs.rules) {
    for (const field of [rule.src, rule.dst]) for (const p of field?.prefixes ?? []) literals.add(p);
    for (const name of rule.iface ?? []) interfaces.add(name);
  }
  prefixes.v4 += literals.countV4;
  prefixes.v6 += literals.countV6;
  return {
    default: rs.default,
    ndp: rs.ndp,
    non_ip: rs.nonIp,
    rules: { total: rs.rules.length, enabled, disabled: rs.rules.length - enabled },
    sets,
    prefixes,
    interfaces: [...interfaces].sort(),
  };
}
