// Holds the real XDP program to the reference classifier, frame by frame: the explain twin's
// outcome (rule, default, malformed reason, bypass kind) must equal the reference's, the counting
// program must return XDP_PASS or XDP_DROP (never XDP_ABORTED = 0) with the reference's verdict,
// and every counter must move exactly as the reference's outcomes say (checked per batch).
// One harness and one ruleset at a time: the fuzzer's cost is the frames, not the applies.

import assert from 'node:assert/strict';
import { XDP_DROP, XDP_PASS } from '../../src/dataplane/layout';
import type { Ruleset, RulesetJson } from '../../src/ruleset/model';
import { parseRuleset } from '../../src/ruleset/validate';
import type { BpfHarness, CounterView } from './bpf-harness';
import { assertCounterDeltas } from './counter-delta';
import { ExpectedCounters } from './counters';
import { classify, type Outcome } from './reference';
import { rulesetJsonToModel } from './ruleset-json';

/** BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header (EINVAL). */
export const MIN_TEST_RUN_FRAME = 14;

/** Counters are compared after this many frames (and at every flush). */
const COUNTER_BATCH = 4096;

export class FuzzChecker {
  private model: Ruleset | null = null;
  private rulesetName = '';
  private expected = new ExpectedCounters();
  private before: CounterView | null = null;
  private pending = 0;
  /** Frames that went through the kernel, and those only the reference could judge. */
  frames = 0;
  shortFrames = 0;
  readonly outcomes = new Map<string, number>();

  constructor(private readonly h: BpfHarness) {}

  /** Applies a ruleset (after checking the real validator accepts it). */
  use(name: string, json: RulesetJson): void {
    this.flush();
    const parsed = parseRuleset(json, { allowFileSets: false, knownIfaces: [...this.h.ifindex.keys()] });
    assert.ok(parsed.ok, `fuzz ruleset ${name} is not valid: ${JSON.stringify(parsed)}`);
    this.model = rulesetJsonToModel(json);
    this.rulesetName = name;
    this.h.apply(this.model);
    this.before = this.h.counterView();
  }

  /** One frame; `describe` is only called to explain a failure. */
  check(frame: Buffer, iface: string, describe: () => string): void {
    const model = this.model;
    if (!model) throw new Error('FuzzChecker: use() a ruleset first');
    const want = classify(model, frame, iface);
    this.tally(want);
    if (frame.length < MIN_TEST_RUN_FRAME) {
      // The kernel cannot be asked: the reference alone judges, and it must call it non-IP.
      assert.throws(() => this.h.run(frame, iface), /EINVAL|Invalid argument/, this.where(frame, iface, describe));
      assert.equal(want.kind === 'bypass' && want.bypass === 'non_ip', true, this.where(frame, iface, describe));
      this.shortFrames++;
      return;
    }
    const got = this.h.explain(frame, iface);
    if (!sameOutcome(got, want)) assert.deepEqual(got, want, `explain twin vs reference: ${this.where(frame, iface, describe)}`);
    const retval = this.h.run(frame, iface);
    if (retval !== XDP_PASS && retval !== XDP_DROP) assert.fail(`retval ${retval} (0 = XDP_ABORTED): ${this.where(frame, iface, describe)}`);
    if ((retval === XDP_DROP ? 'drop' : 'pass') !== want.verdict) assert.fail(`verdict ${retval} vs reference ${want.verdict}: ${this.where(frame, iface, describe)}`);
    this.expected.record(want, frame.length, this.h.ifindex.has(iface) ? iface : 'other');
    this.frames++;
    if (++this.pending >= COUNTER_BATCH) this.flush();
  }

  /** Compares the counters' movement since the last flush with the reference's outcomes. */
  flush(): void {
    if (!this.before || this.pending === 0) return;
    const now = this.h.counterView();
    assertCounterDeltas(this.before, now, this.expected, `counters, ruleset ${this.rulesetName}`);
    this.before = now;
    this.expected = new ExpectedCounters();
    this.pending = 0;
  }

  private tally(o: Outcome): void {
    const key = o.kind === 'malformed' ? `malformed ${o.reason}` : o.kind === 'bypass' ? `bypass ${o.bypass} ${o.verdict}` : `${o.kind} ${o.verdict}`;
    this.outcomes.set(key, (this.outcomes.get(key) ?? 0) + 1);
  }

  private where(frame: Buffer, iface: string, describe: () => string): string {
    return `ruleset ${this.rulesetName}, ${describe()}, on ${iface}, ${frame.length} bytes: ${frame.toString('hex')}`;
  }
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  if (a.kind !== b.kind || a.verdict !== b.verdict) return false;
  switch (a.kind) {
    case 'rule': return b.kind === 'rule' && a.ruleIndex === b.ruleIndex && a.ruleId === b.ruleId;
    case 'malformed': return b.kind === 'malformed' && a.reason === b.reason;
    case 'bypass': return b.kind === 'bypass' && a.bypass === b.bypass;
    default: return true;
  }
}

/** The soak's frames (10 million), shared between the fuzz files. */
export const SOAK_FRAMES = 10_000_000;

/**
 * Frame count of one fuzz file: XDPFW_FUZZ_FRAMES, else its share of the soak under XDPFW_SOAK,
 * else `normal`.
 */
export function fuzzBudget(normal: number, soakShare: number): number {
  if (process.env.XDPFW_FUZZ_FRAMES) return Number(process.env.XDPFW_FUZZ_FRAMES);
  const soak = process.env.XDPFW_SOAK;
  return soak && soak !== '0' ? Math.round(SOAK_FRAMES * soakShare) : normal;
}

export function fuzzSeed(): number {
  return Number(process.env.XDPFW_SEED ?? 20261126);
}
