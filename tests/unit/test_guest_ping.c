/* Host tests for the guest's ping (guest-stub/net_ping.c): ARP for the
 * peer, the echo request's bytes, and which replies count, against the
 * stack as the peer. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guest-stub/net.h"
#include "tests/unit/guest_net_frames.h"

/* --- the ping ------------------------------------------------------------- */

/* The peer, 192.168.77.1 at peer_mac, answering with the stack. */
static const struct net_id peer = {
	.mac = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee }, .prefix_len = 24,
	.ipv4 = PEER_IP,
};

/* The payload the ping sends, written out here independently. */
static void ping_payload(uint8_t *d)
{
	for (unsigned i = 0; i < 56; i++)
		d[i] = (uint8_t)(0x10 + i);
}

/* net_ping_input() on a heap copy of exactly 'len' bytes, for ASan. */
static enum net_ping_event ping_in(struct net_ping *p, const uint8_t *frame,
				   size_t len)
{
	uint8_t *in = malloc(len ? len : 1);

	assert_non_null(in);
	memcpy(in, frame, len);
	enum net_ping_event e = net_ping_input(p, &me, in, len);

	assert_memory_equal(in, frame, len);
	free(in);
	return e;
}

/* An ICMP message of type 'type' from 'src' to us. */
static size_t ping_reply_frame(uint8_t *f, uint32_t src, unsigned type,
			       unsigned id, unsigned seq, const uint8_t *d,
			       size_t n)
{
	uint8_t m[FRAME_MAX];

	return ip_frame(f, our_mac, src, OUR_IP, 1, m,
			icmp_msg(m, type, id, seq, d, n), NULL);
}

static void ping_resolve(struct net_ping *p)
{
	uint8_t f[64];
	size_t len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OUR_IP);

	assert_int_equal(ping_in(p, f, len), NET_PING_RESOLVED);
}

static void test_ping_no_peer(void **state)
{
	struct net_ping p;
	uint8_t f[64], out[NET_JUMBO_MAX];
	size_t len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OUR_IP);

	net_ping_init(&p, 0);
	assert_int_equal(net_ping_request(&p, &me, out), 0);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	assert_false(p.resolved);
}

