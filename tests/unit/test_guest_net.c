/* Host tests for the guest's network stack (guest-stub/net_*.c): ARP,
 * Ethernet, ICMP echo, IPv4, UDP echo and robustness. Frames come from
 * guest_net_frames.c, built independently of the stack; every reply is
 * checked field by field. The receive ring is in test_guest_ring.c, the
 * ping in test_guest_ping.c. */
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

/* --- ARP ---------------------------------------------------------------- */

static void test_arp_request_reply_bytes(void **state)
{
	uint8_t f[64];
	size_t len = arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP, OUR_IP);
	static const uint8_t want[60] = {
		0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,     /* to the asker */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* from us */
		0x08, 0x06,
		0x00, 0x01, 0x08, 0x00, 0x06, 0x04,
		0x00, 0x02,                             /* reply */
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01,     /* sha: us */
		192, 168, 77, 11,                       /* spa: us */
		0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee,     /* tha: the asker */
		192, 168, 77, 1,                        /* tpa: the asker */
		/* 18 bytes of padding, zero */
	};
	struct result r = run(f, len);

	assert_int_equal(r.v, NET_ARP_REPLY);
	assert_int_equal(r.len, sizeof(want));
	assert_memory_equal(r.reply, want, sizeof(want));
}

static void test_arp_unicast_request(void **state)
{
	uint8_t f[64];
	size_t len = arp_frame(f, our_mac, 1, peer_mac, PEER_IP, OUR_IP);
	struct result r = run(f, len);

	assert_int_equal(r.v, NET_ARP_REPLY);
	assert_memory_equal(r.reply, peer_mac, 6);
}

static void test_arp_padded_request(void **state)
{
	uint8_t f[64];

	arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP, OUR_IP);
	memset(f + 42, 0x5a, 18);       /* padding is not ours to judge */
	assert_int_equal(run(f, 60).v, NET_ARP_REPLY);
}

static void test_arp_ignored(void **state)
{
	uint8_t f[64];
	size_t len;

	len = arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP, OTHER_IP);
	assert_int_equal(run(f, len).v, NET_DROP_NOT_OURS);
	len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OUR_IP);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
	/* Someone else claims our address, or a group sender. */
	len = arp_frame(f, bcast_mac, 1, peer_mac, OUR_IP, OUR_IP);
	assert_int_equal(run(f, len).v, NET_DROP_BAD_SOURCE);
	len = arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP, OUR_IP);
	f[14 + 8] |= 1;
	assert_int_equal(run(f, len).v, NET_DROP_BAD_SOURCE);
	/* Wrong types or lengths. */
	for (unsigned field = 0; field < 4; field++) {
		len = arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP, OUR_IP);
		static const unsigned at[] = { 14 + 1, 14 + 2, 14 + 4, 14 + 5 };

		f[at[field]] ^= 0x10;
		assert_int_equal(run(f, len).v, NET_DROP_MALFORMED);
	}
}

static void test_arp_probe_answered(void **state)
{
	/* An address probe [RFC 5227 2.1.1]: sender 0.0.0.0. */
	uint8_t f[64];
	size_t len = arp_frame(f, bcast_mac, 1, peer_mac, 0, OUR_IP);
	struct result r = run(f, len);

	assert_int_equal(r.v, NET_ARP_REPLY);
	assert_int_equal(r32(r.reply + 14 + 24), 0);
}

/* --- Ethernet ------------------------------------------------------------ */

static void test_eth_filter(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t len = echo_frame(f, (const uint8_t *)"abc", 3, NULL);
	static const uint8_t mcast[6] = { 0x33, 0x33, 0, 0, 0, 1 };

	assert_int_equal(run(f, len).v, NET_ICMP_REPLY);
	memcpy(f, other_mac, 6);
	assert_int_equal(run(f, len).v, NET_DROP_NOT_OURS);
	memcpy(f, mcast, 6);
	assert_int_equal(run(f, len).v, NET_DROP_NOT_OURS);
	memcpy(f, zero_mac, 6);
	assert_int_equal(run(f, len).v, NET_DROP_NOT_OURS);
	/* Broadcast is accepted; the IPv4 address decides. */
	memcpy(f, bcast_mac, 6);
	assert_int_equal(run(f, len).v, NET_ICMP_REPLY);
	/* Sources that cannot be answered. */
	memcpy(f, our_mac, 6);
	memcpy(f + 6, bcast_mac, 6);
	assert_int_equal(run(f, len).v, NET_DROP_BAD_SOURCE);
	memcpy(f + 6, our_mac, 6);
	assert_int_equal(run(f, len).v, NET_DROP_BAD_SOURCE);
	/* Other EtherTypes: IPv6, a VLAN tag. */
	memcpy(f + 6, peer_mac, 6);
	w16(f + 12, 0x86dd);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
	w16(f + 12, 0x8100);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
}

