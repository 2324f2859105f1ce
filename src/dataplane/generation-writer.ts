// Making a compiled ruleset live, all or nothing: write every table of the copy no packet is
// using, then flip the epoch with one 8-byte store, then wait an RCU grace period so the old copy
// is idle before anything touches it again. A failure before the flip leaves the live copy as is.
// The grace period runs on a native thread after the flip; the next prepare (which writes the old
// copy) and close join it first, so no copy is written until a grace period after it was live.

import { CompiledRuleset } from '../compiler/compile';
import type { ValueClasses } from '../compiler/value-classes';
import type { PendingUpdate } from '../../native/lib';
import { DataPathMaps } from './maps';
import { actionCode, encodeConfig, u32, writeClassBits } from './encode';
import {
  BITS_BASE,
  BITS_PER_COPY,
  MAX_RULES,
  SIZES,
  VC_BASE,
  VC_PER_COPY,
} from './layout';
import { AddressTable } from './address-table';
import type { EntriesPool } from '../compiler/entries-pool';
import { AddressHistory, cellCount } from './address-history';

/**
 * Past this many changed root cells (of 2^24) a copy's address table is rebuilt whole: updating
 * costs ~50 ns per cell, a rebuild ~15 ms for the root plus ~0.13 us per entry (1M IPv4 prefixes:
 * 130-190 ms, break-even near 3M cells; 250k IPv6: 40 ms, near 0.8M cells).
 */
const MIN_CELLS = 1 << 18;
const CELLS_PER_ENTRY = 2;

export class GenerationWriter {
  /** What each copy holds, when this process wrote it; null = unknown (adopted maps). */
  private readonly held: (CompiledRuleset | null)[] = [null, null];
  /** Per copy, per family: the address table with its free lists. */
  private readonly tables: { 4: AddressTable; 6: AddressTable }[];
  private readonly history = new AddressHistory();
  /** The grace period started by the last commit, until joined. */
  private grace: PendingUpdate | null = null;
  /** A grace period that failed: the copy that was live is not known idle until one succeeds. */
  private graceOwed = false;
  /** How the last prepare wrote the address tables (tests, benchmarks). */
  lastAddressWrite: { 4: 'kept' | 'updated' | 'rebuilt'; 6: 'kept' | 'updated' | 'rebuilt' } = { 4: 'rebuilt', 6: 'rebuilt' };

  constructor(private readonly maps: DataPathMaps, private readonly pool: EntriesPool | null = null) {
    this.tables = [0, 1].map((copy) => ({
      4: new AddressTable(4, copy, maps.addressViews[4]),
      6: new AddressTable(6, copy, maps.addressViews[6]),
    }));
  }

  epoch(): bigint {
    return Atomics.load(this.maps.active, 0);
  }

  liveCopy(): number {
    return Number(this.epoch() & 1n);
  }

  /** The compiled ruleset the live copy holds, when known. */
  live(): CompiledRuleset | null {
    return this.held[this.liveCopy()];
  }

  /** Writes `next` into the idle copy; returns that copy. Nothing live changes. */
  prepare(next: CompiledRuleset): number {
    this.settleGracePeriod();
    const copy = 1 - this.liveCopy();
    const known = this.held[copy];
    this.held[copy] = null; // half-written until prepare returns
    this.writeAddressTables(copy, known, next);
    this.writeClassTables(copy, next, known);
    if (next.rules !== known?.rules) this.writeRuleTable(copy, next);
    this.maps.get('config').update(
      u32(copy),
      encodeConfig({ ...next.config, numRules: next.rules.length }),
    );
    this.held[copy] = next;
    if (known) this.recycle(known, copy);
    return copy;
  }

  /** The entries `old` held in `copy`, when neither copy holds them now, go back to the pool. */
  private recycle(old: CompiledRuleset, copy: number): void {
    const other = this.held[1 - copy];
    for (const [key, width] of [['v4', 1], ['v6', 4]] as const) {
      const e = old.addresses[key];
      if (e !== this.held[copy]?.addresses[key] && e !== other?.addresses[key]) this.pool?.give(width, e);
    }
  }

  /**
   * Makes `copy` live (one aligned 8-byte store), then starts the wait until no packet uses the
   * old one; prepare and close finish it.
   */
  commit(copy: number): bigint {
    const epoch = this.epoch();
    if (Number(epoch & 1n) === copy) throw new Error('commit: that copy is already live');
    if (this.grace !== null || this.graceOwed) throw new Error('commit: the previous grace period is not settled (prepare first)');
    Atomics.store(this.maps.active, 0, epoch + 1n);
    try {
      this.grace = this.maps.get('grace_sync').updateStart(u32(0), u32(this.maps.get('grace_inner').fd));
    } catch (e) {
      this.graceOwed = true;
      throw e;
    }
    return epoch + 1n;
  }

