// `xdpfw stats`: per-rule counters of the running daemon (GET /v1/stats), as a table or JSON.

import { ClientError, DEFAULT_URL, call, clientErrorLines } from '../api/client';
import type { Stats } from '../service/ruleset-service';
import { pointerToDotted } from '../ruleset/validate';
import { EXIT, parseCommandLine, type SubCommand } from './command';

const USAGE = `Usage: xdpfw stats [--url URL] [--token-file FILE] [--json]

Prints the counters of the ruleset in force: each enabled rule in order, the default action,
malformed packets and bypassed frames.

Options:
  --url URL           http://HOST:PORT (default ${DEFAULT_URL}) or unix:/path
  --token-file FILE   bearer token
  --json              the answer of GET /v1/stats as is

Exit: 0 ok, 1 rejected by the daemon, 2 usage error or daemon unreachable.`;

export function formatStats(s: Stats): string {
  const rows: string[][] = [['RULE', 'ACTION', 'PACKETS', 'BYTES']];
  for (const r of s.rules) rows.push([r.id, r.action, String(r.packets), String(r.bytes)]);
  rows.push(['(default)', s.default.action, String(s.default.packets), String(s.default.bytes)]);
  rows.push(['(malformed)', 'drop', String(s.malformed.packets), String(s.malformed.bytes)]);
  rows.push(['(bypass non_ip)', '', String(s.bypass.non_ip.packets), String(s.bypass.non_ip.bytes)]);
  rows.push(['(bypass ndp)', 'pass', String(s.bypass.ndp.packets), String(s.bypass.ndp.bytes)]);
  return `generation ${s.generation}\n${table(rows)}`;
}

/** Left-aligned text columns, right-aligned numbers. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const numeric = rows[0].map((_, c) => rows.slice(1).every((r) => /^[0-9]*$/.test(r[c] ?? '')));
  return rows
    .map((r) => r.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd())
    .join('\n');
}

async function runStats(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    argv,
    { url: { type: 'string', default: DEFAULT_URL }, 'token-file': { type: 'string' }, json: { type: 'boolean', default: false } },
    { min: 0, max: 0, names: '' },
  );
  try {
    const { body } = await call<Stats>({ url: values.url as string, tokenFile: values['token-file'] }, 'GET', '/v1/stats');
    process.stdout.write(values.json ? `${JSON.stringify(body, null, 2)}\n` : `${formatStats(body)}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    process.stderr.write(clientErrorLines(e, pointerToDotted).map((l) => `xdpfw stats: ${l}\n`).join(''));
    return e.exitCode;
  }
}

export const statsCommand: SubCommand = {
  name: 'stats',
  summary: 'per-rule counters of the running daemon',
  usage: USAGE,
  run: runStats,
};
