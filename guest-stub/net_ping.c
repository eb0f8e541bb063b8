/* Ping one peer: learn its MAC with an ARP request [RFC 826], then send
 * ICMP echo requests [RFC 792] with our identifier, a sequence number and
 * a fixed payload, and count the echo replies that match. Only the
 * peer's address is believed: an ARP reply from another sender, or an
 * echo reply from another source, changes nothing. One request is
 * outstanding at a time, so a late reply to an older one is not counted,
 * and a duplicate reply counts once. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_wire.h"

#define PING_ICMP_LEN   (ICMP_HLEN + NET_PING_DATA)

static const uint8_t eth_broadcast[ETH_ALEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};

void net_ping_init(struct net_ping *p, uint32_t peer)
{
	*p = (struct net_ping){ .peer = peer, .answered = true };
}

/* Who has the peer's address? Tell our address [RFC 826, "Packet
 * Generation"]; broadcast, padded to the Ethernet minimum. */
static size_t ping_arp_request(const struct net_ping *p,
			       const struct net_id *id, uint8_t *out)
{
	uint8_t *a = out + ETH_HLEN;
	size_t n = ETH_HLEN + ARP_LEN;

	net_eth_header(out, id, eth_broadcast, ETH_P_ARP);
	put_be16(a + ARP_HTYPE, ARP_HTYPE_ETHER);
	put_be16(a + ARP_PTYPE, ETH_P_IPV4);
	a[ARP_HLEN] = ETH_ALEN;
	a[ARP_PLEN] = 4;
	put_be16(a + ARP_OPER, ARP_OP_REQUEST);
	net_copy(a + ARP_SHA, id->mac, ETH_ALEN);
	put_be32(a + ARP_SPA, id->ipv4);
	for (unsigned i = 0; i < ETH_ALEN; i++)
		a[ARP_THA + i] = 0;             /* unknown: what we ask for */
	put_be32(a + ARP_TPA, p->peer);
	for (; n < NET_REPLY_MIN; n++)
		out[n] = 0;
	return n;
}

static size_t ping_echo_request(struct net_ping *p, const struct net_id *id,
				uint8_t *out)
{
	uint8_t *m = out + ETH_HLEN + IP_HLEN;

	p->seq++;
	p->answered = false;
	net_eth_header(out, id, p->peer_mac, ETH_P_IPV4);
	net_ipv4_header(out + ETH_HLEN, id, p->peer, IP_PROTO_ICMP,
			PING_ICMP_LEN);
	m[ICMP_TYPE] = ICMP_ECHO;
	m[ICMP_CODE] = 0;
	put_be16(m + ICMP_CSUM, 0);
	put_be16(m + ICMP_ID, NET_PING_ID);
	put_be16(m + ICMP_SEQ, p->seq);
	for (unsigned i = 0; i < NET_PING_DATA; i++)
		m[ICMP_HLEN + i] = NET_PING_BYTE(i);
	put_be16(m + ICMP_CSUM, net_csum_fold(net_csum_add(0, m, PING_ICMP_LEN)));
	return ETH_HLEN + IP_HLEN + PING_ICMP_LEN;
}

size_t net_ping_request(struct net_ping *p, const struct net_id *id,
			uint8_t *out)
{
	if (p->peer == 0)
		return 0;
	if (!p->resolved)
		return ping_arp_request(p, id, out);
	return ping_echo_request(p, id, out);
}

static bool mac_is_zero(const uint8_t *m)
{
	return (m[0] | m[1] | m[2] | m[3] | m[4] | m[5]) == 0;
}

/* The peer's answer to our request: sent by the peer's address to ours.
 * The first one wins; later ones, and gratuitous ARP, are ignored. */
static enum net_ping_event ping_arp_reply(struct net_ping *p,
					  const struct net_id *id,
					  const uint8_t *frame, size_t len)
{
	if (p->resolved || len < ETH_HLEN + ARP_LEN)
		return NET_PING_NONE;
	const uint8_t *a = frame + ETH_HLEN;

	if (get_be16(a + ARP_HTYPE) != ARP_HTYPE_ETHER ||
	    get_be16(a + ARP_PTYPE) != ETH_P_IPV4 ||
	    a[ARP_HLEN] != ETH_ALEN || a[ARP_PLEN] != 4 ||
	    get_be16(a + ARP_OPER) != ARP_OP_REPLY)
		return NET_PING_NONE;
	if (get_be32(a + ARP_SPA) != p->peer || get_be32(a + ARP_TPA) != id->ipv4)
		return NET_PING_NONE;
	/* We will send to this MAC: never a group, zero or our own. */
	if (net_mac_is_group(a + ARP_SHA) || mac_is_zero(a + ARP_SHA) ||
	    net_mac_eq(a + ARP_SHA, id->mac))
		return NET_PING_NONE;
	net_copy(p->peer_mac, a + ARP_SHA, ETH_ALEN);
	p->resolved = true;
	return NET_PING_RESOLVED;
}

/* An echo reply carries the request's identifier, sequence number and
 * data [RFC 792]: all three must be ours, from the peer's address. */
static enum net_ping_event ping_echo_reply(struct net_ping *p,
					   const struct net_id *id,
					   const uint8_t *frame, size_t len)
{
	struct net_ip_pkt pkt;
	enum net_verdict why;

	if (p->answered || !net_ipv4_accept(id, frame, len, &pkt, &why))
		return NET_PING_NONE;
	const uint8_t *m = pkt.data;

	if (pkt.src != p->peer || pkt.proto != IP_PROTO_ICMP ||
	    pkt.len != PING_ICMP_LEN)
		return NET_PING_NONE;
	if (net_csum_fold(net_csum_add(0, m, pkt.len)) != 0)
		return NET_PING_NONE;
	if (m[ICMP_TYPE] != ICMP_ECHO_REPLY || m[ICMP_CODE] != 0 ||
	    get_be16(m + ICMP_ID) != NET_PING_ID ||
	    get_be16(m + ICMP_SEQ) != p->seq)
		return NET_PING_NONE;
	for (unsigned i = 0; i < NET_PING_DATA; i++)
		if (m[ICMP_HLEN + i] != NET_PING_BYTE(i))
			return NET_PING_NONE;
	p->answered = true;
	p->replies++;
	return NET_PING_REPLY;
}

enum net_ping_event net_ping_input(struct net_ping *p, const struct net_id *id,
				   const uint8_t *frame, size_t len)
{
	if (p->peer == 0 || len < ETH_HLEN || len > NET_JUMBO_MAX)
		return NET_PING_NONE;
	/* Both replies are unicast to us, from a station. */
	if (!net_mac_eq(frame + ETH_DST, id->mac) ||
	    net_mac_is_group(frame + ETH_SRC) ||
	    net_mac_eq(frame + ETH_SRC, id->mac))
		return NET_PING_NONE;

	switch (get_be16(frame + ETH_TYPE)) {
	case ETH_P_ARP:
		return ping_arp_reply(p, id, frame, len);
	case ETH_P_IPV4:
		return ping_echo_reply(p, id, frame, len);
	default:
		return NET_PING_NONE;
	}
}
