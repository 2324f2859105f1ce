// A ruleset summary as text for the terminal. The keys of RulesetSummary get their own lines;
// any key added later (e.g. compiled map usage) is printed generically, so extending the
// summary needs no change here.

import type { RulesetSummary } from '../ruleset/summary';

const KNOWN = new Set(['default', 'ndp', 'non_ip', 'rules', 'sets', 'prefixes', 'interfaces']);

const num = (n: number) => n.toLocaleString('en-US');

export function formatSummary(summary: RulesetSummary & Record<string, unknown>): string {
  const lines: string[] = [];
  const row = (label: string, text: string) => lines.push(`${label.padEnd(12)}${text}`);
  row('default', `${summary.default} (ndp: ${summary.ndp}, non_ip: ${summary.non_ip})`);
  const r = summary.rules;
  row('rules', `${num(r.total)} (${num(r.enabled)} enabled, ${num(r.disabled)} disabled)`);
  const sets = Object.entries(summary.sets);
  row('sets', String(sets.length));
  const width = Math.max(0, ...sets.map(([name]) => name.length));
  for (const [name, c] of sets) {
    lines.push(`  ${name.padEnd(width)}  ${num(c.v4 + c.v6)} (${num(c.v4)} IPv4, ${num(c.v6)} IPv6)`);
  }
  row('prefixes', `${num(summary.prefixes.v4)} IPv4, ${num(summary.prefixes.v6)} IPv6 (sets and rule addresses)`);
  row('interfaces', summary.interfaces.length ? summary.interfaces.join(', ') : 'any (no rule names one)');
  for (const [key, value] of Object.entries(summary)) {
    if (!KNOWN.has(key)) formatValue(key, value, '', lines);
  }
  return lines.join('\n');
}

/** `key value`, or `key` then its members indented, for plain JSON values. */
function formatValue(key: string, value: unknown, indent: string, lines: string[]): void {
  if (value !== null && typeof value === 'object') {
    lines.push(`${indent}${key}`);
    for (const [k, v] of Object.entries(value)) formatValue(k, v, indent + '  ', lines);
    return;
  }
  const text = typeof value === 'number' ? num(value) : String(value);
  lines.push(`${indent}${key.padEnd(Math.max(0, 12 - indent.length))} ${text}`.trimEnd());
}
