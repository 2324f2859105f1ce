// The state dir's format: what a snapshot (state.json) and a journal line (state.journal) hold,
// and the check of a loaded state. See state-store.ts for how they are written and read.

import { MAX_RULES } from '../dataplane/layout';
import type { RulesetJson } from '../ruleset/model';

export const STATE_VERSION = 1;
export const STATE_FILE = 'state.json';
export const JOURNAL_FILE = 'state.journal';
/** Snapshots smaller than this are rewritten on every change (a few ms); bigger ones journal edits. */
export const JOURNAL_FROM = 4 << 20;

export interface PersistedState {
  version: number;
  generation: number;
  /** The ruleset as applied, file-backed sets inline. */
  ruleset: RulesetJson;
  /** Rule id -> counter slot, so counters keep following ids after a restart. */
  slots: Record<string, number>;
  /** Interfaces in force when it was written (informational; --iface decides). */
  ifaces: { name: string; ifindex: number; mode: string }[];
  /** Set when --watch owned the ruleset (informational). */
  source?: string | null;
}

/** One set's change in a journal record: its members replaced, or a patch (as applied). */
export type SetChange = { elements: string[] } | { add: string[]; remove: string[] };

/** One line of the journal: the state after an edit, as a delta from the state before it. */
export interface JournalRecord {
  generation: number;
  /** The generation of the snapshot this record follows (set by append). */
  base?: number;
  /** The rules, when the edit changed them. */
  rules?: RulesetJson['rules'];
  slots: PersistedState['slots'];
  ifaces: PersistedState['ifaces'];
  source?: string | null;
  /** The sets the edit changed. */
  sets?: Record<string, SetChange>;
}

export class StateFileError extends Error {}

export function checkState(file: string, s: unknown): PersistedState {
  const fail = (why: string): never => {
    throw new StateFileError(`${file}: ${why}`);
  };
  if (typeof s !== 'object' || s === null || Array.isArray(s)) fail('not an object');
  const o = s as Record<string, unknown>;
  if (o.version !== STATE_VERSION) fail(`version ${JSON.stringify(o.version)}, this xdpfw reads version ${STATE_VERSION}`);
  if (!Number.isSafeInteger(o.generation) || (o.generation as number) < 1) fail('generation must be a positive integer');
  if (typeof o.ruleset !== 'object' || o.ruleset === null) fail('no ruleset');
  if (typeof o.slots !== 'object' || o.slots === null || Array.isArray(o.slots)) fail('no slots');
  for (const [id, slot] of Object.entries(o.slots as object)) {
    if (!Number.isInteger(slot) || slot < 0 || slot >= MAX_RULES) fail(`slot of rule ${id} is not a counter slot`);
  }
  if (!Array.isArray(o.ifaces)) fail('no ifaces');
  return o as unknown as PersistedState;
}
