// `npm start`: the demo. Two namespaces (client, server) whose veth pairs meet at a bridge in the
// root namespace (which gets no address, so demo traffic only ever flows between the demo's own
// namespaces); the firewall on the client's bridge port with rules/demo.json; REST + metrics on
// 127.0.0.1:9720; a little allowed and blocked traffic every second. Ctrl-C removes it all.

import { execFileSync, spawn, ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../native/lib';

const CLIENT = 'xdpfw-demo-client';
const SERVER = 'xdpfw-demo-server';
const BRIDGE = 'xdpfw-demo-br';
const CLIENT_PORT = 'xdpfw-demo-c0';
const SERVER_PORT = 'xdpfw-demo-s0';
const PIN_DIR = '/sys/fs/bpf/xdpfw-demo';
const LISTEN = '127.0.0.1:9720';
const ADDR = { client: ['198.18.0.1/24', 'fd00:18::1/64'], server: ['198.18.0.2/24', 'fd00:18::2/64'] };

const root = packageRoot();
const cli = path.join(root, 'bin', 'xdpfw');

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function quiet(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone
  }
}

function say(msg: string): void {
  process.stderr.write(`[demo] ${msg}\n`);
}

function teardown(): void {
  quiet(() => execFileSync(process.execPath, [cli, 'detach', '--all', '--pin-dir', PIN_DIR], { stdio: 'ignore' }));
  quiet(() => ip('netns', 'del', CLIENT));
  quiet(() => ip('netns', 'del', SERVER));
  quiet(() => ip('link', 'del', CLIENT_PORT));
  quiet(() => ip('link', 'del', SERVER_PORT));
  quiet(() => ip('link', 'del', BRIDGE));
}

function setUp(): void {
  teardown(); // leftovers of an earlier run that was killed
  ip('netns', 'add', CLIENT);
  ip('netns', 'add', SERVER);
  ip('link', 'add', BRIDGE, 'type', 'bridge');
  ip('link', 'set', BRIDGE, 'up');
  for (const [ns, port, addrs] of [[CLIENT, CLIENT_PORT, ADDR.client], [SERVER, SERVER_PORT, ADDR.server]] as const) {
    ip('link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('link', 'set', port, 'master', BRIDGE);
    ip('link', 'set', port, 'up');
    for (const a of addrs) ip('-n', ns, 'addr', 'add', a, 'dev', 'eth0', ...(a.includes(':') ? ['nodad'] : []));
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  }
}

/** One round of demo traffic from the client: allowed (ping, UDP echo) and blocked (UDP 9, TCP 23). */
function sendTraffic(): void {
  const script = [
    'ping -c1 -W1 198.18.0.2 >/dev/null 2>&1',
    'ping -6 -c1 -W1 fd00:18::2 >/dev/null 2>&1',
    'echo allowed > /dev/udp/198.18.0.2/7',
    'echo blocked > /dev/udp/198.18.0.2/9',
    'timeout 1 bash -c "echo > /dev/tcp/198.18.0.2/23" 2>/dev/null',
    'true',
  ].join('; ');
  const child = spawn('ip', ['netns', 'exec', CLIENT, 'bash', '-c', script], { stdio: 'ignore' });
  child.on('error', () => undefined);
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    say('the demo needs root (network namespaces, XDP)');
    return 2;
  }
  setUp();
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-demo-'));
  say(`namespaces ${CLIENT} (198.18.0.1, fd00:18::1) and ${SERVER} (198.18.0.2, fd00:18::2), bridge ${BRIDGE}`);
  const daemon: ChildProcess = spawn(
    process.execPath,
    [cli, 'run', '--iface', CLIENT_PORT, '--rules', path.join(root, 'rules', 'demo.json'), '--listen', LISTEN,
      '--state-dir', stateDir, '--pin-dir', PIN_DIR],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    say('stopping: detaching and removing the namespaces, bridge and pins');
    daemon.kill('SIGTERM');
  };
  const timer = setInterval(sendTraffic, 1000);
  setTimeout(() => {
    if (stopping) return;
    say('the firewall is on the client\'s bridge port. Try, in another terminal:');
    say(`  curl -s ${LISTEN}/v1/stats`);
    say(`  curl -s ${LISTEN}/metrics | grep xdpfw_`);
    say('  npx xdpfw stats');
    say(`  npx xdpfw explain --iface ${CLIENT_PORT} --src 198.18.0.1 --dst 198.18.0.2 --proto udp --dport 9`);
    say(`  curl -s -X PATCH ${LISTEN}/v1/sets/demo-blocklist -H 'content-type: application/json' --data '{"add":["198.18.0.1"],"remove":[]}'`);
    say('Ctrl-C stops the demo.');
  }, 1500);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const code: number = await new Promise((resolve) => daemon.on('exit', (c) => resolve(c ?? 0)));
  clearInterval(timer);
  teardown();
  fs.rmSync(stateDir, { recursive: true, force: true });
  say('removed everything the demo created');
  return stopping ? 0 : code;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    say(`failed: ${err.message}`);
    teardown();
    process.exit(1);
  },
);
