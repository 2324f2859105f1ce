// `xdpfw check FILE` as a user runs it: a child process, its exit code and what it prints.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The repo root: the nearest directory above this file whose package.json is xdpfw's. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { name?: string }).name === 'xdpfw') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no xdpfw package.json above ${__dirname}`);
  }
}

const ROOT = repoRoot();
// Compiled tests (dist/test) run the compiled CLI; tests run from source go through tsx.
const compiledCli = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const CLI_ARGS = __dirname.startsWith(path.join(ROOT, 'dist')) && fs.existsSync(compiledCli)
  ? [compiledCli]
  : [path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(ROOT, 'src', 'cli', 'main.ts')];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function xdpfw(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI_ARGS, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-check-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
fs.writeFileSync(path.join(tmp, 'hostbits.txt'), '# feed\n192.0.2.0/24\n\n198.51.100.7/24  # oops\n');

const r = (extra: Record<string, unknown>) => ({ id: 'r', action: 'pass', ...extra });
const four = (bad: Record<string, unknown>) => ({ rules: [r({ id: 'a' }), r({ id: 'b' }), r({ id: 'c' }), r({ id: 'd', ...bad })] });

// Each file holds one mistake; `check` must print exactly `line` on stderr and exit 1.
const BAD_FILES: Array<{ name: string; content: string | object; line: string }> = [
  { name: 'port-too-big', content: four({ dport: 65536 }), line: 'rules[3].dport: must be <= 65535' },
  { name: 'port-in-list', content: four({ sport: [1, 2, 70000] }), line: 'rules[3].sport[2]: must be <= 65535' },
  { name: 'range-reversed', content: four({ dport: '2000-1000' }), line: 'rules[3].dport: range "2000-1000": low end is above high end' },
  { name: 'unknown-field', content: four({ dprot: 22 }), line: 'rules[3].dprot: unknown field "dprot"; did you mean "dport"?' },
  { name: 'unknown-top-key', content: { rules: [], comment: 'x' }, line: 'comment: unknown field "comment"' },
  { name: 'missing-action', content: { rules: [{ id: 'x' }] }, line: 'rules[0].action: is required' },
  { name: 'bad-action', content: four({ action: 'accept' }), line: 'rules[3].action: must be one of: pass, drop; got "accept"' },
  { name: 'bad-default', content: { default: 'reject', rules: [] }, line: 'default: must be one of: pass, drop; got "reject"' },
  { name: 'duplicate-id', content: { rules: [r({ id: 'x' }), r({ id: 'x' })] }, line: 'rules[1].id: duplicate id "x" (first used by rules[0])' },
  { name: 'bad-id', content: { rules: [r({ id: 'has space' })] }, line: 'rules[0].id: must be 1 to 64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit; got "has space"' },
  { name: 'host-bits', content: four({ src: '10.0.0.1/8' }), line: 'rules[3].src: "10.0.0.1/8" has host bits set (the network is 10.0.0.0/8)' },
  { name: 'unknown-set', content: { sets: { bogons: [] }, rules: [r({ dst: ['@bogon'] })] }, line: 'rules[0].dst[0]: unknown set "@bogon"; did you mean "@bogons"?' },
  { name: 'bad-set-name', content: { sets: { 'My-Set': [] }, rules: [] }, line: 'sets["My-Set"]: invalid name "My-Set": must be 1 to 64 lower-case letters, digits, "_" or "-", starting with a letter' },
  { name: 'set-member', content: { sets: { 'drop-list': ['192.0.2.0/24', '192.0.2.0/33'] }, rules: [] }, line: 'sets["drop-list"][1]: "192.0.2.0/33": prefix length must be 0..32' },
  { name: 'set-file-line', content: { sets: { feed: { file: path.join(tmp, 'hostbits.txt') } }, rules: [] }, line: `sets.feed: ${path.join(tmp, 'hostbits.txt')}:4: "198.51.100.7/24" has host bits set (the network is 198.51.100.0/24)` },
  { name: 'set-file-missing', content: { sets: { feed: { file: 'feeds/none.txt' } }, rules: [] }, line: 'sets.feed.file: cannot read feeds/none.txt: no such file' },
  { name: 'proto-name', content: four({ proto: 'tcpp' }), line: 'rules[3].proto: must be a protocol (tcp, udp, sctp, icmp, icmpv6, gre, esp) or a number 0..255; got "tcpp"' },
  { name: 'ports-non-port-proto', content: four({ proto: ['udp', 'gre'], dport: 53 }), line: 'rules[3]: dport matches only tcp, udp and sctp, but proto also names gre' },
  { name: 'flags-without-tcp', content: four({ tcp_flags: 'syn,!ack' }), line: 'rules[3]: tcp_flags needs proto tcp (proto is missing)' },
  { name: 'flags-conflict', content: four({ proto: 'tcp', tcp_flags: 'ack,!ack' }), line: 'rules[3].tcp_flags: flag "ack" is both required and negated' },
  { name: 'icmp-without-proto', content: four({ proto: 'tcp', icmp_type: 8 }), line: 'rules[3]: icmp_type needs proto icmp or icmpv6, exactly one of them (proto is tcp)' },
  { name: 'non-first-with-ports', content: four({ fragment: 'non_first', proto: 'tcp', dport: 80, tcp_flags: 'syn' }), line: 'rules[3]: fragment "non_first" cannot be combined with dport, tcp_flags: non-first fragments carry no L4 header' },
  { name: 'families-disjoint', content: four({ src: '192.0.2.1', dst: '2001:db8::1' }), line: 'rules[3]: src and dst share no address family (src is IPv4 only, dst is IPv6 only): the rule could never match' },
  { name: 'family-excludes', content: four({ src: ['2001:db8::/32'], family: 'ipv4' }), line: 'rules[3]: family ipv4 excludes every entry of src (IPv6 only): the rule could never match' },
  { name: 'iface-name', content: four({ iface: 'this-name-is-too-long' }), line: 'rules[3].iface: must be an interface name (1 to 15 characters, no "/", ":" or white space); got "this-name-is-too-long"' },
  { name: 'empty-list', content: four({ icmp_type: [], proto: 'icmp' }), line: 'rules[3].icmp_type: must not be empty' },
  { name: 'enabled-string', content: four({ enabled: 'false' }), line: 'rules[3].enabled: must be true or false' },
  { name: 'json-syntax', content: '{\n  "rules": [\n    {"id": "a", "action": "pass",}\n  ]\n}\n', line: 'invalid JSON: line 3, column 34: Expected double-quoted property name' },
  { name: 'too-many-rules', content: { rules: Array.from({ length: 4097 }, (_, i) => ({ id: `r${i}`, action: 'drop' })) }, line: 'rules[4096]: 4,097 rules: more than the capacity of 4,096' },
];

describe('xdpfw check: bad files', { concurrency: 4 }, () => {
  for (const c of BAD_FILES) {
    it(c.name, async () => {
      const file = path.join(tmp, `${c.name}.json`);
      fs.writeFileSync(file, typeof c.content === 'string' ? c.content : JSON.stringify(c.content, null, 2));
      const run = await xdpfw('check', file);
      assert.equal(run.code, 1, run.stderr);
      const lines = run.stderr.trimEnd().split('\n');
      assert.ok(lines.includes(c.line), `stderr should have the line\n  ${c.line}\nbut was\n${run.stderr}`);
      assert.equal(lines.length, 2, `one error and the verdict line expected:\n${run.stderr}`);
      assert.equal(lines[1], `xdpfw check: ${file} rejected (1 error)`);
      assert.equal(run.stdout, '');
    });
  }
  it(`covers ${BAD_FILES.length} kinds`, () => assert.ok(BAD_FILES.length >= 20));
});

/** Every ruleset shipped under rules/ (the schema and non-JSON files are not rulesets). */
function shippedRulesets(dir = path.join(ROOT, 'rules')): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return shippedRulesets(full);
    return e.name.endsWith('.json') && e.name !== 'xdpfw.schema.json' ? [full] : [];
  });
}

