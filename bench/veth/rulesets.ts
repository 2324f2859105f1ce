// The rulesets of the veth comparison: all-IPv4 filler rules (the traffic is IPv4, so every rule
// is one iptables must walk), the last rule dropping the traffic's port; and xdpfw's largest.

import { buildWorkload } from '../lib/workload';
import type { Ruleset } from '../../src/ruleset/model';

export const VETH_LARGEST = { rules: 4096, v4: 1_000_000, v6: 100_000 };

export function vethRuleset(rules: number): Ruleset {
  return buildWorkload(rules, 0, 0, { fillers: 'ipv4', packetsPerKind: 1 }).ruleset;
}