/* --- ICMP echo ------------------------------------------------------------ */

static void check_echo(size_t n)
{
	uint8_t f[FRAME_MAX], data[FRAME_MAX];

	fill_random(data, n);
	size_t len = echo_frame(f, data, n, NULL);
	struct result r = run(f, len);

	assert_int_equal(r.v, NET_ICMP_REPLY);
	const uint8_t *m = check_ip_reply(&r, 1, 8 + n);

	assert_int_equal(m[0], 0);              /* echo reply */
	assert_int_equal(m[1], 0);
	assert_int_equal(r16(m + 4), 0x4242);
	assert_int_equal(r16(m + 6), 7);
	if (n)
		assert_memory_equal(m + 8, data, n);
	assert_true(ref_ok(0, m, 8 + n));
}

static void test_icmp_echo_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 2, 55, 56, 57, 1000, 1471, 1472 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		check_echo(sizes[i]);
}

static void test_icmp_echo_all_sizes(void **state)
{
	for (size_t n = 0; n <= 1472; n++)
		check_echo(n);
}

static void test_icmp_echo_with_options_and_padding(void **state)
{
	uint8_t f[FRAME_MAX], data[4] = { 1, 2, 3, 4 };
	struct ip_opts o = { .ihl = 7 };
	size_t len = echo_frame(f, data, sizeof(data), &o);

	/* Ethernet padding after the packet is not part of it. */
	memset(f + len, 0xee, 20);
	struct result r = run(f, len + 20);

	assert_int_equal(r.v, NET_ICMP_REPLY);
	const uint8_t *m = check_ip_reply(&r, 1, 8 + sizeof(data));

	assert_memory_equal(m + 8, data, sizeof(data));
	assert_true(ref_ok(0, m, 8 + sizeof(data)));
}

static void test_icmp_drops(void **state)
{
	uint8_t f[FRAME_MAX], m[64];
	size_t len;

	/* Bad ICMP checksum. */
	len = echo_frame(f, (const uint8_t *)"hello", 5, NULL);
	f[len - 1] ^= 1;
	assert_int_equal(run(f, len).v, NET_DROP_CHECKSUM);
	/* An echo reply, a timestamp request: not answered. */
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 1, m,
		       icmp_msg(m, 0, 1, 1, NULL, 0), NULL);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 1, m,
		       icmp_msg(m, 13, 1, 1, (const uint8_t *)"0123456789ab", 12),
		       NULL);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
	/* Shorter than an echo header. */
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 1, m, 4, NULL);
	assert_int_equal(run(f, len).v, NET_DROP_RUNT);
}

/* --- IPv4 ------------------------------------------------------------------ */

