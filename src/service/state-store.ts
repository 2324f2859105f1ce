// <state-dir>/state.json (+ state.journal): what a restarted daemon needs to carry on exactly
// where the last one stopped. A snapshot is state.json written whole (temp file, fsync, rename,
// fsync of the directory), so a crash leaves the old file or the new one, never a torn one; the
// journal is then removed. Every change writes a snapshot (CONTRACT section 4), except a REST edit
// of a big state (a snapshot over JOURNAL_FROM bytes, i.e. big sets): that appends one line with
// its delta to the journal instead, so a 1,000-element patch of a million-member set writes
// kilobytes, not 25 MB. A line is complete and durable (fdatasync) before the flip, and names the
// snapshot it follows; a torn last line is a change that was never acknowledged, and load()
// ignores it.

import fs from 'node:fs';
import path from 'node:path';
import { MAX_RULES } from '../dataplane/layout';
import type { RulesetJson } from '../ruleset/model';
import { SetMembers, memberKey } from './set-members';

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

export class StateStore {
  readonly file: string;

  readonly journal: string;
  /** Bytes of the journal that hold complete records; null until load() or save() learns it. */
  private journalLength: number | null = null;

  /** `journalFrom`: the snapshot size from which edits are journalled (tests lower it). */
  constructor(readonly dir: string, private readonly journalFrom = JOURNAL_FROM) {
    this.file = path.join(dir, STATE_FILE);
    this.journal = path.join(dir, JOURNAL_FILE);
  }

  /** Bytes and generation of the snapshot last written or read. */
  private snapshotLength = 0;
  private snapshotGeneration = 0;
  /** Set when the files may hold a change that was refused: only a snapshot can mend that. */
  private snapshotOwed = false;

  /**
   * Whether the next change must be a snapshot: the state is small (a snapshot costs little and
   * state.json then always holds the latest generation; `estimatedBytes`, the size of the state
   * after the change, catches a state that shrank since its snapshot), the journal has grown past the snapshot
   * (replay at start stays short; the disk holds at most about twice the state), or a failed
   * write may have left a refused change on disk.
   */
  needsSnapshot(estimatedBytes = this.snapshotLength): boolean {
    if (this.journalLength === null) this.load();
    const small = Math.max(estimatedBytes, this.snapshotLength) < this.journalFrom || estimatedBytes < this.journalFrom / 2;
    return this.snapshotOwed || small || (this.journalLength as number) > this.snapshotLength;
  }

  /** After a change failed past the point its bytes may have reached disk: the next write mends. */
  requireSnapshot(): void {
    this.snapshotOwed = true;
  }

  /** Whether the files may hold a refused change (see requireSnapshot). */
  owesSnapshot(): boolean {
    return this.snapshotOwed;
  }

