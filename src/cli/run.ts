// `xdpfw run`: attach to interfaces, apply the ruleset, keep filtering. The program and maps stay
// pinned when the daemon exits; a new `run` adopts them without an unfiltered moment.

import { parseArgs } from 'node:util';
import { DataPlane } from '../dataplane/dataplane';
import { DEFAULT_PIN_DIR, preparePinDir } from '../dataplane/bpffs';
import { EnvironmentError, ifaceIndex } from '../dataplane/interfaces';
import { parseRulesetFile } from '../ruleset/validate';
import { pointerToDotted } from '../ruleset/validate';
import { XdpMode } from '../../native/lib';

export const RUN_USAGE = `usage: xdpfw run --iface IF[,IF...] [--rules FILE] [--mode auto|native|generic]
                 [--listen HOST:PORT|unix:PATH] [--state-dir DIR] [--pin-dir DIR]
                 [--token-file FILE] [--watch] [--log-level LEVEL]

Attaches the firewall to the interfaces and keeps it in force. The program and its maps stay
pinned under --pin-dir (default ${DEFAULT_PIN_DIR}) when the daemon exits: filtering never stops
until \`xdpfw detach\`.`;

export interface RunOptions {
  ifaces: string[];
  rules: string | null;
  mode: XdpMode;
  listen: string;
  stateDir: string;
  pinDir: string;
  tokenFile: string | null;
  watch: boolean;
  logLevel: string;
}

export class UsageError extends Error {}

export function parseRunArgs(argv: string[]): RunOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      iface: { type: 'string' },
      rules: { type: 'string' },
      mode: { type: 'string', default: 'auto' },
      listen: { type: 'string', default: '127.0.0.1:9720' },
      'state-dir': { type: 'string', default: '/var/lib/xdpfw' },
      'pin-dir': { type: 'string', default: DEFAULT_PIN_DIR },
      'token-file': { type: 'string' },
      watch: { type: 'boolean', default: false },
      'log-level': { type: 'string', default: 'info' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.iface) throw new UsageError('--iface is required');
  const ifaces = values.iface.split(',').map((s) => s.trim());
  if (ifaces.some((i) => !/^[A-Za-z0-9_.:@-]{1,15}$/.test(i))) throw new UsageError(`--iface: "${values.iface}" is not a list of interface names`);
  if (new Set(ifaces).size !== ifaces.length) throw new UsageError('--iface: an interface is named twice');
  if (ifaces.length > 64) throw new UsageError('--iface: at most 64 interfaces');
  const mode = values.mode as string;
  if (mode !== 'auto' && mode !== 'native' && mode !== 'generic') throw new UsageError(`--mode must be auto, native or generic, not "${mode}"`);
  if (values.watch && !values.rules) throw new UsageError('--watch needs --rules FILE');
  return {
    ifaces,
    rules: values.rules ?? null,
    mode,
    listen: values.listen as string,
    stateDir: values['state-dir'] as string,
    pinDir: values['pin-dir'] as string,
    tokenFile: values['token-file'] ?? null,
    watch: values.watch as boolean,
    logLevel: values['log-level'] as string,
  };
}

/** Loads (or adopts) the data path, applies the ruleset, attaches. Returns the data plane. */
export function startDataPlane(opts: RunOptions, log: (msg: string) => void): DataPlane {
  preparePinDir(opts.pinDir);
  for (const name of opts.ifaces) ifaceIndex(name); // fail early on a missing interface
  if (!opts.rules) throw new UsageError('--rules FILE is required until state restore is available');
  const parsed = parseRulesetFile(opts.rules, { knownIfaces: opts.ifaces });
  if (!parsed.ok) {
    throw new RulesetRejected(parsed.errors.map((e) => `${pointerToDotted(e.path) || '(ruleset)'}: ${e.message}`));
  }
  const dp = DataPlane.open({ pinDir: opts.pinDir });
  try {
    const classes = new Map<string, number>();
    for (const name of opts.ifaces) classes.set(name, dp.registerInterface(name, ifaceIndex(name)));
    // Apply first, attach second: a fresh program never runs without the ruleset in force.
    const compiled = dp.compile(parsed.ruleset, { ifaceClasses: classes });
    dp.apply(compiled);
    for (const name of opts.ifaces) {
      const a = dp.attach(name, opts.mode);
      log(`${a.adopted ? 'adopted' : 'attached to'} ${name} (ifindex ${a.ifindex}, ${a.mode} mode, program id ${dp.program.id})`);
    }
    log(`ruleset ${opts.rules} in force: ${compiled.rules.length} enabled rules`);
    return dp;
  } catch (e) {
    dp.close();
    throw e;
  }
}

export class RulesetRejected extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
  }
}

export async function runCommand(argv: string[]): Promise<number> {
  let opts: RunOptions;
  try {
    opts = parseRunArgs(argv);
  } catch (e) {
    process.stderr.write(`xdpfw run: ${(e as Error).message}\n\n${RUN_USAGE}\n`);
    return 2;
  }
  const log = (msg: string) => process.stderr.write(`${JSON.stringify({ time: Date.now(), msg })}\n`);
  let dp: DataPlane;
  try {
    dp = startDataPlane(opts, log);
  } catch (e) {
    if (e instanceof RulesetRejected) {
      process.stderr.write(`${e.lines.join('\n')}\n`);
      return 1;
    }
    process.stderr.write(`xdpfw run: ${(e as Error).message}\n`);
    return 2;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log('exiting; the program stays attached (xdpfw detach removes it)');
  dp.close();
  return 0;
}

export const runCli = {
  name: 'run',
  summary: 'the daemon: attach, apply, serve',
  usage: RUN_USAGE,
  run: runCommand,
};

export { EnvironmentError };
