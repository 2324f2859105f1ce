// Replaying state.journal onto the snapshot it follows (state-store.ts writes both).

import path from 'node:path';
import { SetMembers, memberKey } from './set-members';
import { checkState, StateFileError, type JournalRecord, type PersistedState } from './state-format';

/**
 * The snapshot with the journal's records applied in order. Records that follow another snapshot
 * (left over when a snapshot's unlink of the journal did not survive a crash, or an older
 * state.json put back by hand) are skipped. A torn last line (a crash mid-append) is a change
 * never acknowledged: ignored. A bad line with more after it is damage: StateFileError. Returns
 * the length of the complete records.
 */
export function replayJournal(file: string, snapshot: PersistedState, text: string): { state: PersistedState; length: number } {
  let state = snapshot;
  const members = new Map<string, SetMembers>();
  let at = 0;
  let line = 0;
  const damaged = (why: string): never => {
    throw new StateFileError(`${file}:${line}: ${why} (a damaged journal: move ${path.basename(file)} and state.json away to start from --rules)`);
  };
  for (let end = text.indexOf('\n'); end !== -1; at = end + 1, end = text.indexOf('\n', at)) {
    line++;
    let record: JournalRecord;
    try {
      record = JSON.parse(text.slice(at, end)) as JournalRecord;
    } catch {
      if (text.length > end + 1) damaged('not JSON');
      break;
    }
    if (typeof record !== 'object' || record === null || !Number.isSafeInteger(record.generation)) damaged('no generation');
    if (record.base !== snapshot.generation) continue;
    if (record.generation <= state.generation) damaged(`generation ${record.generation} after ${state.generation}`);
    try {
      state = applyRecord(state, record, members);
    } catch (e) {
      damaged((e as Error).message);
    }
  }
  for (const [name, list] of members) (state.ruleset.sets as Record<string, string[]>)[name] = list.toArray();
  return { state: checkState(file, state), length: at };
}

/** One record on top of `state`; set members accumulate in `members` (built once, at the end). */
function applyRecord(state: PersistedState, record: JournalRecord, members: Map<string, SetMembers>): PersistedState {
  const ruleset = { ...state.ruleset, rules: record.rules ?? state.ruleset.rules };
  // A ruleset without "sets" keeps none: a restart serves exactly what GET served.
  if (record.sets) {
    const sets = { ...state.ruleset.sets };
    for (const [name, change] of Object.entries(record.sets)) {
      if ('elements' in change) {
        members.set(name, SetMembers.of(change.elements));
      } else {
        const current = members.get(name) ?? SetMembers.of((sets[name] as string[] | undefined) ?? []);
        members.set(name, current.patch(change.add, change.remove.map(memberKey)));
      }
      sets[name] = []; // built once, at the end of the replay
    }
    ruleset.sets = sets;
  }
  return {
    ...state,
    generation: record.generation,
    ruleset,
    slots: record.slots,
    ifaces: record.ifaces,
    source: record.source ?? null,
  };
}
