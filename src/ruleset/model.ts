// The normalised ruleset: what validation produces and what the compiler, the reference
// classifier and the API consume. It says what the user wrote, in checked and canonical form;
// it does not pre-apply matching semantics (e.g. "ports imply tcp|udp|sctp" stays implicit).

import type { Family, PrefixList } from './address';

export type Action = 'pass' | 'drop';
export type FragmentKind = 'none' | 'first' | 'non_first';
export type NdpMode = 'bypass' | 'rules';

/** An inclusive range of 16-bit values (ports). */
export interface PortRange {
  lo: number;
  hi: number;
}

/** An address field: literal prefixes plus names of sets (each matches its current members). */
export interface AddrField {
  prefixes: PrefixList;
  sets: string[];
}

/** TCP flag bits of byte 13 of the TCP header. */
export const TCP_FLAG_BITS: Readonly<Record<string, number>> = {
  fin: 0x01,
  syn: 0x02,
  rst: 0x04,
  psh: 0x08,
  ack: 0x10,
  urg: 0x20,
  ece: 0x40,
  cwr: 0x80,
};

/** Protocol names of the ruleset format and their IP protocol numbers. */
export const PROTO_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1,
  tcp: 6,
  udp: 17,
  gre: 47,
  esp: 50,
  icmpv6: 58,
  sctp: 132,
};

export const IPPROTO = { ICMP: 1, TCP: 6, UDP: 17, GRE: 47, ESP: 50, AH: 51, ICMPV6: 58, SCTP: 132 } as const;

/** A field left out of a rule is `null`: it matches every packet. */
export interface Rule {
  id: string;
  action: Action;
  enabled: boolean;
  comment: string | null;
  src: AddrField | null;
  dst: AddrField | null;
  /** IP protocol numbers, sorted and unique (names already mapped to numbers). */
  proto: number[] | null;
  sport: PortRange[] | null;
  dport: PortRange[] | null;
  /** Flags that must be set / must be clear (bits of TCP_FLAG_BITS). */
  tcpFlags: { set: number; clear: number } | null;
  icmpType: number[] | null;
  icmpCode: number[] | null;
  fragment: FragmentKind | null;
  iface: string[] | null;
  family: Family | null;
}

export interface Ruleset {
  default: Action;
  ndp: NdpMode;
  nonIp: 'pass' | 'drop';
  /** Every set by name, file-backed ones already read. */
  sets: Map<string, PrefixList>;
  /** Every rule in priority order, disabled ones included. */
  rules: Rule[];
}

/** The ruleset as JSON, as accepted by the schema (file-backed sets possibly still as `{file}`). */
export interface RulesetJson {
  default?: Action;
  ndp?: NdpMode;
  non_ip?: 'pass' | 'drop';
  sets?: Record<string, string[] | { file: string }>;
  rules: RuleJson[];
}

export type OneOrMany<T> = T | T[];

export interface RuleJson {
  id: string;
  action: Action;
  src?: OneOrMany<string>;
  dst?: OneOrMany<string>;
  proto?: OneOrMany<string | number>;
  sport?: OneOrMany<number | string>;
  dport?: OneOrMany<number | string>;
  tcp_flags?: string;
  icmp_type?: OneOrMany<number>;
  icmp_code?: OneOrMany<number>;
  fragment?: FragmentKind;
  iface?: OneOrMany<string>;
  family?: 'ipv4' | 'ipv6';
  enabled?: boolean;
  comment?: string;
}

/** One validation problem: a JSON pointer to the offending field (or rule) and a message. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Capacity limits of the contract (section 4); the compiler may allow more. */
export const LIMITS = {
  rules: 4096,
  prefixesV4: 1_000_000,
  prefixesV6: 250_000,
  interfaces: 64,
} as const;
