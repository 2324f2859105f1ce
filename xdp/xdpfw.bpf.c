// SPDX-License-Identifier: GPL-2.0
/* xdpfw: parse, classify, count, decide. The work lives in include/; this is the entry point. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "include/consts.h"
#include "include/structs.h"
#include "include/maps.h"
#include "include/parsing.h"
#include "include/classify.h"

/* Set by the loader of the explain twin: count nothing, prepend the decision to the frame.
 * In a section of its own so user space can set it without knowing .rodata's layout. */
const volatile __u32 explain_mode SEC(".rodata.explain") = 0;

static __always_inline void count(__u32 slot, __u64 bytes)
{
	struct counter *c = bpf_map_lookup_elem(&counters, &slot);

	if (c) {
		c->packets += 1;
		c->bytes += bytes;
	}
}

SEC("xdp")
int xdpfw(struct xdp_md *ctx)
{
	__u64 bytes = ctx->data_end - ctx->data;
	struct flow f = {};
	struct explain_result *out;
	struct copy_config *cfg;
	struct active_gen *gen;
	struct rule_entry *rule;
	__u32 zero = 0, copy, reason = 0, outcome, detail = 0, action, slot, key;
	__u32 *ifc;
	int prio;

	/* One load of the generation decides the copy for the whole packet. */
	gen = bpf_map_lookup_elem(&active, &zero);
	if (!gen)
		return XDP_PASS;
	copy = gen->generation & 1;
	cfg = bpf_map_lookup_elem(&config, &copy);
	if (!cfg)
		return XDP_PASS;
	key = ctx->ingress_ifindex;
	ifc = bpf_map_lookup_elem(&iface_class, &key);
	f.iface_cls = ifc ? *ifc & (IFACE_CLASSES - 1) : 0;

	switch (parse_frame(ctx, &f, &reason)) {
	case PARSE_MALFORMED:
		if (f.reason)
			reason = f.reason; /* set by parse_l4 */
		outcome = OUTCOME_MALFORMED;
		detail = reason;
		action = ACTION_DROP;
		slot = SLOT_MALFORMED_BASE + (reason < NUM_MALFORMED ? reason : 0);
		break;
	case PARSE_ARP:
		outcome = OUTCOME_NON_IP;
		action = ACTION_PASS;
		slot = SLOT_BYPASS_NON_IP;
		break;
	case PARSE_NON_IP:
		outcome = OUTCOME_NON_IP;
		action = cfg->non_ip_drop ? ACTION_DROP : ACTION_PASS;
		slot = SLOT_BYPASS_NON_IP;
		break;
	default:
		if (cfg->ndp_bypass && is_ndp(ctx, &f)) {
			outcome = OUTCOME_NDP;
			action = ACTION_PASS;
			slot = SLOT_BYPASS_NDP;
			break;
		}
		prio = xdpfw_classify(&f, copy);
		key = copy * MAX_RULES + ((__u32)prio & (MAX_RULES - 1));
		rule = prio >= 0 && (__u32)prio < cfg->num_rules ? bpf_map_lookup_elem(&rule_table, &key) : NULL;
		if (rule) {
			outcome = OUTCOME_RULE;
			detail = prio;
			action = rule->action;
			slot = rule->slot & (MAX_RULES - 1);
		} else {
			outcome = OUTCOME_DEFAULT;
			action = cfg->default_action;
			slot = SLOT_DEFAULT;
		}
	}

	if (explain_mode) {
		/* Grow the frame at the front and put the decision there: works for any frame length. */
		if (bpf_xdp_adjust_head(ctx, -(int)sizeof(*out)))
			return XDP_ABORTED;
		out = (void *)(long)ctx->data;
		if ((void *)(out + 1) <= (void *)(long)ctx->data_end) {
			out->outcome = outcome;
			out->detail = detail;
			out->action = action;
			out->slot = slot;
		}
	} else {
		count(slot, bytes);
		count(SLOT_IFACE_BASE + f.iface_cls * 2 + (action == ACTION_DROP), bytes);
	}
	return action == ACTION_DROP ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
