/* Ethernet II: accept frames to our MAC or to broadcast, dispatch on the
 * EtherType, pad the reply, and keep the per-protocol counters. Every
 * other destination (another VM's MAC on a promiscuous path, multicast
 * such as IPv6 neighbour discovery) is dropped here. */
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_wire.h"

void net_eth_header(uint8_t *reply, const struct net_id *id,
		    const uint8_t *dst, uint16_t type)
{
	net_copy(reply + ETH_DST, dst, ETH_ALEN);
	net_copy(reply + ETH_SRC, id->mac, ETH_ALEN);
	put_be16(reply + ETH_TYPE, type);
}

static enum net_verdict eth_dispatch(const struct net_id *id,
				     const uint8_t *frame, size_t len,
				     uint8_t *reply, size_t *reply_len)
{
	if (len < ETH_HLEN)
		return NET_DROP_RUNT;
	/* Longer than any mtu allows: no reply could hold the answer. */
	if (len > NET_JUMBO_MAX)
		return NET_DROP_MALFORMED;
	const uint8_t *dst = frame + ETH_DST, *src = frame + ETH_SRC;

	if (!net_mac_eq(dst, id->mac) && !net_mac_is_broadcast(dst))
		return NET_DROP_NOT_OURS;
	/* A group address never sends; our own MAC would be a loop. */
	if (net_mac_is_group(src) || net_mac_eq(src, id->mac))
		return NET_DROP_BAD_SOURCE;

	switch (get_be16(frame + ETH_TYPE)) {
	case ETH_P_ARP:
		return net_arp_input(id, frame, len, reply, reply_len);
	case ETH_P_IPV4:
		return net_ipv4_input(id, frame, len, reply, reply_len);
	default:
		return NET_DROP_UNSUPPORTED;    /* IPv6, VLAN tags, ... */
	}
}

enum net_verdict net_input(const struct net_id *id, const uint8_t *frame,
			   size_t len, uint8_t *reply, size_t *reply_len)
{
	size_t n = 0;
	enum net_verdict v = eth_dispatch(id, frame, len, reply, &n);

	if (!net_is_reply(v)) {
		*reply_len = 0;
		return v;
	}
	for (; n < NET_REPLY_MIN; n++)
		reply[n] = 0;
	*reply_len = n;
	return v;
}

void net_count(struct net_counters *c, enum net_verdict v)
{
	c->rx++;
	switch (v) {
	case NET_ARP_REPLY:  c->arp++;  break;
	case NET_ICMP_REPLY: c->icmp++; break;
	case NET_UDP_REPLY:  c->udp++;  break;
	default:             c->drop++; break;
	}
}
