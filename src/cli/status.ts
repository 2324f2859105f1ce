// `xdpfw status`: what the running daemon has in force (GET /v1/status).

import { ClientError, DEFAULT_URL, call, clientErrorLines } from '../api/client';
import type { Status } from '../service/ruleset-service';
import { pointerToDotted } from '../ruleset/validate';
import { EXIT, parseCommandLine, type SubCommand } from './command';
import { table } from './stats';

const USAGE = `Usage: xdpfw status [--url URL] [--token-file FILE] [--json]

Prints the attached interfaces (mode, program id), the generation in force, the rule count and
versions.

Options:
  --url URL           http://HOST:PORT (default ${DEFAULT_URL}) or unix:/path
  --token-file FILE   bearer token
  --json              the answer of GET /v1/status as is

Exit: 0 ok, 1 rejected by the daemon, 2 usage error or daemon unreachable.`;

export function formatStatus(s: Status): string {
  const rows = [['INTERFACE', 'IFINDEX', 'MODE', 'PROGRAM', 'ATTACHED']];
  for (const i of s.interfaces) rows.push([i.name, String(i.ifindex), i.mode, String(i.prog_id), i.ours ? 'yes' : 'NO']);
  const v = s.versions;
  return [
    `generation ${s.generation}: ${s.rules.total} rules (${s.rules.enabled} enabled)${s.watch ? `, owned by ${s.watch} (--watch)` : ''}`,
    table(rows),
    `state ${s.state_file}`,
    `xdpfw ${v.xdpfw}, node ${v.node}, kernel ${v.kernel}, libbpf ${v.libbpf ?? 'unknown'}`,
  ].join('\n');
}

async function runStatus(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    argv,
    { url: { type: 'string', default: DEFAULT_URL }, 'token-file': { type: 'string' }, json: { type: 'boolean', default: false } },
    { min: 0, max: 0, names: '' },
  );
  try {
    const { body } = await call<Status>({ url: values.url as string, tokenFile: values['token-file'] }, 'GET', '/v1/status');
    process.stdout.write(values.json ? `${JSON.stringify(body, null, 2)}\n` : `${formatStatus(body)}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    process.stderr.write(clientErrorLines(e, pointerToDotted).map((l) => `xdpfw status: ${l}\n`).join(''));
    return e.exitCode;
  }
}

export const statusCommand: SubCommand = {
  name: 'status',
  summary: 'interfaces, program, generation of the running daemon',
  usage: USAGE,
  run: runStatus,
};
