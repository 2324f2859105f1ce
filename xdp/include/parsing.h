/* SPDX-License-Identifier: GPL-2.0 */
/* Packet parsing into a flow view, per CONTRACT section 3 items 4-9. Every read is bounds-checked
 * against the frame's end. */
#ifndef XDPFW_PARSING_H
#define XDPFW_PARSING_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "consts.h"

#define MAX_PARSE_OFF 0x3FFF

/* The fields classification needs. Addresses in network order; L4 words in host order. */
struct flow {
	__u32 src[4];
	__u32 dst[4];
	__u32 l4w0;       /* source port, or ICMP type << 8 | code */
	__u32 l4w1;       /* destination port */
	__u32 tcp_flags;  /* byte 13 of the TCP header */
	__u32 iface_cls;
	__u8 family;      /* 0 = IPv4, 1 = IPv6 */
	__u8 frag;        /* FRAG_* */
	__u8 proto;       /* after AH and IPv6 extension headers */
	__u8 hop_limit;
	__u8 has_frag_hdr;
	__u8 pad[3];
	__u32 reason;     /* MALFORMED_* when parsing found the frame malformed */
};

enum parse_result {
	PARSE_IP = 0,
	PARSE_NON_IP,
	PARSE_ARP,
	PARSE_MALFORMED,
};

struct vlan_tag {
	__be16 tci;
	__be16 proto;
};

/* A pointer to len readable bytes at off, or NULL when they run past the frame. */
static __always_inline void *bytes_at(void *data, void *data_end, __u32 off, __u32 len)
{
	void *p;

	if (off > MAX_PARSE_OFF)
		return NULL;
	p = data + off;
	if (p + len > data_end)
		return NULL;
	return p;
}

/* Ethernet and up to two VLAN tags (item 4). Returns the ethertype after them, or 0 when the
 * frame ends inside a header or carries a third tag. */
static __always_inline __u16 parse_link(void *data, void *data_end, __u32 *off)
{
	struct ethhdr *eth = data;
	struct vlan_tag *tag;
	__u16 type;
	__u32 o = sizeof(*eth);
	int i;

	if ((void *)(eth + 1) > data_end)
		return 0;
	type = bpf_ntohs(eth->h_proto);
#pragma unroll
	for (i = 0; i < MAX_VLAN_TAGS; i++) {
		if (type != ETH_P_8021Q_ && type != ETH_P_8021AD_)
			break;
		tag = bytes_at(data, data_end, o, sizeof(*tag));
		if (!tag)
			return 0;
		type = bpf_ntohs(tag->proto);
		o += sizeof(*tag);
	}
	/* A third tag is not walked: the frame is non-IP. */
	if (type == ETH_P_8021Q_ || type == ETH_P_8021AD_)
		return 0;
	*off = o;
	return type;
}

/* Past the first headers, bytes are copied with bpf_xdp_load_bytes at scalar offsets rather than
 * read through packet pointers: the verifier then need not track each offset's range, which
 * otherwise multiplies its states through the extension-header walk (10 s to load, 430k
 * instructions; this way a fraction of that). A failed copy means the bytes run past the frame. */
static __always_inline int load(struct xdp_md *ctx, __u32 off, void *buf, __u32 len)
{
	return bpf_xdp_load_bytes(ctx, off, buf, len);
}

/* Bytes each protocol needs for its header to count as present (item 8). */
static __always_inline __u32 l4_min_len(__u8 proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return 20;
	case IPPROTO_UDP:
		return 8;
	case IPPROTO_SCTP:
		return 12;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		return 4;
	}
	return 0;
}

/* The L4 words of a protocol other than TCP, whose fields all lie in its first 4 bytes. */
static __always_inline int l4_fields_short(const __u8 *p, struct flow *f)
{
	switch (f->proto) {
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
		f->l4w0 = ((__u32)p[0] << 8) | p[1];
		f->l4w1 = ((__u32)p[2] << 8) | p[3];
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		f->l4w0 = ((__u32)p[0] << 8) | p[1];
		break;
	}
	return PARSE_IP;
}

