// The harness itself, without a daemon: namespaces, addresses and neighbours work, traffic and
// crafted frames reach the far side, and teardown leaves nothing behind even when a test process
// dies on an exception.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { buildFrame } from '../test/lib/packet';
import { FrameSniffer, TcpListener, UdpReceiver, ping, sendFrames, tcpConnect, udpSend, useNetnsEnv, mountTestBpffs, repoRoot } from './lib';
import { run } from './lib/sh';

const env = useNetnsEnv();

test('ping, ping6, UDP and TCP cross the pair; crafted frames reach the far side', { skip: env.skip }, async () => {
  const { gen, fw, link } = env.pair();
  assert.deepEqual(await ping(gen, link.b.ip4, { count: 3 }), { sent: 3, received: 3 });
  assert.deepEqual(await ping(gen, link.b.ip6, { count: 3 }), { sent: 3, received: 3 });

  const rx = await UdpReceiver.start(fw, link.b.ip4, 5353);
  await udpSend(gen, link.b.ip4, 5353, { count: 5, sport: 40000, tag: 'h' });
  assert.equal(await rx.waitFor('h', 5), 5);
  assert.deepEqual(new Set(rx.datagrams('h').map((d) => `${d.from}:${d.sport}`)), new Set([`${link.a.ip4}:40000`]));

  const tcp = await TcpListener.start(fw, link.b.ip6, 8080);
  assert.equal(await tcpConnect(gen, link.b.ip6, 8080), true);
  assert.equal(tcp.accepted(), 1);
  assert.equal(await tcpConnect(gen, link.b.ip6, 8081, 500), false, 'nobody listens on 8081');

  const marker = Buffer.from('xdpfw-harness');
  const sniffer = await FrameSniffer.start(fw, 'f0', marker);
  const frame = buildFrame({ dstMac: link.b.mac, srcMac: link.a.mac, vlans: [{ tpid: 0x8100, vid: 7 }],
    ip: { kind: 'ipv4', src: link.a.ip4, dst: link.b.ip4 }, l4: { kind: 'udp', sport: 1, dport: 9 }, payload: marker.toString('hex') });
  await sendFrames(gen, 'g0', [frame, frame]);
  assert.equal(await sniffer.waitFor(marker, 2), 2);
});

test('a private bpffs is mounted in the init mount namespace and unmounted by teardown', { skip: env.skip }, () => {
  const fsys = mountTestBpffs();
  const mounts = fs.readFileSync('/proc/self/mounts', 'utf8');
  assert.match(mounts, new RegExp(`^bpf ${fsys.dir} bpf `, 'm'));
  fsys.unmount();
  assert.doesNotMatch(fs.readFileSync('/proc/self/mounts', 'utf8'), new RegExp(` ${fsys.dir} `));
  assert.equal(fs.existsSync(fsys.dir), false);
});

test('a test process that throws leaves no namespace or mount behind', { skip: env.skip }, async () => {
  // A child creates a pair and a bpffs, prints their names, then dies on an uncaught exception.
  const script = `
    const { useNetnsEnv, mountTestBpffs } = require(${JSON.stringify(path.join(__dirname, 'lib'))});
    const { test } = require('node:test');
    const env = useNetnsEnv();
    test('dies', async () => {
      const p = env.pair(); const b = mountTestBpffs();
      console.log(JSON.stringify([p.gen.name, p.fw.name, b.dir]));
      setTimeout(() => { throw new Error('boom'); }, 10);
      await new Promise(() => {});
    });`;
  const tsx = path.join(repoRoot(), 'node_modules/tsx/dist/cjs/index.cjs');
  const argv = __filename.endsWith('.ts') ? [process.execPath, '--require', tsx, '-e', script] : [process.execPath, '-e', script];
  const r = await run(argv, { timeoutMs: 30_000 });
  assert.notEqual(r.code, 0);
  const line = r.stdout.split('\n').find((l) => l.startsWith('['));
  assert.ok(line, `child printed no names: ${r.stdout} ${r.stderr}`);
  const [gen, fw, dir] = JSON.parse(line) as string[];
  const netns = fs.readdirSync('/run/netns');
  assert.ok(!netns.includes(gen) && !netns.includes(fw), `left behind: ${netns.join(' ')}`);
  assert.equal(fs.existsSync(dir), false);
});
