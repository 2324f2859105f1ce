// RulesetService: the one place the ruleset in force changes. Every mutation is serialised and
// goes the same way: new JSON + model -> validate -> compile -> write the idle copy -> persist the
// state -> flip -> generation + 1 -> acknowledge. A failure at any step before the flip leaves
// the previous generation in force, in the maps and in the state dir alike.
//
// A whole ruleset is validated whole and persisted as a snapshot. A REST edit of one rule or set
// is validated alone and the model in force is edited by it (the other 4,095 rules and the other
// million set members were checked when they came in); when the state is big it is persisted as
// one journal line (the rules and slots, and only the changed set's delta), so a set patch costs
// what the patch is, not what the set is.

import type { Logger } from 'pino';
import { xdpQuery } from '../../native/lib';
import { CapacityError, CompiledRuleset } from '../compiler/compile';
import type { DataPlane } from '../dataplane/dataplane';
import { fixedSlots } from '../dataplane/counters';
import { MALFORMED_REASONS, Outcome } from '../dataplane/layout';
import type { Rule, RuleJson, Ruleset, RulesetJson } from '../ruleset/model';
import { summariseRuleset, type RulesetSummary } from '../ruleset/summary';
import { parseRule, parseRuleset, type ParseResult } from '../ruleset/validate';
import { type Change, rejection, ruleEdit, setEdit, spliced, whole } from './change';
import { ServiceError, invalid } from './errors';
import { ExplainQuery, explainFrame } from './explain-frame';
import type { MetricsSource, PacketBytes } from './metrics-source';
import * as edits from './ruleset-edits';
import { SerialQueue } from './serial-queue';
import { SetMembers } from './set-members';
import { JournalRecord, PersistedState, STATE_VERSION, StateStore } from './state-store';
import { versions, type Versions } from './versions';

export interface ServiceInterface {
  name: string;
  ifindex: number;
}

export interface ServiceOptions {
  dp: DataPlane;
  store: StateStore;
  /** The interfaces rules may name (attached, or registered in tests). */
  interfaces: ServiceInterface[];
  log: Logger;
  /** Under --watch: the file that owns the ruleset; REST mutations are refused (409). */
  watchFile?: string | null;
}

/** Who asked for a change, for the log line. */
export interface Caller {
  who: string;
  route: string;
}

export interface MutationOptions extends Caller {
  /** The If-Match header as sent, if any. */
  ifMatch?: string;
}

interface InForce {
  generation: number;
  json: RulesetJson;
  model: Ruleset;
  compiled: CompiledRuleset;
  /** Sets changed by PATCH since the ruleset came in: their member strings, built on demand. */
  members: ReadonlyMap<string, SetMembers>;
}


export interface Stats {
  generation: number;
  rules: { id: string; action: 'pass' | 'drop'; packets: number; bytes: number }[];
  default: { action: 'pass' | 'drop'; packets: number; bytes: number };
  malformed: PacketBytes;
  bypass: { non_ip: PacketBytes; ndp: PacketBytes };
}

export interface ExplainAnswer {
  rule: string | null;
  action: 'pass' | 'drop';
  bypass?: 'ndp' | 'non_ip';
  malformed?: string;
}

export interface Status {
  generation: number;
  rules: { total: number; enabled: number };
  interfaces: { name: string; ifindex: number; mode: string; prog_id: number; ours: boolean }[];
  watch: string | null;
  state_file: string;
  versions: Versions;
}

type Counters = ReturnType<MetricsSource['counters']>;

export class RulesetService implements MetricsSource {
  private readonly dp: DataPlane;
  private readonly store: StateStore;
  private readonly log: Logger;
  private readonly ifaces: ServiceInterface[];
  private readonly ifaceClasses: Map<string, number>;
  private readonly queue = new SerialQueue();
  private readonly applyListeners: ((seconds: number) => void)[] = [];
  /** Apply durations from before any listener (a few at most: start-up). */
  private readonly earlyApplies: number[] = [];
  private inForce: InForce | null = null;
  readonly watchFile: string | null;

  constructor(opts: ServiceOptions) {
    this.dp = opts.dp;
    this.store = opts.store;
    this.log = opts.log;
    this.ifaces = opts.interfaces;
    this.watchFile = opts.watchFile ?? null;
    this.ifaceClasses = new Map(opts.interfaces.map((i) => [i.name, opts.dp.registerInterface(i.name, i.ifindex)]));
  }

  // ---- start-up ----------------------------------------------------------------------------

