/* Wire layouts as byte offsets, big-endian accessors, the Internet
 * checksum, and the calls between the stack's layers. Private to the
 * net_*.c protocol files (net.h is their public face). Headers are
 * read and written byte by byte: frames have no alignment to count on,
 * and there is no C bitfield in sight. */
#ifndef GUEST_NET_WIRE_H
#define GUEST_NET_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net.h"

/* Ethernet II [IEEE 802.3 3.1.1; EtherTypes per IANA]. */
#define ETH_DST         0
#define ETH_SRC         6
#define ETH_TYPE        12
#define ETH_HLEN        14
#define ETH_ALEN        6
#define ETH_P_IPV4      0x0800
#define ETH_P_ARP       0x0806

/* ARP for IPv4 over Ethernet [RFC 826]. */
#define ARP_HTYPE       0       /* ar$hrd */
#define ARP_PTYPE       2       /* ar$pro */
#define ARP_HLEN        4       /* ar$hln */
#define ARP_PLEN        5       /* ar$pln */
#define ARP_OPER        6       /* ar$op */
#define ARP_SHA         8
#define ARP_SPA         14
#define ARP_THA         18
#define ARP_TPA         24
#define ARP_LEN         28
#define ARP_HTYPE_ETHER 1
#define ARP_OP_REQUEST  1
#define ARP_OP_REPLY    2

/* IPv4 [RFC 791 3.1]. */
#define IP_VHL          0       /* version << 4 | IHL (32-bit words) */
#define IP_TOS          1
#define IP_TOTLEN       2
#define IP_ID           4
#define IP_FRAG         6       /* flags << 13 | fragment offset */
#define IP_TTL          8
#define IP_PROTO        9
#define IP_CSUM         10
#define IP_SRC          12
#define IP_DST          16
#define IP_HLEN         20      /* without options */
#define IP_VERSION      4
#define IP_FRAG_DF      0x4000
#define IP_FRAG_MF      0x2000
#define IP_FRAG_OFFSET  0x1fff
#define IP_PROTO_ICMP   1
#define IP_PROTO_UDP    17
#define IP_TTL_DEFAULT  64      /* [RFC 1700, "IP TTL"] */
#define IP_MAXPACKET    (NET_JUMBO_MAX - ETH_HLEN)

/* ICMP echo [RFC 792, "Echo or Echo Reply Message"]. */
#define ICMP_TYPE       0
#define ICMP_CODE       1
#define ICMP_CSUM       2
#define ICMP_ID         4
#define ICMP_SEQ        6
#define ICMP_HLEN       8       /* type, code, checksum, identifier, sequence */
#define ICMP_ECHO_REPLY 0
#define ICMP_ECHO       8

/* UDP [RFC 768]. */
#define UDP_SPORT       0
#define UDP_DPORT       2
#define UDP_LEN         4
#define UDP_CSUM        6
#define UDP_HLEN        8
#define UDP_PORT_ECHO   7       /* [RFC 862] */

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The guest has no libc: byte loops, which -fno-builtin and
 * -fno-tree-loop-distribute-patterns keep from becoming memcpy calls. */
static inline void net_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	while (n--)
		*dst++ = *src++;
}

static inline int net_mac_eq(const uint8_t *a, const uint8_t *b)
{
	for (unsigned i = 0; i < ETH_ALEN; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

/* The I/G bit: set for broadcast and multicast [IEEE 802 8.2]. */
static inline int net_mac_is_group(const uint8_t *m)
{
	return m[0] & 1;
}

static inline int net_mac_is_broadcast(const uint8_t *m)
{
	return (m[0] & m[1] & m[2] & m[3] & m[4] & m[5]) == 0xff;
}

/* net_csum.c: the Internet checksum [RFC 1071]. Add bytes to a running
 * sum (an odd length pads with a zero byte, so only the last piece may be
 * odd), then fold and complement. A block that carries its own correct
 * checksum sums to 0xffff, so net_csum_fold() of it is 0. */
uint32_t net_csum_add(uint32_t sum, const uint8_t *p, size_t n);
uint16_t net_csum_fold(uint32_t sum);

/* net_eth.c: the Ethernet header of a reply from us to 'dst'. */
void net_eth_header(uint8_t *reply, const struct net_id *id,
		    const uint8_t *dst, uint16_t type);

/* A received IPv4 packet that passed net_ipv4.c's checks and is for us. */
struct net_ip_pkt {
	uint32_t       src;     /* host byte order */
	uint32_t       dst;
	uint8_t        proto;   /* IP_PROTO_* */
	const uint8_t *data;    /* the transport header and payload */
	size_t         len;     /* from the total length, not the frame's */
};

/* net_ipv4.c: the checks every IPv4 packet passes before its transport
 * layer sees it (valid, unfragmented, to our address, from a source we
 * may answer). True and '*pkt' filled, or false and the drop in '*why'. */
bool net_ipv4_accept(const struct net_id *id, const uint8_t *frame,
		     size_t len, struct net_ip_pkt *pkt, enum net_verdict *why);

/* net_ipv4.c: a 20-byte IPv4 header at 'ip' from us to 'dst', for 'len'
 * bytes of 'proto' data, checksum included. */
void net_ipv4_header(uint8_t *ip, const struct net_id *id, uint32_t dst,
		     uint8_t proto, size_t len);

/* The transport layers write their reply (header and payload) at 'out',
 * which has room for IP_MAXPACKET - IP_HLEN bytes, and its length to
 * '*out_len', the reply's IPv4 source and destination being the packet's
 * destination and source. */
enum net_verdict net_arp_input(const struct net_id *id, const uint8_t *frame,
			       size_t len, uint8_t *reply, size_t *reply_len);
enum net_verdict net_ipv4_input(const struct net_id *id, const uint8_t *frame,
				size_t len, uint8_t *reply, size_t *reply_len);
enum net_verdict net_icmp_input(const struct net_ip_pkt *pkt, uint8_t *out,
				size_t *out_len);
enum net_verdict net_udp_input(const struct net_ip_pkt *pkt, uint8_t *out,
			       size_t *out_len);

/* The UDP checksum's pseudo-header [RFC 768]: addresses, protocol and
 * the UDP length, as a running sum. */
uint32_t net_pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto,
			uint16_t len);

#endif
