// Counter slots: a rule id keeps its slot, so its counters continue across generations, for as
// long as the id stays in the ruleset (enabled or not). New ids take the lowest free slots.

import { MAX_RULES } from '../dataplane/layout';
import { CapacityError } from './bitmap';

export function assignSlots(ruleIds: string[], previous: ReadonlyMap<string, number>): Map<string, number> {
  const slots = new Map<string, number>();
  const used = new Set<number>();
  for (const id of ruleIds) {
    const slot = previous.get(id);
    if (slot !== undefined && !used.has(slot)) {
      slots.set(id, slot);
      used.add(slot);
    }
  }
  let next = 0;
  for (const id of ruleIds) {
    if (slots.has(id)) continue;
    while (used.has(next)) next++;
    if (next >= MAX_RULES) throw new CapacityError(`rules: more than ${MAX_RULES}`);
    slots.set(id, next);
    used.add(next);
  }
  return slots;
}
