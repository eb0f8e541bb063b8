/* The guest's network stack: Ethernet II, ARP, IPv4, ICMP echo and UDP
 * echo, as pure functions of (identity, frame) -> (verdict, reply), and
 * a ping of one peer. They touch no hardware and keep no state but the
 * ping's, which the caller owns, so tests/unit/test_guest_net.c runs the
 * same files on the host. net_dev.c feeds them frames from the receive
 * window and sends the replies and requests. */
#ifndef GUEST_NET_H
#define GUEST_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"

/* Who we are, from struct hc_identity. */
struct net_id {
	uint8_t  mac[6];
	uint8_t  prefix_len;    /* 1..32 */
	uint32_t ipv4;          /* host byte order */
};

/* What net_input() made of a frame. Every frame gets exactly one. */
enum net_verdict {
	NET_ARP_REPLY,          /* an ARP request for our address: answered */
	NET_ICMP_REPLY,         /* an ICMP echo request to us: answered */
	NET_UDP_REPLY,          /* a UDP datagram to our port 7: echoed */
	NET_DROP_RUNT,          /* shorter than the headers it claims */
	NET_DROP_NOT_OURS,      /* another MAC, another IPv4 address, or ARP for another */
	NET_DROP_BAD_SOURCE,    /* a source we must not answer: multicast, broadcast, zero, ourselves */
	NET_DROP_UNSUPPORTED,   /* an EtherType, protocol, operation, type or port we ignore */
	NET_DROP_MALFORMED,     /* header fields that contradict each other or the length */
	NET_DROP_CHECKSUM,      /* IPv4, ICMP or UDP checksum wrong */
	NET_DROP_FRAGMENT,      /* an IPv4 fragment: we do not reassemble */
	NET_VERDICTS
};

static inline int net_is_reply(enum net_verdict v)
{
	return v <= NET_UDP_REPLY;
}

/* Every reply is padded with zeros to this length, the Ethernet minimum
 * without FCS [IEEE 802.3 4.2.3.3], so it needs no padding on the way. */
#define NET_REPLY_MIN   60

/* Decide what to do with 'frame' ('len' bytes, all readable). On a
 * reply, writes it to 'reply' (room for NET_JUMBO_MAX bytes, not
 * overlapping 'frame') and its length to '*reply_len'; otherwise
 * '*reply_len' is 0 and 'reply' is untouched. */
enum net_verdict net_input(const struct net_id *id, const uint8_t *frame,
			   size_t len, uint8_t *reply, size_t *reply_len);

/* Pinging one peer (the config key 'ping'): ARP for its MAC until a
 * reply comes, then one echo request at a time, each answered at most
 * once. net_ping.c. */
#define NET_PING_ID     0x4656  /* 'FV': the echo identifier */
#define NET_PING_DATA   56      /* echo payload bytes; byte i is NET_PING_BYTE(i) */
#define NET_PING_BYTE(i) ((uint8_t)(0x10 + (i)))

struct net_ping {
	uint32_t peer;          /* host byte order; 0: no peer */
	bool     resolved;      /* peer_mac is valid */
	bool     answered;      /* the request with 'seq' has had its reply */
	uint8_t  peer_mac[6];
	uint16_t seq;           /* of the last echo request sent */
	uint64_t replies;       /* matching echo replies */
};

enum net_ping_event {
	NET_PING_NONE,          /* nothing for the ping */
	NET_PING_RESOLVED,      /* the peer's ARP reply: peer_mac learnt */
	NET_PING_REPLY,         /* the echo reply to the last request */
};

void net_ping_init(struct net_ping *p, uint32_t peer);

/* The next request to send: an ARP request for the peer while it is
 * unresolved, else an echo request with the next sequence number. Writes
 * it to 'out' (room for NET_JUMBO_MAX bytes) and returns its length, or
 * 0 when there is no peer. */
size_t net_ping_request(struct net_ping *p, const struct net_id *id,
			uint8_t *out);

/* Look at a received frame ('len' bytes, all readable): an ARP reply
 * from the peer's address resolves it, once; an echo reply from it with
 * our identifier, the last request's sequence number and its payload
 * counts, once. Anything else changes nothing. */
enum net_ping_event net_ping_input(struct net_ping *p, const struct net_id *id,
				   const uint8_t *frame, size_t len);

/* Per-protocol counters. Every frame taken from the ring counts once in
 * rx and once in exactly one of arp, icmp, udp and drop, so
 * rx == arp + icmp + udp + drop (the ping's replies are in drop: the
 * stack answers nothing for them). tx_err counts frames the hypervisor
 * refused to send: replies (they still count as answered) and the
 * ping's requests. */
struct net_counters {
	uint64_t rx, arp, icmp, udp, drop, tx_err;
};

void net_count(struct net_counters *c, enum net_verdict v);

#endif
