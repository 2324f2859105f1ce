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

/* LPM keys of the address maps; values are address class ids (__u32). */
struct addr4_key {
	__u32 prefixlen;
	__u32 addr; /* network order */
};

struct addr6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

/* Explain mode: prepended to the frame after classification. */
struct explain_result {
	__u32 outcome;  /* OUTCOME_* */
	__u32 detail;   /* rule priority, malformed reason, or 0 */
	__u32 action;   /* ACTION_* */
	__u32 slot;     /* counter slot */
};

#endif
