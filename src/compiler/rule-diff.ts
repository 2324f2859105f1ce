// Which enabled rules differ from those of the previous compile. A one-rule change hands the
// compiler a new rules array in which every other Rule is the very object it was; the rule-side
// tables are then updated at the changed positions instead of recomputed over all rules.

import type { Rule } from '../ruleset/model';
import { sameRule } from './rule-equality';

/** Past this many changed rules an update costs about what a full computation does. */
const MAX_CHANGED = 64;

/**
 * The positions whose rule differs (by the fields the compiler reads), or null when the lists
 * differ in length (an insertion, a removal, a rule switched on or off) or in too many places.
 */
export function changedPositions(before: readonly Rule[], now: readonly Rule[]): number[] | null {
  if (before === now) return [];
  if (before.length !== now.length) return null;
  const changed: number[] = [];
  for (let i = 0; i < now.length; i++) {
    if (before[i] === now[i] || sameRule(before[i], now[i])) continue;
    if (changed.length === MAX_CHANGED) return null;
    changed.push(i);
  }
  return changed;
}
