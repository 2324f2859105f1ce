/* SPDX-License-Identifier: GPL-2.0 */
/* Every key/value layout shared by the data path and user space (src/dataplane/layout.ts). */
#ifndef XDPFW_STRUCTS_H
#define XDPFW_STRUCTS_H

#include <linux/types.h>
#include "consts.h"

/* The live generation; its low bit selects the copy of every per-generation table. */
struct active_gen {
	__u64 generation;
};

/* Per-copy settings of the ruleset. */
struct copy_config {
	__u32 default_action; /* ACTION_* */
	__u32 ndp_bypass;     /* 1: neighbour solicitation/advertisement bypass the rules */
	__u32 non_ip_drop;    /* 1: drop non-IP frames (ARP still passes) */
	__u32 num_rules;      /* enabled rules in this copy */
};

/* A class's rules: bit i of words = the i-th enabled rule matches; bit w of summary = words[w] != 0. */
struct class_bits {
	__u64 summary;
	__u64 words[BITMAP_WORDS];
};

/* Priority -> counter slot and action. */
struct rule_entry {
	__u32 slot;
	__u32 action;
};

struct counter {
	__u64 packets;
	__u64 bytes;
};

/* Address table entries (u32, see consts.h) are stored two per u64 array element, because array
 * map elements are 8-byte aligned: element k holds entries 2k (low half) and 2k+1 (high half). */
struct addr_pair {
	__u64 entries;
};

/* A bucket: up to BUCKET_SLOTS prefixes longer than the root or node above it, longest first.
 * Addresses and lengths in host order; an address matching none gets dflt. */
struct bucket4_slot {
	__u32 addr;
	__u32 len;
	__u32 cls;
};

struct bucket4 {
	__u32 dflt;
	__u32 count;
	struct bucket4_slot slots[BUCKET_SLOTS];
};

struct bucket6_slot {
	__u32 addr[4];
	__u32 len;
	__u32 cls;
};

struct bucket6 {
	__u32 dflt;
	__u32 count;
	struct bucket6_slot slots[BUCKET_SLOTS];
};

/* Explain mode: prepended to the frame after classification. */
struct explain_result {
	__u32 outcome;  /* OUTCOME_* */
	__u32 detail;   /* rule priority, malformed reason, or 0 */
	__u32 action;   /* ACTION_* */
	__u32 slot;     /* counter slot */
};

#endif
