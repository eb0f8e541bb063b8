/* IPv4 [RFC 791]: validate the header, accept unfragmented packets to
 * our address, hand ICMP and UDP to their layers, and wrap their replies
 * in a fresh 20-byte header. Options are accepted and not copied into
 * replies (RFC 1122 3.2.2.6 asks for route and timestamp options in
 * echo replies as a SHOULD only). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_wire.h"

#define IPV4_BROADCAST  0xffffffffu
#define IPV4_CLASS_D    0xe0000000u     /* 224/4 multicast; 240/4 above it reserved */
#define IPV4_LOOPBACK   0x7f000000u     /* 127/8 */

/* Sources no reply may go to: "this host", broadcast (limited or our
 * subnet's), multicast, reserved and loopback are invalid sources, to be
 * silently discarded [RFC 1122 3.2.1.3]; and ourselves. */
static int ipv4_bad_source(const struct net_id *id, uint32_t src)
{
	if (src == 0 || src == id->ipv4 || src >= IPV4_CLASS_D ||
	    (src >> 24) == (IPV4_LOOPBACK >> 24))
		return 1;
	if (id->prefix_len >= 1 && id->prefix_len <= 30) {
		uint32_t host = IPV4_BROADCAST >> id->prefix_len;

		if ((src & ~host) == (id->ipv4 & ~host) && (src & host) == host)
			return 1;
	}
	return 0;
}

/* DF is set and ID is 0, which RFC 6864 4.1 allows for atomic
 * datagrams: a reply is never larger than its request, and the ping's
 * echo request is 84 bytes. */
void net_ipv4_header(uint8_t *ip, const struct net_id *id, uint32_t dst,
		     uint8_t proto, size_t len)
{
	ip[IP_VHL] = IP_VERSION << 4 | IP_HLEN / 4;
	ip[IP_TOS] = 0;
	put_be16(ip + IP_TOTLEN, (uint16_t)(IP_HLEN + len));
	put_be16(ip + IP_ID, 0);
	put_be16(ip + IP_FRAG, IP_FRAG_DF);
	ip[IP_TTL] = IP_TTL_DEFAULT;
	ip[IP_PROTO] = proto;
	put_be16(ip + IP_CSUM, 0);
	put_be32(ip + IP_SRC, id->ipv4);
	put_be32(ip + IP_DST, dst);
	put_be16(ip + IP_CSUM, net_csum_fold(net_csum_add(0, ip, IP_HLEN)));
}

static bool ipv4_drop(enum net_verdict *why, enum net_verdict v)
{
	*why = v;
	return false;
}

bool net_ipv4_accept(const struct net_id *id, const uint8_t *frame,
		     size_t len, struct net_ip_pkt *pkt, enum net_verdict *why)
{
	if (len < ETH_HLEN + IP_HLEN)
		return ipv4_drop(why, NET_DROP_RUNT);
	const uint8_t *ip = frame + ETH_HLEN;
	size_t avail = len - ETH_HLEN;          /* may include Ethernet padding */
	size_t hlen = (size_t)(ip[IP_VHL] & 0xf) * 4;
	size_t total = get_be16(ip + IP_TOTLEN);

	if (ip[IP_VHL] >> 4 != IP_VERSION || hlen < IP_HLEN || total < hlen)
		return ipv4_drop(why, NET_DROP_MALFORMED);
	if (hlen > avail || total > avail)
		return ipv4_drop(why, NET_DROP_RUNT);
	if (net_csum_fold(net_csum_add(0, ip, hlen)) != 0)
		return ipv4_drop(why, NET_DROP_CHECKSUM);
	if (get_be16(ip + IP_FRAG) & (IP_FRAG_MF | IP_FRAG_OFFSET))
		return ipv4_drop(why, NET_DROP_FRAGMENT);

	*pkt = (struct net_ip_pkt){
		.src = get_be32(ip + IP_SRC), .dst = get_be32(ip + IP_DST),
		.proto = ip[IP_PROTO], .data = ip + hlen, .len = total - hlen,
	};

	if (pkt->dst != id->ipv4)
		return ipv4_drop(why, NET_DROP_NOT_OURS);
	if (ipv4_bad_source(id, pkt->src))
		return ipv4_drop(why, NET_DROP_BAD_SOURCE);
	return true;
}

enum net_verdict net_ipv4_input(const struct net_id *id, const uint8_t *frame,
				size_t len, uint8_t *reply, size_t *reply_len)
{
	struct net_ip_pkt pkt;
	enum net_verdict v;

	if (!net_ipv4_accept(id, frame, len, &pkt, &v))
		return v;

	uint8_t *out = reply + ETH_HLEN + IP_HLEN;
	size_t n = 0;

	switch (pkt.proto) {
	case IP_PROTO_ICMP:
		v = net_icmp_input(&pkt, out, &n);
		break;
	case IP_PROTO_UDP:
		v = net_udp_input(&pkt, out, &n);
		break;
	default:
		return NET_DROP_UNSUPPORTED;
	}
	if (!net_is_reply(v))
		return v;
	net_eth_header(reply, id, frame + ETH_SRC, ETH_P_IPV4);
	net_ipv4_header(reply + ETH_HLEN, id, pkt.src, pkt.proto, n);
	*reply_len = ETH_HLEN + IP_HLEN + n;
	return v;
}
