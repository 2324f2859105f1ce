// What the metrics plugin (src/metrics/) reads from the running service.
// RulesetService implements it; the metrics side never mutates anything.

export interface PacketBytes {
  packets: number;
  bytes: number;
}

export interface MetricsSource {
  generation(): number;
  ruleCount(): number;                                   // enabled rules
  setSizes(): { name: string; count: number }[];
  counters(): {                                          // one batch read
    rules: { id: string; action: 'pass' | 'drop'; packets: number; bytes: number }[];   // enabled rules, ruleset order
    default: { action: 'pass' | 'drop'; packets: number; bytes: number };
    malformed: Record<'ip_truncated' | 'ip_version' | 'ihl' | 'ext_header' | 'l4_truncated' | 'tiny_fragment', { packets: number; bytes: number }>;
    bypass: { non_ip: { packets: number; bytes: number }; ndp: { packets: number; bytes: number } };
    interfaces: { name: string; pass: { packets: number; bytes: number }; drop: { packets: number; bytes: number } }[];
  };
  onApply(listener: (durationSeconds: number) => void): void;   // each successful mutation
}
