// Ruleset validation: every kind of bad input is reported once, at the exact JSON pointer, with a
// message that says what is wrong; valid input comes out normalised.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Ajv from 'ajv';
import { formatPrefix } from '../src/ruleset/address';
import type { ValidationIssue } from '../src/ruleset/model';
import { issuesFromAjvErrors, rulesetSchema, schemaRef } from '../src/ruleset/schema';
import { summariseRuleset } from '../src/ruleset/summary';
import {
  MAX_ISSUES,
  parseRule,
  parseRuleset,
  parseRulesetFile,
  parseRulesetText,
  parseSetElements,
  pointerToDotted,
  type ParseOptions,
  type ParseResult,
} from '../src/ruleset/validate';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xdpfw-validate-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
fs.writeFileSync(path.join(tmp, 'good.txt'), '# feed\r\n192.0.2.0/24  # trailing\r\n\r\n2001:db8::/32\r\n192.0.2.0/24\n');
fs.writeFileSync(path.join(tmp, 'bad.txt'), '# feed\n192.0.2.0/24\n10.0.0.1/8\n');

const rule = (extra: Record<string, unknown>) => ({ id: 'r', action: 'pass', ...extra });
const ruleset = (...rules: unknown[]) => ({ rules });

function errorsOf(r: ParseResult): ValidationIssue[] {
  assert.equal(r.ok, false, 'expected the input to be rejected');
  return r.ok ? [] : r.errors;
}

interface BadCase {
  name: string;
  input: unknown;
  path: string;
  message: string;
  opts?: Partial<ParseOptions>;
}

