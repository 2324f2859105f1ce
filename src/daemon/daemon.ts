// The daemon's life: take the locks, load or adopt the data path, put the ruleset in force
// (restored state, or --rules), attach, serve the API; on SIGHUP or a watched change re-apply
// the file; on SIGINT/SIGTERM stop serving and leave program, links and pins in place.

import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { XdpMode, xdpQuery } from '../../native/lib';
import { build } from '../api/app';
import { TokenFileError, readTokenFile, tokenFileExposure } from '../api/auth';
import { ListenAddress, ListenError, isLoopback, listen, parseListen } from '../api/server';
import { preparePinDir } from '../dataplane/bpffs';
import { DataPlane } from '../dataplane/dataplane';
import { EnvironmentError, ifaceIndex, linkPinPath } from '../dataplane/interfaces';
import { pointerToDotted, parseRulesetFile } from '../ruleset/validate';
import { ServiceError } from '../service/errors';
import { RulesetService, errFields } from '../service/ruleset-service';
import { JOURNAL_FROM, PersistedState, StateFileError, StateStore } from '../service/state-store';
import { InstanceLock, LockHeldError, acquireLocks, lockName } from './instance-lock';
import { RulesFile } from './rules-file';

export interface DaemonOptions {
  ifaces: string[];
  rules: string | null;
  mode: XdpMode;
  listen: string;
  stateDir: string;
  pinDir: string;
  tokenFile: string | null;
  watch: boolean;
  bodyLimit?: number;
}

/** A start-up failure with the exit code of the contract: 1 rejected ruleset, 2 usage/environment. */
export class StartError extends Error {
  constructor(readonly exitCode: 1 | 2, message: string) {
    super(message);
  }
}

export interface Daemon {
  dp: DataPlane;
  service: RulesetService;
  app: FastifyInstance;
  /** Where the API answers: `127.0.0.1:9720` or `unix:/path`. */
  address: string;
  /** Stops serving; the program stays attached and pinned. */
  stop(): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions, log: Logger): Promise<Daemon> {
  const token = readToken(opts.tokenFile, log);
  const addr = listenAddress(opts.listen, token);
  const ifaces = opts.ifaces.map((name) => ({ name, ifindex: environment(() => ifaceIndex(name)) }));
  environment(() => preparePinDir(opts.pinDir));
  checkPinnedModes(opts, ifaces);

  const locks = await takeLocks(opts);
  let dp: DataPlane | null = null;
  let app: FastifyInstance | null = null;
  let rulesFile: RulesFile | null = null;
  try {
    const store = new StateStore(opts.stateDir, journalFrom());
    environment(() => store.prepare());
    const dirMode = store.exposure();
    if (dirMode !== null) {
      const octal = `0${dirMode.toString(8).padStart(3, '0')}`;
      log.warn({ state_dir: store.dir, mode: octal }, `--state-dir ${store.dir} is mode ${octal}: others may read the ruleset (the host's policy); chmod 700 it`);
    }
    const stored = loadState(store);
    if (!opts.rules && !stored) {
      throw new StartError(2, `nothing to enforce: no --rules FILE and no state in ${store.file} (give --rules once; later runs restore the state)`);
    }
    const parsed = opts.rules ? parseRulesetFile(opts.rules, { knownIfaces: opts.ifaces }) : null;
    if (parsed && !parsed.ok) {
      const lines = parsed.errors.map((e) => (e.path ? `${pointerToDotted(e.path)}: ${e.message}` : e.message));
      throw new StartError(1, `${opts.rules} rejected:\n${lines.join('\n')}`);
    }

    dp = environment(() => DataPlane.open({ pinDir: opts.pinDir }));
    log.info({ pin_dir: opts.pinDir, adopted: dp.adopted, program_id: dp.program.id }, dp.adopted ? 'adopted the pinned maps' : 'created and pinned the maps');
    const service = new RulesetService({ dp, store, interfaces: ifaces, log, watchFile: opts.watch ? path.resolve(opts.rules as string) : null });
    // Apply first, attach second: a fresh program never runs without the ruleset in force.
    await startingRuleset(service, parsed, stored, opts, store);
    for (const { name } of ifaces) {
      const a = environment(() => dp!.attach(name, opts.mode));
      log.info({ iface: name, ifindex: a.ifindex, mode: a.mode, program_id: dp.program.id }, a.adopted ? 'adopted the pinned link' : 'attached');
    }

    if (opts.rules) {
      rulesFile = new RulesFile(opts.rules, service, opts.ifaces, log);
      if (parsed?.ok) rulesFile.remember(parsed.json);
      if (opts.watch) rulesFile.watch();
    }
    app = await build(service, { token, logger: log, listen: opts.listen, bodyLimit: opts.bodyLimit });
    const address = await listenOrFail(app, addr);
    log.info({ listen: address, auth: token !== null ? 'bearer token' : 'none (loopback or unix socket only)', generation: service.generation() }, 'serving the API');

    const onHup = () => {
      if (rulesFile) void rulesFile.reload('SIGHUP', true);
      else log.warn('SIGHUP: no --rules file to re-apply');
    };
    process.on('SIGHUP', onHup);
    const openDp = dp;
    const openApp = app;
    const openRules = rulesFile;
    return {
      dp: openDp,
      service,
      app: openApp,
      address,
      async stop() {
        process.off('SIGHUP', onHup);
        openRules?.close();
        await openApp.close();
        // Closes fds only: links and maps stay pinned, filtering goes on. A grace-period wait that
        // failed after the last flip is reported, not thrown: the change it followed is live.
        try {
          openDp.close();
        } catch (err) {
          log.error({ err: errFields(err) }, 'closing the data plane: the last grace-period wait failed');
        }
        await Promise.all(locks.map((l) => l.release()));
        log.info({ generation: service.generation() }, 'stopped; the program stays attached (xdpfw detach removes it)');
      },
    };
  } catch (e) {
    rulesFile?.close();
    await app?.close();
    try {
      dp?.close();
    } catch {
      // the start failed already; that error is the one to report
    }
    await Promise.all(locks.map((l) => l.release()));
    throw e;
  }
}

