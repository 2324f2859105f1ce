// <state-dir>/state.json: what a restarted daemon needs to carry on exactly where the last one
// stopped. Written whole each change (temp file, fsync, rename, fsync of the directory), so a
// crash leaves the old file or the new one, never a torn one.

import fs from 'node:fs';
import path from 'node:path';
import { MAX_RULES } from '../dataplane/layout';
import type { RulesetJson } from '../ruleset/model';

export const STATE_VERSION = 1;
export const STATE_FILE = 'state.json';

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

export class StateFileError extends Error {}

export class StateStore {
  readonly file: string;

  constructor(readonly dir: string) {
    this.file = path.join(dir, STATE_FILE);
  }

  /** Creates the directory (mode 0700: the ruleset is the host's security policy). */
  prepare(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The persisted state, or null when there is none. Throws StateFileError on a damaged file. */
  load(): PersistedState | null {
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch (e) {
      throw new StateFileError(`${this.file}: not JSON (${(e as Error).message})`);
    }
    return checkState(this.file, state);
  }

  /** Set member arrays already serialised, by identity: a rule change does not re-encode a big set. */
  private readonly arrayText = new WeakMap<object, string>();

  /** JSON.stringify(state), with each set's member array taken from the cache when unchanged. */
  private serialise(state: PersistedState): string {
    const members = (value: unknown): string => {
      if (!Array.isArray(value)) return JSON.stringify(value);
      let text = this.arrayText.get(value);
      if (text === undefined) {
        text = JSON.stringify(value);
        this.arrayText.set(value, text);
      }
      return text;
    };
    const object = (value: object, special: (key: string, v: unknown) => string | null) =>
      `{${Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `${JSON.stringify(k)}:${special(k, v) ?? JSON.stringify(v)}`)
        .join(',')}}`;
    const sets = (v: unknown) => object(v as object, (_name, list) => members(list));
    const ruleset = (v: unknown) => object(v as object, (k, inner) => (k === 'sets' ? sets(inner) : null));
    // Key order as JSON.stringify would give it: the file reads the same as before the cache.
    return object(state, (k, v) => (k === 'ruleset' ? ruleset(v) : null));
  }

  /** Replaces the state file atomically and durably. Throws (with the errno) on any failure. */
  save(state: PersistedState): void {
    const tmp = path.join(this.dir, `.${STATE_FILE}.${process.pid}.tmp`);
    const bytes = Buffer.from(this.serialise(state) + '\n');
    let fd = -1;
    try {
      fd = fs.openSync(tmp, 'w', 0o600);
      let at = 0;
      while (at < bytes.length) at += fs.writeSync(fd, bytes, at, bytes.length - at);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(tmp, this.file);
    } catch (e) {
      if (fd >= 0) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    // The rename is durable only once the directory entry is.
    const dirFd = fs.openSync(this.dir, 'r');
    try {
      fs.fsyncSync(dirFd);
    } finally {
      fs.closeSync(dirFd);
    }
  }
}

function checkState(file: string, s: unknown): PersistedState {
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
