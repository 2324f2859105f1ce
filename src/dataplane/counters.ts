// Reading the per-CPU counters: one batch read of the whole counter map, summed over CPUs.

import { BpfMap } from '../../native/lib';
import { MALFORMED_REASONS, MalformedReason, NUM_SLOTS, SIZES, SLOT_BYPASS_NDP, SLOT_BYPASS_NON_IP, SLOT_DEFAULT, SLOT_IFACE_BASE, SLOT_MALFORMED_BASE } from './layout';

export interface PacketCount {
  packets: number;
  bytes: number;
}

export interface CounterSnapshot {
  /** Indexed by slot: rules 0..MAX_RULES-1, then the fixed slots. */
  slots: PacketCount[];
}

export function readCounters(map: BpfMap): CounterSnapshot {
  const { keys, values, count } = map.lookupBatch();
  const stride = map.valueBufferSize;
  const perCpu = Math.floor(stride / SIZES.counter);
  const slots: PacketCount[] = Array.from({ length: NUM_SLOTS }, () => ({ packets: 0, bytes: 0 }));
  for (let i = 0; i < count; i++) {
    const slot = keys.readUInt32LE(i * 4);
    if (slot >= NUM_SLOTS) continue;
    let packets = 0n;
    let bytes = 0n;
    for (let cpu = 0; cpu < perCpu; cpu++) {
      const o = i * stride + cpu * SIZES.counter;
      packets += values.readBigUInt64LE(o);
      bytes += values.readBigUInt64LE(o + 8);
    }
    slots[slot] = { packets: Number(packets), bytes: Number(bytes) };
  }
  return { slots };
}

/** Sets slots' counters to zero on every CPU (a slot given to a new rule id starts at zero). */
export function zeroSlots(map: BpfMap, slots: number[]): void {
  const zero = Buffer.alloc(map.valueBufferSize);
  for (const slot of slots) {
    const key = Buffer.alloc(4);
    key.writeUInt32LE(slot);
    map.update(key, zero);
  }
}

export const fixedSlots = {
  default: SLOT_DEFAULT,
  nonIp: SLOT_BYPASS_NON_IP,
  ndp: SLOT_BYPASS_NDP,
  malformed: (reason: MalformedReason) => SLOT_MALFORMED_BASE + MALFORMED_REASONS.indexOf(reason),
  iface: (cls: number, drop: boolean) => SLOT_IFACE_BASE + cls * 2 + (drop ? 1 : 0),
};
