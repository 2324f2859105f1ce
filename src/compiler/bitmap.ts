// Rule bitmaps: bit i set = the i-th enabled rule (priority order) is satisfied. Held as 32-bit
// words so JavaScript can combine them; the data path sees the same bytes as 64-bit words.

import { BITMAP_WORDS } from '../dataplane/layout';

export const BITMAP_WORDS32 = BITMAP_WORDS * 2;

export type RuleBitmap = Uint32Array;

export function emptyBitmap(): RuleBitmap {
  return new Uint32Array(BITMAP_WORDS32);
}

export function setBit(bm: RuleBitmap, i: number): void {
  bm[i >>> 5] |= 1 << (i & 31);
}

export function clearBit(bm: RuleBitmap, i: number): void {
  bm[i >>> 5] &= ~(1 << (i & 31));
}

export function orInto(target: RuleBitmap, source: RuleBitmap): void {
  for (let i = 0; i < target.length; i++) target[i] |= source[i];
}

/** Gives equal bitmaps one class id each, in order of first appearance. */
export class BitmapInterner {
  private readonly ids = new Map<string, number>();
  readonly bitmaps: RuleBitmap[] = [];

  constructor(private readonly limit: number, private readonly what: string) {}

  intern(bm: RuleBitmap): number {
    const key = Buffer.from(bm.buffer, bm.byteOffset, bm.byteLength).toString('latin1');
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.bitmaps.length;
      if (id >= this.limit) {
        throw new CapacityError(`${this.what}: more than ${this.limit} distinct classes`);
      }
      this.ids.set(key, id);
      this.bitmaps.push(bm.slice());
    }
    return id;
  }
}

/** A ruleset that is valid but does not fit the data path's tables. */
export class CapacityError extends Error {
  readonly code = 'capacity_exceeded';
}
