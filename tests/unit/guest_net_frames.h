/* Frames for the guest stack's host tests (test_guest_net.c,
 * test_guest_ring.c, test_guest_ping.c), built here independently of the
 * stack, with a checksum written separately from net_csum.c, and run(),
 * which feeds the stack one frame in a heap block of exactly its length
 * so that ASan catches any read past it. */
#ifndef TESTS_UNIT_GUEST_NET_FRAMES_H
#define TESTS_UNIT_GUEST_NET_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* 192.168.77.11/24 at 02:00:00:00:00:01, asked by 192.168.77.1. */
#define OUR_IP          0xc0a84d0bu
#define PEER_IP         0xc0a84d01u
#define OTHER_IP        0xc0a84d0cu
extern const uint8_t our_mac[6], peer_mac[6], other_mac[6], bcast_mac[6],
	zero_mac[6];
extern const struct net_id me;

#define FRAME_MAX       NET_JUMBO_MAX
#define SENTINEL        0xcc

struct ip_opts {
	unsigned ihl;           /* 0: 5 */
	unsigned frag;          /* flags and offset; 0: DF */
	bool     bad_csum;
	unsigned version;       /* 0: 4 */
	int      totlen_delta;  /* added to the right total length */
};

struct result {
	enum net_verdict v;
	size_t           len;
	uint8_t          reply[FRAME_MAX];
};

uint32_t rnd(void);
void w16(uint8_t *p, unsigned v);
void w32(uint8_t *p, uint32_t v);
unsigned r16(const uint8_t *p);
uint32_t r32(const uint8_t *p);
unsigned ref_sum(unsigned init, const uint8_t *p, size_t n);
bool ref_ok(unsigned init, const uint8_t *p, size_t n);
unsigned ref_pseudo(uint32_t src, uint32_t dst, unsigned proto,
		    unsigned len);
void eth(uint8_t *f, const uint8_t *dst, const uint8_t *src,
	 unsigned type);
size_t arp_frame(uint8_t *f, const uint8_t *dst, unsigned op,
		 const uint8_t *sha, uint32_t spa, uint32_t tpa);
size_t ip_frame(uint8_t *f, const uint8_t *dst_mac, uint32_t src,
		uint32_t dst, unsigned proto, const uint8_t *l4,
		size_t len, const struct ip_opts *o);
size_t icmp_msg(uint8_t *m, unsigned type, unsigned id, unsigned seq,
		const uint8_t *data, size_t n);
size_t udp_msg(uint8_t *u, uint32_t src, uint32_t dst, unsigned sport,
	       unsigned dport, const uint8_t *data, size_t n, bool csum);
size_t echo_frame(uint8_t *f, const uint8_t *data, size_t n,
		  const struct ip_opts *o);
size_t udp_frame(uint8_t *f, unsigned dport, const uint8_t *data,
		 size_t n, bool csum);
struct result run(const uint8_t *frame, size_t len);
void fill_random(uint8_t *p, size_t n);
const uint8_t *check_ip_reply(const struct result *r, unsigned proto,
			      size_t l4_len);

#endif
