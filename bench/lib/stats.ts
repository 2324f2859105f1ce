// Summaries of repeated trials: median and range, never a mean (one noisy neighbour on a shared
// machine must not move the figure), and ratios of medians taken from the same run.

export interface Summary {
  median: number;
  min: number;
  max: number;
  /** every trial, in the order measured */
  trials: number[];
}

export function summarize(trials: number[]): Summary {
  if (trials.length === 0) return { median: NaN, min: NaN, max: NaN, trials: [] };
  const s = [...trials].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], trials };
}

export function ratio(a: Summary | undefined, b: Summary | undefined): number {
  if (!a || !b || !(b.median > 0)) return NaN;
  return a.median / b.median;
}

/** "12.3 (11.9–13.0)", with a precision that suits the magnitude. */
export function formatSummary(s: Summary | undefined, unit = ''): string {
  if (!s || Number.isNaN(s.median)) return 'n/a';
  return `${formatNumber(s.median)}${unit} (${formatNumber(s.min)}–${formatNumber(s.max)})`;
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return 'n/a';
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

/** Rotates a list by the trial number, so no contender always runs first (or last). */
export function rotate<T>(items: readonly T[], by: number): T[] {
  const k = ((by % items.length) + items.length) % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
