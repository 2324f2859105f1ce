// A schema-valid rule -> the normalised Rule, with the checks that span several of its fields
// (CONTRACT section 3 items 2-3, 7). Those are reported at the rule's own pointer.

import type { Family } from './address';
import type { Rule, RuleJson, ValidationIssue } from './model';
import { IPPROTO } from './model';
import { pointerJoin } from './pointer';
import {
  addrFamilies,
  parseAddrField,
  parseIfaces,
  parsePorts,
  parseTcpFlags,
  protoNumbers,
  protoText,
  uint8List,
  type FieldResult,
} from './rule-fields';

export interface RuleContext {
  /** Names of the ruleset's sets (without `@`). */
  sets: ReadonlySet<string>;
  /** When given, `iface` names outside it are errors (the daemon's attached interfaces). */
  knownIfaces?: readonly string[];
}

// Ports are the first two 16-bit fields of these protocols' headers only.
const PORT_PROTOCOLS: ReadonlySet<number> = new Set([IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP]);

/** Checks and normalises one rule; `rule` is null when there are issues. */
export function checkRule(json: RuleJson, path: string, ctx: RuleContext): { rule: Rule | null; issues: ValidationIssue[] } {
  const issues: ValidationIssue[] = [];
  const take = <T>(r: FieldResult<T>): T => {
    issues.push(...r.issues);
    return r.value;
  };
  const fieldPath = (name: string) => pointerJoin(path, name);

  const issuesBefore = issues.length;
  const src = json.src === undefined ? null : take(parseAddrField(json.src, fieldPath('src'), ctx.sets));
  const dst = json.dst === undefined ? null : take(parseAddrField(json.dst, fieldPath('dst'), ctx.sets));
  const addressesOk = issues.length === issuesBefore;
  const proto = json.proto === undefined ? null : protoNumbers(json.proto);
  const sport = json.sport === undefined ? null : take(parsePorts(json.sport, fieldPath('sport')));
  const dport = json.dport === undefined ? null : take(parsePorts(json.dport, fieldPath('dport')));
  const tcpFlags = json.tcp_flags === undefined ? null : take(parseTcpFlags(json.tcp_flags, fieldPath('tcp_flags')));
  const iface = json.iface === undefined ? null : take(parseIfaces(json.iface, fieldPath('iface'), ctx.knownIfaces));
  const family: Family | null = json.family === undefined ? null : json.family === 'ipv4' ? 4 : 6;

  const rule: Rule = {
    id: json.id,
    action: json.action,
    enabled: json.enabled ?? true,
    comment: json.comment ?? null,
    src,
    dst,
    proto,
    sport,
    dport,
    tcpFlags,
    icmpType: json.icmp_type === undefined ? null : uint8List(json.icmp_type),
    icmpCode: json.icmp_code === undefined ? null : uint8List(json.icmp_code),
    fragment: json.fragment ?? null,
    iface,
    family,
  };

  for (const message of crossFieldProblems(json, rule, addressesOk)) issues.push({ path, message });
  return { rule: issues.length === 0 ? rule : null, issues };
}

/** Constraints between fields, each as a message for the rule's pointer. */
function crossFieldProblems(json: RuleJson, rule: Rule, addressesOk: boolean): string[] {
  const out: string[] = [];
  const present = (names: Array<keyof RuleJson>) => names.filter((n) => json[n] !== undefined);
  const protoIs = (num: number) => rule.proto !== null && rule.proto.length === 1 && rule.proto[0] === num;
  const protoNow = rule.proto === null ? 'proto is missing' : `proto is ${protoText(rule.proto)}`;

  const portFields = present(['sport', 'dport']);
  if (portFields.length > 0 && rule.proto !== null) {
    const others = rule.proto.filter((p) => !PORT_PROTOCOLS.has(p));
    if (others.length > 0) {
      const verb = portFields.length > 1 ? 'match' : 'matches';
      out.push(`${portFields.join(' and ')} ${verb} only tcp, udp and sctp, but proto also names ${protoText(others)}`);
    }
  }
  if (rule.tcpFlags !== null && !protoIs(IPPROTO.TCP)) {
    out.push(`tcp_flags needs proto tcp (${protoNow})`);
  }
  const icmpFields = present(['icmp_type', 'icmp_code']);
  if (icmpFields.length > 0 && !protoIs(IPPROTO.ICMP) && !protoIs(IPPROTO.ICMPV6)) {
    out.push(`${icmpFields.join(' and ')} ${icmpFields.length > 1 ? 'need' : 'needs'} proto icmp or icmpv6, exactly one of them (${protoNow})`);
  }
  if (rule.fragment === 'non_first') {
    const l4 = present(['sport', 'dport', 'tcp_flags', 'icmp_type', 'icmp_code']);
    if (l4.length > 0) {
      out.push(`fragment "non_first" cannot be combined with ${l4.join(', ')}: non-first fragments carry no L4 header`);
    }
  }
  if (addressesOk) out.push(...familyProblems(rule));
  return out;
}

const FAMILY_WORDS: Record<Family, string> = { 4: 'IPv4', 6: 'IPv6' };

function familyOnly(families: Set<Family>): string {
  return `${[...families].map((f) => FAMILY_WORDS[f]).join(' and ')} only`;
}

/** A rule that can never match because of its address families (CONTRACT 3.2). */
function familyProblems(rule: Rule): string[] {
  const out: string[] = [];
  const src = addrFamilies(rule.src);
  const dst = addrFamilies(rule.dst);
  if (![...src].some((f) => dst.has(f))) {
    out.push(`src and dst share no address family (src is ${familyOnly(src)}, dst is ${familyOnly(dst)}): the rule could never match`);
  }
  if (rule.family !== null) {
    const fam = rule.family;
    const name = fam === 4 ? 'ipv4' : 'ipv6';
    if (!src.has(fam)) out.push(`family ${name} excludes every entry of src (${familyOnly(src)}): the rule could never match`);
    if (!dst.has(fam)) out.push(`family ${name} excludes every entry of dst (${familyOnly(dst)}): the rule could never match`);
  }
  return out;
}
