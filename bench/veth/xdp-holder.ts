// Runs inside the receiver's network namespace (nsenter --net=...), started by holder.ts: loads
// the XDP programs of the veth comparison, then attaches and detaches them on request (applying
// the ruleset asked for first), so trials of different firewalls can interleave. One JSON line
// per answer on stdout.
//
// Requests (one a line): "attach NAME", "detach", "quit". NAME: xdpfw-<rules>, xdpfw-largest,
// xdp-filter. argv: ifname, then the rule counts to load.

import readline from 'node:readline';
import { BpfLink, BpfProgram, ifNameToIndex } from '../../native/lib';
import { DataPlane } from '../../src/dataplane/dataplane';
import { loadXdpFilter } from '../lib/references';
import { buildWorkload } from '../lib/workload';
import { VETH_LARGEST, vethRuleset } from './rulesets';
import type { Ruleset } from '../../src/ruleset/model';

function main(): void {
  const [ifname, ...sizes] = process.argv.slice(2);
  const ifindex = ifNameToIndex(ifname);
  if (!ifindex) throw new Error(`no interface ${ifname} in this namespace`);
  // One data plane for every xdpfw ruleset, re-applied when another is asked for: a data plane's
  // maps take over a GiB at full capacity, and the machine is shared.
  const dp = DataPlane.open({ pinDir: null });
  const rulesets = new Map<string, Ruleset>();
  for (const n of sizes) rulesets.set(`xdpfw-${n}`, vethRuleset(Number(n)));
  rulesets.set('xdpfw-largest', buildWorkload(VETH_LARGEST.rules, VETH_LARGEST.v4, VETH_LARGEST.v6, { fillers: 'ipv4', packetsPerKind: 1 }).ruleset);
  let inForce = '';
  const xdpFilter = loadXdpFilter();
  const programFor = (name: string): BpfProgram => {
    if (name === 'xdp-filter') return xdpFilter.program;
    const rs = rulesets.get(name);
    if (!rs) throw new Error(`no program ${name}`);
    if (inForce !== name) {
      dp.apply(dp.compile(rs));
      inForce = name;
    }
    return dp.program;
  };

  let link: BpfLink | null = null;
  const detach = () => {
    link?.detach();
    link?.close();
    link = null;
  };
  const say = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);
  const ids = Object.fromEntries([...rulesets.keys()].map((n) => [n, dp.program.id]));
  say({ ready: true, ids: { ...ids, 'xdp-filter': xdpFilter.program.id } });
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const [cmd, name] = line.trim().split(/\s+/);
    try {
      if (cmd === 'attach') {
        detach();
        const prog = programFor(name);
        link = BpfLink.attachXdp(prog, ifindex, 'native').link;
        say({ ok: true, id: prog.id });
      } else if (cmd === 'detach') {
        detach();
        say({ ok: true });
      } else if (cmd === 'quit') {
        rl.close();
      } else {
        throw new Error(`unknown request ${line}`);
      }
    } catch (e) {
      say({ ok: false, error: (e as Error).message });
    }
  });
  rl.on('close', () => {
    detach();
    dp.close();
    xdpFilter.close();
    process.exit(0);
  });
}

main();
