/* Frames for the guest stack's host tests (guest_net_frames.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/guest_net_frames.h"

const uint8_t our_mac[6]   = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t peer_mac[6]  = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
const uint8_t other_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t bcast_mac[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t zero_mac[6];

const struct net_id me = {
	.mac = { 0x02, 0, 0, 0, 0, 0x01 }, .prefix_len = 24, .ipv4 = OUR_IP,
};

/* --- helpers independent of the stack ---------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

uint32_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dull) >> 32);
}

void w16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void w32(uint8_t *p, uint32_t v)
{
	w16(p, v >> 16);
	w16(p + 2, v & 0xffff);
}

unsigned r16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

uint32_t r32(const uint8_t *p)
{
	return (uint32_t)r16(p) << 16 | r16(p + 2);
}

/* RFC 1071 written the other way round: high and low bytes summed
 * separately, carries folded at the end. Returns the ones' complement
 * sum (not complemented), 'init' included. */
unsigned ref_sum(unsigned init, const uint8_t *p, size_t n)
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
bool ref_ok(unsigned init, const uint8_t *p, size_t n)
{
	return ref_sum(init, p, n) == 0xffff;
}

unsigned ref_pseudo(uint32_t src, uint32_t dst, unsigned proto,
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

void eth(uint8_t *f, const uint8_t *dst, const uint8_t *src,
	 unsigned type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	w16(f + 12, type);
}

/* An ARP packet from (sha, spa) about tpa. Returns the frame length. */
size_t arp_frame(uint8_t *f, const uint8_t *dst, unsigned op,
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


/* An IPv4 packet around 'l4' (len bytes) in an Ethernet frame. */
size_t ip_frame(uint8_t *f, const uint8_t *dst_mac, uint32_t src,
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

size_t icmp_msg(uint8_t *m, unsigned type, unsigned id, unsigned seq,
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

size_t udp_msg(uint8_t *u, uint32_t src, uint32_t dst, unsigned sport,
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

size_t echo_frame(uint8_t *f, const uint8_t *data, size_t n,
		  const struct ip_opts *o)
{
	uint8_t m[FRAME_MAX];
	size_t len = icmp_msg(m, 8, 0x4242, 7, data, n);

	return ip_frame(f, our_mac, PEER_IP, OUR_IP, 1, m, len, o);
}

size_t udp_frame(uint8_t *f, unsigned dport, const uint8_t *data,
		 size_t n, bool csum)
{
	uint8_t u[FRAME_MAX];
	size_t len = udp_msg(u, PEER_IP, OUR_IP, 40000, dport, data, n, csum);

	return ip_frame(f, our_mac, PEER_IP, OUR_IP, 17, u, len, NULL);
}

/* --- running the stack ------------------------------------------------- */


/* The frame in a heap block of exactly 'len' bytes, the reply buffer in
 * one of exactly NET_JUMBO_MAX: ASan sees any access past either. An
 * unanswered frame must leave the reply buffer as it was. */
struct result run(const uint8_t *frame, size_t len)
{
	struct result r;
	uint8_t *in = malloc(len ? len : 1);
	uint8_t *out = malloc(NET_JUMBO_MAX);

	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, frame, len);
	static uint8_t untouched[NET_JUMBO_MAX];

	memset(untouched, SENTINEL, NET_JUMBO_MAX);
	memset(out, SENTINEL, NET_JUMBO_MAX);
	r.len = 12345;
	r.v = net_input(&me, in, len, out, &r.len);
	assert_true(r.v < NET_VERDICTS);
	if (net_is_reply(r.v)) {
		assert_in_range(r.len, NET_REPLY_MIN, NET_JUMBO_MAX);
	} else {
		assert_int_equal(r.len, 0);
		assert_memory_equal(out, untouched, NET_JUMBO_MAX);
	}
	memcpy(r.reply, out, NET_JUMBO_MAX);
	/* The input is read-only to the stack. */
	assert_memory_equal(in, frame, len);
	free(in);
	free(out);
	return r;
}

void fill_random(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

/* Checks common to every IPv4 reply; returns the transport part. */
const uint8_t *check_ip_reply(const struct result *r, unsigned proto,
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
