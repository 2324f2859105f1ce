// SPDX-License-Identifier: GPL-2.0
/* The benchmark's floor: an XDP program that does nothing but pass the frame. Every data-path
 * figure is read beside it, so the cost of BPF_PROG_TEST_RUN itself shows. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
