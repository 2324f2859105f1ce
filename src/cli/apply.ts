// `xdpfw apply FILE`: push a ruleset file to a running daemon (PUT /v1/ruleset). The file is
// read and checked here with the same validator as `xdpfw check`; file-backed sets are read here
// and sent inline (the daemon reads no path a client names).

import { ClientError, DEFAULT_URL, call, clientErrorLines } from '../api/client';
import { parseRulesetFile, pointerToDotted } from '../ruleset/validate';
import { EXIT, UsageError, parseCommandLine, type SubCommand } from './command';

const USAGE = `Usage: xdpfw apply FILE [--url URL] [--token-file FILE] [--if-match GENERATION]

Validates the ruleset FILE, reads the set files it names, and makes it the ruleset of the
running daemon. Prints the new generation.

Options:
  --url URL             the daemon: http://HOST:PORT (default ${DEFAULT_URL}) or unix:/path
  --token-file FILE     bearer token (the file's content, trimmed)
  --if-match GEN        apply only if GEN is still the generation in force (else exit 1)

Exit: 0 applied, 1 rejected (by the validator or the daemon), 2 usage error or daemon unreachable.`;

async function runApply(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(
    argv,
    { url: { type: 'string', default: DEFAULT_URL }, 'token-file': { type: 'string' }, 'if-match': { type: 'string' } },
    { min: 1, max: 1, names: 'FILE' },
  );
  const ifMatch = values['if-match'];
  if (ifMatch !== undefined && !/^[0-9]+$/.test(ifMatch)) throw new UsageError('--if-match takes a generation number');
  const file = positionals[0];
  const parsed = parseRulesetFile(file);
  if (!parsed.ok) {
    for (const e of parsed.errors) process.stderr.write(`${e.path ? `${pointerToDotted(e.path)}: ` : ''}${e.message}\n`);
    process.stderr.write(`xdpfw apply: ${file} rejected\n`);
    return parsed.errors.some((e) => e.message.startsWith('cannot read')) ? EXIT.usage : EXIT.rejected;
  }
  try {
    const headers: Record<string, string> = ifMatch !== undefined ? { 'if-match': `"${ifMatch}"` } : {};
    const answer = await call<{ generation: number }>({ url: values.url as string, tokenFile: values['token-file'] }, 'PUT', '/v1/ruleset', parsed.json, headers);
    process.stdout.write(`${file} applied: generation ${answer.body.generation}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    process.stderr.write(clientErrorLines(e, pointerToDotted).map((l) => `xdpfw apply: ${l}\n`).join(''));
    return e.exitCode;
  }
}

export const applyCommand: SubCommand = {
  name: 'apply',
  summary: 'push a ruleset file to the running daemon',
  usage: USAGE,
  run: runApply,
};
