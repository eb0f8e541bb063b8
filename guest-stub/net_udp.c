/* UDP [RFC 768] and its echo service on port 7 [RFC 862]: a datagram to
 * port 7 goes back to the sender's address and port with the same data.
 * Datagrams to other ports are dropped without an ICMP error. */
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_wire.h"

enum net_verdict net_udp_input(const struct net_ip_pkt *pkt, uint8_t *out,
			       size_t *out_len)
{
	const uint8_t *u = pkt->data;

	if (pkt->len < UDP_HLEN)
		return NET_DROP_RUNT;
	/* The UDP length may be less than the IPv4 payload, never more. */
	uint16_t ulen = get_be16(u + UDP_LEN);

	if (ulen < UDP_HLEN || ulen > pkt->len)
		return NET_DROP_MALFORMED;
	/* A zero checksum means the sender computed none [RFC 768]. */
	if (get_be16(u + UDP_CSUM) != 0) {
		uint32_t sum = net_pseudo_sum(pkt->src, pkt->dst, IP_PROTO_UDP,
					      ulen);

		if (net_csum_fold(net_csum_add(sum, u, ulen)) != 0)
			return NET_DROP_CHECKSUM;
	}
	if (get_be16(u + UDP_DPORT) != UDP_PORT_ECHO)
		return NET_DROP_UNSUPPORTED;
	/* Port 0: the sender wants no answer, and none can be addressed. */
	uint16_t sport = get_be16(u + UDP_SPORT);

	if (sport == 0)
		return NET_DROP_BAD_SOURCE;

	put_be16(out + UDP_SPORT, UDP_PORT_ECHO);
	put_be16(out + UDP_DPORT, sport);
	put_be16(out + UDP_LEN, ulen);
	put_be16(out + UDP_CSUM, 0);
	net_copy(out + UDP_HLEN, u + UDP_HLEN, ulen - UDP_HLEN);

	/* We always send a checksum; a computed 0 goes out as all ones,
	 * since 0 would mean none [RFC 768]. */
	uint32_t sum = net_pseudo_sum(pkt->dst, pkt->src, IP_PROTO_UDP, ulen);
	uint16_t csum = net_csum_fold(net_csum_add(sum, out, ulen));

	put_be16(out + UDP_CSUM, csum ? csum : 0xffff);
	*out_len = ulen;
	return NET_UDP_REPLY;
}
