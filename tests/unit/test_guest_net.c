/* Host tests for the guest's network stack (guest-stub/net_*.c), its
 * ping (net_ping.c) and its side of the receive ring (net_ring.c, with
 * the check that a slot holds nothing past its frame, and copy
 * delivery). Frames are built here independently of the stack, each
 * copied into a heap block of exactly its length so that ASan catches
 * any read past it, and every reply is checked field by field with a
 * checksum written separately from net_csum.c. The ring runs against a
 * fake hypervisor that validates releases the way the real one must
 * (the whole batch or nothing) and tracks which window slots and copy
 * buffers are still delivered. */
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
#include "guest-stub/net_ring.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 192.168.77.11/24 at 02:00:00:00:00:01, asked by 192.168.77.1. */
#define OUR_IP          0xc0a84d0bu
#define PEER_IP         0xc0a84d01u
#define OTHER_IP        0xc0a84d0cu
static const uint8_t our_mac[6]   = { 0x02, 0, 0, 0, 0, 0x01 };
static const uint8_t peer_mac[6]  = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
static const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
static const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t zero_mac[6];

static const struct net_id me = {
	.mac = { 0x02, 0, 0, 0, 0, 0x01 }, .prefix_len = 24, .ipv4 = OUR_IP,
};

#define FRAME_MAX       1514
#define SENTINEL        0xcc

/* --- helpers independent of the stack ---------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

static void w16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, v >> 16);
	w16(p + 2, v & 0xffff);
}

static unsigned r16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static uint32_t r32(const uint8_t *p)
{
	return (uint32_t)r16(p) << 16 | r16(p + 2);
}

/* RFC 1071 written the other way round: high and low bytes summed
 * separately, carries folded at the end. Returns the ones' complement
 * sum (not complemented), 'init' included. */
static unsigned ref_sum(unsigned init, const uint8_t *p, size_t n)
{
	uint64_t hi = 0, lo = 0;

	for (size_t i = 0; i < n; i++) {
		if (i % 2 == 0)
			hi += p[i];
		else
			lo += p[i];
	}
	uint64_t s = (hi << 8) + lo + init;

	while (s > 0xffff)
		s = (s & 0xffff) + (s >> 16);
	return (unsigned)s;
}

/* True when a block holding its own checksum verifies. */
static bool ref_ok(unsigned init, const uint8_t *p, size_t n)
{
	return ref_sum(init, p, n) == 0xffff;
}

static unsigned ref_pseudo(uint32_t src, uint32_t dst, unsigned proto,
			   unsigned len)
{
	uint8_t ph[12];

	w32(ph, src);
	w32(ph + 4, dst);
	ph[8] = 0;
	ph[9] = (uint8_t)proto;
	w16(ph + 10, len);
	return ref_sum(0, ph, sizeof(ph));
}

static void eth(uint8_t *f, const uint8_t *dst, const uint8_t *src,
		unsigned type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	w16(f + 12, type);
}

/* An ARP packet from (sha, spa) about tpa. Returns the frame length. */
static size_t arp_frame(uint8_t *f, const uint8_t *dst, unsigned op,
			const uint8_t *sha, uint32_t spa, uint32_t tpa)
{
	uint8_t *a = f + 14;

	eth(f, dst, sha, 0x0806);
	w16(a, 1);
	w16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	w16(a + 6, op);
	memcpy(a + 8, sha, 6);
	w32(a + 14, spa);
	memset(a + 18, 0, 6);
	w32(a + 24, tpa);
	return 42;
}

struct ip_opts {
	unsigned ihl;           /* 0: 5 */
	unsigned frag;          /* flags and offset; 0: DF */
	bool     bad_csum;
	unsigned version;       /* 0: 4 */
	int      totlen_delta;  /* added to the right total length */
};

/* An IPv4 packet around 'l4' (len bytes) in an Ethernet frame. */
static size_t ip_frame(uint8_t *f, const uint8_t *dst_mac, uint32_t src,
		       uint32_t dst, unsigned proto, const uint8_t *l4,
		       size_t len, const struct ip_opts *o)
{
	static const struct ip_opts none;
	uint8_t *ip = f + 14;

	o = o ? o : &none;
	unsigned ihl = o->ihl ? o->ihl : 5;
	size_t hlen = ihl * 4;

	eth(f, dst_mac, peer_mac, 0x0800);
	memset(ip, 0, hlen);
	ip[0] = (uint8_t)((o->version ? o->version : 4) << 4 | ihl);
	ip[1] = 0x10;
	w16(ip + 2, (unsigned)((int)(hlen + len) + o->totlen_delta));
	w16(ip + 4, 0x1234);
	w16(ip + 6, o->frag ? o->frag : 0x4000);
	ip[8] = 7;
	ip[9] = (uint8_t)proto;
	w32(ip + 12, src);
	w32(ip + 16, dst);
	for (size_t i = 20; i < hlen; i++)
		ip[i] = 1;              /* NOP options */
	w16(ip + 10, (~ref_sum(0, ip, hlen)) & 0xffff);
	if (o->bad_csum)
		ip[10] ^= 0x40;
	memcpy(ip + hlen, l4, len);
	return 14 + hlen + len;
}

static size_t icmp_msg(uint8_t *m, unsigned type, unsigned id, unsigned seq,
		       const uint8_t *data, size_t n)
{
	m[0] = (uint8_t)type;
	m[1] = 0;
	w16(m + 2, 0);
	w16(m + 4, id);
	w16(m + 6, seq);
	if (n)
		memcpy(m + 8, data, n);
	w16(m + 2, (~ref_sum(0, m, 8 + n)) & 0xffff);
	return 8 + n;
}

static size_t udp_msg(uint8_t *u, uint32_t src, uint32_t dst, unsigned sport,
		      unsigned dport, const uint8_t *data, size_t n, bool csum)
{
	w16(u, sport);
	w16(u + 2, dport);
	w16(u + 4, (unsigned)(8 + n));
	w16(u + 6, 0);
	memcpy(u + 8, data, n);
	if (csum) {
		unsigned c = (~ref_sum(ref_pseudo(src, dst, 17, 8 + n), u,
				       8 + n)) & 0xffff;

		w16(u + 6, c ? c : 0xffff);
	}
	return 8 + n;
}

static size_t echo_frame(uint8_t *f, const uint8_t *data, size_t n,
			 const struct ip_opts *o)
{
	uint8_t m[FRAME_MAX];
	size_t len = icmp_msg(m, 8, 0x4242, 7, data, n);

	return ip_frame(f, our_mac, PEER_IP, OUR_IP, 1, m, len, o);
}

