/* SPDX-License-Identifier: GPL-2.0 */
/* Address -> address class, in a few array probes whatever the number of prefixes: a root of 2^24
 * entries (the top 24 bits), then at most one bucket of BUCKET_SLOTS longer prefixes or a chain of
 * 256-entry nodes (8 bits each). The kernel LPM trie costs 65-150 ns per lookup at 1k-1M prefixes
 * on this kind of machine; this costs one or two cache misses. Built in user space
 * (src/dataplane/address-table.ts). */
#ifndef XDPFW_ADDR_TABLE_H
#define XDPFW_ADDR_TABLE_H

#include "maps.h"

/* An IPv6 address in host-order words, as global functions take sized memory. */
struct addr6_words {
	__u32 w[4];
};

static __always_inline __u32 pair_entry(const struct addr_pair *p, __u32 index)
{
	return (__u32)(p->entries >> ((index & 1) * 32));
}

/* The mask of a prefix length relative to one 32-bit word (len may be <= 0 or >= 32). */
static __always_inline __u32 word_mask(int len)
{
	if (len <= 0)
		return 0;
	if (len >= 32)
		return 0xFFFFFFFF;
	return 0xFFFFFFFF << (32 - len);
}

static __always_inline __u32 entry_kind(__u32 e)
{
	return e >> ENTRY_KIND_SHIFT;
}

static __always_inline __u32 bucket4_match(__u32 copy, __u32 index, __u32 addr)
{
	struct bucket4 *b;
	__u32 key, i;

	if (index >= BUCKETS4_PER_COPY)
		return 0;
	key = copy * BUCKETS4_PER_COPY + index;
	b = bpf_map_lookup_elem(&addr_bucket4, &key);
	if (!b)
		return 0;
#pragma unroll
	for (i = 0; i < BUCKET_SLOTS; i++) {
		if (i >= b->count)
			break;
		if ((addr & word_mask(b->slots[i].len)) == b->slots[i].addr)
			return b->slots[i].cls;
	}
	return b->dflt;
}

static __always_inline int slot6_matches(const struct bucket6_slot *s, const struct addr6_words *a)
{
	int len = s->len;

	return (a->w[0] & word_mask(len)) == s->addr[0] && (a->w[1] & word_mask(len - 32)) == s->addr[1] &&
	       (a->w[2] & word_mask(len - 64)) == s->addr[2] && (a->w[3] & word_mask(len - 96)) == s->addr[3];
}

static __always_inline __u32 bucket6_match(__u32 copy, __u32 index, const struct addr6_words *a)
{
	struct bucket6 *b;
	__u32 key, i;

	if (index >= BUCKETS6_PER_COPY)
		return 0;
	key = copy * BUCKETS6_PER_COPY + index;
	b = bpf_map_lookup_elem(&addr_bucket6, &key);
	if (!b)
		return 0;
#pragma unroll
	for (i = 0; i < BUCKET_SLOTS; i++) {
		if (i >= b->count)
			break;
		if (slot6_matches(&b->slots[i], a))
			return b->slots[i].cls;
	}
	return b->dflt;
}

static __always_inline __u32 root_entry(__u32 copy, __u32 family, __u32 top24)
{
	__u32 key = ((copy * 2 + family) << (ROOT_BITS - 1)) + (top24 >> 1);
	struct addr_pair *p = bpf_map_lookup_elem(&addr_root, &key);

	return p ? pair_entry(p, top24) : 0;
}

/* The class of an IPv4 address (host order). Inlined, as every function on the common path: a
 * BPF-to-BPF call returns through the kernel's return thunk, which on AMD hosts with the SRSO
 * mitigation ("Safe RET") is a mispredicted return, 5-10 ns per call on the development VM. */
static __always_inline __u32 xdpfw_addr4_class(__u32 addr, __u32 copy)
{
	struct addr_pair *p;
	__u32 e, key, node, byte;

	if (copy >= NUM_COPIES)
		return 0;
	e = root_entry(copy, 0, addr >> 8);
	if (entry_kind(e) == ENTRY_NODE) {
		node = e & ENTRY_VALUE_MASK;
		if (node >= NODES4_PER_COPY)
			return 0;
		byte = addr & 0xFF;
		key = (copy * NODES4_PER_COPY + node) * (NODE_ENTRIES / 2) + (byte >> 1);
		p = bpf_map_lookup_elem(&addr_node4, &key);
		if (!p)
			return 0;
		e = pair_entry(p, byte);
	}
	if (entry_kind(e) == ENTRY_BUCKET)
		return bucket4_match(copy, e & ENTRY_VALUE_MASK, addr);
	return e & ENTRY_VALUE_MASK;
}

/* The class of an IPv6 address (host-order words). */
static __always_inline __u32 xdpfw_addr6_class(const struct addr6_words *a, __u32 copy)
{
	struct addr_pair *p;
	__u32 e, key, node, byte, bit = ROOT_BITS, i;

	if (!a || copy >= NUM_COPIES)
		return 0;
	e = root_entry(copy, 1, a->w[0] >> 8);
	for (i = 0; i < MAX_NODE_DEPTH; i++) {
		if (entry_kind(e) != ENTRY_NODE)
			break;
		node = e & ENTRY_VALUE_MASK;
		if (node >= NODES6_PER_COPY)
			return 0;
		byte = (a->w[(bit >> 5) & 3] >> (24 - (bit & 31))) & 0xFF;
		key = (copy * NODES6_PER_COPY + node) * (NODE_ENTRIES / 2) + (byte >> 1);
		p = bpf_map_lookup_elem(&addr_node6, &key);
		if (!p)
			return 0;
		e = pair_entry(p, byte);
		bit += NODE_BITS;
	}
	if (entry_kind(e) == ENTRY_BUCKET)
		return bucket6_match(copy, e & ENTRY_VALUE_MASK, a);
	return e & ENTRY_VALUE_MASK;
}

#endif
