// Times repeated /metrics scrapes in CPU (the figure the tests judge: wall time swings with the
// machine's other load) and wall time; medians of `runs`, plus the last scrape's text.

export interface ScrapeTiming {
  cpuMedianMs: number;
  wallMedianMs: number;
  text: string;
}

export async function timeScrapes(scrape: () => Promise<string>, runs = 10): Promise<ScrapeTiming> {
  const cpu: number[] = [];
  const wall: number[] = [];
  let text = '';
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    text = await scrape();
    wall.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  return { cpuMedianMs: median(cpu), wallMedianMs: median(wall), text };
}