// One mistake each: the answer must be exactly one issue, at `path`, whose message has `message`.
const BAD: BadCase[] = [
  { name: 'top level not an object', input: [], path: '', message: 'must be an object' },
  { name: 'rules missing', input: { default: 'drop' }, path: '/rules', message: 'is required' },
  { name: 'unknown top-level key', input: { rules: [], defualt: 'drop' }, path: '/defualt', message: 'unknown field "defualt"; did you mean "default"?' },
  { name: '$schema key (unknown keys are errors)', input: { $schema: './xdpfw.schema.json', rules: [] }, path: '/$schema', message: 'unknown field "$schema"' },
  { name: 'default not pass/drop', input: { default: 'allow', rules: [] }, path: '/default', message: 'must be one of: pass, drop; got "allow"' },
  { name: 'ndp not bypass/rules', input: { ndp: 'pass', rules: [] }, path: '/ndp', message: 'must be one of: bypass, rules' },
  { name: 'non_ip not pass/drop', input: { non_ip: true, rules: [] }, path: '/non_ip', message: 'must be one of: pass, drop' },
  { name: 'rules not an array', input: { rules: {} }, path: '/rules', message: 'must be an array' },
  { name: 'sets not an object', input: { sets: [], rules: [] }, path: '/sets', message: 'must be an object' },
  { name: 'rule not an object', input: ruleset('drop-all'), path: '/rules/0', message: 'must be an object' },
  { name: 'id missing', input: ruleset({ action: 'drop' }), path: '/rules/0/id', message: 'is required' },
  { name: 'action missing', input: ruleset({ id: 'x' }), path: '/rules/0/action', message: 'is required' },
  { name: 'action not pass/drop', input: ruleset(rule({ action: 'reject' })), path: '/rules/0/action', message: 'must be one of: pass, drop' },
  { name: 'id with a bad first character', input: ruleset(rule({ id: '-x' })), path: '/rules/0/id', message: 'starting with a letter or digit; got "-x"' },
  { name: 'id too long', input: ruleset(rule({ id: 'a'.repeat(65) })), path: '/rules/0/id', message: '1 to 64 letters' },
  { name: 'duplicate id', input: ruleset(rule({}), rule({ action: 'drop' })), path: '/rules/1/id', message: 'duplicate id "r" (first used by rules[0])' },
  { name: 'unknown rule field', input: ruleset(rule({ dprot: 22 })), path: '/rules/0/dprot', message: 'unknown field "dprot"; did you mean "dport"?' },
  { name: 'port above 65535', input: ruleset(rule({ dport: 70000 })), path: '/rules/0/dport', message: 'must be <= 65535' },
  { name: 'negative port in an array', input: ruleset(rule({ sport: [80, -1] })), path: '/rules/0/sport/1', message: 'must be >= 0' },
  { name: 'port range reversed', input: ruleset(rule({ dport: '90-80' })), path: '/rules/0/dport', message: 'range "90-80": low end is above high end' },
  { name: 'port range above 65535', input: ruleset(rule({ dport: [22, '1024-65536'] })), path: '/rules/0/dport/1', message: 'range "1024-65536": must be <= 65535' },
  { name: 'port as a numeric string', input: ruleset(rule({ dport: '80' })), path: '/rules/0/dport', message: 'must be a port 0..65535 or a "lo-hi" range; got "80"' },
  { name: 'port not an integer', input: ruleset(rule({ dport: 8.5 })), path: '/rules/0/dport', message: 'must be a port 0..65535, a "lo-hi" range, or a non-empty array of these' },
  { name: 'port array empty', input: ruleset(rule({ dport: [] })), path: '/rules/0/dport', message: 'must not be empty' },
  { name: 'port array element of a wrong type', input: ruleset(rule({ dport: [80, null] })), path: '/rules/0/dport/1', message: 'must be a port 0..65535 or a "lo-hi" range' },
  { name: 'unknown protocol name', input: ruleset(rule({ proto: 'tpc' })), path: '/rules/0/proto', message: 'must be a protocol (tcp, udp, sctp, icmp, icmpv6, gre, esp)' },
  { name: 'protocol number above 255', input: ruleset(rule({ proto: ['tcp', 256] })), path: '/rules/0/proto/1', message: 'must be <= 255' },
  { name: 'ports with a non-port protocol', input: ruleset(rule({ proto: ['tcp', 'icmp'], dport: 80 })), path: '/rules/0', message: 'dport matches only tcp, udp and sctp, but proto also names icmp' },
  { name: 'ports with protocol number 47', input: ruleset(rule({ proto: 47, sport: 1, dport: 2 })), path: '/rules/0', message: 'sport and dport match only tcp, udp and sctp, but proto also names gre' },
  { name: 'tcp_flags without proto', input: ruleset(rule({ tcp_flags: 'syn' })), path: '/rules/0', message: 'tcp_flags needs proto tcp (proto is missing)' },
  { name: 'tcp_flags with proto udp', input: ruleset(rule({ proto: 'udp', tcp_flags: 'syn' })), path: '/rules/0', message: 'tcp_flags needs proto tcp (proto is udp)' },
  { name: 'tcp_flags with tcp and udp', input: ruleset(rule({ proto: ['tcp', 17], tcp_flags: 'ack' })), path: '/rules/0', message: 'tcp_flags needs proto tcp (proto is tcp, udp)' },
  { name: 'flag required and negated', input: ruleset(rule({ proto: 'tcp', tcp_flags: 'syn,ack,!syn' })), path: '/rules/0/tcp_flags', message: 'flag "syn" is both required and negated' },
  { name: 'unknown flag', input: ruleset(rule({ proto: 'tcp', tcp_flags: 'sny,!ack' })), path: '/rules/0/tcp_flags', message: 'unknown TCP flag "sny"; did you mean "syn"?' },
  { name: 'flags with spaces', input: ruleset(rule({ proto: 'tcp', tcp_flags: 'syn, ack' })), path: '/rules/0/tcp_flags', message: 'comma-separated TCP flags' },
  { name: 'icmp_type without proto', input: ruleset(rule({ icmp_type: 8 })), path: '/rules/0', message: 'icmp_type needs proto icmp or icmpv6, exactly one of them (proto is missing)' },
  { name: 'icmp_code with icmp and icmpv6', input: ruleset(rule({ proto: ['icmp', 'icmpv6'], icmp_code: 0 })), path: '/rules/0', message: 'icmp_code needs proto icmp or icmpv6' },
  { name: 'icmp_type above 255', input: ruleset(rule({ proto: 'icmp', icmp_type: [8, 256] })), path: '/rules/0/icmp_type/1', message: 'must be <= 255' },
  { name: 'icmp_type as a string', input: ruleset(rule({ proto: 'icmp', icmp_type: 'echo' })), path: '/rules/0/icmp_type', message: 'must be an integer 0..255 or a non-empty array of these' },
  { name: 'non_first fragment with ports', input: ruleset(rule({ fragment: 'non_first', proto: 'udp', sport: 53 })), path: '/rules/0', message: 'fragment "non_first" cannot be combined with sport: non-first fragments carry no L4 header' },
  { name: 'non_first fragment with icmp_type', input: ruleset(rule({ fragment: 'non_first', proto: 'icmp', icmp_type: 0 })), path: '/rules/0', message: 'cannot be combined with icmp_type' },
  { name: 'fragment not none/first/non_first', input: ruleset(rule({ fragment: 'middle' })), path: '/rules/0/fragment', message: 'must be one of: none, first, non_first' },
  { name: 'host bits set', input: ruleset(rule({ src: '10.0.0.1/8' })), path: '/rules/0/src', message: '"10.0.0.1/8" has host bits set (the network is 10.0.0.0/8)' },
  { name: 'bad address in an array', input: ruleset(rule({ dst: ['192.0.2.1', '192.0.2.300'] })), path: '/rules/0/dst/1', message: '"192.0.2.300" is not an IP address or CIDR' },
  { name: 'prefix length too long', input: ruleset(rule({ dst: '2001:db8::/129' })), path: '/rules/0/dst', message: 'prefix length must be 0..128' },
  { name: 'address of a wrong form', input: ruleset(rule({ src: 'localhost' })), path: '/rules/0/src', message: 'must be an IP address, a CIDR or @set; got "localhost"' },
  { name: 'address list empty', input: ruleset(rule({ src: [] })), path: '/rules/0/src', message: 'must not be empty' },
  { name: 'unknown set', input: { sets: { bogons: [] }, rules: [rule({ src: ['192.0.2.0/24', '@bogon'] })] }, path: '/rules/0/src/1', message: 'unknown set "@bogon"; did you mean "@bogons"?' },
  { name: 'src and dst share no family', input: ruleset(rule({ src: '192.0.2.0/24', dst: ['2001:db8::1', '2001:db8::2'] })), path: '/rules/0', message: 'src and dst share no address family (src is IPv4 only, dst is IPv6 only)' },
  { name: 'family excludes src', input: ruleset(rule({ src: '192.0.2.0/24', family: 'ipv6' })), path: '/rules/0', message: 'family ipv6 excludes every entry of src (IPv4 only)' },
  { name: 'family excludes dst', input: ruleset(rule({ dst: '::1', family: 'ipv4' })), path: '/rules/0', message: 'family ipv4 excludes every entry of dst (IPv6 only)' },
  { name: 'family not ipv4/ipv6', input: ruleset(rule({ family: 'inet6' })), path: '/rules/0/family', message: 'must be one of: ipv4, ipv6' },
  { name: 'interface name with a slash', input: ruleset(rule({ iface: 'a/b' })), path: '/rules/0/iface', message: 'must be an interface name (1 to 15 characters' },
  { name: 'interface name too long', input: ruleset(rule({ iface: ['eth0', 'x'.repeat(16)] })), path: '/rules/0/iface/1', message: 'must be an interface name' },
  { name: 'interface not attached', input: ruleset(rule({ iface: ['eth0', 'eth9'] })), opts: { knownIfaces: ['eth0', 'eth1'] }, path: '/rules/0/iface/1', message: 'not attached: eth9 (attached: eth0, eth1)' },
  { name: 'enabled not a boolean', input: ruleset(rule({ enabled: 'yes' })), path: '/rules/0/enabled', message: 'must be true or false' },
  { name: 'comment not a string', input: ruleset(rule({ comment: 42 })), path: '/rules/0/comment', message: 'must be a string' },
  { name: 'set name invalid', input: { sets: { Bogons: [] }, rules: [] }, path: '/sets/Bogons', message: 'invalid name "Bogons": must be 1 to 64 lower-case letters' },
  { name: 'set member with host bits', input: { sets: { feed: ['192.0.2.0/24', '198.51.100.1/24'] }, rules: [] }, path: '/sets/feed/1', message: 'has host bits set (the network is 198.51.100.0/24)' },
  { name: 'set member that is a set reference', input: { sets: { feed: ['@other'] }, rules: [] }, path: '/sets/feed/0', message: 'must be an IP address or CIDR; got "@other"' },
  { name: 'set of a wrong type', input: { sets: { feed: '192.0.2.0/24' }, rules: [] }, path: '/sets/feed', message: 'must be an array of IPs/CIDRs or {"file": PATH}' },
  { name: 'file set with an unknown key', input: { sets: { feed: { file: 'good.txt', format: 'txt' } }, rules: [] }, path: '/sets/feed/format', message: 'unknown field "format"' },
  { name: 'file set where files are refused (REST)', input: { sets: { feed: { file: 'good.txt' } }, rules: [] }, opts: { allowFileSets: false }, path: '/sets/feed', message: 'the daemon reads no path a client names' },
  { name: 'file set whose file is missing', input: { sets: { feed: { file: 'missing.txt' } }, rules: [] }, path: '/sets/feed/file', message: 'cannot read missing.txt: no such file' },
  { name: 'file set with a bad line', input: { sets: { feed: { file: 'bad.txt' } }, rules: [] }, path: '/sets/feed', message: 'bad.txt:3: "10.0.0.1/8" has host bits set' },
];

