// Whether two rules compile to the same rule-side tables (protocol, port, flag, interface classes
// and the rules each address label stands for). A rule the daemon re-parsed into a new object
// with the same content counts as unchanged (rule-diff.ts): its bits are not recomputed.

import type { PrefixList } from '../ruleset/address';
import type { AddrField, Rule } from '../ruleset/model';

/** Every field the compiler reads (not `comment`). */
export function sameRule(a: Rule, b: Rule): boolean {
  if (a === b) return true;
  return (
    a.id === b.id &&
    a.action === b.action &&
    a.enabled === b.enabled &&
    a.fragment === b.fragment &&
    a.family === b.family &&
    sameAddr(a.src, b.src) &&
    sameAddr(a.dst, b.dst) &&
    sameArray(a.proto, b.proto) &&
    sameArray(a.icmpType, b.icmpType) &&
    sameArray(a.icmpCode, b.icmpCode) &&
    sameArray(a.iface, b.iface) &&
    sameRanges(a.sport, b.sport) &&
    sameRanges(a.dport, b.dport) &&
    (a.tcpFlags === b.tcpFlags || (a.tcpFlags !== null && b.tcpFlags !== null && a.tcpFlags.set === b.tcpFlags.set && a.tcpFlags.clear === b.tcpFlags.clear))
  );
}

function sameArray<T>(a: readonly T[] | null, b: readonly T[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sameRanges(a: { lo: number; hi: number }[] | null, b: { lo: number; hi: number }[] | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].lo !== b[i].lo || a[i].hi !== b[i].hi) return false;
  return true;
}

function sameAddr(a: AddrField | null, b: AddrField | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return sameArray(a.sets, b.sets) && samePrefixes(a.prefixes, b.prefixes);
}

/** Same members in the same order (order decides label numbering, so it counts). */
function samePrefixes(a: PrefixList, b: PrefixList): boolean {
  if (a === b) return true;
  if (a.countV4 !== b.countV4 || a.countV6 !== b.countV6) return false;
  const [x4, y4] = [a.v4(), b.v4()];
  for (let i = 0; i < x4.len.length; i++) if (x4.addr[i] !== y4.addr[i] || x4.len[i] !== y4.len[i]) return false;
  const [x6, y6] = [a.v6(), b.v6()];
  for (let i = 0; i < x6.len.length; i++) if (x6.len[i] !== y6.len[i]) return false;
  for (let i = 0; i < x6.addr.length; i++) if (x6.addr[i] !== y6.addr[i]) return false;
  return true;
}