static size_t udp_frame(uint8_t *f, unsigned dport, const uint8_t *data,
			size_t n, bool csum)
{
	uint8_t u[FRAME_MAX];
	size_t len = udp_msg(u, PEER_IP, OUR_IP, 40000, dport, data, n, csum);

	return ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, len, NULL);
}

/* --- running the stack ------------------------------------------------- */

struct result {
	enum net_verdict v;
	size_t           len;
	uint8_t          reply[FRAME_MAX];
};

/* The frame in a heap block of exactly 'len' bytes, the reply buffer in
 * one of exactly NET_FRAME_MAX: ASan sees any access past either. An
 * unanswered frame must leave the reply buffer as it was. */
static struct result run(const uint8_t *frame, size_t len)
{
	struct result r;
	uint8_t *in = malloc(len ? len : 1);
	uint8_t *out = malloc(NET_FRAME_MAX);

	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, frame, len);
	static uint8_t untouched[NET_FRAME_MAX];

	memset(untouched, SENTINEL, NET_FRAME_MAX);
	memset(out, SENTINEL, NET_FRAME_MAX);
	r.len = 12345;
	r.v = net_input(&me, in, len, out, &r.len);
	assert_true(r.v < NET_VERDICTS);
	if (net_is_reply(r.v)) {
		assert_in_range(r.len, NET_REPLY_MIN, NET_FRAME_MAX);
	} else {
		assert_int_equal(r.len, 0);
		assert_memory_equal(out, untouched, NET_FRAME_MAX);
	}
	memcpy(r.reply, out, NET_FRAME_MAX);
	/* The input is read-only to the stack. */
	assert_memory_equal(in, frame, len);
	free(in);
	free(out);
	return r;
}