describe('bad input: one precise issue each', () => {
  for (const c of BAD) {
    it(c.name, () => {
      const errors = errorsOf(parseRuleset(c.input, { allowFileSets: true, baseDir: tmp, ...c.opts }));
      assert.equal(errors.length, 1, `one issue expected, got ${JSON.stringify(errors)}`);
      assert.equal(errors[0].path, c.path);
      assert.ok(errors[0].message.includes(c.message), `"${errors[0].message}" should include "${c.message}"`);
    });
  }
  it(`covers ${BAD.length} kinds`, () => assert.ok(BAD.length >= 30));
});

describe('several mistakes at once', () => {
  it('reports schema and semantic issues of different rules together, in document order', () => {
    const errors = errorsOf(parseRuleset({
      sets: { a: ['192.0.2.1/24'] },
      rules: [rule({ id: 'one', dport: 70000 }), rule({ id: 'two', src: '@nope' }), rule({ id: 'one' })],
    }, { allowFileSets: false }));
    assert.deepEqual(errors.map((e) => e.path), ['/sets/a/0', '/rules/0/dport', '/rules/1/src', '/rules/2/id']);
  });
  it('caps the list and says how many more there were', () => {
    const members = Array.from({ length: 500 }, (_, i) => `10.0.${i % 256}.1/24`);
    const errors = errorsOf(parseRuleset({ sets: { s: members }, rules: [] }, { allowFileSets: false }));
    assert.equal(errors.length, MAX_ISSUES + 1);
    assert.deepEqual(errors[MAX_ISSUES], { path: '', message: `... and ${500 - MAX_ISSUES} more errors` });
  });
});

