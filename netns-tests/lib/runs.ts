// Reading a ping stream around a change: the answered sequence numbers as contiguous runs. A
// switch pass -> drop -> pass that took effect at once, with no leak and no loss, shows as
// exactly two runs, the first ending before the drop was acknowledged, the second starting after
// the pass was requested.

export interface Run {
  first: number;
  last: number;
  /** Reply times (Unix seconds) of the first and last sequence numbers of the run. */
  firstAt: number;
  lastAt: number;
}

export function answeredRuns(replies: { seq: number; at: number }[]): Run[] {
  const sorted = [...new Map(replies.map((r) => [r.seq, r])).values()].sort((a, b) => a.seq - b.seq);
  const runs: Run[] = [];
  for (const r of sorted) {
    const cur = runs[runs.length - 1];
    if (cur && r.seq === cur.last + 1) {
      cur.last = r.seq;
      cur.lastAt = r.at;
    } else runs.push({ first: r.seq, last: r.seq, firstAt: r.at, lastAt: r.at });
  }
  return runs;
}
