// Reading compiler output in tests: the rule indexes a bitmap holds.

import type { RuleBitmap } from '../../src/compiler/bitmap';

export function bitsOf(bm: RuleBitmap): number[] {
  const out: number[] = [];
  for (let w = 0; w < bm.length; w++) {
    for (let b = 0; b < 32; b++) if ((bm[w] >>> b) & 1) out.push(w * 32 + b);
  }
  return out;
}