static void test_ipv4_drops(void **state)
{
	uint8_t f[FRAME_MAX], d[8] = { 0 };
	struct ip_opts o;
	size_t len;

	o = (struct ip_opts){ .bad_csum = true };
	len = echo_frame(f, d, sizeof(d), &o);
	assert_int_equal(run(f, len).v, NET_DROP_CHECKSUM);

	/* More fragments, or any offset: dropped. DF alone is fine. */
	static const unsigned frag[] = { 0x2000, 0x0001, 0x0100, 0x2001, 0x1fff,
					 0x6000 };

	for (size_t i = 0; i < ARRAY_SIZE(frag); i++) {
		o = (struct ip_opts){ .frag = frag[i] };
		len = echo_frame(f, d, sizeof(d), &o);
		assert_int_equal(run(f, len).v, NET_DROP_FRAGMENT);
	}
	o = (struct ip_opts){ .frag = 0x4000 };
	len = echo_frame(f, d, sizeof(d), &o);
	assert_int_equal(run(f, len).v, NET_ICMP_REPLY);
	o = (struct ip_opts){ .frag = 0x8000 };         /* the reserved flag */
	len = echo_frame(f, d, sizeof(d), &o);
	assert_int_equal(run(f, len).v, NET_ICMP_REPLY);

	o = (struct ip_opts){ .version = 6 };
	len = echo_frame(f, d, sizeof(d), &o);
	assert_int_equal(run(f, len).v, NET_DROP_MALFORMED);
	o = (struct ip_opts){ .ihl = 4 };
	len = echo_frame(f, d, sizeof(d), &o);
	f[14] = 0x44;
	assert_int_equal(run(f, len).v, NET_DROP_MALFORMED);
	/* Total length past the frame's end, or shorter than the header. */
	o = (struct ip_opts){ .totlen_delta = 1 };
	len = echo_frame(f, d, sizeof(d), &o);
	assert_int_equal(run(f, len).v, NET_DROP_RUNT);
	o = (struct ip_opts){ .totlen_delta = -(int)(8 + sizeof(d) + 1) };
	len = echo_frame(f, d, sizeof(d), &o);
	assert_int_equal(run(f, len).v, NET_DROP_MALFORMED);
	/* IHL past the frame's end. */
	o = (struct ip_opts){ .ihl = 15 };
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 1, d, 0, &o);
	assert_int_equal(run(f, len - 4).v, NET_DROP_RUNT);
	/* Another protocol (TCP). */
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 6, d, sizeof(d), NULL);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
}

static void test_ipv4_addresses(void **state)
{
	static const struct { uint32_t src, dst; enum net_verdict v; } c[] = {
		{ PEER_IP, OUR_IP, NET_ICMP_REPLY },
		{ 0x0a000001, OUR_IP, NET_ICMP_REPLY },   /* off-link is fine */
		{ PEER_IP, OTHER_IP, NET_DROP_NOT_OURS },
		{ PEER_IP, 0xffffffff, NET_DROP_NOT_OURS },
		{ PEER_IP, 0xc0a84dff, NET_DROP_NOT_OURS },
		{ PEER_IP, 0xe0000001, NET_DROP_NOT_OURS },
		{ 0, OUR_IP, NET_DROP_BAD_SOURCE },
		{ 0xffffffff, OUR_IP, NET_DROP_BAD_SOURCE },
		{ 0xc0a84dff, OUR_IP, NET_DROP_BAD_SOURCE },  /* our subnet's broadcast */
		{ 0xe0000001, OUR_IP, NET_DROP_BAD_SOURCE },
		{ 0xf0000001, OUR_IP, NET_DROP_BAD_SOURCE },
		{ 0x7f000001, OUR_IP, NET_DROP_BAD_SOURCE },
		{ OUR_IP, OUR_IP, NET_DROP_BAD_SOURCE },
	};
	uint8_t f[FRAME_MAX], m[64];

	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		size_t len = ip_frame(f, our_mac, c[i].src, c[i].dst, 1, m,
				      icmp_msg(m, 8, 1, 2, NULL, 0), NULL);

		assert_int_equal(run(f, len).v, c[i].v);
	}
}

/* --- UDP echo ---------------------------------------------------------------- */

static void check_udp_echo(size_t n, bool with_csum)
{
	uint8_t f[FRAME_MAX], data[FRAME_MAX];

	fill_random(data, n);
	size_t len = udp_frame(f, 7, data, n, with_csum);
	struct result r = run(f, len);

	assert_int_equal(r.v, NET_UDP_REPLY);
	const uint8_t *u = check_ip_reply(&r, 17, 8 + n);

	assert_int_equal(r16(u), 7);
	assert_int_equal(r16(u + 2), 40000);
	assert_int_equal(r16(u + 4), 8 + n);
	assert_int_not_equal(r16(u + 6), 0);    /* we always compute it */
	assert_true(ref_ok(ref_pseudo(OUR_IP, PEER_IP, 17, 8 + n), u, 8 + n));
	if (n)
		assert_memory_equal(u + 8, data, n);
}

static void test_udp_echo_all_sizes(void **state)
{
	for (size_t n = 18; n <= 1472; n++)
		check_udp_echo(n, true);
	for (size_t n = 0; n < 18; n++)
		check_udp_echo(n, true);
}

