// `xdpfw check FILE`: validate a ruleset without touching the kernel and print what it holds.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { summariseRuleset } from '../ruleset/summary';
import { parseRulesetText, pointerToDotted } from '../ruleset/validate';
import type { ValidationIssue } from '../ruleset/model';
import { EXIT, parseCommandLine, type SubCommand } from './command';
import { formatSummary } from './summary-text';

const USAGE = `Usage: xdpfw check FILE [--json]

Validates the ruleset FILE (and the set files it names) without touching the kernel, then
prints a summary: rules, sets, prefixes, interfaces. Interface names are checked for syntax
only. Errors go to stderr, one a line, as JSON-path: message.

Options:
  --json    print the summary as JSON
  -h, --help

Exit: 0 valid, 1 rejected, 2 usage error or unreadable FILE.`;

/** `rules[3].dport: must be <= 65535`; issues about the whole file have no path. */
export function formatIssue(issue: ValidationIssue): string {
  const where = pointerToDotted(issue.path);
  return where === '' ? issue.message : `${where}: ${issue.message}`;
}

async function runCheck(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv, { json: { type: 'boolean' } }, { min: 1, max: 1, names: 'FILE' });
  const file = positionals[0];
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'ENOENT' ? 'no such file' : e.code === 'EISDIR' ? 'is a directory' : e.message;
    process.stderr.write(`xdpfw check: cannot read ${file}: ${why}\n`);
    return EXIT.usage;
  }
  const result = parseRulesetText(text, { allowFileSets: true, baseDir: path.dirname(path.resolve(file)) });
  if (!result.ok) {
    process.stderr.write(result.errors.map((issue) => formatIssue(issue) + '\n').join(''));
    const n = result.errors.length;
    process.stderr.write(`xdpfw check: ${file} rejected (${n} ${n === 1 ? 'error' : 'errors'})\n`);
    return EXIT.rejected;
  }
  const summary = summariseRuleset(result.ruleset);
  process.stdout.write(values.json ? JSON.stringify(summary, null, 2) + '\n' : `${file}: valid\n${formatSummary(summary)}\n`);
  return EXIT.ok;
}

export const checkCommand: SubCommand = {
  name: 'check',
  summary: 'validate a ruleset file and print a summary',
  usage: USAGE,
  run: runCheck,
};
