/* SPDX-License-Identifier: GPL-2.0 */
/* Every map of the data path. Per-generation tables hold NUM_COPIES copies side by side; counters
 * and interface classes are shared. Sizes come from consts.h. */
#ifndef XDPFW_MAPS_H
#define XDPFW_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "structs.h"

/* The live generation (one 8-byte word, flipped by user space through mmap). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct active_gen);
} active SEC(".maps");

/* Per-copy ruleset settings. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES);
	__type(key, __u32);
	__type(value, struct copy_config);
} config SEC(".maps");

/* Address tables (include/addr-table.h): root entries for (copy, family) at
 * ((copy * 2 + family) << (ROOT_BITS - 1)) + top24 / 2; nodes and buckets per family, copy-major. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * 2 * (ROOT_ENTRIES / 2));
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct addr_pair);
} addr_root SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * NODES4_PER_COPY * (NODE_ENTRIES / 2));
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct addr_pair);
} addr_node4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * NODES6_PER_COPY * (NODE_ENTRIES / 2));
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct addr_pair);
} addr_node6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * BUCKETS4_PER_COPY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct bucket4);
} addr_bucket4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * BUCKETS6_PER_COPY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct bucket6);
} addr_bucket6 SEC(".maps");

/* ifindex -> interface class (1..MAX_IFACES; 0 = not attached). An array, not a hash: one
 * inlined load per packet instead of a hash computation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IFINDEX_LIMIT);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} iface_class SEC(".maps");

/* copy * VC_PER_COPY + VC_BASE_<dim> + value -> class, for the small dimensions. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * VC_PER_COPY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __u32);
} value_class SEC(".maps");

/* copy * BITS_PER_COPY + BITS_BASE_<dim> + class -> the class's rule bitmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * BITS_PER_COPY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct class_bits);
} class_bits SEC(".maps");

/* copy * MAX_RULES + priority -> counter slot and action. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, NUM_COPIES * MAX_RULES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct rule_entry);
} rule_table SEC(".maps");

/* Packets and bytes per counter slot, per CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NUM_SLOTS);
	__type(key, __u32);
	__type(value, struct counter);
} counters SEC(".maps");

/* Updating this one-slot map-of-maps makes the kernel wait an RCU grace period: user space's
 * way to know no packet still runs under a previous generation. */
struct grace_inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} grace_inner SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1);
	__type(key, __u32);
	__array(values, struct grace_inner_map);
} grace_sync SEC(".maps") = {
	.values = { [0] = &grace_inner },
};

#endif
