/* A fake hypervisor for the guest's receive ring (test_guest_ring.c):
 * it writes ring entries and delivers window slots and copy buffers with
 * bytes that name them, checks every frame the guest hands on, and
 * validates releases the way the real one must (the whole batch or
 * nothing), tracking which slots and buffers are still delivered. */
#ifndef TESTS_UNIT_GUEST_RING_FAKE_H
#define TESTS_UNIT_GUEST_RING_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_ring.h"

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
	/* The last frame joined from a run (seen_slot RUN_SEEN). */
	uint8_t             run[NET_JUMBO_MAX];
};

#define RUN_SEEN 0xffff                     /* seen_slot of a joined frame */

extern struct fake_hv hv;
extern const struct net_rx_ops fake_ops;

/* Bytes [0, n) of p are all zero. */
bool all_zero(const uint8_t *p, size_t n);
/* Copy buffer 'slot' of the guest's copy area. */
uint8_t *copy_buf(uint16_t slot);
/* The fake hypervisor delivers a frame: one ring entry, and the slot or
 * buffer (flags NET_RX_F_COPY) filled with bytes that name it. */
void produce(uint16_t slot, uint16_t len, uint16_t flags);
/* HC_NET_RELEASE: the whole batch or nothing. */
int64_t fake_release(void *ctx, const uint16_t *slots, uint32_t n);
/* cmocka set-up and tear-down: a fresh ring, window and copy area. */
int ring_setup(void **state);
int ring_teardown(void **state);
/* After every pass: nothing held, every slot and buffer given back,
 * every copy buffer zero again. */
void check_nothing_held(void);

#endif