describe('capacity', () => {
  it('more than 4096 rules, disabled ones included', () => {
    const rules = Array.from({ length: 4097 }, (_, i) => ({ id: `r${i}`, action: 'drop', enabled: i % 2 === 0 }));
    const r = parseRuleset({ rules }, { allowFileSets: false });
    assert.deepEqual(r, { ok: false, capacity: true, errors: [{ path: '/rules/4096', message: '4,097 rules: more than the capacity of 4,096' }] });
    assert.equal(parseRuleset({ rules: rules.slice(0, 4096) }, { allowFileSets: false }).ok, true);
    assert.equal(parseRuleset({ rules }, { allowFileSets: false, checkCapacity: false }).ok, true);
  });
  it('more than 250,000 IPv6 set prefixes over several sets', () => {
    const members = Array.from({ length: 250_000 }, (_, i) => `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`);
    const r = parseRuleset({ sets: { big: members, more: ['fd00::/8'] }, rules: [rule({ src: '@big' })] }, { allowFileSets: false });
    assert.deepEqual(r, { ok: false, capacity: true, errors: [{ path: '/sets/more', message: '250,001 IPv6 set prefixes: more than the capacity of 250,000' }] });
  });
  it('does not count literal rule addresses against the set capacity (CONTRACT 4: set prefixes)', () => {
    const members = Array.from({ length: 250_000 }, (_, i) => `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::/64`);
    const r = parseRuleset({ sets: { big: members }, rules: [rule({ src: 'fd00::/8' })] }, { allowFileSets: false });
    assert.equal(r.ok, true);
  });
  it('more than 64 interfaces', () => {
    const names = Array.from({ length: 65 }, (_, i) => `eth${i}`);
    const r = parseRuleset(ruleset(rule({ iface: names.slice(0, 60) }), rule({ id: 'b', iface: names.slice(55) })), { allowFileSets: false });
    assert.deepEqual(r, { ok: false, capacity: true, errors: [{ path: '/rules/1/iface', message: 'more than 64 distinct interfaces' }] });
  });
  it('is not flagged as capacity when other errors come with it', () => {
    const rules = Array.from({ length: 4097 }, (_, i) => ({ id: `r${i}`, action: 'drop' }));
    rules[3] = { id: 'r3', action: 'nope' };
    const r = parseRuleset({ rules }, { allowFileSets: false });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.capacity, undefined);
  });
});

