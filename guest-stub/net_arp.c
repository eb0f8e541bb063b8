/* ARP [RFC 826]: answer requests for our IPv4 address with our MAC.
 * Everything else (replies, requests for other addresses, other
 * hardware or protocol types) is ignored. We keep no table: replies to
 * IPv4 go back to the frame's source MAC. */
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_wire.h"

enum net_verdict net_arp_input(const struct net_id *id, const uint8_t *frame,
			       size_t len, uint8_t *reply, size_t *reply_len)
{
	if (len < ETH_HLEN + ARP_LEN)
		return NET_DROP_RUNT;
	const uint8_t *a = frame + ETH_HLEN;

	/* [RFC 826, "Packet Reception"]: check the hardware and protocol
	 * types and their address lengths first. */
	if (get_be16(a + ARP_HTYPE) != ARP_HTYPE_ETHER ||
	    get_be16(a + ARP_PTYPE) != ETH_P_IPV4 ||
	    a[ARP_HLEN] != ETH_ALEN || a[ARP_PLEN] != 4)
		return NET_DROP_MALFORMED;
	if (get_be16(a + ARP_OPER) != ARP_OP_REQUEST)
		return NET_DROP_UNSUPPORTED;
	if (get_be32(a + ARP_TPA) != id->ipv4)
		return NET_DROP_NOT_OURS;
	/* A sender with our address is a conflict or our own echo, and a
	 * group sender hardware address is no one to answer. */
	if (get_be32(a + ARP_SPA) == id->ipv4 || net_mac_is_group(a + ARP_SHA) ||
	    net_mac_eq(a + ARP_SHA, id->mac))
		return NET_DROP_BAD_SOURCE;

	/* Swap the sender into the target fields, put ours in the sender
	 * fields, and send it to the new target hardware address. */
	uint8_t *r = reply + ETH_HLEN;

	net_eth_header(reply, id, a + ARP_SHA, ETH_P_ARP);
	net_copy(r, a, ARP_OPER);               /* the same types and lengths */
	put_be16(r + ARP_OPER, ARP_OP_REPLY);
	net_copy(r + ARP_SHA, id->mac, ETH_ALEN);
	put_be32(r + ARP_SPA, id->ipv4);
	net_copy(r + ARP_THA, a + ARP_SHA, ETH_ALEN);
	net_copy(r + ARP_TPA, a + ARP_SPA, 4);
	*reply_len = ETH_HLEN + ARP_LEN;
	return NET_ARP_REPLY;
}