  /**
   * Brings back the persisted state: same ruleset, same generation, the same counter slots. It is
   * applied again so the maps hold exactly it (after a crash between persist and flip, the state
   * file is ahead of the maps: it wins).
   */
  restore(state: PersistedState): Promise<number> {
    return this.queue.run(() => {
      const parsed = parseRuleset(state.ruleset, { allowFileSets: false, knownIfaces: this.ifaceNames() });
      if (!parsed.ok) throw invalid(`the ruleset in ${this.store.file} is not valid here`, parsed.errors);
      this.dp.restoreSlots(new Map(Object.entries(state.slots)));
      return this.commit(whole(parsed), state.generation, { who: 'startup', route: `restore ${this.store.file}` });
    });
  }

  /**
   * Applies a ruleset parsed from a file (--rules at start, --watch, SIGHUP). `stored` is the
   * persisted state, if any, so counters keep following ids and generations keep growing.
   */
  applyParsed(parsed: ParseResult, caller: Caller, stored: PersistedState | null = null): Promise<number> {
    return this.queue.run(() => {
      if (!parsed.ok) throw rejection('the ruleset is not valid', parsed.errors, parsed.capacity);
      if (this.inForce === null && stored) this.dp.restoreSlots(new Map(Object.entries(stored.slots)));
      const base = this.inForce?.generation ?? stored?.generation ?? 0;
      return this.commit(whole(parsed), base + 1, caller);
    });
  }

  // ---- mutations (CONTRACT section 5) ------------------------------------------------------

  replaceRuleset(body: unknown, opts: MutationOptions): Promise<number> {
    return this.mutate(opts, () => {
      const parsed = this.parse(body);
      if (!parsed.ok) throw rejection('the change is not valid', parsed.errors, parsed.capacity);
      return whole(parsed);
    });
  }

  addRule(body: unknown, at: edits.Placement, opts: MutationOptions): Promise<number> {
    return this.mutate(opts, (cur) => {
      const { json: rule, model } = this.checkRule(body, cur.json);
      const { json, index } = edits.insertRule(cur.json, rule, at);
      return ruleEdit(cur, json, spliced(cur.model.rules, index, 0, model), index);
    });
  }

  replaceRule(id: string, body: unknown, opts: MutationOptions): Promise<number> {
    return this.mutate(opts, (cur) => {
      edits.ruleIndex(cur.json, id);
      const { json: rule, model } = this.checkRule(body, cur.json);
      const { json, index } = edits.replaceRule(cur.json, id, rule);
      return ruleEdit(cur, json, spliced(cur.model.rules, index, 1, model), index);
    });
  }

  deleteRule(id: string, opts: MutationOptions): Promise<number> {
    return this.mutate(opts, (cur) => {
      const index = edits.ruleIndex(cur.json, id);
      return ruleEdit(cur, edits.deleteRule(cur.json, id), spliced(cur.model.rules, index, 1), null);
    });
  }

  replaceSet(name: string, body: unknown, opts: MutationOptions): Promise<number> {
    return this.mutate(opts, (cur) => {
      const { elements, list } = edits.replaceSet(cur.json, name, body);
      const members = SetMembers.of(elements);
      return setEdit(cur, name, list, members, { elements });
    });
  }

  patchSet(name: string, body: unknown, opts: MutationOptions): Promise<number> {
    return this.mutate(opts, (cur) => {
      edits.requireSet(cur.json, name);
      const current = cur.model.sets.get(name);
      if (!current) throw new ServiceError('internal', `set "${name}" is missing from the model`);
      const patch = edits.patchSet(this.membersOf(cur, name), body, current);
      return setEdit(cur, name, patch.list, patch.members, { add: patch.add, remove: patch.remove });
    });
  }

  /**
   * POST /v1/ruleset/validate: the checks of PUT, compile included, changing nothing. Every
   * problem is a 400 here, as the contract's table says (PUT would answer 409 for a duplicate id
   * and 422 over capacity); the details are the same.
   */
  validate(body: unknown): { valid: true; summary: RulesetSummary } {
    const parsed = this.parse(body);
    if (!parsed.ok) throw invalid('the ruleset is not valid', parsed.errors);
    try {
      this.compileOrReject(parsed.ruleset);
    } catch (e) {
      if (e instanceof ServiceError) throw invalid('the ruleset is not valid', e.details);
      throw e;
    }
    return { valid: true, summary: summariseRuleset(parsed.ruleset) };
  }

  // ---- reads -------------------------------------------------------------------------------

  hasRuleset(): boolean {
    return this.inForce !== null;
  }

  generation(): number {
    return this.inForce?.generation ?? 0;
  }