/* The L4 words from a header's first bytes (p: at least l4_min_len(proto) bytes). */
static __always_inline int l4_fields(const __u8 *p, struct flow *f, __u32 *reason)
{
	if (f->proto != IPPROTO_TCP)
		return l4_fields_short(p, f);
	if ((p[12] >> 4) < 5) {
		*reason = MALFORMED_L4_TRUNCATED;
		return PARSE_MALFORMED;
	}
	f->tcp_flags = p[13];
	f->l4w0 = ((__u32)p[0] << 8) | p[1];
	f->l4w1 = ((__u32)p[2] << 8) | p[3];
	return PARSE_IP;
}

#define L4_FAST_MAX_OFF 255

/* L4 checks shared by both families (item 8: l4_truncated, tiny_fragment) and the L4 words.
 * Inlined on the common paths (IPv4 without AH, IPv6 without extension headers); see
 * xdpfw_parse_l4 for the others. */
static __always_inline int parse_l4(struct xdp_md *ctx, __u32 l4, __u32 v4_offset, struct flow *f)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *reason = &f->reason, need;
	__u8 *p;

	need = l4_min_len(f->proto);
	if (f->frag != FRAG_NON_FIRST && need) {
		/* Fast path: a short header chain leaves the whole 20 bytes in reach of a direct read. */
		if (l4 <= L4_FAST_MAX_OFF) {
			p = data + l4;
			if ((void *)(p + 20) <= data_end)
				return l4_fields(p, f, reason);
			/* A short frame (64 bytes of IPv6 + UDP leave 10 bytes past the header): any
			 * protocol but TCP has its fields in its first 4 bytes; present if need are. */
			if (f->proto != IPPROTO_TCP && (void *)(p + 4) <= data_end) {
				if (l4 + need > (__u32)(data_end - data)) {
					*reason = MALFORMED_L4_TRUNCATED;
					return PARSE_MALFORMED;
				}
				return l4_fields_short(p, f);
			}
		}
		{
			__u8 buf[20] = {};

			if (l4 > MAX_PARSE_OFF || l4 + need > (__u32)(data_end - data) ||
			    bpf_xdp_load_bytes(ctx, l4, buf, need > 12 ? 20 : need > 8 ? 12 : need > 4 ? 8 : 4)) {
				*reason = MALFORMED_L4_TRUNCATED;
				return PARSE_MALFORMED;
			}
			return l4_fields(buf, f, reason);
		}
	}
	/* RFC 1858: a TCP fragment at offset 1 (8 bytes) can overwrite ports and flags. */
	if (f->family == 0 && f->proto == IPPROTO_TCP && v4_offset == 1) {
		*reason = MALFORMED_TINY_FRAGMENT;
		return PARSE_MALFORMED;
	}
	return PARSE_IP;
}

/* The same, global (not inlined), for frames that carry AH or IPv6 extension headers: verified
 * once with any offset instead of once per header-chain path. The common paths inline parse_l4
 * (see xdpfw_addr4_class on the cost of a call). */
__attribute__((noinline)) int xdpfw_parse_l4(struct xdp_md *ctx, __u32 l4, __u32 v4_offset, struct flow *f)
{
	if (!f)
		return PARSE_MALFORMED;
	return parse_l4(ctx, l4, v4_offset, f);
}

/* IPv4 header, options (IHL) and one AH header (item 6). */
static __always_inline int parse_ipv4(struct xdp_md *ctx, void *data, void *data_end, __u32 off,
				      struct flow *f, __u32 *reason)
{
	struct iphdr *ip = bytes_at(data, data_end, off, sizeof(struct iphdr));
	__u32 frame_len = data_end - data, hdr_len, l4;
	__u16 frag_off, offset;
	__u8 ah[2];

	if (!ip || off + ip->ihl * 4 > frame_len) {
		*reason = MALFORMED_IP_TRUNCATED;
		return PARSE_MALFORMED;
	}
	if (ip->version != 4) {
		*reason = MALFORMED_IP_VERSION;
		return PARSE_MALFORMED;
	}
	if (ip->ihl < 5) {
		*reason = MALFORMED_IHL;
		return PARSE_MALFORMED;
	}
	f->family = 0;
	f->src[0] = ip->saddr;
	f->dst[0] = ip->daddr;
	f->proto = ip->protocol;
	frag_off = bpf_ntohs(ip->frag_off);
	offset = frag_off & IPV4_OFFSET_MASK;
	if (offset)
		f->frag = FRAG_NON_FIRST;
	else if (frag_off & IPV4_MF)
		f->frag = FRAG_FIRST;
	l4 = off + ip->ihl * 4;
	if (f->proto == IPPROTO_AH && f->frag != FRAG_NON_FIRST) {
		if (load(ctx, l4, ah, 2))
			goto ext_header;
		hdr_len = ((__u32)ah[1] + 2) * 4;
		if (l4 + hdr_len > frame_len)
			goto ext_header;
		f->proto = ah[0];
		return xdpfw_parse_l4(ctx, l4 + hdr_len, offset, f);
	}
	return parse_l4(ctx, l4, offset, f);
ext_header:
	*reason = MALFORMED_EXT_HEADER;
	return PARSE_MALFORMED;
}

