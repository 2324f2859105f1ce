// Command-line options of `npm run bench`: --quick for development, --only to run some sections.

export const SECTIONS = ['datapath', 'miss', 'control', 'veth'] as const;
export type Section = (typeof SECTIONS)[number];

export interface BenchOptions {
  quick: boolean;
  sections: Set<Section>;
  /** trials per figure (interleaved) */
  trials: number;
  /** BPF_PROG_TEST_RUN runs per data-path cell, split over its distinct packets */
  repeatPerCell: number;
  ruleSizes: number[];
  /** IPv4 set sizes; each comes with min(size, 100k) IPv6 prefixes */
  setSizes: number[];
  /** packets per family in the miss flood, each run once */
  missPackets: number;
  /** seconds of traffic per veth trial */
  vethSeconds: number;
  vethRuleSizes: number[];
  /** trafgen's fixed offered rate, packets per second */
  vethRate: number;
  /** directory for the JSON report */
  outDir: string;
  /** the whole run's time budget; the data path grid is cut to stay within it */
  budgetMinutes: number;
}

export function parseOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  let sections = new Set<Section>(SECTIONS);
  const only = argv.find((a) => a.startsWith('--only='));
  if (only) {
    const names = only.slice('--only='.length).split(',');
    for (const n of names) if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`--only: unknown section "${n}" (${SECTIONS.join(', ')})`);
    sections = new Set(names as Section[]);
  }
  const unknown = argv.filter((a) => a !== '--quick' && !a.startsWith('--only='));
  if (unknown.length) throw new Error(`unknown arguments: ${unknown.join(' ')} (use --quick, --only=${SECTIONS.join(',')})`);
  return {
    quick,
    sections,
    trials: quick ? 3 : 5,
    repeatPerCell: quick ? 200_000 : 1_000_000,
    ruleSizes: quick ? [10, 4096] : [10, 100, 1000, 4096],
    setSizes: quick ? [0, 1_000_000] : [0, 10_000, 100_000, 1_000_000],
    missPackets: quick ? 2048 : 4096,
    vethSeconds: quick ? 1.5 : 3,
    vethRuleSizes: quick ? [4096] : [100, 1000, 4096],
    vethRate: 5_000,
    outDir: 'bench/results',
    budgetMinutes: quick ? 2 : 20,
  };
}