static void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Checks common to every IPv4 reply; returns the transport part. */
static const uint8_t *check_ip_reply(const struct result *r, unsigned proto,
				     size_t l4_len)
{
	const uint8_t *ip = r->reply + 14;

	assert_memory_equal(r->reply, peer_mac, 6);
	assert_memory_equal(r->reply + 6, our_mac, 6);
	assert_int_equal(r16(r->reply + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(r16(ip + 2), 20 + l4_len);
	assert_int_equal(r16(ip + 6) & 0x3fff, 0);     /* no MF, no offset */
	assert_int_equal(ip[8], 64);
	assert_int_equal(ip[9], proto);
	assert_int_equal(r32(ip + 12), OUR_IP);
	assert_int_equal(r32(ip + 16), PEER_IP);
	assert_true(ref_ok(0, ip, 20));
	size_t want = 14 + 20 + l4_len;

	assert_int_equal(r->len, want < 60 ? 60 : want);
	for (size_t i = want; i < r->len; i++)
		assert_int_equal(r->reply[i], 0);
	return ip + 20;
}

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

/* Longer than Ethernet allows: dropped before any header is believed,
 * even one whose lengths would overflow the reply buffer. */
static void test_oversized(void **state)
{
	static uint8_t f[4000], d[2000], u[2008];
	size_t len = udp_frame(f, 7, d, 1472, false);

	assert_int_equal(len, NET_FRAME_MAX);
	assert_int_equal(run(f, len).v, NET_UDP_REPLY);
	/* A UDP datagram of 2000 bytes, lengths consistent. */
	udp_msg(u, PEER_IP, OUR_IP, 1, 7, d, sizeof(d), false);
	len = ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, sizeof(u), NULL);
	assert_int_equal(run(f, len).v, NET_DROP_MALFORMED);
	assert_int_equal(run(f, NET_FRAME_MAX + 1).v, NET_DROP_MALFORMED);
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

/* --- the receive ring against a fake hypervisor ---------------------------- */

#define FAKE_SLOTS      64
#define MAX_SEEN        16384

struct fake_hv {
	struct net_rx_ring *ring;
	uint8_t            *window;
	uint8_t            *copy;                   /* FAKE_SLOTS buffers */
	bool                delivered[FAKE_SLOTS];
	bool                refuse[FAKE_SLOTS];     /* release refused for these */
	bool                copy_delivered[FAKE_SLOTS];
	bool                refuse_copy[FAKE_SLOTS];
	/* What the guest did, in order. seen_slot and released hold copy
	 * buffers as (buffer | NET_SLOT_COPY). */
	uint16_t            seen_slot[MAX_SEEN], seen_len[MAX_SEEN];
	uint16_t            seen_flags[MAX_SEEN];
	uint32_t            seen_cons[MAX_SEEN];    /* ring->cons at the time */
	unsigned            nseen;
	uint16_t            released[MAX_SEEN];
	unsigned            nreleased;
	unsigned            calls, refused_calls;
	unsigned            batch_sizes[MAX_SEEN];
	unsigned            produce_in_frame;       /* entries added from inside frame() */
	struct net_rx      *rx;
};

static struct fake_hv hv;

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static uint8_t *copy_buf(uint16_t slot)
{
	return hv.copy + (size_t)slot * NET_COPY_BUF_SIZE;
}

/* Byte i of a copied frame: it names its buffer and length, like a
 * window frame, and no byte is zero, so a byte left uncleared shows. */
static uint8_t copy_byte(uint16_t slot, uint16_t len, size_t i)
{
	if (i == 0)
		return (uint8_t)slot;
	if (i == 1)
		return (uint8_t)(len >> 8);
	return (uint8_t)(0x80 | ((i + slot) & 0x7f));
}

/* Copy delivery as the hypervisor must do it: the frame's bytes (as many
 * as fit, for a bad length) into a buffer the guest gave back all zero. */
static void copy_in(uint16_t slot, uint16_t len)
{
	uint8_t *buf = copy_buf(slot);
	size_t n = len < NET_COPY_BUF_SIZE ? len : NET_COPY_BUF_SIZE;

	assert_false(hv.copy_delivered[slot]);
	assert_true(all_zero(buf, NET_COPY_BUF_SIZE));
	hv.copy_delivered[slot] = true;
	for (size_t i = 0; i < n; i++)
		buf[i] = copy_byte(slot, len, i);
}

static void produce(uint16_t slot, uint16_t len, uint16_t flags)
{
	uint32_t p = hv.ring->prod;

	hv.ring->ent[p % NET_RX_RING].slot = slot;
	hv.ring->ent[p % NET_RX_RING].len = len;
	hv.ring->ent[p % NET_RX_RING].flags = flags;
	hv.ring->prod = p + 1;
	if (slot < FAKE_SLOTS && (flags & NET_RX_F_COPY)) {
		copy_in(slot, len);
	} else if (slot < FAKE_SLOTS) {
		assert_false(hv.delivered[slot]);
		hv.delivered[slot] = true;
		/* The frame's content names its slot. */
		hv.window[(size_t)slot * NET_SLOT_SIZE] = (uint8_t)slot;
		hv.window[(size_t)slot * NET_SLOT_SIZE + 1] = (uint8_t)(len >> 8);
	}
}

/* A frame the guest hands on: in a slot or buffer delivered to it, of
 * the kind its flags say, with the bytes the fake put there. */
static uint16_t fake_frame_copy(const uint8_t *data, uint16_t len)
{
	ptrdiff_t off = data - hv.copy;

	assert_true(off >= 0 && off % NET_COPY_BUF_SIZE == 0);
	uint16_t slot = (uint16_t)(off / NET_COPY_BUF_SIZE);
	bool same = true;

	assert_true(slot < FAKE_SLOTS && hv.copy_delivered[slot]);
	for (size_t i = 0; i < len; i++)
		same &= data[i] == copy_byte(slot, len, i);
	assert_true(same);
	return slot | NET_SLOT_COPY;
}

static void fake_frame(void *ctx, const uint8_t *data, uint16_t len,
		       uint16_t flags)
{
	uint16_t slot;

	assert_ptr_equal(ctx, &hv);
	assert_in_range(len, NET_FRAME_MIN, NET_FRAME_MAX);
	if (flags & NET_RX_F_COPY) {
		slot = fake_frame_copy(data, len);
	} else {
		ptrdiff_t off = data - hv.window;

		assert_true(off >= 0 && off % NET_SLOT_SIZE == 0);
		slot = (uint16_t)(off / NET_SLOT_SIZE);
		assert_true(slot < FAKE_SLOTS && hv.delivered[slot]);
		assert_int_equal(data[0], (uint8_t)slot);
		assert_int_equal(data[1], (uint8_t)(len >> 8));
	}
	assert_true(hv.nseen < MAX_SEEN);
	hv.seen_slot[hv.nseen] = slot;
	hv.seen_len[hv.nseen] = len;
	hv.seen_flags[hv.nseen] = flags;
	hv.seen_cons[hv.nseen] = hv.ring->cons;
	hv.nseen++;
	/* A frame arriving mid-pass waits for the next pass. */
	if (hv.produce_in_frame) {
		hv.produce_in_frame--;
		for (uint16_t s = 0; s < FAKE_SLOTS; s++)
			if (!hv.delivered[s]) {
				produce(s, 100, 0);
				break;
			}
	}
}

/* Validate the whole batch, then perform: a refused batch changes
 * nothing, as docs/hypercalls.md requires of every hypercall. Window
 * slots and copy buffers may be mixed; each must be delivered as the
 * kind the value names. A copy buffer must come back all zero. */
static int64_t fake_release(void *ctx, const uint16_t *slots, uint32_t n)
{
	bool in_batch[2][FAKE_SLOTS] = { { false } };

	assert_ptr_equal(ctx, &hv);
	assert_in_range(n, 1, HC_NET_BATCH);
	hv.calls++;
	for (uint32_t i = 0; i < n; i++) {
		bool copy = slots[i] & NET_SLOT_COPY;
		uint16_t s = slots[i] & (uint16_t)~NET_SLOT_COPY;
		const bool *delivered = copy ? hv.copy_delivered : hv.delivered;
		const bool *refuse = copy ? hv.refuse_copy : hv.refuse;

		if (s >= FAKE_SLOTS || !delivered[s] || refuse[s] ||
		    in_batch[copy][s]) {
			hv.refused_calls++;
			return -HC_E_STATE;
		}
		in_batch[copy][s] = true;
	}
	hv.batch_sizes[hv.calls - 1] = n;
	for (uint32_t i = 0; i < n; i++) {
		uint16_t s = slots[i] & (uint16_t)~NET_SLOT_COPY;

		if (slots[i] & NET_SLOT_COPY) {
			assert_true(all_zero(copy_buf(s), NET_COPY_BUF_SIZE));
			hv.copy_delivered[s] = false;
		} else {
			hv.delivered[s] = false;
		}
		hv.released[hv.nreleased++] = slots[i];
	}
	return 0;
}

static const struct net_rx_ops fake_ops = {
	.ctx = &hv, .frame = fake_frame, .release = fake_release,
};

static int ring_setup(void **state)
{
	memset(&hv, 0, sizeof(hv));
	hv.ring = aligned_alloc(4096, 4096);
	hv.window = calloc(FAKE_SLOTS, NET_SLOT_SIZE);
	hv.copy = aligned_alloc(4096, FAKE_SLOTS * NET_COPY_BUF_SIZE);
	hv.rx = calloc(1, sizeof(*hv.rx));
	if (!hv.ring || !hv.window || !hv.copy || !hv.rx)
		return -1;
	memset(hv.copy, 0, FAKE_SLOTS * NET_COPY_BUF_SIZE);
	memset(hv.ring, 0, 4096);
	hv.ring->nr_slots = FAKE_SLOTS;

	/* Junk first: init must clear everything. */
	memset(hv.rx, 0xa5, sizeof(*hv.rx));
	net_rx_init(hv.rx, hv.ring, hv.window, hv.copy, &fake_ops);
	return 0;
}

static int ring_teardown(void **state)
{
	free(hv.ring);
	free(hv.window);
	free(hv.copy);
	free(hv.rx);
	return 0;
}

/* After every pass: nothing held, every slot and copy buffer given
 * back, every copy buffer zero again, and no slot or buffer with a stale
 * byte past its frame. */
static void check_nothing_held(void)
{
	assert_int_equal(hv.rx->held, 0);
	assert_int_equal(hv.rx->st.dirty, 0);
	assert_int_equal(hv.rx->st.copy_overrun, 0);
	for (unsigned s = 0; s < FAKE_SLOTS; s++) {
		assert_false(hv.delivered[s]);
		assert_false(hv.copy_delivered[s]);
	}
	assert_true(all_zero(hv.copy, FAKE_SLOTS * NET_COPY_BUF_SIZE));
	assert_int_equal(hv.ring->cons, hv.rx->cons);
}

static void test_ring_init(void **state)
{
	struct net_rx *rx = hv.rx;

	assert_int_equal(rx->nr_slots, FAKE_SLOTS);
	assert_ptr_equal(rx->copy, hv.copy);
	assert_int_equal(rx->cons, 0);
	assert_int_equal(rx->held, 0);
	assert_int_equal(rx->st.entries, 0);
	assert_int_equal(rx->st.release_calls, 0);
	assert_int_equal(net_rx_pending(rx), 0);
	/* More slots than the window has: clamped. */
	hv.ring->nr_slots = 100000;
	net_rx_init(rx, hv.ring, hv.window, hv.copy, &fake_ops);
	assert_int_equal(rx->nr_slots, NET_RX_SLOTS_MAX);
}

static void test_ring_empty(void **state)
{
	assert_int_equal(net_rx_poll(hv.rx), 0);
	assert_int_equal(hv.nseen, 0);
	assert_int_equal(hv.calls, 0);
	assert_int_equal(hv.ring->cons, 0);
}

static void test_ring_basic(void **state)
{
	produce(5, 60, NET_RX_F_BCAST);
	produce(0, 1514, 0);
	produce(63, 14, NET_RX_F_LOCAL);
	assert_int_equal(net_rx_pending(hv.rx), 3);
	assert_int_equal(net_rx_poll(hv.rx), 3);
	assert_int_equal(hv.nseen, 3);
	static const uint16_t slot[] = { 5, 0, 63 }, len[] = { 60, 1514, 14 };
	static const uint16_t flags[] = { NET_RX_F_BCAST, 0, NET_RX_F_LOCAL };

	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(hv.seen_slot[i], slot[i]);
		assert_int_equal(hv.seen_len[i], len[i]);
		assert_int_equal(hv.seen_flags[i], flags[i]);
		/* cons is advanced past each entry after it is read. */
		assert_int_equal(hv.seen_cons[i], i);
	}
	assert_int_equal(hv.calls, 1);
	assert_int_equal(hv.batch_sizes[0], 3);
	assert_int_equal(hv.rx->st.released, 3);
	assert_int_equal(net_rx_pending(hv.rx), 0);
	check_nothing_held();
}

/* More than a batch in one pass: HC_NET_BATCH per call, in order. */
static void test_ring_batches(void **state)
{
	/* 64 slots only, so refill between rounds of the fake NIC. */
	unsigned total = 0;

	for (unsigned round = 0; round < 3; round++) {
		for (uint16_t s = 0; s < FAKE_SLOTS; s++)
			produce(s, 64, 0);
		assert_int_equal(net_rx_poll(hv.rx), FAKE_SLOTS);
		total += FAKE_SLOTS;
		check_nothing_held();
	}
	assert_int_equal(hv.nseen, total);
	assert_int_equal(hv.calls, 3);
	for (unsigned i = 0; i < hv.calls; i++)
		assert_int_equal(hv.batch_sizes[i], HC_NET_BATCH);
	for (unsigned i = 0; i < total; i++)
		assert_int_equal(hv.released[i], i % FAKE_SLOTS);
}

/* Bad entries: a slot outside the window is neither read nor released
 * (it is not ours); a bad length is not read but released. */
static void test_ring_bad_entries(void **state)
{
	produce(1, 100, 0);
	produce(FAKE_SLOTS, 100, 0);
	produce(0xffff, 100, 0);
	produce(2, 13, 0);
	produce(3, 1515, 0);
	produce(4, 0, 0);
	produce(5, 0xffff, 0);
	produce(6, 100, 0);
	assert_int_equal(net_rx_poll(hv.rx), 8);
	assert_int_equal(hv.nseen, 2);
	assert_int_equal(hv.seen_slot[0], 1);
	assert_int_equal(hv.seen_slot[1], 6);
	assert_int_equal(hv.rx->st.bad_slot, 2);
	assert_int_equal(hv.rx->st.bad_len, 4);
	assert_int_equal(hv.rx->st.entries, 8);
	assert_int_equal(hv.rx->st.released, 6);
	assert_int_equal(hv.rx->st.release_errors, 0);
	check_nothing_held();
}

/* Indices run freely; entries wrap around the entry array many
 * times, and each is taken once, in order. */
static void test_ring_wrap(void **state)
{
	unsigned next_slot = 0, expect = 0;

	for (unsigned round = 0; round < 200; round++) {
		unsigned k = 1 + rnd() % FAKE_SLOTS;

		for (unsigned i = 0; i < k; i++)
			produce((uint16_t)(next_slot++ % FAKE_SLOTS), 60, 0);
		assert_int_equal(net_rx_poll(hv.rx), k);
		check_nothing_held();
		expect += k;
	}
	assert_int_equal(hv.nseen, expect);
	for (unsigned i = 0; i < expect; i++)
		assert_int_equal(hv.seen_slot[i], i % FAKE_SLOTS);
	assert_true(hv.rx->cons > 10 * NET_RX_RING);
}

/* Across 2^32: the ring size divides 2^32, so the entries stay in
 * order through the wrap. */
static void test_ring_wrap_2_32(void **state)
{
	hv.rx->cons = hv.ring->cons = hv.ring->prod = 0xfffffff0u;
	for (uint16_t s = 0; s < 16; s++)
		produce(s, 60, 0);
	assert_int_equal(hv.ring->prod, 0);
	assert_int_equal(net_rx_poll(hv.rx), 16);
	check_nothing_held();
	for (uint16_t s = 0; s < 20; s++)
		produce(s, 60, 0);
	assert_int_equal(net_rx_pending(hv.rx), 20);
	assert_int_equal(net_rx_poll(hv.rx), 20);
	check_nothing_held();
	assert_int_equal(hv.nseen, 36);
	for (unsigned i = 0; i < 36; i++)
		assert_int_equal(hv.seen_slot[i], i < 16 ? i : i - 16);
	assert_int_equal(hv.ring->cons, 20);
}

/* A full ring (prod - cons == NET_RX_RING) is taken whole. */
static void test_ring_full(void **state)
{
	for (unsigned i = 0; i < NET_RX_RING; i++)
		produce(FAKE_SLOTS + 1, 60, 0);         /* bad slots: no bookkeeping */
	hv.ring->ent[NET_RX_RING - 1].slot = 7;
	hv.delivered[7] = true;
	hv.window[7 * NET_SLOT_SIZE] = 7;
	hv.window[7 * NET_SLOT_SIZE + 1] = 0;
	assert_int_equal(net_rx_poll(hv.rx), NET_RX_RING);
	assert_int_equal(hv.nseen, 1);
	assert_int_equal(hv.seen_slot[0], 7);
	assert_int_equal(hv.ring->cons, NET_RX_RING);
	check_nothing_held();
}

/* prod more than a ring ahead: nothing is taken, the error counted. */
static void test_ring_overrun(void **state)
{
	hv.ring->prod = NET_RX_RING + 1;
	assert_int_equal(net_rx_poll(hv.rx), 0);
	assert_int_equal(hv.rx->st.ring_errors, 1);
	assert_int_equal(hv.ring->cons, 0);
	assert_int_equal(hv.nseen, 0);
	assert_int_equal(hv.calls, 0);
	/* prod behind cons looks the same. */
	hv.ring->prod = 0xffffffff;
	assert_int_equal(net_rx_poll(hv.rx), 0);
	assert_int_equal(hv.rx->st.ring_errors, 2);
}

/* prod is read once per pass: a frame delivered while the pass runs is
 * left for the next one (which the interrupt it raises will start). */
static void test_ring_prod_read_once(void **state)
{
	produce(0, 60, 0);
	produce(1, 60, 0);
	hv.produce_in_frame = 2;
	assert_int_equal(net_rx_poll(hv.rx), 2);
	assert_int_equal(hv.nseen, 2);
	assert_int_equal(net_rx_pending(hv.rx), 2);
	assert_int_equal(hv.rx->held, 0);
	assert_int_equal(net_rx_poll(hv.rx), 2);
	assert_int_equal(hv.nseen, 4);
	check_nothing_held();
}

/* One slot the hypervisor will not take back fails the batch; the
 * others still go back, one at a time, and nothing stays held. */
static void test_ring_release_refused(void **state)
{
	for (uint16_t s = 0; s < 10; s++)
		produce(s, 60, 0);
	hv.refuse[4] = true;
	assert_int_equal(net_rx_poll(hv.rx), 10);
	assert_int_equal(hv.rx->held, 0);
	assert_int_equal(hv.rx->st.released, 9);
	assert_int_equal(hv.rx->st.release_errors, 1);
	assert_int_equal(hv.rx->st.release_calls, 11);
	assert_int_equal(hv.refused_calls, 2);
	for (uint16_t s = 0; s < 10; s++)
		assert_int_equal(hv.delivered[s], s == 4);
	/* A single refused slot is not retried. */
	hv.refuse[4] = false;
	hv.delivered[4] = false;
	hv.refuse[20] = true;
	produce(20, 60, 0);
	assert_int_equal(net_rx_poll(hv.rx), 1);
	assert_int_equal(hv.rx->st.release_calls, 12);
	assert_int_equal(hv.rx->st.release_errors, 2);
	assert_int_equal(hv.rx->held, 0);
}

/* A slot with a non-zero byte past its frame is counted, and the frame
 * is handed on and released all the same. */
static void test_ring_dirty(void **state)
{
	produce(3, 60, 0);
	hv.window[3 * NET_SLOT_SIZE + 60] = 0xab;
	produce(4, 61, 0);
	hv.window[4 * NET_SLOT_SIZE + NET_SLOT_SIZE - 1] = 1;
	produce(5, 100, 0);
	hv.window[5 * NET_SLOT_SIZE + 99] = 0xff;       /* inside the frame */
	assert_int_equal(net_rx_poll(hv.rx), 3);
	assert_int_equal(hv.nseen, 3);
	assert_int_equal(hv.rx->st.dirty, 2);
	assert_int_equal(hv.rx->st.released, 3);
	assert_int_equal(hv.rx->held, 0);
}

/* The whole driver path on the host: frames from the ring through the
 * stack, counters adding up. */
struct e2e {
	struct net_counters c;
	unsigned            replies;
};

static struct e2e e2e;

static void e2e_frame(void *ctx, const uint8_t *data, uint16_t len,
		      uint16_t flags)
{
	uint8_t reply[NET_FRAME_MAX];
	size_t n;
	enum net_verdict v = net_input(&me, data, len, reply, &n);

	net_count(&e2e.c, v);
	if (net_is_reply(v))
		e2e.replies++;
}

static void test_ring_with_stack(void **state)
{
	static const struct net_rx_ops ops = {
		.ctx = &hv, .frame = e2e_frame, .release = fake_release,
	};
	uint8_t f[FRAME_MAX], d[100];
	size_t len;

	memset(&e2e, 0, sizeof(e2e));
	net_rx_init(hv.rx, hv.ring, hv.window, hv.copy, &ops);
	fill_random(d, sizeof(d));
	len = arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP, OUR_IP);
	memcpy(hv.window + 0 * NET_SLOT_SIZE, f, len);
	hv.ring->ent[0] = (struct net_rx_entry){ 0, (uint16_t)len, NET_RX_F_BCAST, 0 };
	len = echo_frame(f, d, sizeof(d), NULL);
	memcpy(hv.window + 1 * NET_SLOT_SIZE, f, len);
	hv.ring->ent[1] = (struct net_rx_entry){ 1, (uint16_t)len, 0, 0 };
	len = udp_frame(f, 7, d, sizeof(d), true);
	memcpy(hv.window + 2 * NET_SLOT_SIZE, f, len);
	hv.ring->ent[2] = (struct net_rx_entry){ 2, (uint16_t)len, 0, 0 };
	len = udp_frame(f, 8, d, sizeof(d), true);
	memcpy(hv.window + 3 * NET_SLOT_SIZE, f, len);
	hv.ring->ent[3] = (struct net_rx_entry){ 3, (uint16_t)len, 0, 0 };
	for (unsigned s = 0; s < 4; s++)
		hv.delivered[s] = true;
	hv.ring->prod = 4;

	assert_int_equal(net_rx_poll(hv.rx), 4);
	assert_int_equal(e2e.c.rx, 4);
	assert_int_equal(e2e.c.arp, 1);
	assert_int_equal(e2e.c.icmp, 1);
	assert_int_equal(e2e.c.udp, 1);
	assert_int_equal(e2e.c.drop, 1);
	assert_int_equal(e2e.replies, 3);
	check_nothing_held();
}

