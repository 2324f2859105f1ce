/* SPDX-License-Identifier: GPL-2.0 */
/* Every map of the data path. Per-generation tables hold NUM_COPIES copies (side by side, or one
 * map per copy for the address tries); counters and interface classes are shared. Sizes come
 * from consts.h; user space may change the address maps' max_entries before load. */
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

/* Prefix -> address class, one LPM trie per family and copy: a change rewrites only the copy
 * that is not live, so packets never see a half-written set. */
#define ADDR_MAP(name, key_type, entries)                        \
	struct {                                                  \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);               \
		__uint(max_entries, entries);                      \
		__uint(map_flags, BPF_F_NO_PREALLOC);              \
		__type(key, key_type);                             \
		__type(value, __u32);                              \
	} name SEC(".maps")

ADDR_MAP(addr4_0, struct addr4_key, ADDR4_ENTRIES);
ADDR_MAP(addr4_1, struct addr4_key, ADDR4_ENTRIES);
ADDR_MAP(addr6_0, struct addr6_key, ADDR6_ENTRIES);
ADDR_MAP(addr6_1, struct addr6_key, ADDR6_ENTRIES);

/* ifindex -> interface class (1..MAX_IFACES; absent = class 0). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, MAX_IFACES);
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
