// A RulesetService over a real, unpinned data plane: two veth interfaces registered as eth0 and
// eth1 (not attached), a temporary state dir, logs captured. Shared by the service, API and
// explain tests.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { DataPlane } from '../../src/dataplane/dataplane';
import { RulesetService } from '../../src/service/ruleset-service';
import { StateStore } from '../../src/service/state-store';
import { TEST_MAP_SIZES } from './bpf-harness';
import { createVethPair, type VethPair } from './netdev';

export interface ServiceFixture {
  dp: DataPlane;
  service: RulesetService;
  store: StateStore;
  stateDir: string;
  veth: VethPair;
  /** Interface name as the ruleset uses it -> ifindex. */
  ifindex: Map<string, number>;
  /** Log lines written so far (parsed). */
  logs: Record<string, unknown>[];
  close(): void;
}

export interface FixtureOptions {
  stateDir?: string;
  watchFile?: string | null;
  maxEntries?: Record<string, number>;
  /** Reuse a data plane (a "restart" over the same maps). */
  dp?: DataPlane;
  veth?: VethPair;
  /** Use the veth's real names instead of eth0/eth1 (needed to attach). */
  realNames?: boolean;
  /** The state size from which REST edits are journalled (0: always, to test the journal). */
  journalFrom?: number;
}

export function serviceFixture(opts: FixtureOptions = {}): ServiceFixture {
  const veth = opts.veth ?? createVethPair('xa');
  const dp = opts.dp ?? DataPlane.open({ pinDir: null, maxEntries: opts.maxEntries ?? TEST_MAP_SIZES });
  const stateDir = opts.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-svc-'));
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) });
  const names = opts.realNames ? [veth.a, veth.b] : ['eth0', 'eth1'];
  const ifindex = new Map([[names[0], veth.ifindexA], [names[1], veth.ifindexB]]);
  const store = new StateStore(stateDir, opts.journalFrom);
  store.prepare();
  const service = new RulesetService({
    dp,
    store,
    interfaces: [...ifindex].map(([name, i]) => ({ name, ifindex: i })),
    log,
    watchFile: opts.watchFile ?? null,
  });
  return {
    dp,
    service,
    store,
    stateDir,
    veth,
    ifindex,
    logs,
    close() {
      if (!opts.dp) dp.close();
      if (!opts.veth) veth.remove();
      if (!opts.stateDir) fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

export const caller = { who: 'test', route: 'test' };
