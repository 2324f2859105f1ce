/* SPDX-License-Identifier: GPL-2.0 */
/* Sizes and numbering shared by the data path and the control plane (src/dataplane/layout.ts
 * mirrors every value here and checks map geometry against it when maps are opened). */
#ifndef XDPFW_CONSTS_H
#define XDPFW_CONSTS_H

/* Rules: a bitmap bit per enabled rule, in priority order. */
#define MAX_RULES 4096
#define BITMAP_WORDS (MAX_RULES / 64)

/* Two copies of every per-generation table; the low bit of the generation picks one. */
#define NUM_COPIES 2

/* Classification dimensions: each packet field is looked up to a class id, and each class has
 * a bitmap of the rules it satisfies. */
enum xdpfw_dim {
	DIM_SRC = 0,
	DIM_DST,
	DIM_L3,    /* family x fragment kind x IP protocol */
	DIM_L4W0,  /* first 16-bit word of the L4 header: source port, or ICMP type<<8|code */
	DIM_L4W1,  /* second 16-bit word: destination port */
	DIM_FLAGS, /* TCP flags byte */
	DIM_IFACE, /* ingress interface */
	NUM_DIMS,
};

/* Classes per dimension, and where each dimension's classes start in class_bits. */
#define ADDR_CLASSES 32768
#define L4_CLASSES 16384
#define L3_CLASSES 2048
#define FLAGS_CLASSES 256
#define IFACE_CLASSES 128

#define BITS_BASE_SRC 0
#define BITS_BASE_DST (BITS_BASE_SRC + ADDR_CLASSES)
#define BITS_BASE_L4W0 (BITS_BASE_DST + ADDR_CLASSES)
#define BITS_BASE_L4W1 (BITS_BASE_L4W0 + L4_CLASSES)
#define BITS_BASE_L3 (BITS_BASE_L4W1 + L4_CLASSES)
#define BITS_BASE_FLAGS (BITS_BASE_L3 + L3_CLASSES)
#define BITS_BASE_IFACE (BITS_BASE_FLAGS + FLAGS_CLASSES)
#define BITS_PER_COPY (BITS_BASE_IFACE + IFACE_CLASSES)

/* value_class: value -> class for the small dimensions, per copy. */
#define L3_VALUES 2048 /* (family * 4 + fragment kind) * 256 + protocol */
#define L4_VALUES 65536
#define FLAGS_VALUES 256
#define VC_BASE_L3 0
#define VC_BASE_L4W0 (VC_BASE_L3 + L3_VALUES)
#define VC_BASE_L4W1 (VC_BASE_L4W0 + L4_VALUES)
#define VC_BASE_FLAGS (VC_BASE_L4W1 + L4_VALUES)
#define VC_PER_COPY (VC_BASE_FLAGS + FLAGS_VALUES)

/* Address tables (include/addr-table.h), per copy and family: a root of 2^24 entries indexed by
 * the address's top 24 bits; an entry is a class, a bucket of up to BUCKET_SLOTS longer prefixes
 * (checked longest first), or a node of 256 entries for the next 8 bits. */
#define ROOT_BITS 24
#define ROOT_ENTRIES (1 << ROOT_BITS)
#define NODE_BITS 8
#define NODE_ENTRIES (1 << NODE_BITS)
#define MAX_NODE_DEPTH ((128 - ROOT_BITS) / NODE_BITS) /* 13: an IPv6 /128 */
#define BUCKET_SLOTS 4
#define NODES4_PER_COPY 16384
#define NODES6_PER_COPY 32768
#define BUCKETS4_PER_COPY 1100000
#define BUCKETS6_PER_COPY 300000
/* Entry encoding: kind in the top 2 bits, class / bucket / node index below. */
#define ENTRY_KIND_SHIFT 30
#define ENTRY_VALUE_MASK 0x3FFFFFFF
#define ENTRY_CLASS 0
#define ENTRY_BUCKET 1
#define ENTRY_NODE 2
#define MAX_IFACES 64
#define IFINDEX_LIMIT (1 << 20) /* interfaces with a larger ifindex are refused at attach */

/* Fragment kinds (DIM_L3 index). */
enum xdpfw_frag {
	FRAG_NONE = 0,
	FRAG_FIRST = 1,
	FRAG_NON_FIRST = 2,
};

/* Counter slots: rules 0..MAX_RULES-1 (a rule id keeps its slot), then fixed slots. */
enum xdpfw_malformed {
	MALFORMED_IP_TRUNCATED = 0,
	MALFORMED_IP_VERSION,
	MALFORMED_IHL,
	MALFORMED_EXT_HEADER,
	MALFORMED_L4_TRUNCATED,
	MALFORMED_TINY_FRAGMENT,
	NUM_MALFORMED,
};

#define SLOT_DEFAULT MAX_RULES
#define SLOT_MALFORMED_BASE (SLOT_DEFAULT + 1)
#define SLOT_BYPASS_NON_IP (SLOT_MALFORMED_BASE + NUM_MALFORMED)
#define SLOT_BYPASS_NDP (SLOT_BYPASS_NON_IP + 1)
/* Per interface class and final verdict: slot = SLOT_IFACE_BASE + class * 2 + (drop ? 1 : 0). */
#define SLOT_IFACE_BASE (SLOT_BYPASS_NDP + 1)
#define NUM_SLOTS (SLOT_IFACE_BASE + IFACE_CLASSES * 2)

/* Actions as stored in rule tables and config. */
#define ACTION_PASS 0
#define ACTION_DROP 1

/* What decided a packet (explain mode writes this back into the frame). */
enum xdpfw_outcome {
	OUTCOME_RULE = 1,
	OUTCOME_DEFAULT = 2,
	OUTCOME_MALFORMED = 3,
	OUTCOME_NON_IP = 4,
	OUTCOME_NDP = 5,
};

/* Link-layer and IP constants the parser needs and UAPI headers spell differently. */
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88A8
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86DD
#define ETH_P_ARP_ 0x0806
#define MAX_VLAN_TAGS 2
#define MAX_IPV6_EXT_HEADERS 8
#define IPV4_OFFSET_MASK 0x1FFF
#define IPV4_MF 0x2000
#define IPV6_FRAG_OFFSET_MASK 0xFFF8
#define NDP_HOP_LIMIT 255
#define ICMPV6_NEIGHBOR_SOLICIT 135
#define ICMPV6_NEIGHBOR_ADVERT 136

#endif
