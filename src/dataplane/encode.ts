// Byte encoders for the structs of xdp/include/structs.h (little-endian host, as the kernel).

import { Action } from '../ruleset/model';
import { RuleBitmap } from '../compiler/bitmap';
import { ACTION_DROP, ACTION_PASS, BITMAP_WORDS, SIZES } from './layout';

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}

export function actionCode(action: Action): number {
  return action === 'drop' ? ACTION_DROP : ACTION_PASS;
}

export function encodeConfig(c: { defaultAction: Action; ndpBypass: boolean; nonIpDrop: boolean; numRules: number }): Buffer {
  const b = Buffer.alloc(SIZES.copyConfig);
  b.writeUInt32LE(actionCode(c.defaultAction), 0);
  b.writeUInt32LE(c.ndpBypass ? 1 : 0, 4);
  b.writeUInt32LE(c.nonIpDrop ? 1 : 0, 8);
  b.writeUInt32LE(c.numRules, 12);
  return b;
}

/**
 * Writes a class's bitmap as struct class_bits (summary word, then 64-bit words) into `view`
 * (32-bit words) at element `index`. Bit order matches: 32-bit word 2w is the low half of w.
 */
export function writeClassBits(view: Uint32Array, index: number, bm: RuleBitmap): void {
  const stride = SIZES.classBits / 4;
  const base = index * stride;
  let summaryLo = 0;
  let summaryHi = 0;
  for (let w = 0; w < BITMAP_WORDS; w++) {
    const lo = bm[2 * w];
    const hi = bm[2 * w + 1];
    view[base + 2 + 2 * w] = lo;
    view[base + 3 + 2 * w] = hi;
    if (lo !== 0 || hi !== 0) {
      if (w < 32) summaryLo |= 1 << w;
      else summaryHi |= 1 << (w - 32);
    }
  }
  view[base] = summaryLo >>> 0;
  view[base + 1] = summaryHi >>> 0;
}

export function encodeU32s(values: Uint32Array): Buffer {
  const b = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) b.writeUInt32LE(values[i], i * 4);
  return b;
}