static __always_inline int is_walked_ext_header(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_AH || nh == IPPROTO_DSTOPTS;
}

/* IPv6 header and the extension-header walk (item 6). */
static __always_inline int parse_ipv6(struct xdp_md *ctx, void *data, void *data_end, __u32 off,
				      struct flow *f, __u32 *reason)
{
	struct ipv6hdr *ip6 = bytes_at(data, data_end, off, sizeof(struct ipv6hdr));
	__u32 frame_len = data_end - data, o, len;
	__u8 nh, hdr[4];
	int i;

	if (!ip6) {
		*reason = MALFORMED_IP_TRUNCATED;
		return PARSE_MALFORMED;
	}
	if (ip6->version != 6) {
		*reason = MALFORMED_IP_VERSION;
		return PARSE_MALFORMED;
	}
	f->family = 1;
	__builtin_memcpy(f->src, &ip6->saddr, 16);
	__builtin_memcpy(f->dst, &ip6->daddr, 16);
	f->hop_limit = ip6->hop_limit;
	nh = ip6->nexthdr;
	o = off + sizeof(struct ipv6hdr);
	if (!is_walked_ext_header(nh)) {
		f->proto = nh;
		return parse_l4(ctx, o, 0, f);
	}
	for (i = 0; i <= MAX_IPV6_EXT_HEADERS; i++) {
		if (!is_walked_ext_header(nh))
			break;
		if (i == MAX_IPV6_EXT_HEADERS)
			goto ext_header; /* a 9th header */
		if (nh == IPPROTO_FRAGMENT) {
			if (o + 8 > frame_len || load(ctx, o, hdr, 4))
				goto ext_header;
			f->has_frag_hdr = 1;
			nh = hdr[0];
			o += 8;
			if ((((__u16)hdr[2] << 8) | hdr[3]) & IPV6_FRAG_OFFSET_MASK) {
				/* The walk stops here: the fragment's next header is the protocol. */
				f->frag = FRAG_NON_FIRST;
				break;
			}
			f->frag = FRAG_FIRST;
			continue;
		}
		if (load(ctx, o, hdr, 2))
			goto ext_header;
		len = nh == IPPROTO_AH ? ((__u32)hdr[1] + 2) * 4 : ((__u32)hdr[1] + 1) * 8;
		if (o + len > frame_len)
			goto ext_header;
		nh = hdr[0];
		o += len;
	}
	f->proto = nh;
	return xdpfw_parse_l4(ctx, o, 0, f);
ext_header:
	*reason = MALFORMED_EXT_HEADER;
	return PARSE_MALFORMED;
}

/* The whole frame: link layer, then IPv4 or IPv6. */
static __always_inline int parse_frame(struct xdp_md *ctx, struct flow *f, __u32 *reason)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 off = 0;
	__u16 type = parse_link(data, data_end, &off);

	if (type == ETH_P_IP_)
		return parse_ipv4(ctx, data, data_end, off, f, reason);
	if (type == ETH_P_IPV6_)
		return parse_ipv6(ctx, data, data_end, off, f, reason);
	if (type == ETH_P_ARP_)
		return PARSE_ARP;
	return PARSE_NON_IP;
}

/* Item 5: neighbour solicitation/advertisement, well formed, hop limit 255, no Fragment header. */
static __always_inline int is_ndp(struct xdp_md *ctx, const struct flow *f)
{
	return f->family == 1 && f->proto == IPPROTO_ICMPV6 && !f->has_frag_hdr &&
	       f->hop_limit == NDP_HOP_LIMIT &&
	       ((f->l4w0 >> 8) == ICMPV6_NEIGHBOR_SOLICIT || (f->l4w0 >> 8) == ICMPV6_NEIGHBOR_ADVERT);
}

#endif