  ruleset(): { generation: number; json: RulesetJson } {
    const cur = this.current();
    return { generation: cur.generation, json: cur.json };
  }

  rules(): { generation: number; rules: RuleJson[] } {
    const cur = this.current();
    return { generation: cur.generation, rules: cur.json.rules };
  }

  rule(id: string): { generation: number; rule: RuleJson } {
    const cur = this.current();
    return { generation: cur.generation, rule: cur.json.rules[edits.ruleIndex(cur.json, id)] };
  }

  set(name: string): { generation: number; name: string; elements: string[]; count: number } {
    const cur = this.current();
    edits.requireSet(cur.json, name);
    const elements = this.membersOf(cur, name).toArray();
    const unique = (cur.model.sets.get(name)?.size ?? elements.length) === elements.length ? elements : edits.uniqueByPrefix(elements);
    return { generation: cur.generation, name, elements: unique, count: unique.length };
  }

  stats(): Stats {
    const c = this.counters();
    const malformed = Object.values(c.malformed).reduce((sum, m) => ({ packets: sum.packets + m.packets, bytes: sum.bytes + m.bytes }), { packets: 0, bytes: 0 });
    return { generation: this.generation(), rules: c.rules, default: c.default, malformed, bypass: c.bypass };
  }

  /** Which rule the live data path picks for a synthesised packet; counts nothing. */
  explain(query: ExplainQuery): ExplainAnswer {
    const cur = this.current();
    const iface = this.ifaces.find((i) => i.name === query.iface);
    if (!iface) {
      throw invalid('unknown interface', [{ path: '/iface', message: `"${query.iface}" is not an interface of this daemon (${this.ifaceNames().join(', ')})` }]);
    }
    const { frame } = explainFrame(query);
    const r = this.dp.explain(frame, iface.ifindex);
    const action = r.drop ? 'drop' : 'pass';
    switch (r.outcome) {
      case Outcome.Rule:
        return { rule: cur.compiled.rules[r.detail]?.id ?? null, action };
      case Outcome.Default:
        return { rule: null, action };
      case Outcome.Ndp:
        return { rule: null, action, bypass: 'ndp' };
      case Outcome.NonIp:
        return { rule: null, action, bypass: 'non_ip' };
      case Outcome.Malformed:
        return { rule: null, action: 'drop', malformed: MALFORMED_REASONS[r.detail] ?? 'unknown' };
      default:
        throw new ServiceError('internal', `explain: the data path answered outcome ${r.outcome}`);
    }
  }

  status(): Status {
    const total = this.inForce?.model.rules.length ?? 0;
    return {
      generation: this.generation(),
      rules: { total, enabled: this.ruleCount() },
      interfaces: this.interfaceStates(),
      watch: this.watchFile,
      state_file: this.store.file,
      versions: versions(),
    };
  }

  /** Healthy: a ruleset in force and our program attached to every interface. */
  healthy(): { ok: boolean; reason: string } {
    if (!this.inForce) return { ok: false, reason: 'no ruleset in force' };
    const detached = this.interfaceStates().filter((i) => !i.ours).map((i) => i.name);
    if (detached.length > 0) return { ok: false, reason: `not attached to ${detached.join(', ')}` };
    return { ok: true, reason: `generation ${this.inForce.generation} in force` };
  }

  // ---- MetricsSource -----------------------------------------------------------------------

  ruleCount(): number {
    return this.inForce?.compiled.rules.length ?? 0;
  }

  setSizes(): { name: string; count: number }[] {
    return [...(this.inForce?.model.sets ?? new Map())].map(([name, list]) => ({ name, count: list.size }));
  }

  counters(): Counters {
    const { slots } = this.dp.counters();
    const cur = this.inForce;
    const at = (slot: number): PacketBytes => ({ packets: slots[slot].packets, bytes: slots[slot].bytes });
    const malformed = Object.fromEntries(MALFORMED_REASONS.map((m) => [m, at(fixedSlots.malformed(m))])) as Counters['malformed'];
    return {
      rules: (cur?.compiled.rules ?? []).map((r) => ({ id: r.id, action: r.action, ...at(r.slot) })),
      default: { action: cur?.model.default ?? 'pass', ...at(fixedSlots.default) },
      malformed,
      bypass: { non_ip: at(fixedSlots.nonIp), ndp: at(fixedSlots.ndp) },
      interfaces: this.ifaces.map((i) => {
        const cls = this.ifaceClasses.get(i.name) as number;
        return { name: i.name, pass: at(fixedSlots.iface(cls, false)), drop: at(fixedSlots.iface(cls, true)) };
      }),
    };
  }