static void test_udp_echo_without_checksum(void **state)
{
	for (size_t n = 0; n <= 64; n++)
		check_udp_echo(n, false);
	check_udp_echo(1472, false);
}

/* A reply whose checksum computes to 0 carries 0xffff [RFC 768]. */
static void test_udp_checksum_zero_sent_as_ones(void **state)
{
	uint8_t f[FRAME_MAX], data[2] = { 0, 0 }, u[16];

	/* The reply with a zero payload word and no checksum: its sum S;
	 * payload word ~S makes the full sum 0xffff, the checksum 0. */
	udp_msg(u, OUR_IP, PEER_IP, 7, 40000, data, 2, false);
	unsigned s = ref_sum(ref_pseudo(OUR_IP, PEER_IP, 17, 10), u, 10);

	w16(data, ~s & 0xffff);
	size_t len = udp_frame(f, 7, data, 2, false);
	struct result r = run(f, len);

	assert_int_equal(r.v, NET_UDP_REPLY);
	const uint8_t *ru = check_ip_reply(&r, 17, 10);

	assert_int_equal(r16(ru + 6), 0xffff);
	assert_true(ref_ok(ref_pseudo(OUR_IP, PEER_IP, 17, 10), ru, 10));
}

static void test_udp_drops(void **state)
{
	uint8_t f[FRAME_MAX], d[32], u[64];
	size_t len;

	fill_random(d, sizeof(d));
	len = udp_frame(f, 7, d, sizeof(d), true);
	f[len - 3] ^= 0x80;
	assert_int_equal(run(f, len).v, NET_DROP_CHECKSUM);
	len = udp_frame(f, 9, d, sizeof(d), true);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
	len = udp_frame(f, 53, d, sizeof(d), false);
	assert_int_equal(run(f, len).v, NET_DROP_UNSUPPORTED);
	/* Source port 0. */
	udp_msg(u, PEER_IP, OUR_IP, 0, 7, d, 4, true);
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, 12, NULL);
	assert_int_equal(run(f, len).v, NET_DROP_BAD_SOURCE);
	/* UDP length longer than the packet, or shorter than its header. */
	udp_msg(u, PEER_IP, OUR_IP, 1, 7, d, 4, false);
	w16(u + 4, 13);
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, 12, NULL);
	assert_int_equal(run(f, len).v, NET_DROP_MALFORMED);
	w16(u + 4, 7);
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, 12, NULL);
	assert_int_equal(run(f, len).v, NET_DROP_MALFORMED);
	/* Shorter than a UDP header. */
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, 7, NULL);
	assert_int_equal(run(f, len).v, NET_DROP_RUNT);
}

/* A UDP length below the IPv4 payload: the rest is not echoed. */
static void test_udp_length_shorter_than_packet(void **state)
{
	uint8_t f[FRAME_MAX], d[8] = { 9, 8, 7, 6, 5, 4, 3, 2 }, u[64];

	udp_msg(u, PEER_IP, OUR_IP, 1234, 7, d, 4, true);
	memcpy(u + 12, d + 4, 4);       /* 4 bytes past the UDP length */
	size_t len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, 16, NULL);
	struct result r = run(f, len);

	assert_int_equal(r.v, NET_UDP_REPLY);
	const uint8_t *ru = check_ip_reply(&r, 17, 12);

	assert_int_equal(r16(ru + 4), 12);
	assert_memory_equal(ru + 8, d, 4);
}

/* --- robustness ---------------------------------------------------------- */

/* Every prefix of a valid frame is dropped, and read only within it. */
static void test_truncated_every_length(void **state)
{
	uint8_t f[FRAME_MAX], d[FRAME_MAX];
	size_t lens[4];
	uint8_t frames[4][FRAME_MAX];

	fill_random(d, sizeof(d));
	lens[0] = arp_frame(frames[0], bcast_mac, 1, peer_mac, PEER_IP, OUR_IP);
	lens[1] = echo_frame(frames[1], d, 56, NULL);
	lens[2] = udp_frame(frames[2], 7, d, 1472, true);
	lens[3] = echo_frame(frames[3], d, 1472, NULL);
	for (size_t k = 0; k < ARRAY_SIZE(lens); k++) {
		assert_true(net_is_reply(run(frames[k], lens[k]).v));
		for (size_t len = 0; len < lens[k]; len++) {
			memcpy(f, frames[k], len);
			assert_false(net_is_reply(run(f, len).v));
		}
	}
}

