// The CLI clients against a running daemon on TCP with a bearer token: apply (file sets inlined,
// dotted error paths, exit codes), stats (table and JSON), status, explain; and unix-socket URLs.
// The clients run in this process through main() (what bin/xdpfw calls), output captured; one
// run goes through a real child process.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { isRoot } from './lib/netdev';
import { spawn } from 'node:child_process';
import { main } from '../src/cli/main';
import { TestEnv, cliArgv, runCli, type CliResult, type DaemonProcess } from './lib/daemon-process';

/** Runs `xdpfw ARGS` in this process, capturing what it prints. */
async function inProcess(args: string[]): Promise<CliResult> {
  const out = { stdout: '', stderr: '' };
  const write = { stdout: process.stdout.write, stderr: process.stderr.write };
  // The CLI writes strings; node:test's runner reports through stdout too, as Buffers: let those by.
  const capture = (stream: 'stdout' | 'stderr') =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) =>
      typeof chunk === 'string' ? ((out[stream] += chunk), true) : (write[stream] as (...a: unknown[]) => boolean).call(process[stream], chunk, ...rest)) as typeof process.stdout.write;
  process.stdout.write = capture('stdout');
  process.stderr.write = capture('stderr');
  try {
    const status = await main(args);
    return { status, ...out };
  } finally {
    process.stdout.write = write.stdout;
    process.stderr.write = write.stderr;
  }
}

const TOKEN = 'cli-test-token-4242';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

const skip = isRoot() ? false : 'needs root (XDP, bpffs, veth)';

describe('CLI clients against a running daemon', { skip }, () => {
  let env: TestEnv;
  let daemon: DaemonProcess;
  let url: string;
  let tokenFile: string;
  let rulesFile: string;

  before(async () => {
    env = new TestEnv('cli');
    tokenFile = path.join(env.dir, 'token');
    fs.writeFileSync(tokenFile, `  ${TOKEN}\n`, { mode: 0o600 });
    fs.writeFileSync(path.join(env.dir, 'feed.txt'), '# a feed\n203.0.113.0/24\n\n2001:db8:bad::/48  # trailing comment\n');
    rulesFile = env.writeRules('rules.json', {
      sets: { feed: { file: 'feed.txt' } },
      rules: [
        { id: 'drop-feed', src: '@feed', action: 'drop' },
        { id: 'ssh', proto: 'tcp', dport: 22, action: 'pass' },
      ],
    });
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    daemon = await env.start(['--rules', rulesFile, '--token-file', tokenFile], { listen: `127.0.0.1:${port}`, token: TOKEN });
  });
  after(async () => env?.cleanup());

  const cli = (...args: string[]) => inProcess([...args, '--url', url, '--token-file', tokenFile]);

  test('apply: file sets are read and sent inline; prints the generation', async () => {
    // Through a real process once: what `xdpfw apply` on a shell does.
    const r = runCli(['apply', rulesFile, '--url', url, '--token-file', tokenFile]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /applied: generation 2/);
    const { body } = await daemon.api<{ sets: Record<string, unknown> }>('GET', '/v1/ruleset');
    assert.deepEqual(body.sets.feed, ['203.0.113.0/24', '2001:db8:bad::/48']);
  });

  test('apply: rejections exit 1 with dotted paths; a stale --if-match too; unreachable exits 2', async () => {
    const bad = env.writeRules('bad-iface.json', { rules: [{ id: 'x', action: 'drop', iface: 'eth9' }] });
    let r = await cli('apply', bad);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /rules\[0\]\.iface/, 'the daemon names the field in dotted form');
    r = await cli('apply', rulesFile, '--if-match', '1');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /precondition_failed/);
    r = await inProcess(['apply', rulesFile, '--url', url]);
    assert.equal(r.status, 1, 'no token: 401 is a rejection');
    assert.match(r.stderr, /unauthorized/);
    r = await inProcess(['apply', rulesFile, '--url', 'http://127.0.0.1:1']);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /cannot reach the daemon/);
  });

  test('stats: a table by default, the API answer with --json', async () => {
    let r = await cli('stats');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^generation \d+$/m);
    assert.match(r.stdout, /^RULE\s+ACTION\s+PACKETS\s+BYTES$/m);
    assert.match(r.stdout, /^drop-feed\s+drop\s+\d+\s+\d+$/m);
    assert.match(r.stdout, /^\(default\)\s+pass/m);
    r = await cli('stats', '--json');
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(s.rules.map((x: { id: string }) => x.id), ['drop-feed', 'ssh']);
  });

  test('status: interfaces, mode, program id, generation, versions', async () => {
    const r = await cli('status');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^generation \d+: 2 rules \(2 enabled\)/m);
    assert.match(r.stdout, new RegExp(`^${env.veth.a}\\s+${env.veth.ifindexA}\\s+generic\\s+\\d+\\s+yes$`, 'm'));
    assert.match(r.stdout, /kernel /);
  });

  test('explain: the deciding rule and verdict; usage errors exit 2', async () => {
    let r = await cli('explain', '--iface', env.veth.a, '--src', '203.0.113.9', '--dst', '10.0.0.1', '--proto', 'udp', '--dport', '53');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'drop (rule drop-feed)');
    r = await cli('explain', '--iface', env.veth.a, '--src', '10.1.1.1', '--dst', '10.0.0.1', '--dport', '22', '--tcp-flags', 'syn', '--json');
    assert.deepEqual(JSON.parse(r.stdout), { rule: 'ssh', action: 'pass' });
    r = await cli('explain', '--iface', env.veth.a, '--src', 'fe80::1', '--dst', 'ff02::1', '--proto', 'icmpv6', '--icmp-type', '135');
    assert.equal(r.stdout.trim(), 'pass (bypass ndp: no rule consulted)');
    r = await cli('explain', '--iface', env.veth.a, '--src', '10.1.1.1', '--dst', '::1', '--proto', 'udp');
    assert.equal(r.status, 1);
    assert.match(r.stderr, /dst:/);
    r = await cli('explain', '--iface', env.veth.a, '--src', '10.1.1.1');
    assert.equal(r.status, 2);
    r = await cli('explain', '--iface', env.veth.a, '--src', '10.1.1.1', '--dst', '10.0.0.1', '--dport', '99999');
    assert.equal(r.status, 2);
  });

  test('--url unix:/path reaches a daemon on a socket', async () => {
    // The daemon above listens on TCP (one daemon per interface): a stand-in answers on a socket.
    const sock = path.join(env.dir, 'fake.sock');
    const server = net.createServer((c) => c.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{"generation":1,"rules":[],"default":{"action":"pass","packets":0,"bytes":0},"malformed":{"packets":0,"bytes":0},"bypass":{"non_ip":{"packets":0,"bytes":0},"ndp":{"packets":0,"bytes":0}}}'));
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
        const [cmd, ...args] = cliArgv(['stats', '--url', `unix:${sock}`, '--json']);
        const child = spawn(cmd, args, { cwd: path.resolve(__dirname, '..') });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (status) => resolve({ status, stdout: out }));
      });
      assert.equal(r.status, 0);
      assert.equal(JSON.parse(r.stdout).generation, 1);
    } finally {
      server.close();
    }
  });
});
