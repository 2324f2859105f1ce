// `xdpfw run`: the daemon. Attaches to the interfaces, puts the ruleset in force (the persisted
// state, or --rules FILE), serves the REST API and metrics. The program and its maps stay pinned
// when the daemon exits: filtering never stops until `xdpfw detach`.

import pino from 'pino';
import { DEFAULT_PIN_DIR } from '../dataplane/bpffs';
import { DEFAULT_BODY_LIMIT } from '../api/app';
import { StartError, startDaemon, type DaemonOptions } from '../daemon/daemon';
import { EXIT, UsageError, parseCommandLine, type SubCommand } from './command';

const USAGE = `Usage: xdpfw run --iface IF[,IF...] [--rules FILE] [--mode auto|native|generic]
                 [--listen HOST:PORT|unix:PATH] [--state-dir DIR] [--pin-dir DIR]
                 [--token-file FILE] [--watch] [--log-level LEVEL] [--body-limit BYTES]

Attaches the firewall to the interfaces and keeps it in force, serving the REST API and
Prometheus metrics. Without --rules the state of the last run (<state-dir>/state.json) is
restored: same ruleset, same generation. With --rules the file is applied and becomes the state.

Options:
  --iface IF[,IF...]   interfaces to filter (at most 64)
  --rules FILE         ruleset to apply at start (and on SIGHUP)
  --mode MODE          auto (default), native or generic; may not differ from a pinned link's
  --listen ADDR        HOST:PORT (default 127.0.0.1:9720) or unix:/path (mode 0660);
                       anything but loopback or a unix socket needs --token-file
  --state-dir DIR      default /var/lib/xdpfw
  --pin-dir DIR        on a bpf filesystem; default ${DEFAULT_PIN_DIR}
  --token-file FILE    bearer token guarding /v1/ (the file's content, trimmed)
  --watch              re-apply --rules FILE when it (or a set file it names) changes;
                       REST mutations are then refused (409): the file owns the ruleset
  --log-level LEVEL    fatal, error, warn, info (default), debug, trace
  --body-limit BYTES   largest request body (default ${DEFAULT_BODY_LIMIT}, 64 MiB)

One daemon per interface, pin dir and state dir. SIGHUP re-applies --rules; SIGINT and SIGTERM
stop the daemon and leave the program attached.

Exit: 0 stopped cleanly, 1 ruleset rejected, 2 usage or environment error.`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function parseRunArgs(argv: string[]): DaemonOptions & { logLevel: string } {
  const { values } = parseCommandLine(
    argv,
    {
      iface: { type: 'string' },
      rules: { type: 'string' },
      mode: { type: 'string', default: 'auto' },
      listen: { type: 'string', default: '127.0.0.1:9720' },
      'state-dir': { type: 'string', default: '/var/lib/xdpfw' },
      'pin-dir': { type: 'string', default: DEFAULT_PIN_DIR },
      'token-file': { type: 'string' },
      watch: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
      'body-limit': { type: 'string' },
    },
    { min: 0, max: 0, names: '' },
  );
  if (!values.iface) throw new UsageError('--iface is required');
  const ifaces = values.iface.split(',').map((s) => s.trim());
  if (ifaces.some((i) => !/^[A-Za-z0-9_.@-]{1,15}$/.test(i))) throw new UsageError(`--iface: "${values.iface}" is not a list of interface names`);
  if (new Set(ifaces).size !== ifaces.length) throw new UsageError('--iface: an interface is named twice');
  if (ifaces.length > 64) throw new UsageError('--iface: at most 64 interfaces');
  const mode = values.mode as string;
  if (mode !== 'auto' && mode !== 'native' && mode !== 'generic') throw new UsageError(`--mode must be auto, native or generic, not "${mode}"`);
  if (values.watch && !values.rules) throw new UsageError('--watch needs --rules FILE');
  const logLevel = values['log-level'] as string;
  if (!LOG_LEVELS.includes(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  let bodyLimit: number | undefined;
  if (values['body-limit'] !== undefined) {
    bodyLimit = Number(values['body-limit']);
    if (!Number.isSafeInteger(bodyLimit) || bodyLimit < 1024) throw new UsageError('--body-limit must be a number of bytes >= 1024');
  }
  return {
    ifaces,
    rules: values.rules ?? null,
    mode,
    listen: values.listen as string,
    stateDir: values['state-dir'] as string,
    pinDir: values['pin-dir'] as string,
    tokenFile: values['token-file'] ?? null,
    watch: values.watch as boolean,
    logLevel,
    bodyLimit,
  };
}

async function runDaemon(argv: string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  // Synchronous writes: the last lines before a crash are not lost in a buffer.
  const log = pino({ level: opts.logLevel, base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true }));
  let daemon;
  try {
    daemon = await startDaemon(opts, log);
  } catch (e) {
    if (e instanceof StartError) {
      log.error({ exit: e.exitCode }, e.message.split('\n')[0]);
      process.stderr.write(`xdpfw run: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info({ signal }, 'stopping');
  await daemon.stop();
  return EXIT.ok;
}

export const runCommand: SubCommand = {
  name: 'run',
  summary: 'the daemon: attach, apply, serve the API',
  usage: USAGE,
  run: runDaemon,
};