/* Longer than the longest mtu allows: dropped before any header is
 * believed. Up to that, jumbo frames are answered: a UDP echo and an
 * ICMP echo of 8000 bytes, and a datagram filling NET_JUMBO_MAX. */
static void test_oversized(void **state)
{
	static uint8_t f[NET_JUMBO_MAX + 64], d[NET_JUMBO_MAX];
	struct result r;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 7 + 1);
	len = udp_frame(f, 7, d, NET_JUMBO_MAX - 42, false);
	assert_int_equal(len, NET_JUMBO_MAX);
	assert_int_equal(run(f, len).v, NET_UDP_REPLY);
	assert_int_equal(run(f, NET_JUMBO_MAX + 1).v, NET_DROP_MALFORMED);

	len = udp_frame(f, 7, d, 8000, false);
	r = run(f, len);
	assert_int_equal(r.v, NET_UDP_REPLY);
	assert_int_equal(r.len, len);
	assert_memory_equal(r.reply + 42, d, 8000);
	len = echo_frame(f, d, 8000, NULL);
	r = run(f, len);
	assert_int_equal(r.v, NET_ICMP_REPLY);
	assert_int_equal(r.len, len);
	assert_memory_equal(r.reply + 42, d, 8000);
}

/* Random corruption of valid frames: nothing is read out of bounds, and
 * whatever is answered is a well-formed reply from us. */
static void test_fuzz(void **state)
{
	uint8_t base[3][FRAME_MAX], f[FRAME_MAX], d[FRAME_MAX];
	size_t lens[3];

	fill_random(d, sizeof(d));
	lens[0] = arp_frame(base[0], bcast_mac, 1, peer_mac, PEER_IP, OUR_IP);
	lens[1] = echo_frame(base[1], d, 100, NULL);
	lens[2] = udp_frame(base[2], 7, d, 200, true);
	for (unsigned it = 0; it < 200000; it++) {
		unsigned k = rnd() % 3;
		size_t len = lens[k];

		memcpy(f, base[k], len);
		/* Flip a few bytes, mostly in the headers. */
		for (unsigned flips = 1 + rnd() % 3; flips; flips--) {
			size_t at = rnd() % 2 ? rnd() % 50 : rnd() % len;

			if (at < len)
				f[at] = (uint8_t)rnd();
		}
		if (rnd() % 4 == 0)
			len = rnd() % (len + 1);
		struct result r = run(f, len);

		if (net_is_reply(r.v)) {
			assert_memory_equal(r.reply + 6, our_mac, 6);
			assert_false(r.reply[0] & 1);
		}
	}
}

static void test_counters(void **state)
{
	struct net_counters c = { 0 };

	for (int v = 0; v < NET_VERDICTS; v++)
		net_count(&c, (enum net_verdict)v);
	assert_int_equal(c.rx, NET_VERDICTS);
	assert_int_equal(c.arp, 1);
	assert_int_equal(c.icmp, 1);
	assert_int_equal(c.udp, 1);
	assert_int_equal(c.drop, NET_VERDICTS - 3);
	assert_int_equal(c.rx, c.arp + c.icmp + c.udp + c.drop);
	assert_int_equal(c.tx_err, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arp_request_reply_bytes),
		cmocka_unit_test(test_arp_unicast_request),
		cmocka_unit_test(test_arp_padded_request),
		cmocka_unit_test(test_arp_ignored),
		cmocka_unit_test(test_arp_probe_answered),
		cmocka_unit_test(test_eth_filter),
		cmocka_unit_test(test_icmp_echo_sizes),
		cmocka_unit_test(test_icmp_echo_all_sizes),
		cmocka_unit_test(test_icmp_echo_with_options_and_padding),
		cmocka_unit_test(test_icmp_drops),
		cmocka_unit_test(test_ipv4_drops),
		cmocka_unit_test(test_ipv4_addresses),
		cmocka_unit_test(test_udp_echo_all_sizes),
		cmocka_unit_test(test_udp_echo_without_checksum),
		cmocka_unit_test(test_udp_checksum_zero_sent_as_ones),
		cmocka_unit_test(test_udp_drops),
		cmocka_unit_test(test_udp_length_shorter_than_packet),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_counters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
