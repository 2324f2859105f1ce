// Kernel UAPI numbers (linux/bpf.h, linux/if_link.h) that the TypeScript side needs by name.

export const MapType = {
  HASH: 1,
  ARRAY: 2,
  PROG_ARRAY: 3,
  PERF_EVENT_ARRAY: 4,
  PERCPU_HASH: 5,
  PERCPU_ARRAY: 6,
  LRU_HASH: 9,
  LRU_PERCPU_HASH: 10,
  LPM_TRIE: 11,
  PERCPU_CGROUP_STORAGE: 21,
} as const;

export const MapFlags = {
  NO_PREALLOC: 1 << 0,
  RDONLY_PROG: 1 << 7,
  MMAPABLE: 1 << 10,
} as const;

export const ProgType = { XDP: 6 } as const;

export const AttachType = { XDP: 37 } as const;

export const LinkType = { XDP: 6 } as const;

export const XdpFlags = { SKB_MODE: 1 << 1, DRV_MODE: 1 << 2 } as const;

/** IFLA_XDP_ATTACHED values, in order. */
export const XDP_ATTACHED = ['none', 'native', 'generic', 'offload', 'multi'] as const;

export const UpdateFlags = { any: 0, noexist: 1, exist: 2 } as const;

/** Maps whose values the kernel copies once per possible CPU. */
export const PER_CPU_MAP_TYPES: ReadonlySet<number> = new Set([
  MapType.PERCPU_HASH,
  MapType.PERCPU_ARRAY,
  MapType.LRU_PERCPU_HASH,
  MapType.PERCPU_CGROUP_STORAGE,
]);
