// The vocabulary of the section-3 case tables: a case names a ruleset (as JSON), a frame spec,
// the interface it arrives on and the outcome the contract demands. Expectations are written
// by hand from CONTRACT section 3, never computed by the reference classifier.

import type { RuleJson, RulesetJson } from '../../../src/ruleset/model';
import type { ExtHeaderSpec, FrameSpec, Ipv4Spec, Ipv6Spec, L4Spec } from '../packet';
import type { MalformedReason } from '../reference';

/** What the contract says decides the packet. A rule's verdict and index follow from the ruleset. */
export type Expect =
  | { kind: 'rule'; ruleId: string; ruleIndex?: number; verdict?: 'pass' | 'drop' }
  | { kind: 'default'; verdict: 'pass' | 'drop' }
  | { kind: 'malformed'; reason: MalformedReason; verdict: 'drop' }
  | { kind: 'bypass'; bypass: 'non_ip' | 'ndp'; verdict: 'pass' | 'drop' };

export interface Section3Case {
  name: string;
  ruleset: RulesetJson;
  frame: FrameSpec;
  /** Interface the frame arrives on; default eth0. */
  iface?: string;
  expect: Expect;
  /** The frame's length written out (3.9 cases): what every counter it touches must add. */
  bytes?: number;
}

export interface Section3Group {
  /** "3.4 link layer": the item of section 3 the cases test. */
  title: string;
  cases: Section3Case[];
}

export const SYN = 0x02;
export const ACK = 0x10;
export const FIN = 0x01;
export const RST = 0x04;
export const PSH = 0x08;
export const URG = 0x20;

export function rs(rules: RuleJson[], top: Omit<RulesetJson, 'rules'> = {}): RulesetJson {
  return { ...top, rules };
}

export function v4(l4?: L4Spec, ip: Partial<Ipv4Spec> = {}, rest: Partial<FrameSpec> = {}): FrameSpec {
  return { ip: { kind: 'ipv4', src: '192.0.2.10', dst: '198.51.100.20', ...ip }, l4, ...rest };
}

export function v6(l4?: L4Spec, ip: Partial<Ipv6Spec> = {}, rest: Partial<FrameSpec> = {}): FrameSpec {
  return { ip: { kind: 'ipv6', src: '2001:db8::10', dst: '2001:db8:1::20', ...ip }, l4, ...rest };
}

export const tcp = (dport = 22, flags = SYN, more: Partial<Extract<L4Spec, { kind: 'tcp' }>> = {}): L4Spec => ({ kind: 'tcp', sport: 40000, dport, flags, ...more });
export const udp = (dport = 53, sport = 40000): L4Spec => ({ kind: 'udp', sport, dport });
export const sctp = (dport = 2905): L4Spec => ({ kind: 'sctp', sport: 40000, dport });
export const icmp = (type: number, code = 0, protocol?: number): L4Spec => ({ kind: 'icmp', type, code, protocol });
export const raw = (protocol: number, bytes = 0): L4Spec => ({ kind: 'raw', protocol, bytes });
export const ext = (type: number, more: Partial<ExtHeaderSpec> = {}): ExtHeaderSpec => ({ type, ...more });
/** n walked extension headers cycling hop-by-hop, routing, destination options. */
export const hops = (n: number): ExtHeaderSpec[] => Array.from({ length: n }, (_, i) => ext([0, 43, 60][i % 3]));
export const tag = (tpid: number, vid = 10) => ({ tpid, vid });

export const MALFORMED = (reason: MalformedReason): Expect => ({ kind: 'malformed', reason, verdict: 'drop' });
export const DEFAULT_PASS: Expect = { kind: 'default', verdict: 'pass' };
export const DEFAULT_DROP: Expect = { kind: 'default', verdict: 'drop' };
export const HIT = (ruleId: string): Expect => ({ kind: 'rule', ruleId });
export const NON_IP = (verdict: 'pass' | 'drop'): Expect => ({ kind: 'bypass', bypass: 'non_ip', verdict });
export const NDP: Expect = { kind: 'bypass', bypass: 'ndp', verdict: 'pass' };

export const EMPTY = rs([]);
export const DROP_ALL = rs([], { default: 'drop' });
export const SSH = rs([{ id: 'ssh', proto: 'tcp', dport: 22, action: 'drop' }]);
export const ANY_PORT_22 = rs([{ id: 'p22', dport: 22, action: 'drop' }]);
export const DROP_NON_IP = rs([], { non_ip: 'drop' });

/** n rules that no frame of the tables matches (TCP to ports 1000+), to push a rule's index up. */
export function fillers(n: number, from = 0): RuleJson[] {
  return Array.from({ length: n }, (_, i) => ({ id: `filler-${from + i}`, proto: 'tcp', dport: 1000 + ((from + i) % 20000), sport: 1, action: 'drop' as const }));
}

/** Link-local addresses and hop limit of a neighbour-discovery packet. */
export const LINK = { src: 'fe80::1', dst: 'ff02::1:ff00:2', hopLimit: 255 };
