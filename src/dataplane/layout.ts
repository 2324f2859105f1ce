// The data path's numbering and byte layouts, mirrored from xdp/include/consts.h and structs.h.
// openMaps() checks every map's key and value size against these before anything is written.

export const MAX_RULES = 4096;
export const BITMAP_WORDS = MAX_RULES / 64;
export const NUM_COPIES = 2;

export enum Dim {
  Src = 0,
  Dst,
  L3,
  L4W0,
  L4W1,
  Flags,
  Iface,
}

export const ADDR_CLASSES = 32768;
export const L4_CLASSES = 16384;
export const L3_CLASSES = 2048;
export const FLAGS_CLASSES = 256;
export const IFACE_CLASSES = 128;

export const BITS_BASE = {
  src: 0,
  dst: ADDR_CLASSES,
  l4w0: 2 * ADDR_CLASSES,
  l4w1: 2 * ADDR_CLASSES + L4_CLASSES,
  l3: 2 * ADDR_CLASSES + 2 * L4_CLASSES,
  flags: 2 * ADDR_CLASSES + 2 * L4_CLASSES + L3_CLASSES,
  iface: 2 * ADDR_CLASSES + 2 * L4_CLASSES + L3_CLASSES + FLAGS_CLASSES,
} as const;
export const BITS_PER_COPY = BITS_BASE.iface + IFACE_CLASSES;

export const L3_VALUES = 2048;
export const L4_VALUES = 65536;
export const FLAGS_VALUES = 256;
export const VC_BASE = {
  l3: 0,
  l4w0: L3_VALUES,
  l4w1: L3_VALUES + L4_VALUES,
  flags: L3_VALUES + 2 * L4_VALUES,
} as const;
export const VC_PER_COPY = VC_BASE.flags + FLAGS_VALUES;

/** Address tables (xdp/include/addr-table.h). */
export const ROOT_BITS = 24;
export const ROOT_ENTRIES = 1 << ROOT_BITS;
export const NODE_BITS = 8;
export const NODE_ENTRIES = 1 << NODE_BITS;
export const BUCKET_SLOTS = 4;
export const NODES_PER_COPY = { 4: 16384, 6: 32768 } as const;
export const BUCKETS_PER_COPY = { 4: 1_100_000, 6: 300_000 } as const;
/** u32 words per bucket: dflt, count, then slots of (addr words, len, cls). */
export const BUCKET_WORDS = { 4: 2 + BUCKET_SLOTS * 3, 6: 2 + BUCKET_SLOTS * 6 } as const;


/** Distinct address prefixes (set members and rule literals) one copy's tables take. */
export const ADDR4_ENTRIES = 1_100_000;
export const ADDR6_ENTRIES = 300_000;
export const MAX_IFACES = 64;
export const IFINDEX_LIMIT = 1 << 20;

export enum Frag {
  None = 0,
  First = 1,
  NonFirst = 2,
}

export const MALFORMED_REASONS = ['ip_truncated', 'ip_version', 'ihl', 'ext_header', 'l4_truncated', 'tiny_fragment'] as const;
export type MalformedReason = (typeof MALFORMED_REASONS)[number];

export const SLOT_DEFAULT = MAX_RULES;
export const SLOT_MALFORMED_BASE = SLOT_DEFAULT + 1;
export const SLOT_BYPASS_NON_IP = SLOT_MALFORMED_BASE + MALFORMED_REASONS.length;
export const SLOT_BYPASS_NDP = SLOT_BYPASS_NON_IP + 1;
export const SLOT_IFACE_BASE = SLOT_BYPASS_NDP + 1;
export const NUM_SLOTS = SLOT_IFACE_BASE + IFACE_CLASSES * 2;

export const ACTION_PASS = 0;
export const ACTION_DROP = 1;

export enum Outcome {
  Rule = 1,
  Default = 2,
  Malformed = 3,
  NonIp = 4,
  Ndp = 5,
}

export const XDP_ABORTED = 0;
export const XDP_DROP = 1;
export const XDP_PASS = 2;

/** Byte sizes of the shared structs (structs.h). */
export const SIZES = {
  activeGen: 8,
  copyConfig: 16,
  classBits: 8 + 8 * BITMAP_WORDS,
  ruleEntry: 8,
  counter: 16,
  u32: 4,
  explainResult: 16,
} as const;

/** Expected key/value sizes per map name, checked when maps are opened. */
export const MAP_LAYOUT: Record<string, { key: number; value: number }> = {
  active: { key: 4, value: SIZES.activeGen },
  config: { key: 4, value: SIZES.copyConfig },
  addr_root: { key: 4, value: 8 },
  addr_node4: { key: 4, value: 8 },
  addr_node6: { key: 4, value: 8 },
  addr_bucket4: { key: 4, value: 4 * BUCKET_WORDS[4] },
  addr_bucket6: { key: 4, value: 4 * BUCKET_WORDS[6] },
  iface_class: { key: 4, value: 4 },
  value_class: { key: 4, value: 4 },
  class_bits: { key: 4, value: SIZES.classBits },
  rule_table: { key: 4, value: SIZES.ruleEntry },
  counters: { key: 4, value: SIZES.counter },
  grace_sync: { key: 4, value: 4 },
  grace_inner: { key: 4, value: 4 },
};

