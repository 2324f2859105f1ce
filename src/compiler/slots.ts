// Counter slots: a rule id keeps its slot, so its counters continue across generations, for as
// long as the id stays in the ruleset (enabled or not). New ids take the lowest slots that the
// generation in force does not use (its packets may still count there until the flip); only when
// none is left do they take a slot freed by this very change.

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
  const liveSlots = new Set(previous.values());
  const free = [];
  for (let s = 0; s < MAX_RULES; s++) if (!used.has(s) && !liveSlots.has(s)) free.push(s);
  for (let s = 0; s < MAX_RULES; s++) if (!used.has(s) && liveSlots.has(s)) free.push(s);
  let next = 0;
  for (const id of ruleIds) {
    if (slots.has(id)) continue;
    if (next >= free.length) throw new CapacityError(`rules: more than ${MAX_RULES}`);
    slots.set(id, free[next++]);
  }
  return slots;
}
