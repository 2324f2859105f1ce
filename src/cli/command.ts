// The shape of an `xdpfw` sub-command, shared by main.ts and each command's module.

import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface SubCommand {
  name: string;
  /** One line for the command overview. */
  summary: string;
  /** The `--help` text: synopsis and options. */
  usage: string;
  /** Runs with the arguments after the sub-command name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Exit codes of the contract: ok, rejected input, usage or environment error. */
export const EXIT = { ok: 0, rejected: 1, usage: 2 } as const;

/** A bad command line: main prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** util.parseArgs, strict, with its errors turned into UsageErrors. */
export function parseCommandLine<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  positionals: { min: number; max: number; names: string },
) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: positionals.max > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const n = parsed.positionals.length;
  if (n < positionals.min) throw new UsageError(`missing ${positionals.names}`);
  if (n > positionals.max) throw new UsageError(`unexpected argument "${parsed.positionals[positionals.max]}"`);
  return parsed;
}
