// Running commands: synchronous for set-up and teardown, asynchronous (with a deadline) for
// traffic, so that several programs can run at once. Errors carry the command and its stderr.

import { execFile, execFileSync } from 'node:child_process';

export class CommandError extends Error {
  constructor(readonly argv: string[], readonly code: number | null, readonly stdout: string, readonly stderr: string) {
    super(`${argv.join(' ')} exited ${code}: ${stderr.trim() || stdout.trim()}`);
  }
}

export function runSync(argv: string[], opts: { input?: string } = {}): string {
  try {
    return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', input: opts.input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { status: number | null; stdout?: string; stderr?: string };
    throw new CommandError(argv, err.status, err.stdout ?? '', err.stderr ?? '');
  }
}

/** Runs and ignores failure (teardown of what may already be gone). */
export function tryRunSync(argv: string[]): boolean {
  try {
    execFileSync(argv[0], argv.slice(1), { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs to completion (or until timeoutMs, then SIGKILL); never throws on a non-zero exit. */
export function run(argv: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(argv[0], argv.slice(1), { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(err); // could not start
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
