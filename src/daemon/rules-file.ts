// --rules FILE after start: re-applied on SIGHUP and, under --watch, when the file or one of the
// set files it names changes. An invalid file is logged and ignored: the generation in force
// stays. Saves that change nothing (same ruleset after inlining sets) are not re-applied.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { pointerToDotted, parseRulesetFile } from '../ruleset/validate';
import type { RulesetService } from '../service/ruleset-service';
import { ServiceError } from '../service/errors';

const DEBOUNCE_MS = 250;

export class RulesFile {
  private watchers: fs.FSWatcher[] = [];
  private watched = new Map<string, Set<string>>(); // directory -> file names in it
  private timer: NodeJS.Timeout | null = null;
  private lastApplied: string | null = null;
  private running: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly service: RulesetService,
    private readonly knownIfaces: string[],
    private readonly log: Logger,
  ) {}

  /** The digest of what a file parse would apply, to skip no-op saves. */
  remember(json: unknown): void {
    this.lastApplied = digest(json);
  }

  /** Re-reads and applies the file; `force` applies even an unchanged one (SIGHUP). */
  reload(reason: string, force: boolean): Promise<void> {
    this.running = this.running.then(() => this.reloadNow(reason, force));
    return this.running;
  }

  private async reloadNow(reason: string, force: boolean): Promise<void> {
    const parsed = parseRulesetFile(this.file, { knownIfaces: this.knownIfaces });
    if (this.watchers.length > 0) this.rewatch();
    if (!parsed.ok) {
      const problems = parsed.errors.map((e) => (e.path ? `${pointerToDotted(e.path)}: ${e.message}` : e.message));
      this.log.error({ file: this.file, reason, problems, generation: this.service.generation() }, 'ruleset file rejected; the generation in force stays');
      return;
    }
    const d = digest(parsed.json);
    if (!force && d === this.lastApplied) {
      this.log.debug({ file: this.file, reason }, 'ruleset file unchanged');
      return;
    }
    try {
      await this.service.applyParsed(parsed, { who: reason, route: `file ${this.file}` });
      this.lastApplied = d;
    } catch (e) {
      const err = e as ServiceError;
      this.log.error({ file: this.file, reason, error: err.code, message: err.message, details: err.details, generation: this.service.generation() }, 'ruleset file not applied; the generation in force stays');
    }
  }

  /** Watches the ruleset file's directory and those of its set files (editors save by rename). */
  watch(): void {
    this.rewatch();
  }

  private rewatch(): void {
    const wanted = new Map<string, Set<string>>();
    for (const f of [this.file, ...setFiles(this.file)]) {
      const abs = path.resolve(f);
      const dir = path.dirname(abs);
      if (!wanted.has(dir)) wanted.set(dir, new Set());
      wanted.get(dir)!.add(path.basename(abs));
    }
    if (sameWatch(wanted, this.watched)) return;
    this.closeWatchers();
    this.watched = wanted;
    for (const [dir, names] of wanted) {
      try {
        const w = fs.watch(dir, { persistent: false }, (_event, name) => {
          if (name === null || names.has(name.toString())) this.schedule();
        });
        w.on('error', (e) => this.log.warn({ dir, err: e.message }, 'watching stopped'));
        this.watchers.push(w);
      } catch (e) {
        this.log.warn({ dir, err: (e as Error).message }, 'cannot watch directory');
      }
    }
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reload('watch', false);
    }, DEBOUNCE_MS);
  }

  private closeWatchers(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.closeWatchers();
  }
}

function digest(json: unknown): string {
  return crypto.createHash('sha256').update(JSON.stringify(json)).digest('hex');
}

/** Paths of the `{"file": ...}` sets the ruleset file names (best effort: a broken file names none). */
function setFiles(file: string): string[] {
  try {
    const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { sets?: Record<string, unknown> };
    const base = path.dirname(path.resolve(file));
    return Object.values(json.sets ?? {})
      .filter((v): v is { file: string } => typeof v === 'object' && v !== null && typeof (v as { file?: unknown }).file === 'string')
      .map((v) => path.resolve(base, v.file));
  } catch {
    return [];
  }
}

function sameWatch(a: Map<string, Set<string>>, b: Map<string, Set<string>>): boolean {
  if (a.size !== b.size) return false;
  for (const [dir, names] of a) {
    const other = b.get(dir);
    if (!other || other.size !== names.size || [...names].some((n) => !other.has(n))) return false;
  }
  return true;
}