/* --- copy delivery --------------------------------------------------------- */

#define C(s) ((uint16_t)((s) | NET_SLOT_COPY))

/* Copy entries: the frame is read from the copy buffer, handed on with
 * its flags, and the buffer released with the copy bit, zero again. */
static void test_ring_copy_basic(void **state)
{
	produce(5, 60, NET_RX_F_COPY | NET_RX_F_BCAST);
	produce(0, 1514, NET_RX_F_COPY);
	produce(63, 14, NET_RX_F_COPY | NET_RX_F_LOCAL);
	assert_int_equal(net_rx_poll(hv.rx), 3);
	static const uint16_t seen[] = { C(5), C(0), C(63) };
	static const uint16_t len[] = { 60, 1514, 14 };
	static const uint16_t flags[] = {
		NET_RX_F_COPY | NET_RX_F_BCAST, NET_RX_F_COPY,
		NET_RX_F_COPY | NET_RX_F_LOCAL,
	};

	assert_int_equal(hv.nseen, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(hv.seen_slot[i], seen[i]);
		assert_int_equal(hv.seen_len[i], len[i]);
		assert_int_equal(hv.seen_flags[i], flags[i]);
		assert_int_equal(hv.seen_cons[i], i);
		assert_int_equal(hv.released[i], seen[i]);
	}
	assert_int_equal(hv.calls, 1);
	assert_int_equal(hv.batch_sizes[0], 3);
	assert_int_equal(hv.rx->st.entries, 3);
	assert_int_equal(hv.rx->st.copied, 3);
	assert_int_equal(hv.rx->st.released, 3);
	check_nothing_held();
}