  /** Creates the directory (mode 0700: the ruleset is the host's security policy). */
  prepare(): void {
    fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  /** The state dir's mode when group or others may enter it (a directory made before us), else null. */
  exposure(): number | null {
    const mode = fs.statSync(this.dir).mode & 0o777;
    return (mode & 0o077) !== 0 ? mode : null;
  }

  /**
   * The persisted state (the snapshot with the journal replayed), or null when there is none.
   * Throws StateFileError on a damaged snapshot or journal.
   */
  load(): PersistedState | null {
    const text = readIfExists(this.file);
    if (text === null) {
      this.journalLength = 0;
      return null;
    }
    let state: unknown;
    try {
      state = JSON.parse(text);
    } catch (e) {
      throw new StateFileError(`${this.file}: not JSON (${(e as Error).message})`);
    }
    const snapshot = checkState(this.file, state);
    this.snapshotLength = Buffer.byteLength(text);
    this.snapshotGeneration = snapshot.generation;
    const { state: replayed, length } = replayJournal(this.journal, snapshot, readIfExists(this.journal) ?? '');
    this.journalLength = length;
    return replayed;
  }

  /** Replaces the state file atomically and durably. Throws (with the errno) on any failure. */
  save(state: PersistedState): void {
    const tmp = path.join(this.dir, `.${STATE_FILE}.${process.pid}.tmp`);
    let fd = -1;
    let length = 0;
    try {
      fd = fs.openSync(tmp, 'w', 0o600);
      length = writeStateJson(fd, state);
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      fd = -1;
      fs.renameSync(tmp, this.file);
    } catch (e) {
      if (fd >= 0) fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw e;
    }
    this.snapshotLength = length;
    this.snapshotGeneration = state.generation;
    try {
      // The rename is durable only once the directory entry is.
      syncDir(this.dir);
    } catch (e) {
      this.snapshotOwed = true; // state.json may hold this change, which will be refused
      throw e;
    }
    this.snapshotOwed = false;
    try {
      fs.rmSync(this.journal, { force: true });
      this.journalLength = 0;
    } catch {
      // Harmless: its lines name the older snapshot, so load() skips them; the next append
      // writes after them (journalLength unchanged) and needsSnapshot() counts them.
    }
  }

  /**
   * Appends one edit to the journal, durably. On failure the journal is cut back to its last
   * complete record, so a later append or load never sees a half-written one.
   */
  append(record: JournalRecord): void {
    if (this.journalLength === null) this.load();
    const at = this.journalLength as number;
    const bytes = Buffer.from(JSON.stringify({ ...record, base: this.snapshotGeneration }) + '\n');
    const created = at === 0 && !fs.existsSync(this.journal);
    const fd = fs.openSync(this.journal, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done, at + done);
      fs.ftruncateSync(fd, at + bytes.length);
      fs.fdatasyncSync(fd);
    } catch (e) {
      try {
        fs.ftruncateSync(fd, at);
      } catch {
        this.snapshotOwed = true; // the refused record may be whole on disk
      }
      throw e;
    } finally {
      fs.closeSync(fd);
    }
    if (created) {
      try {
        syncDir(this.dir);
      } catch (e) {
        this.snapshotOwed = true; // the refused line is whole on disk, the file maybe not durable
        throw e;
      }
    }
    this.journalLength = at + bytes.length;
  }
}

/** Set arrays longer than this are written in pieces of this many members. */
const MEMBERS_PER_PIECE = 1 << 14;
/** Text buffered before a write (a snapshot is never held whole: it can be 30 MB). */
const FLUSH_AT = 1 << 20;

/**
 * Writes JSON.stringify(state) + "\n" to `fd` and returns its length in bytes. Set member arrays
 * are encoded a piece at a time, so a million-member set costs a megabyte of buffer, not three
 * copies of the whole text.
 */
function writeStateJson(fd: number, state: PersistedState): number {
  let pending: string[] = [];
  let pendingLength = 0;
  let written = 0;
  const flush = () => {
    const bytes = Buffer.from(pending.join(''));
    for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
    written += bytes.length;
    pending = [];
    pendingLength = 0;
  };
  const put = (text: string) => {
    pending.push(text);
    pendingLength += text.length;
    if (pendingLength >= FLUSH_AT) flush();
  };
  const array = (value: unknown) => {
    if (!Array.isArray(value) || value.length <= MEMBERS_PER_PIECE) return put(JSON.stringify(value));
    put('[');
    for (let i = 0; i < value.length; i += MEMBERS_PER_PIECE) {
      if (i > 0) put(',');
      put(JSON.stringify(value.slice(i, i + MEMBERS_PER_PIECE)).slice(1, -1));
    }
    put(']');
  };
  // Key order and undefined-skipping as JSON.stringify: the file reads the same.
  const object = (value: object, member: (key: string, v: unknown) => void) => {
    put('{');
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      put(`${first ? '' : ','}${JSON.stringify(k)}:`);
      first = false;
      member(k, v);
    }
    put('}');
  };
  const plain = (_k: string, v: unknown) => put(JSON.stringify(v));
  const sets = (_k: string, v: unknown) => object(v as object, (_name, members) => array(members));
  const ruleset = (_k: string, v: unknown) => object(v as object, (k, inner) => (k === 'sets' ? sets(k, inner) : plain(k, inner)));
  object(state, (k, v) => (k === 'ruleset' ? ruleset(k, v) : plain(k, v)));
  put('\n');
  flush();
  return written;
}

function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The snapshot with the journal's records applied in order. Records that follow another snapshot
 * (left over when a snapshot's unlink of the journal did not survive a crash, or an older
 * state.json put back by hand) are skipped. A torn last line (a crash mid-append) is a change
 * never acknowledged: ignored. A bad line with more after it is damage: StateFileError. Returns
 * the length of the complete records.
 */
function replayJournal(file: string, snapshot: PersistedState, text: string): { state: PersistedState; length: number } {
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
