// The JSON report of one run (bench/results/<date>.json): the machine, the options, every raw trial.

import type { HostInfo } from '../lib/host';
import type { BenchOptions } from '../lib/options';
import type { ControlResult } from '../sections/control';
import type { DatapathResult } from '../sections/datapath';
import type { MissResult } from '../sections/miss';
import type { VethResult } from '../sections/veth';
import type { TargetRow } from './targets';

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  seconds: number;
  host: HostInfo;
  options: Omit<BenchOptions, 'sections'> & { sections: string[] };
  datapath?: DatapathResult;
  miss?: MissResult;
  control?: ControlResult;
  veth?: VethResult;
  targets: TargetRow[];
  /** what was skipped or looked wrong, in words */
  notes: string[];
}
