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
import { JOURNAL_FILE, JOURNAL_FROM, STATE_FILE, StateFileError, checkState, type JournalRecord, type PersistedState } from './state-format';
import { replayJournal } from './state-journal';
import { writeStateJson } from './state-json';

export * from './state-format';

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
