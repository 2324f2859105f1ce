// The same rulesets for the kernel's own firewalls, hooked where they can drop earliest
// (prerouting at raw priority, before conntrack and routing):
//  - iptables (nft backend) in linear form: one rule per xdpfw rule, in order, in the raw table;
//  - nftables in its best form: the rules that test (source prefix, protocol, ports) go into one
//    verdict map looked up once, the rest follow as plain rules.
// Only the shapes the benchmark workloads produce are translated; anything else is refused.

import { execFileSync } from 'node:child_process';
import { formatPrefix, type Prefix } from '../../src/ruleset/address';
import type { Rule, Ruleset } from '../../src/ruleset/model';

const PROTO_NAMES: Record<number, string> = { 6: 'tcp', 17: 'udp' };
const NFT_TABLE = 'xdpfwbench';

function check(r: Rule): void {
  if (r.dst || r.sport || r.tcpFlags || r.icmpType || r.icmpCode || r.fragment || r.iface || r.family || !r.enabled) {
    throw new Error(`rule ${r.id}: a field the netfilter translation does not cover`);
  }
  for (const p of r.proto ?? []) if (!PROTO_NAMES[p]) throw new Error(`rule ${r.id}: protocol ${p}`);
}

/** Rules to translate: enabled ones, minus those naming only empty sets (they match nothing). */
function effectiveRules(rs: Ruleset): Rule[] {
  return rs.rules.filter((r) => {
    if (!r.src || r.src.sets.length === 0) return true;
    const members = r.src.sets.reduce((n, s) => n + (rs.sets.get(s)?.size ?? 0), r.src.prefixes.size);
    if (members > 0) throw new Error(`rule ${r.id}: non-empty sets have no linear iptables form; the veth rulesets carry none`);
    return false;
  });
}

function sources(r: Rule): Prefix[] {
  return r.src ? [...r.src.prefixes] : [];
}

export function iptablesRestore(rs: Ruleset): { v4: string; v6: string } {
  const lines: Record<4 | 6, string[]> = { 4: [], 6: [] };
  for (const r of effectiveRules(rs)) {
    check(r);
    const srcs = sources(r);
    const families: (4 | 6)[] = srcs.length ? [...new Set(srcs.map((p) => p.family))] : [4, 6];
    for (const family of families) {
      const fam = srcs.filter((p) => p.family === family);
      for (const src of fam.length ? fam.map(formatPrefix) : [null]) {
        for (const proto of r.proto ?? [null]) {
          for (const d of r.dport ?? [null]) {
            if (d && proto === null) throw new Error(`rule ${r.id}: ports without a protocol`);
            const parts = ['-A PREROUTING'];
            if (src) parts.push(`-s ${src}`);
            if (proto !== null) parts.push(`-p ${PROTO_NAMES[proto]}`);
            if (d) parts.push(`-m ${PROTO_NAMES[proto!]} --dport ${d.lo === d.hi ? d.lo : `${d.lo}:${d.hi}`}`);
            parts.push(`-j ${r.action === 'drop' ? 'DROP' : 'ACCEPT'}`);
            lines[family].push(parts.join(' '));
          }
        }
      }
    }
  }
  const policy = rs.default === 'drop' ? 'DROP' : 'ACCEPT';
  const table = (l: string[]) => ['*raw', `:PREROUTING ${policy} [0:0]`, ...l, 'COMMIT', ''].join('\n');
  return { v4: table(lines[4]), v6: table(lines[6]) };
}

/** A rule that fits a verdict-map element: one source prefix, one protocol, port ranges. */
function mapKeyed(r: Rule): boolean {
  return r.src !== null && r.src.prefixes.size === 1 && r.src.sets.length === 0 && r.proto?.length === 1 && r.dport !== null;
}

export function nftScript(rs: Ruleset): string {
  const rules = effectiveRules(rs);
  rules.forEach(check);
  // First match must stay first match: keyed rules go into the map only while they lead the
  // list, and only if their keys cannot overlap (distinct prefixes of one length).
  let lead = 0;
  while (lead < rules.length && mapKeyed(rules[lead])) lead++;
  const keyed = rules.slice(0, lead);
  const srcs = keyed.map((r) => sources(r)[0]);
  if (new Set(srcs.map(formatPrefix)).size !== srcs.length || new Set(srcs.map((p) => p.len)).size > 1) {
    throw new Error('nft: keyed rules overlap; a verdict map would change first-match order');
  }
  const elements: Record<4 | 6, string[]> = { 4: [], 6: [] };
  for (const r of keyed) {
    const src = sources(r)[0];
    for (const d of r.dport!) {
      const port = d.lo === d.hi ? `${d.lo}` : `${d.lo}-${d.hi}`;
      elements[src.family].push(`${formatPrefix(src)} . ${PROTO_NAMES[r.proto![0]]} . ${port} : ${r.action === 'drop' ? 'drop' : 'accept'}`);
    }
  }
  const out = [`table inet ${NFT_TABLE} {`];
  for (const family of [4, 6] as const) {
    if (!elements[family].length) continue;
    out.push(`  map rules${family} {`, `    type ipv${family}_addr . inet_proto . inet_service : verdict`, '    flags interval');
    out.push(`    elements = {\n      ${elements[family].join(',\n      ')}\n    }`, '  }');
  }
  out.push('  chain pre {', `    type filter hook prerouting priority raw; policy ${rs.default === 'drop' ? 'drop' : 'accept'};`);
  if (elements[4].length) out.push('    ip saddr . meta l4proto . th dport vmap @rules4');
  if (elements[6].length) out.push('    ip6 saddr . meta l4proto . th dport vmap @rules6');
  for (const r of rules.slice(lead)) {
    const srcs = sources(r);
    const matches: string[] = [];
    const v4 = srcs.filter((p) => p.family === 4).map(formatPrefix);
    const v6 = srcs.filter((p) => p.family === 6).map(formatPrefix);
    if (v4.length && v6.length) throw new Error(`rule ${r.id}: mixed families`);
    if (v4.length) matches.push(`ip saddr { ${v4.join(', ')} }`);
    if (v6.length) matches.push(`ip6 saddr { ${v6.join(', ')} }`);
    if (r.proto) matches.push(`meta l4proto { ${r.proto.map((p) => PROTO_NAMES[p]).join(', ')} }`);
    if (r.dport) matches.push(`th dport { ${r.dport.map((d) => (d.lo === d.hi ? `${d.lo}` : `${d.lo}-${d.hi}`)).join(', ')} }`);
    out.push(`    ${matches.join(' ')} ${r.action === 'drop' ? 'drop' : 'accept'}`);
  }
  out.push('  }', '}', '');
  return out.join('\n');
}

const inNs = (ns: string, argv: string[], input?: string) =>
  execFileSync('ip', ['netns', 'exec', ns, ...argv], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 64 << 20 });

export function loadNft(ns: string, script: string): void {
  inNs(ns, ['nft', '-f', '-'], script);
}

export function unloadNft(ns: string): void {
  inNs(ns, ['nft', 'delete', 'table', 'inet', NFT_TABLE]);
}

export function loadIptables(ns: string, text: { v4: string; v6: string }): void {
  inNs(ns, ['iptables-restore'], text.v4);
  inNs(ns, ['ip6tables-restore'], text.v6);
}

/** Deletes the tables iptables-nft made: a flushed but hooked chain would still cost every packet. */
export function unloadIptables(ns: string): void {
  inNs(ns, ['nft', 'delete', 'table', 'ip', 'raw']);
  inNs(ns, ['nft', 'delete', 'table', 'ip6', 'raw']);
}
