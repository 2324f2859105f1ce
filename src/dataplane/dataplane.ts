// The data plane as the control plane sees it: load or adopt, attach, apply compiled rulesets
// atomically, read counters, explain. Everything kernel-facing goes through here.

import { BpfProgram, XdpMode } from '../../native/lib';
import { CompileOptions, CompiledRuleset, compileRuleset } from '../compiler/compile';
import { EntriesPool } from '../compiler/entries-pool';
import { Ruleset } from '../ruleset/model';
import { CounterSnapshot, fixedSlots, readCounters, zeroSlots } from './counters';
import { GenerationWriter } from './generation-writer';
import { AttachedInterface, attachInterface, ifaceClassFor } from './interfaces';
import { DataPathMaps, LoadedDataPath, loadDataPath } from './maps';
import { Outcome, SIZES, XDP_ABORTED } from './layout';

export interface DataPlaneOptions {
  /** null: nothing pinned (tests); the maps go away with the process. */
  pinDir: string | null;
  maxEntries?: Record<string, number>;
}

export interface ExplainOutcome {
  outcome: Outcome;
  /** rule priority, or malformed reason index */
  detail: number;
  drop: boolean;
  slot: number;
}

export class DataPlane {
  readonly program: BpfProgram;
  readonly maps: DataPathMaps;
  readonly adopted: boolean;
  readonly interfaces = new Map<string, AttachedInterface & { cls: number }>();
  private readonly writer: GenerationWriter;
  /** Address entry arrays of generations no copy holds any more, for the next compiles. */
  private readonly entriesPool = new EntriesPool();
  private explainer: LoadedDataPath | null = null;
  private current: CompiledRuleset | null = null;
  /** Rule id -> counter slot of the generation in force (restored from state after a restart). */
  private slotsInForce = new Map<string, number>();

  private constructor(private readonly opts: DataPlaneOptions, loaded: LoadedDataPath) {
    this.program = loaded.program;
    this.maps = loaded.maps;
    this.adopted = loaded.adopted;
    this.writer = new GenerationWriter(this.maps, this.entriesPool);
  }

  static open(opts: DataPlaneOptions): DataPlane {
    return new DataPlane(opts, loadDataPath({ pinDir: opts.pinDir, maxEntries: opts.maxEntries }));
  }

  /** Attaches to (or adopts) an interface and gives it an interface class. */
  attach(name: string, mode: XdpMode): AttachedInterface & { cls: number } {
    const attached = attachInterface(this.program, this.opts.pinDir, name, mode);
    const entry = { ...attached, cls: ifaceClassFor(this.maps, attached.ifindex) };
    this.interfaces.set(name, entry);
    return entry;
  }

  /** Interface name -> class, for compiling `iface` rules. */
  ifaceClasses(): Map<string, number> {
    return new Map([...this.interfaces].map(([name, i]) => [name, i.cls]));
  }

  /** Gives an interface a class without attaching (tests run packets "arriving" on it). */
  registerInterface(name: string, ifindex: number): number {
    return ifaceClassFor(this.maps, ifindex);
  }

  compile(rs: Ruleset, extra: Partial<CompileOptions> = {}): CompiledRuleset {
    return compileRuleset(rs, {
      ifaceClasses: this.ifaceClasses(),
      previousSlots: this.slotsInForce,
      previous: this.current,
      entriesPool: this.entriesPool,
      ...extra,
    });
  }

  /**
   * Makes a compiled ruleset live: the idle copy is written, counters of newly used slots are
   * zeroed, then one flip. The address entries of the generation the idle copy held before are
   * recycled for later compiles when no copy holds them any more: keep no compiled ruleset
   * older than the one in force (compiles from it would recompute everything). `beforeCommit` runs after everything is written and before the flip
   * (the daemon persists state there); if it throws, nothing live has changed.
   */
  apply(compiled: CompiledRuleset, beforeCommit?: () => void): bigint {
    const copy = this.writer.prepare(compiled);
    beforeCommit?.();
    // After beforeCommit (the daemon persists there): a change refused by then must not have
    // zeroed a slot a live rule still counts in (a new id may take a removed rule's slot).
    const previous = this.slotsInForce;
    if (compiled.slots !== previous) {
      const fresh = [...compiled.slots].filter(([id, slot]) => previous.get(id) !== slot).map(([, slot]) => slot);
      zeroSlots(this.maps.get('counters'), fresh);
    }
    const before = this.writer.epoch();
    try {
      return this.writer.commit(copy);
    } finally {
      // Past the flip `compiled` is live even if starting the grace wait failed: later compiles
      // must diff against it, and its slots are the ones counting.
      if (this.writer.epoch() !== before) {
        this.current = compiled;
        this.slotsInForce = compiled.slots;
      }
    }
  }

  /** Compiles and applies in one step. */
  applyRuleset(rs: Ruleset): CompiledRuleset {
    const compiled = this.compile(rs);
    this.apply(compiled);
    return compiled;
  }

  /** Restores the slots a previous process had in force (from its state file), so counters continue. */
  restoreSlots(slots: ReadonlyMap<string, number>): void {
    this.slotsInForce = new Map(slots);
  }

  /** How the last apply wrote each family's address tables: kept, updated by the changed root cells, or rebuilt. */
  lastAddressWrite(): { 4: 'kept' | 'updated' | 'rebuilt'; 6: 'kept' | 'updated' | 'rebuilt' } {
    return { ...this.writer.lastAddressWrite };
  }

  live(): CompiledRuleset | null {
    return this.current;
  }

  epoch(): bigint {
    return this.writer.epoch();
  }

  counters(): CounterSnapshot {
    return readCounters(this.maps.get('counters'));
  }

  /** Runs the counting program on a frame (tests, benchmarks). */
  run(frame: Buffer, ifindex?: number, repeat = 1): { retval: number; duration: number } {
    const r = this.program.testRun({ data: frame, repeat, ingressIfindex: ifindex });
    return { retval: r.retval, duration: r.duration };
  }

  /** Classifies a frame with the explain twin: same maps, counts nothing. */
  explain(frame: Buffer, ifindex?: number): ExplainOutcome {
    this.explainer ??= loadDataPath({ pinDir: null, explain: true, shareMaps: this.maps });
    // The twin prepends its decision to the frame.
    const r = this.explainer.program.testRun({ data: frame, ingressIfindex: ifindex, dataOutSize: frame.length + SIZES.explainResult });
    if (r.retval === XDP_ABORTED) throw new Error('explain: the program aborted');
    return {
      outcome: r.dataOut.readUInt32LE(0) as Outcome,
      detail: r.dataOut.readUInt32LE(4),
      drop: r.dataOut.readUInt32LE(8) === 1,
      slot: r.dataOut.readUInt32LE(12),
    };
  }

  /** Waits for the grace period the last apply started (tests; prepare and close do it anyway). */
  settle(): void {
    this.writer.settleGracePeriod();
  }

  /** Throws a failed grace period's error after closing everything (nothing is left running). */
  close(): void {
    // First: the grace thread uses grace_inner's fd, which maps.close() closes below.
    const graceFailure = this.writer.close();
    for (const i of this.interfaces.values()) i.link.close();
    this.interfaces.clear();
    if (this.explainer) {
      this.explainer.program.close();
      this.explainer.maps.close();
    }
    this.program.close();
    this.maps.close();
    if (graceFailure !== null) throw graceFailure;
  }
}

export { fixedSlots };