/* Window slot N and copy buffer N are different things, delivered at
 * once; one batch gives both kinds back, in ring order. */
static void test_ring_copy_mixed(void **state)
{
	produce(3, 60, 0);
	produce(3, 61, NET_RX_F_COPY);
	produce(7, 200, NET_RX_F_COPY);
	produce(7, 201, NET_RX_F_BCAST);
	produce(0, 1514, 0);
	produce(0, 1514, NET_RX_F_COPY);
	assert_int_equal(net_rx_poll(hv.rx), 6);
	static const uint16_t want[] = { 3, C(3), C(7), 7, 0, C(0) };

	assert_int_equal(hv.nseen, 6);
	assert_int_equal(hv.calls, 1);
	assert_int_equal(hv.batch_sizes[0], 6);
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(hv.seen_slot[i], want[i]);
		assert_int_equal(hv.released[i], want[i]);
	}
	assert_int_equal(hv.rx->st.copied, 3);
	check_nothing_held();
}

/* Every window slot and every copy buffer at once, interleaved: two
 * full batches, each of both kinds. */
static void test_ring_copy_batches(void **state)
{
	for (unsigned round = 0; round < 3; round++) {
		for (uint16_t s = 0; s < FAKE_SLOTS; s++) {
			produce(s, (uint16_t)(60 + s), 0);
			produce(s, (uint16_t)(1514 - s), NET_RX_F_COPY);
		}
		assert_int_equal(net_rx_poll(hv.rx), 2 * FAKE_SLOTS);
		check_nothing_held();
	}
	assert_int_equal(hv.calls, 6);
	for (unsigned i = 0; i < hv.calls; i++)
		assert_int_equal(hv.batch_sizes[i], HC_NET_BATCH);
	assert_int_equal(hv.nreleased, 6 * FAKE_SLOTS);
	for (unsigned i = 0; i < hv.nreleased; i++) {
		uint16_t s = (uint16_t)(i / 2 % FAKE_SLOTS);

		assert_int_equal(hv.released[i], i % 2 ? C(s) : s);
	}
	assert_int_equal(hv.rx->st.copied, 3 * FAKE_SLOTS);
}

