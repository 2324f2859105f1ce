// A small seeded pseudo-random generator (mulberry32) for test-case generation. Generators take
// an Rng rather than calling Math.random, so every generated ruleset or packet is reproducible
// from one printed seed, both under fast-check and in plain soak loops.

export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniformly distributed unsigned 32-bit integer. */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A float in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }

  /** An integer in [lo, hi], both inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[this.int(0, items.length - 1)];
  }

  /** Picks a value by relative weight: [[weight, value], ...]. */
  weighted<T>(choices: ReadonlyArray<readonly [number, T]>): T {
    const total = choices.reduce((sum, [w]) => sum + w, 0);
    let x = this.float() * total;
    for (const [w, value] of choices) {
      if (x < w) return value;
      x -= w;
    }
    return choices[choices.length - 1][1];
  }

  /** Up to `count` distinct items, in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    const copy = items.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [copy[i], copy[j]] = [copy[j], copy[i]];
    }
    return copy.slice(0, Math.min(count, copy.length));
  }

  /** `n` random bytes as lowercase hex. */
  hex(n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += (this.u32() & 0xff).toString(16).padStart(2, '0');
    return out;
  }

  /** A new independent generator, seeded from this one. */
  fork(): Rng {
    return new Rng(this.u32());
  }
}