function readToken(file: string | null, log: Logger): string | null {
  if (file === null) return null;
  let token: string;
  try {
    token = readTokenFile(file);
  } catch (e) {
    if (e instanceof TokenFileError) throw new StartError(2, e.message);
    throw e;
  }
  const mode = tokenFileExposure(file);
  if (mode !== null) {
    const octal = `0${mode.toString(8).padStart(3, '0')}`;
    log.warn({ token_file: file, mode: octal }, `--token-file ${file} is mode ${octal}: group or others may read or replace the token; chmod 600 it`);
  }
  return token;
}

function listenAddress(spec: string, token: string | null): ListenAddress {
  let addr: ListenAddress;
  try {
    addr = parseListen(spec);
  } catch (e) {
    throw new StartError(2, (e as Error).message);
  }
  if (token === null && !isLoopback(addr)) {
    throw new StartError(2, `--listen ${spec} is reachable from other hosts: give --token-file FILE, or listen on 127.0.0.1:PORT or unix:/path`);
  }
  return addr;
}

/** Runs a step whose failure is the environment's (missing interface, no bpffs, ...): exit 2. */
function environment<T>(step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (e instanceof StartError) throw e;
    const err = e as NodeJS.ErrnoException;
    throw new StartError(2, `${err.message}${err.code && !err.message.includes(err.code) ? ` (${err.code})` : ''}`);
  }
}

/** --mode must match a pinned link's mode; checked before anything is written. */
function checkPinnedModes(opts: DaemonOptions, ifaces: { name: string; ifindex: number }[]): void {
  if (opts.mode === 'auto') return;
  for (const { name, ifindex } of ifaces) {
    if (!fs.existsSync(linkPinPath(opts.pinDir, name))) continue;
    const current = xdpQuery(ifindex).mode;
    const pinned = current === 'generic' ? 'generic' : 'native';
    if (current !== 'none' && pinned !== opts.mode) {
      throw new StartError(2, `${name} is attached in ${pinned} mode; --mode ${opts.mode} differs (run \`xdpfw detach --iface ${name}\` first to change it)`);
    }
  }
}

async function takeLocks(opts: DaemonOptions): Promise<InstanceLock[]> {
  try {
    return await acquireLocks([
      ...opts.ifaces.map((name) => ({ what: `interface ${name}`, name: lockName('iface', name) })),
      { what: `pin dir ${path.resolve(opts.pinDir)}`, name: lockName('pin-dir', opts.pinDir) },
      { what: `state dir ${path.resolve(opts.stateDir)}`, name: lockName('state-dir', opts.stateDir) },
    ]);
  } catch (e) {
    if (e instanceof LockHeldError) throw new StartError(2, `${e.message}: one daemon per interface, pin dir and state dir`);
    throw e;
  }
}

/**
 * The state size from which REST edits are journalled. XDPFW_JOURNAL_FROM (bytes) is a test knob:
 * the crash tests run the journal on small states with it.
 */
function journalFrom(): number {
  const knob = Number(process.env.XDPFW_JOURNAL_FROM);
  return process.env.XDPFW_JOURNAL_FROM !== undefined && Number.isSafeInteger(knob) && knob >= 0 ? knob : JOURNAL_FROM;
}

function loadState(store: StateStore): PersistedState | null {
  try {
    return store.load();
  } catch (e) {
    if (e instanceof StateFileError) throw new StartError(2, `${e.message} (move it away to start from --rules)`);
    throw new StartError(2, `cannot read ${store.file}: ${(e as Error).message}`);
  }
}

async function startingRuleset(
  service: RulesetService,
  parsed: ReturnType<typeof parseRulesetFile> | null,
  stored: PersistedState | null,
  opts: DaemonOptions,
  store: StateStore,
): Promise<void> {
  try {
    if (parsed) await service.applyParsed(parsed, { who: 'startup', route: `--rules ${opts.rules}` }, stored);
    else await service.restore(stored as PersistedState);
  } catch (e) {
    if (e instanceof ServiceError) {
      const lines = e.details.map((d) => (d.path ? `${pointerToDotted(d.path)}: ${d.message}` : d.message));
      const source = parsed ? (opts.rules as string) : store.file;
      // A ruleset that does not fit is rejected input; a state file that no longer fits these
      // interfaces, or a failing disk, is the environment's problem.
      const code = parsed && e.status < 500 ? 1 : 2;
      throw new StartError(code, `${source}: ${e.message}${lines.length ? `\n${lines.join('\n')}` : ''}`);
    }
    throw e;
  }
}

async function listenOrFail(app: FastifyInstance, addr: ListenAddress): Promise<string> {
  try {
    return await listen(app, addr);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof ListenError) throw new StartError(2, e.message);
    throw new StartError(2, `cannot listen on ${addr.kind === 'unix' ? `unix:${addr.path}` : `${addr.host}:${addr.port}`}: ${err.code ?? err.message}`);
  }
}

export { EnvironmentError };