/* A copy buffer past nr_slots is neither read nor released; a bad
 * length is not read, but the buffer is cleared, all of it, and
 * released with the copy bit. */
static void test_ring_copy_bad_entries(void **state)
{
	produce(1, 100, NET_RX_F_COPY);
	produce(FAKE_SLOTS, 100, NET_RX_F_COPY);
	produce(0x7fff, 100, NET_RX_F_COPY);
	produce(0xffff, 100, NET_RX_F_COPY);
	produce(2, 13, NET_RX_F_COPY);
	produce(3, 1515, NET_RX_F_COPY);
	produce(4, 0, NET_RX_F_COPY);
	produce(5, 0xffff, NET_RX_F_COPY);
	produce(6, NET_COPY_BUF_SIZE, NET_RX_F_COPY);
	produce(7, 100, NET_RX_F_COPY);
	/* A broken hypervisor wrote the whole buffer behind a runt. */
	copy_buf(2)[NET_COPY_BUF_SIZE - 1] = 0x55;
	assert_int_equal(net_rx_poll(hv.rx), 10);
	assert_int_equal(hv.nseen, 2);
	assert_int_equal(hv.seen_slot[0], C(1));
	assert_int_equal(hv.seen_slot[1], C(7));
	assert_int_equal(hv.rx->st.entries, 10);
	assert_int_equal(hv.rx->st.copied, 10);
	assert_int_equal(hv.rx->st.bad_slot, 3);
	assert_int_equal(hv.rx->st.bad_len, 5);
	assert_int_equal(hv.rx->st.released, 7);
	assert_int_equal(hv.rx->st.release_errors, 0);
	static const uint16_t want[] = { C(1), C(2), C(3), C(4), C(5), C(6),
					 C(7) };

	for (unsigned i = 0; i < ARRAY_SIZE(want); i++)
		assert_int_equal(hv.released[i], want[i]);
	check_nothing_held();
}

/* Every length around the bounds, for both kinds: only 14..1514 is
 * read, every one is released. */
static void test_ring_copy_len_bounds(void **state)
{
	static const uint16_t lens[] = { 0, 1, 13, 14, 15, 60, 1513, 1514,
					 1515, 1518, 2047, 2048, 2049, 4096,
					 0x8000, 0xffff };
	unsigned good = 0;

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		uint16_t s = (uint16_t)i;

		produce(s, lens[i], 0);
		produce(s, lens[i], NET_RX_F_COPY);
		good += lens[i] >= 14 && lens[i] <= 1514;
	}
	assert_int_equal(net_rx_poll(hv.rx), 2 * ARRAY_SIZE(lens));
	assert_int_equal(hv.nseen, 2 * good);
	for (unsigned i = 0; i < hv.nseen; i++)
		assert_in_range(hv.seen_len[i], 14, 1514);
	assert_int_equal(hv.rx->st.bad_len, 2 * (ARRAY_SIZE(lens) - good));
	assert_int_equal(hv.rx->st.released, 2 * ARRAY_SIZE(lens));
	check_nothing_held();
}

/* No copy area registered: a copy entry is not ours, whatever its slot;
 * window entries go on as before. */
static void test_ring_copy_no_area(void **state)
{
	net_rx_init(hv.rx, hv.ring, hv.window, NULL, &fake_ops);
	produce(1, 60, 0);
	produce(2, 60, NET_RX_F_COPY);
	produce(3, 60, 0);
	assert_int_equal(net_rx_poll(hv.rx), 3);
	assert_int_equal(hv.nseen, 2);
	assert_int_equal(hv.seen_slot[0], 1);
	assert_int_equal(hv.seen_slot[1], 3);
	assert_int_equal(hv.rx->st.bad_slot, 1);
	assert_int_equal(hv.rx->st.copied, 1);
	assert_int_equal(hv.nreleased, 2);
	assert_int_equal(hv.released[0], 1);
	assert_int_equal(hv.released[1], 3);
	assert_true(hv.copy_delivered[2]);      /* never read, never released */
	assert_int_equal(hv.rx->held, 0);
}