  /** Also hears the applies made before it registered (the start-up apply precedes /metrics). */
  onApply(listener: (durationSeconds: number) => void): void {
    this.applyListeners.push(listener);
    for (const seconds of this.earlyApplies) listener(seconds);
  }

  // ---- the one path of change --------------------------------------------------------------

  private mutate(opts: MutationOptions, build: (cur: InForce) => Change): Promise<number> {
    return this.queue.run(() => {
      if (this.watchFile !== null) {
        throw new ServiceError('conflict', `the ruleset is owned by ${this.watchFile} (--watch): edit that file instead`, [{ path: '', message: `managed by ${this.watchFile}` }]);
      }
      const cur = this.inForce;
      if (opts.ifMatch !== undefined && !etagMatches(opts.ifMatch, cur?.generation ?? 0)) {
        throw new ServiceError('precondition_failed', `If-Match ${opts.ifMatch} is stale: the generation in force is ${cur?.generation ?? 0}`);
      }
      const change = build(cur ?? this.emptyInForce());
      // Before the first ruleset there is no snapshot a journal line could follow.
      return this.commit(cur ? change : { ...change, delta: null }, (cur?.generation ?? 0) + 1, opts);
    });
  }

  /** Compile, write the idle copy, persist, flip. Runs inside the queue. */
  private commit(change: Change, generation: number, caller: Caller): number {
    const started = process.hrtime.bigint();
    const { model, json, members } = change;
    const compiled = this.compileOrReject(model);
    const epochBefore = this.dp.epoch();
    let persisted = false;
    try {
      this.dp.apply(compiled, () => {
        this.persist(generation, change, compiled);
        persisted = true;
      });
    } catch (e) {
      // Refused after its bytes may have reached the state dir: put back the state in force.
      if (persisted && this.dp.epoch() === epochBefore) this.store.requireSnapshot();
      if (this.dp.epoch() === epochBefore) this.mendState(caller);
      // The flip is one store; after it only starting the grace-period wait can fail (a wait that
      // fails later is reported by the next apply, before it writes anything). If the epoch
      // moved, the new generation is live and persisted: report it as applied.
      if (this.dp.epoch() === epochBefore) throw asServiceError(e, this.log, caller);
      this.log.error({ err: errFields(e), generation }, 'applied, but waiting for the RCU grace period failed');
    }
    this.inForce = { generation, json, model, compiled, members };
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.log.info(
      { generation, rules: model.rules.length, enabled: compiled.rules.length, duration_ms: Math.round(seconds * 1e4) / 10, who: caller.who, route: caller.route },
      'ruleset applied',
    );
    if (this.applyListeners.length === 0 && this.earlyApplies.length < 16) this.earlyApplies.push(seconds);
    for (const listener of this.applyListeners) listener(seconds);
    return generation;
  }

  /** A whole ruleset is a snapshot; an edit too, unless the store journals it (big state). */
  private persist(generation: number, change: Change, compiled: CompiledRuleset): void {
    try {
      if (change.delta === null || this.store.needsSnapshot(estimatedStateBytes(change.model))) {
        this.store.save(this.snapshotOf(generation, change.json, compiled));
      } else {
        const { slots, ifaces, source } = this.snapshotOf(generation, change.json, compiled);
        const record: JournalRecord = { generation, slots, ifaces, source };
        if (change.delta.rules) record.rules = change.json.rules;
        if (Object.keys(change.delta.sets).length > 0) record.sets = change.delta.sets;
        this.store.append(record);
      }
    } catch (e) {
      throw new PersistError(this.store.file, e as NodeJS.ErrnoException);
    }
  }

  private snapshotOf(generation: number, json: RulesetJson, compiled: CompiledRuleset): PersistedState {
    const ifaces = this.interfaceStates().map((i) => ({ name: i.name, ifindex: i.ifindex, mode: i.mode }));
    return { version: STATE_VERSION, generation, ruleset: json, slots: Object.fromEntries(compiled.slots), ifaces, source: this.watchFile };
  }

  /**
   * After a refused change that may have left its bytes in the state dir (a failed directory
   * fsync, the flip refused after persisting): write the state in force back at once, so even a
   * stop before the next change restarts into what GET serves. Best effort: if it fails too, the
   * next change writes a snapshot (StateStore.requireSnapshot).
   */
  private mendState(caller: Caller): void {
    const cur = this.inForce;
    if (!cur || !this.store.owesSnapshot()) return;
    try {
      this.store.save(this.snapshotOf(cur.generation, cur.json, cur.compiled));
    } catch (e) {
      this.log.error({ err: errFields(e), who: caller.who, route: caller.route }, 'the state dir may hold the refused change until the next one succeeds');
    }
  }

