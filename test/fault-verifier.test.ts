// Fault injection (issue 6): the verifier refuses the data-path program. A broken object (the
// real maps, a program that reads the frame without a bounds check) is built here with clang
// and handed to the daemon in place of xdp/build/xdpfw.bpf.o. The daemon must refuse to start
// with an error that says the program was rejected, and the generation already pinned and
// attached must go on filtering, untouched: same program, same verdicts, same state files. Once
// the object is good again the daemon starts and adopts that generation.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { BpfObject, BpfProgram, xdpQuery } from '../native/lib';
import { StartError, startDaemon, type DaemonOptions } from '../src/daemon/daemon';
import { XDP_DROP, XDP_PASS } from '../src/dataplane/layout';
import { dataPathObjectPath } from '../src/dataplane/maps';
import { buildFrame } from './lib/packet';
import { isRoot } from './lib/netdev';
import { TestEnv } from './lib/daemon-process';

const BROKEN_C = `// SPDX-License-Identifier: GPL-2.0
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "consts.h"
#include "structs.h"
#include "maps.h"

const volatile __u32 explain_mode SEC(".rodata.explain") = 0;

SEC("xdp")
int xdpfw(struct xdp_md *ctx)
{
	/* No check against data_end: the verifier must refuse this read. */
	return *(__u8 *)(long)ctx->data + explain_mode;
}

char LICENSE[] SEC("license") = "GPL";
`;

const BLOCK_A = { default: 'pass', sets: { block: ['192.0.2.0/24'] }, rules: [{ id: 'block', src: '@block', action: 'drop' }] };
const BLOCK_B = { default: 'pass', sets: { block: ['198.51.100.0/24'] }, rules: [{ id: 'block', src: '@block', action: 'drop' }] };
const probes = {
  a: buildFrame({ ip: { kind: 'ipv4', src: '192.0.2.10', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 5, dport: 53 } }),
  b: buildFrame({ ip: { kind: 'ipv4', src: '198.51.100.10', dst: '10.0.0.1' }, l4: { kind: 'udp', sport: 5, dport: 53 } }),
};

let env: TestEnv;
let broken: string;
before(() => {
  if (!isRoot()) return;
  env = new TestEnv('verifier');
  const src = path.join(env.dir, 'broken.bpf.c');
  broken = path.join(env.dir, 'broken.bpf.o');
  fs.writeFileSync(src, BROKEN_C);
  const include = path.join(path.dirname(dataPathObjectPath()), '..', 'include');
  execFileSync('clang', ['-O2', '-g', '-target', 'bpf', `-I/usr/include/${execFileSync('uname', ['-m']).toString().trim()}-linux-gnu`, `-I${include}`, '-c', src, '-o', broken]);
});
after(async () => {
  await env?.cleanup();
});

/** Which ruleset the attached program enforces, and its id. */
function enforced(): { progId: number; verdicts: string } {
  const progId = xdpQuery(env.veth.ifindexA).progId;
  const prog = BpfProgram.fromId(progId);
  try {
    const run = (f: Buffer) => prog.testRun({ data: f, ingressIfindex: env.veth.ifindexA }).retval;
    const name = (v: number) => (v === XDP_DROP ? 'drop' : v === XDP_PASS ? 'pass' : `verdict ${v}`);
    return { progId, verdicts: `a ${name(run(probes.a))}, b ${name(run(probes.b))}` };
  } finally {
    prog.close();
  }
}

/** Every file under a directory with its bytes (the state dir, the pin dir's listing). */
function tree(dir: string, bytes: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = bytes && entry.isFile() ? fs.readFileSync(file).toString('base64') : entry.isDirectory() ? 'dir' : 'file';
  }
  return out;
}

test('the verifier refuses the program: the daemon does not start, the pinned generation keeps filtering', { skip: !isRoot() && 'needs root (XDP, bpffs, clang)', timeout: 120_000 }, async () => {
  const first = await env.start(['--rules', env.writeRules('a.json', BLOCK_A)]);
  assert.equal(await first.stop('SIGTERM'), 0, first.output);
  const before = { live: enforced(), state: tree(env.stateDir, true), pins: tree(env.pinDir, false) };
  assert.equal(before.live.verdicts, 'a drop, b pass');

  const realOpen = BpfObject.open.bind(BpfObject);
  const real = dataPathObjectPath();
  BpfObject.open = (file, opts) => realOpen(file === real ? broken : file, opts);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (l: string) => lines.push(JSON.parse(l)) });
  const opts: DaemonOptions = {
    ifaces: [env.veth.a], rules: null, mode: 'generic', listen: `unix:${path.join(env.dir, 'verifier.sock')}`,
    stateDir: env.stateDir, pinDir: env.pinDir, tokenFile: null, watch: false,
  };
  try {
    // Restoring the state, and with a new ruleset file: refused alike, before anything changes.
    for (const rules of [null, env.writeRules('b.json', BLOCK_B)]) {
      await assert.rejects(startDaemon({ ...opts, rules }, log), (e: unknown) => {
        assert.ok(e instanceof StartError, String(e));
        assert.equal(e.exitCode, 2);
        // Names the object and the program, says the kernel refused it, and quotes the verifier.
        assert.match(e.message, /broken\.bpf\.o/);
        assert.match(e.message, /xdpfw/);
        assert.match(e.message, /EACCES|EINVAL|Permission denied|Invalid argument/);
        assert.match(e.message, /invalid access to packet|R\d .*pkt|verifier/i);
        return true;
      }, `rules ${rules}`);
      assert.deepEqual(enforced(), before.live, 'the attached program changed');
      assert.deepEqual(tree(env.stateDir, true), before.state, 'the state dir changed');
      assert.deepEqual(tree(env.pinDir, false), before.pins, 'the pins changed');
      assert.ok(!fs.existsSync(opts.listen.slice('unix:'.length)), 'a socket was left behind');
    }
  } finally {
    BpfObject.open = realOpen;
  }

  // A good object again: the daemon starts, adopts what is pinned, and changes work.
  const again = await env.start([]);
  assert.deepEqual((await again.api<{ generation: number }>('GET', '/v1/status')).body.generation, 1);
  assert.equal(enforced().verdicts, 'a drop, b pass');
  assert.equal((await again.api('PUT', '/v1/ruleset', BLOCK_B)).status, 200);
  assert.equal(enforced().verdicts, 'a pass, b drop');
  assert.equal(await again.stop('SIGTERM'), 0, again.output);
});
