// Every named edge case of CONTRACT section 3, as one table shared by the reference classifier's
// unit test (test/reference.test.ts) and the BPF table test (test/bpf-table.test.ts): the
// reference and the kernel are both held to the outcome each case writes down.

import type { Ruleset } from '../../src/ruleset/model';
import { buildFrame } from './packet';
import type { Outcome } from './reference';
import { rulesetJsonToModel } from './ruleset-json';
import { ADDRESSES } from './section3/addresses';
import { BYTES } from './section3/bytes';
import type { Section3Case, Section3Group } from './section3/dsl';
import { FRAGMENTS } from './section3/fragments';
import { IPV4_AH, IPV6_EXT_HEADERS } from './section3/headers';
import { LINK_LAYER } from './section3/link';
import { IPV4_HEADER, IPV6_HEADER, L4_AND_TINY } from './section3/malformed';
import { MATCHING } from './section3/matching';
import { NEIGHBOUR_DISCOVERY } from './section3/ndp';

export type { Section3Case, Section3Group };

export const SECTION3: readonly Section3Group[] = [
  MATCHING,
  ADDRESSES,
  LINK_LAYER,
  NEIGHBOUR_DISCOVERY,
  IPV6_EXT_HEADERS,
  IPV4_AH,
  FRAGMENTS,
  IPV4_HEADER,
  IPV6_HEADER,
  L4_AND_TINY,
  BYTES,
];

export interface ResolvedCase {
  model: Ruleset;
  frame: Buffer;
  iface: string;
  /** The full outcome the case demands, in the reference's shape. */
  outcome: Outcome;
}

/**
 * Builds the frame and model and completes the expectation: a rule's index and verdict are read
 * off the case's own ruleset (a verdict written in the case must agree), so the outcome comes
 * from the table alone, never from a classifier.
 */
export function resolveCase(c: Section3Case): ResolvedCase {
  const frame = buildFrame(c.frame);
  if (c.bytes !== undefined && frame.length !== c.bytes) {
    throw new Error(`case "${c.name}": the frame has ${frame.length} bytes, the case says ${c.bytes}`);
  }
  return { model: rulesetJsonToModel(c.ruleset), frame, iface: c.iface ?? 'eth0', outcome: outcomeOf(c) };
}

function outcomeOf(c: Section3Case): Outcome {
  const e = c.expect;
  if (e.kind !== 'rule') return e;
  const ruleIndex = c.ruleset.rules.findIndex((r) => r.id === e.ruleId);
  if (ruleIndex < 0) throw new Error(`case "${c.name}": no rule ${e.ruleId}`);
  const verdict = c.ruleset.rules[ruleIndex].action;
  if ((e.ruleIndex ?? ruleIndex) !== ruleIndex || (e.verdict ?? verdict) !== verdict) {
    throw new Error(`case "${c.name}": expectation ${JSON.stringify(e)} contradicts rule ${e.ruleId} (#${ruleIndex}, ${verdict})`);
  }
  return { kind: 'rule', ruleIndex, ruleId: e.ruleId, verdict };
}

/** All cases with their group titles, for counting and reporting. */
export function allCases(): { group: string; c: Section3Case }[] {
  return SECTION3.flatMap((g) => g.cases.map((c) => ({ group: g.title, c })));
}
