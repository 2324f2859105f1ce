// `xdpfw explain`: which rule the live data path picks for a packet (POST /v1/explain).

import { ClientError, DEFAULT_URL, call, clientErrorLines } from '../api/client';
import type { ExplainAnswer } from '../service/ruleset-service';
import { pointerToDotted } from '../ruleset/validate';
import { EXIT, UsageError, parseCommandLine, type SubCommand } from './command';

const USAGE = `Usage: xdpfw explain --iface IF --src IP --dst IP [--proto P] [--sport N] [--dport N]
                     [--tcp-flags F] [--icmp-type N] [--icmp-code N] [--url URL] [--token-file FILE] [--json]

Asks the running daemon which rule its data path picks for such a packet, and the verdict. The
packet is built and classified by the live program and maps; no counter moves.

Options:
  --iface IF          the interface it arrives on
  --src IP, --dst IP  addresses (one family)
  --proto P           tcp udp sctp icmp icmpv6 gre esp or 0..255; default: tcp with ports or
                      flags, icmp/icmpv6 with ICMP fields
  --sport N, --dport N   ports (default 0)
  --tcp-flags F       e.g. syn or syn,ack: these set, the others clear (default: none set)
  --icmp-type N, --icmp-code N
  --url URL           http://HOST:PORT (default ${DEFAULT_URL}) or unix:/path
  --token-file FILE   bearer token
  --json              the answer of POST /v1/explain as is

Exit: 0 ok, 1 rejected query, 2 usage error or daemon unreachable.`;

function integer(flag: string, text: string | undefined, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[0-9]+$/.test(text) || Number(text) > max) throw new UsageError(`--${flag} must be an integer 0..${max}`);
  return Number(text);
}

export function formatExplain(a: ExplainAnswer): string {
  if (a.bypass) return `${a.action} (bypass ${a.bypass}: no rule consulted)`;
  if (a.malformed) return `${a.action} (malformed: ${a.malformed})`;
  return a.rule === null ? `${a.action} (default: no rule matches)` : `${a.action} (rule ${a.rule})`;
}

async function runExplain(argv: string[]): Promise<number> {
  const { values } = parseCommandLine(
    argv,
    {
      iface: { type: 'string' },
      src: { type: 'string' },
      dst: { type: 'string' },
      proto: { type: 'string' },
      sport: { type: 'string' },
      dport: { type: 'string' },
      'tcp-flags': { type: 'string' },
      'icmp-type': { type: 'string' },
      'icmp-code': { type: 'string' },
      url: { type: 'string', default: DEFAULT_URL },
      'token-file': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    { min: 0, max: 0, names: '' },
  );
  for (const flag of ['iface', 'src', 'dst'] as const) if (values[flag] === undefined) throw new UsageError(`--${flag} is required`);
  const proto = values.proto === undefined ? undefined : /^[0-9]+$/.test(values.proto) ? integer('proto', values.proto, 255) : values.proto;
  const query = {
    iface: values.iface,
    src: values.src,
    dst: values.dst,
    proto,
    sport: integer('sport', values.sport, 65535),
    dport: integer('dport', values.dport, 65535),
    tcp_flags: values['tcp-flags'],
    icmp_type: integer('icmp-type', values['icmp-type'], 255),
    icmp_code: integer('icmp-code', values['icmp-code'], 255),
  };
  try {
    const { body } = await call<ExplainAnswer>({ url: values.url as string, tokenFile: values['token-file'] }, 'POST', '/v1/explain', query);
    process.stdout.write(values.json ? `${JSON.stringify(body)}\n` : `${formatExplain(body)}\n`);
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof ClientError)) throw e;
    process.stderr.write(clientErrorLines(e, pointerToDotted).map((l) => `xdpfw explain: ${l}\n`).join(''));
    return e.exitCode;
  }
}

export const explainCommand: SubCommand = {
  name: 'explain',
  summary: 'which rule the live data path picks for a packet',
  usage: USAGE,
  run: runExplain,
};
