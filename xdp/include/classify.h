/* SPDX-License-Identifier: GPL-2.0 */
/* Multi-field classification: each field is looked up to a class, each class carries a bitmap of
 * the rules it satisfies, and the first rule is the lowest bit set in the AND of the bitmaps.
 * Summary words (bit w = bitmap word w non-zero) are ANDed first, so only words that can still
 * hold a match are visited: the cost does not grow with the number of rules. */
#ifndef XDPFW_CLASSIFY_H
#define XDPFW_CLASSIFY_H

#include "maps.h"
#include "parsing.h"
#include "addr-table.h"

/* Index of the lowest set bit of a non-zero word. BPF has no count-trailing-zeros, and a chain
 * of branches would multiply the verifier's states in the word loop, so: isolate the bit,
 * multiply by a de Bruijn sequence, and look the top 6 bits up in a table. */
#define DEBRUIJN64 0x03F79D71B4CB0A89ULL
static const __u8 debruijn_index[64] = {
	0,  1,  48, 2,  57, 49, 28, 3,  61, 58, 50, 42, 38, 29, 17, 4,
	62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24, 18, 12, 5,
	63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11,
	46, 26, 40, 15, 34, 20, 31, 10, 25, 14, 19, 9,  13, 8,  7,  6,
};

static __always_inline __u32 lowest_bit(__u64 x)
{
	return debruijn_index[((x & -x) * DEBRUIJN64) >> 58];
}

/* Source and destination classes of the packet's family. */
static __always_inline void addr_classes(const struct flow *f, __u32 copy, __u32 *src, __u32 *dst)
{
	struct addr6_words a6;
	int k;

	if (f->family == 0) {
		*src = xdpfw_addr4_class(bpf_ntohl(f->src[0]), copy);
		*dst = xdpfw_addr4_class(bpf_ntohl(f->dst[0]), copy);
		return;
	}
#pragma unroll
	for (k = 0; k < 4; k++)
		a6.w[k] = bpf_ntohl(f->src[k]);
	*src = xdpfw_addr6_class(&a6, copy);
#pragma unroll
	for (k = 0; k < 4; k++)
		a6.w[k] = bpf_ntohl(f->dst[k]);
	*dst = xdpfw_addr6_class(&a6, copy);
}

static __always_inline __u32 value_class_of(__u32 copy_base, __u32 dim_base, __u32 value)
{
	__u32 key = copy_base + dim_base + value;
	__u32 *cls = bpf_map_lookup_elem(&value_class, &key);

	return cls ? *cls : 0;
}

static __always_inline struct class_bits *bits_of(__u32 copy_base, __u32 dim_base, __u32 cls,
						   __u32 dim_size)
{
	__u32 key = copy_base + dim_base + (cls & (dim_size - 1));

	return bpf_map_lookup_elem(&class_bits, &key);
}

/* The priority of the first matching rule in `copy`, or -1. Inlined (see xdpfw_addr4_class). */
static __always_inline int xdpfw_classify(const struct flow *f, __u32 copy)
{
	struct class_bits *src, *dst, *l3, *w0, *w1, *flags, *ifc;
	__u32 vc_base, bits_base, l3_index, i, src_cls = 0, dst_cls = 0;
	__u64 summary, word;

	if (!f || copy >= NUM_COPIES)
		return -1;
	vc_base = copy * VC_PER_COPY;
	bits_base = copy * BITS_PER_COPY;
	l3_index = (((__u32)f->family * 4 + f->frag) * 256 + f->proto) & (L3_VALUES - 1);

	addr_classes(f, copy, &src_cls, &dst_cls);
	src = bits_of(bits_base, BITS_BASE_SRC, src_cls, ADDR_CLASSES);
	dst = bits_of(bits_base, BITS_BASE_DST, dst_cls, ADDR_CLASSES);
	l3 = bits_of(bits_base, BITS_BASE_L3, value_class_of(vc_base, VC_BASE_L3, l3_index), L3_CLASSES);
	w0 = bits_of(bits_base, BITS_BASE_L4W0,
		     value_class_of(vc_base, VC_BASE_L4W0, f->l4w0 & 0xFFFF), L4_CLASSES);
	w1 = bits_of(bits_base, BITS_BASE_L4W1,
		     value_class_of(vc_base, VC_BASE_L4W1, f->l4w1 & 0xFFFF), L4_CLASSES);
	flags = bits_of(bits_base, BITS_BASE_FLAGS,
			value_class_of(vc_base, VC_BASE_FLAGS, f->tcp_flags & 0xFF), FLAGS_CLASSES);
	ifc = bits_of(bits_base, BITS_BASE_IFACE, f->iface_cls, IFACE_CLASSES);
	if (!src || !dst || !l3 || !w0 || !w1 || !flags || !ifc)
		return -1;

	summary = src->summary & dst->summary & l3->summary & w0->summary & w1->summary &
		  flags->summary & ifc->summary;
	for (i = 0; i < BITMAP_WORDS && summary; i++) {
		__u32 w = lowest_bit(summary) & (BITMAP_WORDS - 1);

		word = src->words[w] & dst->words[w] & l3->words[w] & w0->words[w] & w1->words[w] &
		       flags->words[w] & ifc->words[w];
		if (word)
			return (int)(w * 64 + lowest_bit(word));
		summary &= summary - 1;
	}
	return -1;
}

#endif