/* A copy buffer is our RAM: what a longer frame left in it is ours, and
 * we clear it, so the next, shorter frame finds zeros past its end. A
 * copy entry never looks at the window slot of the same number. */
static void test_ring_copy_reuse_not_dirty(void **state)
{
	/* Stale bytes in window slot 2's page: no business of buffer 2. */
	hv.window[2 * NET_SLOT_SIZE + 100] = 0xee;
	hv.window[2 * NET_SLOT_SIZE + NET_SLOT_SIZE - 1] = 0xee;
	for (unsigned round = 0; round < 3; round++) {
		produce(2, 1514, NET_RX_F_COPY);
		assert_int_equal(net_rx_poll(hv.rx), 1);
		produce(2, 60, NET_RX_F_COPY);
		assert_int_equal(net_rx_poll(hv.rx), 1);
		check_nothing_held();
	}
	assert_int_equal(hv.nseen, 6);
	assert_int_equal(hv.rx->st.dirty, 0);
	assert_int_equal(hv.rx->st.copy_overrun, 0);
}

/* A hypervisor that writes past the frame into a copy buffer: counted
 * as an overrun, not as dirty; the frame is handled and released, and
 * the whole buffer cleared, so the next frame there is clean. */
static void test_ring_copy_overrun(void **state)
{
	produce(3, 60, NET_RX_F_COPY);
	copy_buf(3)[60] = 0xab;
	produce(4, 61, NET_RX_F_COPY);
	copy_buf(4)[NET_COPY_BUF_SIZE - 1] = 1;
	produce(5, 100, NET_RX_F_COPY);         /* clean */
	produce(6, 100, 0);
	hv.window[6 * NET_SLOT_SIZE + 100] = 1; /* a dirty window slot */
	assert_int_equal(net_rx_poll(hv.rx), 4);
	assert_int_equal(hv.nseen, 4);
	assert_int_equal(hv.rx->st.copy_overrun, 2);
	assert_int_equal(hv.rx->st.dirty, 1);
	assert_int_equal(hv.rx->st.released, 4);
	assert_int_equal(hv.rx->held, 0);
	assert_true(all_zero(hv.copy, FAKE_SLOTS * NET_COPY_BUF_SIZE));
	hv.window[6 * NET_SLOT_SIZE + 100] = 0;
	hv.rx->st.dirty = hv.rx->st.copy_overrun = 0;
	produce(3, 60, NET_RX_F_COPY);
	produce(4, 61, NET_RX_F_COPY);
	assert_int_equal(net_rx_poll(hv.rx), 2);
	check_nothing_held();
}

/* One copy buffer the hypervisor will not take back fails a mixed
 * batch; the rest still go back one at a time. */
static void test_ring_copy_release_refused(void **state)
{
	for (uint16_t s = 0; s < 5; s++) {
		produce(s, 60, 0);
		produce(s, 60, NET_RX_F_COPY);
	}
	hv.refuse_copy[4] = true;
	assert_int_equal(net_rx_poll(hv.rx), 10);
	assert_int_equal(hv.rx->held, 0);
	assert_int_equal(hv.rx->st.released, 9);
	assert_int_equal(hv.rx->st.release_errors, 1);
	assert_int_equal(hv.rx->st.release_calls, 11);
	assert_int_equal(hv.refused_calls, 2);
	for (uint16_t s = 0; s < 5; s++) {
		assert_false(hv.delivered[s]);
		assert_int_equal(hv.copy_delivered[s], s == 4);
	}
	/* The refused buffer was cleared all the same. */
	assert_true(all_zero(hv.copy, FAKE_SLOTS * NET_COPY_BUF_SIZE));
}

/* Random mixes of both kinds, wrapping the ring many times. */
static void test_ring_copy_wrap(void **state)
{
	unsigned next[2] = { 0, 0 }, expect = 0, copied = 0;
	static uint16_t want[MAX_SEEN];

	/* At most 120 * 128 entries: within MAX_SEEN. */
	for (unsigned round = 0; round < 120; round++) {
		unsigned k = 1 + rnd() % (2 * FAKE_SLOTS);
		unsigned room[2] = { FAKE_SLOTS, FAKE_SLOTS };

		for (unsigned i = 0; i < k; i++) {
			unsigned kind = rnd() % 2;

			if (!room[kind])
				kind ^= 1;
			room[kind]--;
			uint16_t s = (uint16_t)(next[kind]++ % FAKE_SLOTS);
			uint16_t len = (uint16_t)(14 + rnd() % 1501);

			produce(s, len, kind ? NET_RX_F_COPY : 0);
			want[expect++] = kind ? C(s) : s;
			copied += kind;
		}
		assert_int_equal(net_rx_poll(hv.rx), k);
		check_nothing_held();
	}
	assert_int_equal(hv.nseen, expect);
	assert_int_equal(hv.nreleased, expect);
	for (unsigned i = 0; i < expect; i++) {
		assert_int_equal(hv.seen_slot[i], want[i]);
		assert_int_equal(hv.released[i], want[i]);
	}
	assert_int_equal(hv.rx->st.copied, copied);
	assert_true(hv.rx->cons > 10 * NET_RX_RING);
}

/* The stack behind copy delivery: the same answers from either kind. */
static void test_ring_copy_with_stack(void **state)
{
	static const struct net_rx_ops ops = {
		.ctx = &hv, .frame = e2e_frame, .release = fake_release,
	};
	uint8_t f[FRAME_MAX], d[100];
	size_t len[4];
	uint8_t *where[4];

	memset(&e2e, 0, sizeof(e2e));
	net_rx_init(hv.rx, hv.ring, hv.window, hv.copy, &ops);
	fill_random(d, sizeof(d));
	for (uint16_t s = 0; s < 4; s++) {
		bool copy = s % 2 == 0;

		switch (s) {
		case 0: len[s] = arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP,
					   OUR_IP); break;
		case 1: len[s] = echo_frame(f, d, sizeof(d), NULL); break;
		case 2: len[s] = udp_frame(f, 7, d, sizeof(d), true); break;
		default: len[s] = udp_frame(f, 8, d, sizeof(d), true); break;
		}
		where[s] = copy ? copy_buf(s) : hv.window + s * NET_SLOT_SIZE;
		memcpy(where[s], f, len[s]);
		hv.ring->ent[s] = (struct net_rx_entry){
			s, (uint16_t)len[s], copy ? NET_RX_F_COPY : 0, 0 };
		if (copy)
			hv.copy_delivered[s] = true;
		else
			hv.delivered[s] = true;
	}
	hv.ring->prod = 4;

	assert_int_equal(net_rx_poll(hv.rx), 4);
	assert_int_equal(e2e.c.rx, 4);
	assert_int_equal(e2e.c.arp, 1);
	assert_int_equal(e2e.c.icmp, 1);
	assert_int_equal(e2e.c.udp, 1);
	assert_int_equal(e2e.c.drop, 1);
	assert_int_equal(e2e.replies, 3);
	assert_int_equal(hv.released[0], C(0));
	assert_int_equal(hv.released[1], 1);
	assert_int_equal(hv.released[2], C(2));
	assert_int_equal(hv.released[3], 3);
	check_nothing_held();
}

