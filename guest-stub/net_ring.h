/* The guest's side of the receive ring (vmm/hypercall_abi.h, struct
 * net_rx_ring): take entries, check them, hand valid frames on, and give
 * the slots and copy buffers back in batches. Pure C: the hypercalls and
 * the frame handler come in through struct net_rx_ops, so
 * tests/unit/test_guest_net.c runs it on the host against a fake ring,
 * window and copy area. */
#ifndef GUEST_NET_RING_H
#define GUEST_NET_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"

struct net_rx_ops {
	void *ctx;
	/* A frame of 'len' bytes (NET_FRAME_MIN..NET_JUMBO_MAX) at 'data',
	 * in the window or, with NET_RX_F_COPY in 'flags', in the copy
	 * area, or joined from a run of NET_RX_F_MORE entries in struct
	 * net_rx's run buffer; readable until the handler returns. */
	void (*frame)(void *ctx, const uint8_t *data, uint16_t len,
		      uint16_t flags);
	/* HC_NET_RELEASE of 'n' (1..HC_NET_BATCH) values, window slots and
	 * copy buffers (| NET_SLOT_COPY) mixed: its result. */
	int64_t (*release)(void *ctx, const uint16_t *slots, uint32_t n);
};

struct net_rx_stats {
	uint64_t entries;       /* taken from the ring */
	uint64_t copied;        /* of entries, flagged NET_RX_F_COPY */
	uint64_t bad_slot;      /* slot past nr_slots, or a copy entry with no
				 * copy area: not read, not released */
	uint64_t bad_len;       /* length out of range: not read, released;
				 * a run: counted once, at its last entry */
	uint64_t runs;          /* frames joined from several entries */
	uint64_t cut;           /* runs the hypervisor marked NET_RX_F_CUT */
	uint64_t dirty;         /* window frames: a non-zero byte in the page past len */
	uint64_t copy_overrun;  /* copy frames: a non-zero byte in the buffer past len */
	uint64_t ring_errors;   /* passes that found prod more than a ring ahead */
	uint64_t released;      /* slots the hypervisor took back */
	uint64_t release_errors;        /* slots it refused */
	uint64_t release_calls;
};

struct net_rx {
	struct net_rx_ring *ring;
	const uint8_t      *window;     /* slot 0's first byte */
	uint8_t            *copy;       /* copy buffer 0, or NULL */
	/* Registered with NET_COPY_RING: a copy buffer is the hypervisor's
	 * again once cons passes its entry, and is never released. */
	bool                copy_ring;
	struct net_rx_ops   ops;
	uint32_t            cons;       /* ours; ring->cons is a copy for the hypervisor */
	uint32_t            nr_slots;   /* at most NET_RX_SLOTS_MAX */
	/* The longest frame taken: NET_FRAME_MAX from net_rx_init; the
	 * caller may raise it to its mtu + NET_ETH_OVERHEAD (hc_identity),
	 * at most NET_JUMBO_MAX. */
	uint32_t            frame_max;
	uint32_t            held;       /* in done[]: read, not yet released */
	uint16_t            done[HC_NET_BATCH];
	/* A frame in several entries (NET_RX_F_MORE): its bytes so far,
	 * copied out so every slot goes back at once. */
	uint32_t            run_len;
	uint32_t            run_n;      /* entries of it taken */
	bool                run_bad;    /* a bad entry in it: drop it whole */
	uint8_t             run[NET_JUMBO_MAX];
	struct net_rx_stats st;
};

/* After a successful HC_NET_SETUP of 'ring' and of 'copy', the copy
 * area: NET_RX_SLOTS_MAX buffers of NET_COPY_BUF_SIZE, all zero, or NULL
 * if none was registered. The guest zeroed the ring before registering
 * it, so cons starts at 0. */
void net_rx_init(struct net_rx *rx, struct net_rx_ring *ring,
		 const uint8_t *window, uint8_t *copy,
		 const struct net_rx_ops *ops);

/* One pass: read prod once, handle every entry up to it, advance cons,
 * and release every slot and copy buffer read, HC_NET_BATCH at a time.
 * A copy buffer is zero again when it is released. Returns the number
 * of entries taken. Leaves held == 0 unless a release failed in a way
 * worth retrying (never, today: see net_ring.c). */
uint32_t net_rx_poll(struct net_rx *rx);

/* Entries the hypervisor has produced beyond our cons. */
uint32_t net_rx_pending(const struct net_rx *rx);

/* True when every byte of the slot page at 'page' (4 KiB aligned) from
 * offset 'len' to its end is zero. net_rx_poll() counts the frames for
 * which it is false in st.dirty and hands them on all the same. */
bool net_rx_tail_clean(const uint8_t *page, uint32_t len);

/* The same for a copy buffer (NET_COPY_BUF_SIZE bytes, 8-byte aligned):
 * false counts in st.copy_overrun, not in st.dirty. */
bool net_rx_copy_clean(const uint8_t *buf, uint32_t len);

#endif
