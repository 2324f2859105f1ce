// Capacity limits of the contract (section 4): what the data path is built to hold. Reported
// where the count crosses the limit, so a user sees which set or rule tipped it over.

import { PrefixList } from './address';
import type { Rule, ValidationIssue } from './model';
import { LIMITS } from './model';
import { pointerJoin } from './pointer';

const count = (n: number) => n.toLocaleString('en-US');

/**
 * Issues for a ruleset over capacity. Rules count enabled and disabled ones (a disabled rule can
 * be enabled without a new check). Prefixes are summed over sets (each de-duplicated on its own),
 * as the contract's capacity speaks of set prefixes; literal addresses in rules are bounded by the
 * address maps themselves, which the compiler checks.
 */
export function capacityIssues(
  sets: ReadonlyMap<string, PrefixList>,
  rules: ReadonlyArray<{ rule: Rule; path: string }>,
  ruleCount: number,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (ruleCount > LIMITS.rules) {
    issues.push({ path: `/rules/${LIMITS.rules}`, message: `${count(ruleCount)} rules: more than the capacity of ${count(LIMITS.rules)}` });
  }

  const totals = { 4: { n: 0, limit: LIMITS.prefixesV4, at: '' }, 6: { n: 0, limit: LIMITS.prefixesV6, at: '' } };
  const tally = (list: PrefixList, at: string) => {
    totals[4].n += list.countV4;
    totals[6].n += list.countV6;
    for (const t of [totals[4], totals[6]]) if (t.at === '' && t.n > t.limit) t.at = at;
  };
  for (const [name, list] of sets) tally(list, pointerJoin('/sets', name));
  for (const [family, t] of Object.entries(totals)) {
    if (t.at === '') continue;
    issues.push({
      path: t.at,
      message: `${count(t.n)} IPv${family} set prefixes: more than the capacity of ${count(t.limit)}`,
    });
  }

  const ifaces = new Set<string>();
  for (const { rule, path } of rules) {
    for (const name of rule.iface ?? []) {
      ifaces.add(name);
      if (ifaces.size === LIMITS.interfaces + 1) {
        issues.push({ path: pointerJoin(path, 'iface'), message: `more than ${LIMITS.interfaces} distinct interfaces` });
      }
    }
  }
  return issues;
}