describe('valid input, normalised', () => {
  const input = {
    default: 'drop',
    sets: { bogons: ['0.0.0.0/8', '127.0.0.0/8', 'fc00::/7', '127.0.0.0/8'], feed: { file: 'good.txt' }, empty: [] },
    rules: [
      { id: 'drop-bogons', src: '@bogons', action: 'drop' },
      { id: 'ssh-admins', src: ['198.51.100.0/24', '2001:db8:1::/48', '198.51.100.0/24'], proto: 'tcp', dport: 22, action: 'pass' },
      { id: 'web', proto: ['tcp', 6], dport: [443, 80, '79-81', '8000-8099', 8100], tcp_flags: 'syn,!ack,syn', action: 'pass' },
      { id: 'udp-tcp', proto: ['udp', 'tcp', 17], sport: '0-65535', action: 'pass', enabled: false, comment: 'off' },
      { id: 'ping', proto: 1, icmp_type: [8, 0, 8], icmp_code: 0, iface: 'eth0', family: 'ipv4', action: 'pass' },
      { id: 'v6', src: ['@feed', '@empty'], dst: '::/0', family: 'ipv6', fragment: 'non_first', iface: ['eth1', 'eth0', 'eth1'], action: 'drop' },
    ],
  };
  const r = parseRuleset(input, { allowFileSets: true, baseDir: tmp });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  const rs = r.ruleset;

  it('fills top-level defaults', () => {
    assert.deepEqual([rs.default, rs.ndp, rs.nonIp], ['drop', 'bypass', 'pass']);
    const bare = parseRuleset({ rules: [] }, { allowFileSets: false });
    assert.ok(bare.ok);
    assert.deepEqual([bare.ruleset.default, bare.ruleset.ndp, bare.ruleset.nonIp, bare.ruleset.sets.size], ['pass', 'bypass', 'pass', 0]);
  });
  it('reads sets, de-duplicated, file sets from the file', () => {
    assert.deepEqual([...rs.sets.keys()], ['bogons', 'feed', 'empty']);
    assert.deepEqual(rs.sets.get('bogons')?.toStrings(), ['0.0.0.0/8', '127.0.0.0/8', 'fc00::/7']);
    assert.deepEqual(rs.sets.get('feed')?.toStrings(), ['192.0.2.0/24', '2001:db8::/32']);
    assert.equal(rs.sets.get('empty')?.size, 0);
  });
  it('maps addresses to prefixes and set names', () => {
    assert.deepEqual(rs.rules[0].src?.sets, ['bogons']);
    assert.equal(rs.rules[0].src?.prefixes.size, 0);
    assert.deepEqual(rs.rules[1].src?.prefixes.toStrings(), ['198.51.100.0/24', '2001:db8:1::/48']);
    assert.deepEqual(rs.rules[5].src?.sets, ['feed', 'empty']);
    assert.deepEqual([...(rs.rules[5].dst?.prefixes ?? [])].map(formatPrefix), ['::/0']);
  });
  it('maps protocols to sorted unique numbers', () => {
    assert.deepEqual(rs.rules.map((x) => x.proto), [null, [6], [6], [6, 17], [1], null]);
  });
  it('sorts and merges port ranges', () => {
    assert.deepEqual(rs.rules[2].dport, [{ lo: 79, hi: 81 }, { lo: 443, hi: 443 }, { lo: 8000, hi: 8100 }]);
    assert.deepEqual(rs.rules[3].sport, [{ lo: 0, hi: 65535 }]);
    assert.equal(rs.rules[3].dport, null);
  });
  it('reads tcp_flags into set and clear bits', () => {
    assert.deepEqual(rs.rules[2].tcpFlags, { set: 0x02, clear: 0x10 });
  });
  it('normalises the other fields', () => {
    const ping = rs.rules[4];
    assert.deepEqual([ping.icmpType, ping.icmpCode, ping.iface, ping.family], [[0, 8], [0], ['eth0'], 4]);
    const v6 = rs.rules[5];
    assert.deepEqual([v6.fragment, v6.iface, v6.family, v6.icmpType], ['non_first', ['eth1', 'eth0'], 6, null]);
    assert.deepEqual(rs.rules.map((x) => [x.enabled, x.comment]), [[true, null], [true, null], [true, null], [false, 'off'], [true, null], [true, null]]);
  });
  it('returns the JSON as applied, file sets inlined', () => {
    const json = r.json;
    assert.deepEqual(json.sets?.feed, ['192.0.2.0/24', '2001:db8::/32']);
    assert.deepEqual(json.sets?.bogons, input.sets.bogons);
    assert.deepEqual(json.rules, input.rules);
    assert.notEqual(json.rules, input.rules); // a copy, not the caller's objects
  });
  it('summarises', () => {
    const s = summariseRuleset(rs);
    assert.deepEqual(s, {
      default: 'drop', ndp: 'bypass', non_ip: 'pass',
      rules: { total: 6, enabled: 5, disabled: 1 },
      sets: { bogons: { v4: 2, v6: 1 }, feed: { v4: 1, v6: 1 }, empty: { v4: 0, v6: 0 } },
      prefixes: { v4: 4, v6: 4 },
      interfaces: ['eth0', 'eth1'],
    });
  });
  it('accepts a @set against either family, and names with their numbers', () => {
    const ok = parseRuleset({ sets: { s: ['192.0.2.0/24'] }, rules: [rule({ src: '@s', dst: '2001:db8::1', proto: ['tcp', 6], tcp_flags: 'ack' })] }, { allowFileSets: false });
    assert.equal(ok.ok, true);
  });
});

