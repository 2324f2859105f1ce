// Making a compiled ruleset live, all or nothing: write every table of the copy no packet is
// using, then flip the epoch with one 8-byte store, then wait an RCU grace period so the old copy
// is idle before anything touches it again. A failure before the flip leaves the live copy as is.

import { CompiledRuleset } from '../compiler/compile';
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
import { buildAddressTable, sameEntries } from './address-table';

export class GenerationWriter {
  /** What each copy holds, when this process wrote it; null = unknown (adopted maps). */
  private readonly held: (CompiledRuleset | null)[] = [null, null];

  constructor(private readonly maps: DataPathMaps) {}

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
    const copy = 1 - this.liveCopy();
    const known = this.held[copy];
    this.held[copy] = null; // half-written until prepare returns
    // Address tables are rebuilt only when their entries changed since this copy was written:
    // a rule change that adds no prefix keeps them (class ids are stable across compiles).
    for (const family of [4, 6] as const) {
      const key = family === 4 ? 'v4' : 'v6';
      if (known && sameEntries(known.addresses[key], next.addresses[key])) continue;
      buildAddressTable(family, copy, next.addresses[key], this.maps.addressViews[family]);
    }
    this.writeClassTables(copy, next);
    this.writeRuleTable(copy, next);
    this.maps.get('config').update(
      u32(copy),
      encodeConfig({ ...next.config, numRules: next.rules.length }),
    );
    this.held[copy] = next;
    return copy;
  }

  /** Makes `copy` live (one aligned 8-byte store), then waits until no packet uses the old one. */
  commit(copy: number): bigint {
    const epoch = this.epoch();
    if (Number(epoch & 1n) === copy) throw new Error('commit: that copy is already live');
    Atomics.store(this.maps.active, 0, epoch + 1n);
    this.waitGracePeriod();
    return epoch + 1n;
  }

  /** Updating a map-of-maps makes the kernel wait an RCU grace period (synchronize_rcu). */
  waitGracePeriod(): void {
    this.maps.get('grace_sync').update(u32(0), u32(this.maps.get('grace_inner').fd));
  }

  private writeClassTables(copy: number, c: CompiledRuleset): void {
    const vcBase = copy * VC_PER_COPY;
    this.writeValueClasses(vcBase + VC_BASE.l3, c.l3.valueClass);
    this.writeValueClasses(vcBase + VC_BASE.l4w0, c.l4w0.valueClass);
    this.writeValueClasses(vcBase + VC_BASE.l4w1, c.l4w1.valueClass);
    this.writeValueClasses(vcBase + VC_BASE.flags, c.flags.valueClass);

    const bits = this.maps.classBits;
    const base = copy * BITS_PER_COPY;
    const put = (dimBase: number, bitmaps: Uint32Array[]) =>
      bitmaps.forEach((bm, cls) => writeClassBits(bits, base + dimBase + cls, bm));
    put(BITS_BASE.src, c.srcBits);
    put(BITS_BASE.dst, c.dstBits);
    put(BITS_BASE.l3, c.l3.bitmaps);
    put(BITS_BASE.l4w0, c.l4w0.bitmaps);
    put(BITS_BASE.l4w1, c.l4w1.bitmaps);
    put(BITS_BASE.flags, c.flags.bitmaps);
    put(BITS_BASE.iface, c.ifaceBits);
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