static void test_ping_arp_request_bytes(void **state)
{
	struct net_ping p;
	uint8_t out[NET_JUMBO_MAX];
	static const uint8_t want[60] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff,     /* broadcast */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* from us */
		0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
		0x00, 0x01,                             /* request */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* sha: us */
		192, 168, 77, 11,                       /* spa: us */
		0, 0, 0, 0, 0, 0,                       /* tha: unknown */
		192, 168, 77, 1,                        /* tpa: the peer */
		/* 18 bytes of padding, zero */
	};

	net_ping_init(&p, PEER_IP);
	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(net_ping_request(&p, &me, out), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	/* Until a reply comes, every request is the same ARP request. */
	memset(out, SENTINEL, sizeof(out));
	assert_int_equal(net_ping_request(&p, &me, out), sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(p.seq, 0);
	/* The peer's stack answers it, and that answer resolves it. */
	uint8_t reply[NET_JUMBO_MAX];
	size_t n;

	assert_int_equal(net_input(&peer, out, sizeof(want), reply, &n),
			 NET_ARP_REPLY);
	assert_int_equal(ping_in(&p, reply, n), NET_PING_RESOLVED);
	assert_memory_equal(p.peer_mac, peer_mac, 6);
}

/* Only an ARP reply from the peer's address, to ours, unicast to our
 * MAC, with a station's MAC in it, resolves the peer; only once. */
static void test_ping_arp_reply_learning(void **state)
{
	struct net_ping p;
	uint8_t f[64];
	size_t len;
	static const uint8_t group[6] = { 0x03, 0, 0, 0, 0, 0x09 };

	net_ping_init(&p, PEER_IP);
	/* Another sender's reply, or another's about the peer's MAC. */
	len = arp_frame(f, our_mac, 2, other_mac, OTHER_IP, OUR_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = arp_frame(f, our_mac, 2, peer_mac, OTHER_IP, OUR_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* The peer, but a request, or a reply to someone else. */
	len = arp_frame(f, our_mac, 1, peer_mac, PEER_IP, OUR_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OTHER_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* Broadcast (gratuitous) or to another MAC. */
	len = arp_frame(f, bcast_mac, 2, peer_mac, PEER_IP, OUR_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = arp_frame(f, other_mac, 2, peer_mac, PEER_IP, OUR_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* A MAC no frame may go to, in the sender field. */
	len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OUR_IP);
	memcpy(f + 14 + 8, group, 6);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	memcpy(f + 14 + 8, zero_mac, 6);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	memcpy(f + 14 + 8, our_mac, 6);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* Wrong types or lengths. */
	for (unsigned field = 0; field < 4; field++) {
		static const unsigned at[] = { 14 + 1, 14 + 2, 14 + 4, 14 + 5 };

		len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OUR_IP);
		f[at[field]] ^= 0x10;
		assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	}
	/* Every truncation of the right reply. */
	len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OUR_IP);
	for (size_t l = 0; l < len; l++)
		assert_int_equal(ping_in(&p, f, l), NET_PING_NONE);
	assert_false(p.resolved);
	assert_int_equal(p.replies, 0);

	/* The peer's reply, padded as on the wire. */
	memset(f + len, 0, 60 - len);
	assert_int_equal(ping_in(&p, f, 60), NET_PING_RESOLVED);
	assert_true(p.resolved);
	assert_memory_equal(p.peer_mac, peer_mac, 6);
	/* The first answer stands. */
	len = arp_frame(f, our_mac, 2, other_mac, PEER_IP, OUR_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	assert_memory_equal(p.peer_mac, peer_mac, 6);
	/* Our own stack still drops ARP replies. */
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
}

static void test_ping_echo_request_bytes(void **state)
{
	struct net_ping p;
	uint8_t out[NET_JUMBO_MAX], d[56];

	ping_payload(d);
	net_ping_init(&p, PEER_IP);
	ping_resolve(&p);
	for (unsigned seq = 1; seq <= 3; seq++) {
		memset(out, SENTINEL, sizeof(out));
		assert_int_equal(net_ping_request(&p, &me, out), 14 + 20 + 64);
		const uint8_t *ip = out + 14, *m = ip + 20;

		assert_memory_equal(out, peer_mac, 6);
		assert_memory_equal(out + 6, our_mac, 6);
		assert_int_equal(r16(out + 12), 0x0800);
		assert_int_equal(ip[0], 0x45);
		assert_int_equal(r16(ip + 2), 84);
		assert_int_equal(ip[8], 64);
		assert_int_equal(ip[9], 1);
		assert_int_equal(r32(ip + 12), OUR_IP);
		assert_int_equal(r32(ip + 16), PEER_IP);
		assert_true(ref_ok(0, ip, 20));
		assert_int_equal(m[0], 8);              /* echo request */
		assert_int_equal(m[1], 0);
		assert_int_equal(r16(m + 4), 0x4656);
		assert_int_equal(r16(m + 6), seq);
		assert_memory_equal(m + 8, d, 56);
		assert_true(ref_ok(0, m, 64));
		assert_int_equal(out[14 + 20 + 64], SENTINEL);
	}
}

/* The peer's stack answers our request; the answer counts once. */
static void test_ping_echo_round_trip(void **state)
{
	struct net_ping p;
	uint8_t out[NET_JUMBO_MAX], reply[NET_JUMBO_MAX];
	size_t n, len;

	net_ping_init(&p, PEER_IP);
	ping_resolve(&p);
	for (unsigned seq = 1; seq <= 5; seq++) {
		len = net_ping_request(&p, &me, out);
		assert_int_equal(net_input(&peer, out, len, reply, &n),
				 NET_ICMP_REPLY);
		assert_int_equal(ping_in(&p, reply, n), NET_PING_REPLY);
		assert_int_equal(p.replies, seq);
		/* A duplicate is not a second reply. */
		assert_int_equal(ping_in(&p, reply, n), NET_PING_NONE);
		assert_int_equal(p.replies, seq);
		/* Our own stack drops echo replies, as before. */
		assert_int_equal(run(reply, n).v, NET_DROP_UNSUPPORTED);
	}
}

/* Identifier, sequence number, payload, source and type must all be
 * the last request's; nothing else counts. */
static void test_ping_echo_reply_matching(void **state)
{
	struct net_ping p;
	uint8_t f[FRAME_MAX], out[NET_JUMBO_MAX], d[64];
	size_t len;

	ping_payload(d);
	net_ping_init(&p, PEER_IP);
	ping_resolve(&p);
	/* Before any request, even a perfect reply is unsolicited. */
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 0, d, 56);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 1, d, 56);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);

	net_ping_request(&p, &me, out);                 /* seq 1 */
	net_ping_request(&p, &me, out);                 /* seq 2 */
	assert_int_equal(p.seq, 2);
	/* Wrong identifier; an older or a future sequence number. */
	len = ping_reply_frame(f, PEER_IP, 0, 0x4657, 2, d, 56);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 1, d, 56);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 3, d, 56);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* Payload: one byte changed (checksum right), shorter, longer. */
	for (unsigned i = 0; i < 56; i += 11) {
		d[i] ^= 0x20;
		len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 2, d, 56);
		assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
		d[i] ^= 0x20;
	}
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 2, d, 55);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	d[56] = 0x10 + 56;
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 2, d, 57);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* From another address; an echo request instead of a reply. */
	len = ping_reply_frame(f, OTHER_IP, 0, 0x4656, 2, d, 56);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = ping_reply_frame(f, PEER_IP, 8, 0x4656, 2, d, 56);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* To another address or MAC; a bad ICMP or IPv4 checksum. */
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 2, d, 56);
	w32(f + 14 + 16, OTHER_IP);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 2, d, 56);
	memcpy(f, other_mac, 6);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	memcpy(f, bcast_mac, 6);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 2, d, 56);
	f[len - 1] ^= 1;
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	struct ip_opts o = { .bad_csum = true };
	uint8_t m[128];

	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 1, m,
		       icmp_msg(m, 0, 0x4656, 2, d, 56), &o);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	/* Every truncation of the right reply. */
	len = ping_reply_frame(f, PEER_IP, 0, 0x4656, 2, d, 56);
	for (size_t l = 0; l < len; l++)
		assert_int_equal(ping_in(&p, f, l), NET_PING_NONE);
	assert_int_equal(p.replies, 0);

	/* The right one, Ethernet padding and all. */
	memset(f + len, 0x5a, 8);
	assert_int_equal(ping_in(&p, f, len + 8), NET_PING_REPLY);
	assert_int_equal(p.replies, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ping_no_peer),
		cmocka_unit_test(test_ping_arp_request_bytes),
		cmocka_unit_test(test_ping_arp_reply_learning),
		cmocka_unit_test(test_ping_echo_request_bytes),
		cmocka_unit_test(test_ping_echo_round_trip),
		cmocka_unit_test(test_ping_echo_reply_matching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