describe('files', () => {
  it('reads a ruleset file with file sets relative to it', () => {
    const file = path.join(tmp, 'rs.json');
    fs.writeFileSync(file, JSON.stringify({ sets: { feed: { file: 'good.txt' } }, rules: [rule({ src: '@feed' })] }));
    const r = parseRulesetFile(file);
    assert.ok(r.ok);
    assert.equal(r.ruleset.sets.get('feed')?.size, 2);
  });
  it('locates JSON syntax errors by line and column', () => {
    const errors = errorsOf(parseRulesetText('{\n  "rules": []\n  "default": "drop"\n}', { allowFileSets: false }));
    assert.equal(errors.length, 1);
    assert.equal(errors[0].path, '');
    assert.match(errors[0].message, /^invalid JSON: line 3, column 3: Expected ',' or '}' after property value/);
  });
  it('reports an unreadable ruleset file', () => {
    const errors = errorsOf(parseRulesetFile(path.join(tmp, 'nope.json')));
    assert.equal(errors[0].path, '');
    assert.match(errors[0].message, /cannot read .*nope\.json/);
  });
  it('parses a 1,000,000-line IPv4 feed (timing printed, not asserted)', () => {
    const lines: string[] = ['# generated feed'];
    for (let i = 0; i < 1_000_000; i++) lines.push(`${1 + (i >>> 16)}.${(i >>> 8) & 255}.${i & 255}.0/24`);
    fs.writeFileSync(path.join(tmp, 'million.txt'), lines.join('\n') + '\n');
    const file = path.join(tmp, 'million.json');
    fs.writeFileSync(file, JSON.stringify({ sets: { feed: { file: 'million.txt' } }, rules: [rule({ src: '@feed' })] }));
    const start = process.hrtime.bigint();
    const r = parseRulesetFile(file);
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    console.log(`# 1,000,000-line IPv4 feed parsed in ${ms.toFixed(0)} ms`);
    assert.ok(r.ok);
    assert.equal(r.ruleset.sets.get('feed')?.countV4, 1_000_000);
  });
});