/* --- the tail check ------------------------------------------------------ */

static uint8_t *zero_page(void)
{
	uint8_t *page = aligned_alloc(NET_SLOT_SIZE, NET_SLOT_SIZE);

	assert_non_null(page);
	memset(page, 0, NET_SLOT_SIZE);
	return page;
}

static void test_tail_clean_page(void **state)
{
	uint8_t *page = zero_page();
	static const uint32_t lens[] = { 0, 14, 60, 61, 64, 1514, 2048, 4095,
					 4096 };

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++)
		assert_true(net_rx_tail_clean(page, lens[i]));
	/* The frame's own bytes are its business. */
	memset(page, 0xff, 1514);
	assert_true(net_rx_tail_clean(page, 1514));
	free(page);
}

static void test_tail_byte_at_len(void **state)
{
	uint8_t *page = zero_page();
	static const uint32_t lens[] = { 14, 60, 61, 63, 64, 65, 1513, 1514 };

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		page[lens[i]] = 0x01;
		assert_false(net_rx_tail_clean(page, lens[i]));
		assert_true(net_rx_tail_clean(page, lens[i] + 1));
		page[lens[i]] = 0;
	}
	free(page);
}

static void test_tail_byte_at_end(void **state)
{
	uint8_t *page = zero_page();

	page[NET_SLOT_SIZE - 1] = 0x80;
	assert_false(net_rx_tail_clean(page, 60));
	assert_false(net_rx_tail_clean(page, 1514));
	assert_false(net_rx_tail_clean(page, NET_SLOT_SIZE - 1));
	assert_true(net_rx_tail_clean(page, NET_SLOT_SIZE));
	free(page);
}

/* One non-zero byte at k, every length: dirty exactly when k >= len,
 * through both the byte and the word loop. */
static void test_tail_every_length(void **state)
{
	uint8_t *page = zero_page();
	static const uint32_t at[] = { 0, 7, 8, 9, 60, 1514, 2047, 2048, 4088,
				       4094, 4095 };

	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		page[at[i]] = (uint8_t)(1u << (i % 8));
		for (uint32_t len = 0; len <= NET_SLOT_SIZE; len++)
			assert_int_equal(net_rx_tail_clean(page, len),
					 at[i] < len);
		page[at[i]] = 0;
	}
	free(page);
}

/* The copy buffer's check: the same, over NET_COPY_BUF_SIZE bytes. */
static void test_copy_clean_every_length(void **state)
{
	uint8_t *buf = aligned_alloc(NET_COPY_BUF_SIZE, NET_COPY_BUF_SIZE);
	static const uint32_t at[] = { 0, 7, 8, 9, 60, 1514, 2040, 2046,
				       2047 };

	assert_non_null(buf);
	memset(buf, 0, NET_COPY_BUF_SIZE);
	for (size_t i = 0; i < ARRAY_SIZE(at); i++) {
		buf[at[i]] = (uint8_t)(1u << (i % 8));
		for (uint32_t len = 0; len <= NET_COPY_BUF_SIZE; len++)
			assert_int_equal(net_rx_copy_clean(buf, len),
					 at[i] < len);
		buf[at[i]] = 0;
	}
	free(buf);
}

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
	uint8_t f[64], out[NET_FRAME_MAX];
	size_t len = arp_frame(f, our_mac, 2, peer_mac, PEER_IP, OUR_IP);

	net_ping_init(&p, 0);
	assert_int_equal(net_ping_request(&p, &me, out), 0);
	assert_int_equal(ping_in(&p, f, len), NET_PING_NONE);
	assert_false(p.resolved);
}

static void test_ping_arp_request_bytes(void **state)
{
	struct net_ping p;
	uint8_t out[NET_FRAME_MAX];
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
	uint8_t reply[NET_FRAME_MAX];
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
	uint8_t out[NET_FRAME_MAX], d[56];

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
	uint8_t out[NET_FRAME_MAX], reply[NET_FRAME_MAX];
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
	uint8_t f[FRAME_MAX], out[NET_FRAME_MAX], d[64];
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

#define RING_TEST(f) cmocka_unit_test_setup_teardown(f, ring_setup, ring_teardown)

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
		RING_TEST(test_ring_init),
		RING_TEST(test_ring_empty),
		RING_TEST(test_ring_basic),
		RING_TEST(test_ring_batches),
		RING_TEST(test_ring_bad_entries),
		RING_TEST(test_ring_wrap),
		RING_TEST(test_ring_wrap_2_32),
		RING_TEST(test_ring_full),
		RING_TEST(test_ring_overrun),
		RING_TEST(test_ring_prod_read_once),
		RING_TEST(test_ring_release_refused),
		RING_TEST(test_ring_dirty),
		RING_TEST(test_ring_with_stack),
		RING_TEST(test_ring_copy_basic),
		RING_TEST(test_ring_copy_mixed),
		RING_TEST(test_ring_copy_batches),
		RING_TEST(test_ring_copy_bad_entries),
		RING_TEST(test_ring_copy_len_bounds),
		RING_TEST(test_ring_copy_no_area),
		RING_TEST(test_ring_copy_reuse_not_dirty),
		RING_TEST(test_ring_copy_overrun),
		RING_TEST(test_ring_copy_release_refused),
		RING_TEST(test_ring_copy_wrap),
		RING_TEST(test_ring_copy_with_stack),
		cmocka_unit_test(test_tail_clean_page),
		cmocka_unit_test(test_tail_byte_at_len),
		cmocka_unit_test(test_tail_byte_at_end),
		cmocka_unit_test(test_tail_every_length),
		cmocka_unit_test(test_copy_clean_every_length),
		cmocka_unit_test(test_ping_no_peer),
		cmocka_unit_test(test_ping_arp_request_bytes),
		cmocka_unit_test(test_ping_arp_reply_learning),
		cmocka_unit_test(test_ping_echo_request_bytes),
		cmocka_unit_test(test_ping_echo_round_trip),
		cmocka_unit_test(test_ping_echo_reply_matching),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