  private compileOrReject(model: Ruleset): CompiledRuleset {
    try {
      return this.dp.compile(model, { ifaceClasses: this.ifaceClasses });
    } catch (e) {
      if (e instanceof CapacityError) throw new ServiceError('capacity_exceeded', `the ruleset does not fit the data path: ${e.message}`, [{ path: '', message: e.message }]);
      throw e;
    }
  }

  private parse(json: unknown): ParseResult {
    return parseRuleset(json, { allowFileSets: false, knownIfaces: this.ifaceNames() });
  }

  /** A rule body checked alone, paths relative to it; sets and interfaces from the ruleset in force. */
  private checkRule(body: unknown, cur: RulesetJson): { json: RuleJson; model: Rule } {
    const checked = parseRule(body, { sets: new Set(Object.keys(cur.sets ?? {})), knownIfaces: this.ifaceNames() }, '');
    if (!checked.ok) throw invalid('the rule is not valid', checked.errors);
    return { json: structuredClone(body) as RuleJson, model: checked.rule };
  }

  /** The member strings of a set in force. */
  private membersOf(cur: InForce, name: string): SetMembers {
    return cur.members.get(name) ?? SetMembers.of(edits.setMembers(cur.json, name));
  }

  private current(): InForce {
    if (!this.inForce) throw new ServiceError('not_found', 'no ruleset is in force yet');
    return this.inForce;
  }

  /** Before the first ruleset (never in a running daemon): edits start from an empty one. */
  private emptyInForce(): InForce {
    const parsed = parseRuleset({ rules: [] }, { allowFileSets: false });
    if (!parsed.ok) throw new Error('the empty ruleset is invalid');
    return { generation: 0, json: parsed.json, model: parsed.ruleset, compiled: this.dp.compile(parsed.ruleset), members: new Map() };
  }

  private ifaceNames(): string[] {
    return this.ifaces.map((i) => i.name);
  }

  private interfaceStates(): Status['interfaces'] {
    return this.ifaces.map((i) => {
      const attached = this.dp.interfaces.get(i.name);
      let q = { progId: 0, mode: 'none' as string };
      try {
        q = xdpQuery(i.ifindex);
      } catch {
        // the interface went away: reported as not attached
      }
      return { name: i.name, ifindex: i.ifindex, mode: attached?.mode ?? q.mode, prog_id: q.progId, ours: attached !== undefined && q.progId === this.dp.program.id };
    });
  }
}

/** A failed state write: 500, with the errno, and nothing live changed. */
export class PersistError extends Error {
  constructor(readonly file: string, override readonly cause: NodeJS.ErrnoException) {
    super(`cannot persist ${file}: ${cause.code ?? ''} ${cause.message}`.replace(/\s+/g, ' '));
  }
}

/** About how many bytes of state.json a ruleset makes (members ~20 bytes, rules ~150). */
function estimatedStateBytes(model: Ruleset): number {
  let members = 0;
  for (const list of model.sets.values()) members += list.size;
  return members * 20 + model.rules.length * 150;
}

/** If-Match: `"N"`, `W/"N"`, a list of these, or `*`. */
export function etagMatches(header: string, generation: number): boolean {
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === `"${generation}"`;
  });
}

function asServiceError(e: unknown, log: Logger, caller: Caller): ServiceError {
  if (e instanceof ServiceError) return e;
  // Tables the data plane fills while writing the idle copy can overflow too (address nodes).
  if (e instanceof CapacityError) return new ServiceError('capacity_exceeded', `the ruleset does not fit the data path: ${e.message}`, [{ path: '', message: e.message }]);
  if (e instanceof PersistError) {
    log.error({ err: errFields(e.cause), who: caller.who, route: caller.route }, 'state not persisted; nothing changed');
    return new ServiceError('internal', `${e.message}; nothing changed`);
  }
  log.error({ err: errFields(e), who: caller.who, route: caller.route }, 'apply failed; nothing changed');
  const err = e as { code?: string; errno?: number; message?: string };
  return new ServiceError('internal', `the data path refused the change (${err.code ?? 'error'}${err.errno ? `, errno ${err.errno}` : ''}): ${err.message ?? String(e)}; nothing changed`);
}

export function errFields(e: unknown): Record<string, unknown> {
  const err = e as { message?: string; code?: string; errno?: number; syscall?: string };
  return { message: err?.message ?? String(e), code: err?.code, errno: err?.errno, syscall: err?.syscall };
}