describe('parseRule (REST single-rule routes)', () => {
  const ctx = { sets: new Set(['feed']), knownIfaces: ['eth0'] };
  it('normalises a rule', () => {
    const r = parseRule(rule({ src: '@feed', proto: 'udp', dport: [53, '50-60'], iface: 'eth0' }), ctx, '');
    assert.ok(r.ok);
    assert.deepEqual([r.rule.src?.sets, r.rule.proto, r.rule.dport, r.rule.iface], [['feed'], [17], [{ lo: 50, hi: 60 }], ['eth0']]);
  });
  it('prefixes issue paths', () => {
    assert.deepEqual(parseRule(rule({ dport: 70000 }), ctx, '/rules/7'), { ok: false, errors: [{ path: '/rules/7/dport', message: 'must be <= 65535' }] });
    assert.deepEqual(parseRule(rule({ src: '@other' }), ctx, ''), { ok: false, errors: [{ path: '/src', message: 'unknown set "@other"' }] });
    assert.deepEqual(parseRule(rule({ iface: 'eth1' }), ctx, ''), { ok: false, errors: [{ path: '/iface', message: 'not attached: eth1 (attached: eth0)' }] });
    assert.deepEqual(parseRule(rule({ tcp_flags: 'syn' }), ctx, ''), { ok: false, errors: [{ path: '', message: 'tcp_flags needs proto tcp (proto is missing)' }] });
  });
});

describe('parseSetElements (REST set routes)', () => {
  it('reads members as prefixes', () => {
    const r = parseSetElements(['10.0.0.1', '10.0.0.1/32', '2001:db8::/32'], '/add');
    assert.ok(r.ok);
    assert.deepEqual(r.list.toStrings(), ['10.0.0.1/32', '2001:db8::/32']);
  });
  it('names the bad member', () => {
    assert.deepEqual(parseSetElements(['10.0.0.0/8', '10.0.0.1/8'], '/add'), { ok: false, errors: [{ path: '/add/1', message: '"10.0.0.1/8" has host bits set (the network is 10.0.0.0/8)' }] });
    assert.deepEqual(parseSetElements('10.0.0.0/8', '/elements'), { ok: false, errors: [{ path: '/elements', message: 'must be an array of IPs/CIDRs' }] });
  });
});

describe('pointers and schema', () => {
  it('pointerToDotted', () => {
    assert.equal(pointerToDotted('/rules/3/dport'), 'rules[3].dport');
    assert.equal(pointerToDotted('/sets/my-feed/4'), 'sets["my-feed"][4]');
    assert.equal(pointerToDotted('/sets/a~1b'), 'sets["a/b"]');
    assert.equal(pointerToDotted(''), '');
    assert.equal(pointerToDotted('/rules/0'), 'rules[0]');
  });
  it('exports parts by $ref', () => {
    const ajv = new Ajv({ strict: false, allowUnionTypes: true });
    ajv.addSchema(rulesetSchema());
    const ruleValid = ajv.compile({ $ref: schemaRef('rule') });
    assert.equal(ruleValid({ id: 'a', action: 'drop', dport: '1-2' }), true);
    assert.equal(ruleValid({ id: 'a', action: 'drop', dport: '1-2', x: 1 }), false);
    const patch = ajv.compile({ $ref: schemaRef('setPatch') });
    assert.equal(patch({ add: ['10.0.0.0/8'], remove: [] }), true);
    assert.equal(patch({ add: '10.0.0.0/8' }), false);
  });
  it('shows one message for a failed anyOf when a branch explains it', () => {
    const ajv = new Ajv({ allErrors: true, verbose: true });
    const validate = ajv.compile({
      type: 'object',
      properties: { port: { anyOf: [{ type: 'integer', maximum: 65535 }, { type: 'string', pattern: '^[0-9]+-[0-9]+$' }] } },
    });
    validate({ port: 70000 });
    assert.deepEqual(issuesFromAjvErrors(validate.errors ?? []), [{ path: '/port', message: 'must be <= 65535' }]);
    validate({ port: true });
    assert.deepEqual(issuesFromAjvErrors(validate.errors ?? []), [{ path: '/port', message: 'must be an integer or a string' }]);
    validate({ port: '1-2-3' });
    assert.deepEqual(issuesFromAjvErrors(validate.errors ?? []), [{ path: '/port', message: 'must be text matching ^[0-9]+-[0-9]+$; got "1-2-3"' }]);
  });
});