  /**
   * Waits for the grace period of the last commit, when one is running. If that wait failed on
   * its thread, one is waited for here instead: the next change is not refused for the failure
   * of a wait that followed another one. Only when that fails too does this throw (nothing is
   * written then); until a wait succeeds, each call tries one more.
   */
  settleGracePeriod(): void {
    const grace = this.grace;
    this.grace = null;
    if (grace !== null) {
      try {
        grace.join();
        return;
      } catch {
        this.graceOwed = true;
      }
    }
    if (this.graceOwed) {
      this.waitGracePeriod();
      this.graceOwed = false;
    }
  }

  close(): unknown {
    const grace = this.grace;
    this.grace = null;
    this.graceOwed = false;
    try {
      grace?.join();
      return null;
    } catch (e) {
      return e;
    }
  }

  /** Updating a map-of-maps makes the kernel wait an RCU grace period (synchronize_rcu). */
  private waitGracePeriod(): void {
    this.maps.get('grace_sync').update(u32(0), u32(this.maps.get('grace_inner').fd));
  }

  /**
   * Brings the copy's address tables from the entries it holds to `next`'s: nothing when they are
   * the same version, only the root cells changed on the way when the path between the versions
   * is known and short (class ids are stable across compiles, so other cells hold the same), else
   * a full rebuild.
   */
  private writeAddressTables(copy: number, known: CompiledRuleset | null, next: CompiledRuleset): void {
    this.history.record(next.addresses);
    const dirty = known ? this.history.between(known.addresses.version, next.addresses.version) : null;
    for (const family of [4, 6] as const) {
      const entries = family === 4 ? next.addresses.v4 : next.addresses.v6;
      const cells = dirty && (family === 4 ? dirty.v4 : dirty.v6);
      if (cells && cells.length === 0) this.lastAddressWrite[family] = 'kept';
      else if (cells && cellCount(cells) <= Math.max(MIN_CELLS, entries.len.length * CELLS_PER_ENTRY)) {
        this.tables[copy][family].update(entries, cells);
        this.lastAddressWrite[family] = 'updated';
      } else {
        this.tables[copy][family].build(entries);
        this.lastAddressWrite[family] = 'rebuilt';
      }
    }
  }

  /**
   * Value classes and class bitmaps. A table (or one class's bitmap) that is the very object the
   * copy was last written from is skipped: compiles reuse them when the rules did not change.
   */
  private writeClassTables(copy: number, c: CompiledRuleset, known: CompiledRuleset | null): void {
    const vcBase = copy * VC_PER_COPY;
    const values = (dimBase: number, next: ValueClasses, held: ValueClasses | undefined) => {
      if (next.valueClass !== held?.valueClass) this.writeValueClasses(vcBase + dimBase, next.valueClass);
    };
    values(VC_BASE.l3, c.l3, known?.l3);
    values(VC_BASE.l4w0, c.l4w0, known?.l4w0);
    values(VC_BASE.l4w1, c.l4w1, known?.l4w1);
    values(VC_BASE.flags, c.flags, known?.flags);

    const bits = this.maps.classBits;
    const base = copy * BITS_PER_COPY;
    const put = (dimBase: number, bitmaps: Uint32Array[], held: Uint32Array[] | undefined) => {
      if (bitmaps === held) return;
      bitmaps.forEach((bm, cls) => {
        if (held?.[cls] !== bm) writeClassBits(bits, base + dimBase + cls, bm);
      });
    };
    put(BITS_BASE.src, c.srcBits, known?.srcBits);
    put(BITS_BASE.dst, c.dstBits, known?.dstBits);
    put(BITS_BASE.l3, c.l3.bitmaps, known?.l3.bitmaps);
    put(BITS_BASE.l4w0, c.l4w0.bitmaps, known?.l4w0.bitmaps);
    put(BITS_BASE.l4w1, c.l4w1.bitmaps, known?.l4w1.bitmaps);
    put(BITS_BASE.flags, c.flags.bitmaps, known?.flags.bitmaps);
    put(BITS_BASE.iface, c.ifaceBits, known?.ifaceBits);
  }

  /** Array map elements are 8-byte aligned in the mmap'ed area: a u32 value every 2 words. */
  private writeValueClasses(firstKey: number, classes: Uint32Array): void {
    const view = this.maps.valueClass;
    for (let i = 0; i < classes.length; i++) view[(firstKey + i) * 2] = classes[i];
  }

  private writeRuleTable(copy: number, c: CompiledRuleset): void {
    const stride = SIZES.ruleEntry / 4;
    const base = copy * MAX_RULES * stride;
    c.rules.forEach((r, prio) => {
      this.maps.ruleTable[base + prio * stride] = r.slot;
      this.maps.ruleTable[base + prio * stride + 1] = actionCode(r.action);
    });
  }
}
