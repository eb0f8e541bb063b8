/* ICMP echo [RFC 792]: an echo request becomes an echo reply with the
 * same identifier, sequence number and data [RFC 1122 3.2.2.6].
 * Other ICMP messages are ignored. */
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_wire.h"

enum net_verdict net_icmp_input(const struct net_ip_pkt *pkt, uint8_t *out,
				size_t *out_len)
{
	const uint8_t *m = pkt->data;

	if (pkt->len < ICMP_HLEN)
		return NET_DROP_RUNT;
	if (net_csum_fold(net_csum_add(0, m, pkt->len)) != 0)
		return NET_DROP_CHECKSUM;
	if (m[ICMP_TYPE] != ICMP_ECHO)
		return NET_DROP_UNSUPPORTED;

	net_copy(out, m, pkt->len);
	out[ICMP_TYPE] = ICMP_ECHO_REPLY;
	out[ICMP_CODE] = 0;
	put_be16(out + ICMP_CSUM, 0);
	put_be16(out + ICMP_CSUM, net_csum_fold(net_csum_add(0, out, pkt->len)));
	*out_len = pkt->len;
	return NET_ICMP_REPLY;
}