describe('xdpfw check: shipped rulesets', { concurrency: 4 }, () => {
  const files = shippedRulesets();
  it('finds the shipped rulesets', () => {
    const names = files.map((f) => path.relative(ROOT, f));
    for (const expected of ['rules/default.json', 'rules/demo.json']) assert.ok(names.includes(expected), names.join(', '));
    assert.ok(names.filter((n) => n.startsWith('rules/examples/')).length >= 3);
  });
  for (const file of files) {
    it(path.relative(ROOT, file), async () => {
      const run = await xdpfw('check', path.relative(ROOT, file));
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, /: valid\n/);
      assert.match(run.stdout, /^rules +\d+ \(\d+ enabled, \d+ disabled\)$/m);
    });
  }
});

describe('xdpfw check: summary and usage', () => {
  it('prints the summary', async () => {
    const run = await xdpfw('check', 'rules/examples/router-ifaces.json');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^default +pass \(ndp: rules, non_ip: pass\)$/m);
    assert.match(run.stdout, /^rules +6 \(5 enabled, 1 disabled\)$/m);
    assert.match(run.stdout, /^ {2}management +2 \(1 IPv4, 1 IPv6\)$/m);
    assert.match(run.stdout, /^interfaces +eth0, eth1, eth2$/m);
  });
  it('prints the summary as JSON', async () => {
    const run = await xdpfw('check', '--json', 'rules/examples/feed-blocklist.json');
    assert.equal(run.code, 0, run.stderr);
    const summary = JSON.parse(run.stdout) as { sets: Record<string, { v4: number; v6: number }> };
    assert.deepEqual(summary.sets.feed, { v4: 3, v6: 2 });
  });
  it('a missing file is an environment error (exit 2)', async () => {
    const run = await xdpfw('check', path.join(tmp, 'does-not-exist.json'));
    assert.equal(run.code, 2);
    assert.equal(run.stderr, `xdpfw check: cannot read ${path.join(tmp, 'does-not-exist.json')}: no such file\n`);
  });
  it('--help exits 0 with the usage', async () => {
    const run = await xdpfw('check', '--help');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: xdpfw check FILE/);
    const top = await xdpfw('--help');
    assert.equal(top.code, 0);
    assert.match(top.stdout, /^ {2}check +validate a ruleset/m);
  });
  it('usage errors exit 2 with the usage on stderr', async () => {
    for (const args of [['check'], ['check', 'a.json', 'b.json'], ['check', '--bogus', 'a.json'], ['frobnicate'], []]) {
      const run = await xdpfw(...args);
      assert.equal(run.code, 2, `xdpfw ${args.join(' ')}`);
      assert.match(run.stderr, /Usage: xdpfw/, `xdpfw ${args.join(' ')}`);
      assert.equal(run.stdout, '');
    }
  });
});
