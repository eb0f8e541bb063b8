/* The receive ring, guest side. The hypervisor writes entries, then
 * advances prod; we read prod, then the entries, then advance cons.
 * Both indices run freely; entry i is ent[i % NET_RX_RING]
 * (vmm/hypercall_abi.h). The ring page is shared with the hypervisor, so
 * each entry is read once into locals and checked there: a slot is read
 * only if it is inside our window, or inside our copy area for an entry
 * flagged NET_RX_F_COPY, and its length is a frame's. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest-stub/net_ring.h"

/* The ring as the other side may change it. */
#define RING(rx) ((volatile struct net_rx_ring *)(rx)->ring)

/* A release value names a window slot or, with the copy bit, a copy
 * buffer: the two must not collide. */
_Static_assert(NET_SLOT_COPY >= NET_RX_SLOTS_MAX,
	       "NET_SLOT_COPY collides with a slot number");
_Static_assert(NET_FRAME_MAX <= NET_COPY_BUF_SIZE,
	       "a standard frame does not fit a copy buffer");

void net_rx_init(struct net_rx *rx, struct net_rx_ring *ring,
		 const uint8_t *window, uint8_t *copy,
		 const struct net_rx_ops *ops)
{
	uint8_t *p = (uint8_t *)rx;

	for (uint64_t i = 0; i < sizeof(*rx); i++)
		p[i] = 0;
	rx->ring = ring;
	rx->window = window;
	rx->copy = copy;
	rx->ops.ctx = ops->ctx;
	rx->ops.frame = ops->frame;
	rx->ops.release = ops->release;
	/* The window we map, and the copy area, hold NET_RX_SLOTS_MAX slots,
	 * whatever the hypervisor says. */
	uint32_t n = RING(rx)->nr_slots;

	rx->nr_slots = n < NET_RX_SLOTS_MAX ? n : NET_RX_SLOTS_MAX;
	rx->frame_max = NET_FRAME_MAX;
}

uint32_t net_rx_pending(const struct net_rx *rx)
{
	return RING(rx)->prod - rx->cons;
}

/* A 64-bit load that may alias the frame's bytes. */
typedef uint64_t __attribute__((may_alias)) rx_word;

/* True when buf[from..size) is all zero. 'buf' is 8-byte aligned:
 * bytes up to an 8-byte boundary, then aligned words. */
static bool rx_zero_from(const uint8_t *buf, uint32_t from, uint32_t size)
{
	uint32_t i = from;

	for (; i < size && i % sizeof(rx_word); i++)
		if (buf[i])
			return false;
	for (; i < size; i += sizeof(rx_word))
		if (*(const rx_word *)(buf + i))
			return false;
	return true;
}

/* The scrub rule (docs/datapath.md): a delivered slot holds its frame's
 * len bytes and zeros, whatever frame the page held before: a stale
 * byte anywhere is a leak, so the whole page is checked (the page is
 * 4 KiB aligned). */
bool net_rx_tail_clean(const uint8_t *page, uint32_t len)
{
	return rx_zero_from(page, len, NET_SLOT_SIZE);
}

/* A copy buffer is our own RAM, zero when we last gave it back
 * (rx_take_copy clears it): a non-zero byte past the frame means the
 * hypervisor copied more than the frame, maybe another VM's bytes. */
bool net_rx_copy_clean(const uint8_t *buf, uint32_t len)
{
	return rx_zero_from(buf, len, NET_COPY_BUF_SIZE);
}

/* Zero n bytes of a copy buffer (8-byte aligned) from its start. Word
 * stores, then bytes: no libc, and no memset call from the compiler
 * (-fno-tree-loop-distribute-patterns). */
static void rx_clear(uint8_t *buf, uint32_t n)
{
	uint32_t i = 0;

	for (; i + sizeof(rx_word) <= n; i += sizeof(rx_word))
		*(rx_word *)(buf + i) = 0;
	for (; i < n; i++)
		buf[i] = 0;
}

/* Give back every slot and copy buffer in done[]. A batch with one the
 * hypervisor will not take fails whole and changes nothing (validate, then
 * perform), so on failure the slots go back one at a time and only the
 * refused ones are lost. No error is transient: a refused slot is not
 * retried, or it would be refused forever. */
static void rx_release(struct net_rx *rx)
{
	if (rx->held == 0)
		return;
	rx->st.release_calls++;
	if (rx->ops.release(rx->ops.ctx, rx->done, rx->held) >= 0) {
		rx->st.released += rx->held;
	} else if (rx->held == 1) {
		rx->st.release_errors++;
	} else {
		for (uint32_t i = 0; i < rx->held; i++) {
			rx->st.release_calls++;
			if (rx->ops.release(rx->ops.ctx, &rx->done[i], 1) >= 0)
				rx->st.released++;
			else
				rx->st.release_errors++;
		}
	}
	rx->held = 0;
}

/* Queue a value for release, and release when a batch is full. */
static void rx_done(struct net_rx *rx, uint16_t v)
{
	rx->done[rx->held++] = v;
	if (rx->held == HC_NET_BATCH)
		rx_release(rx);
}

/* Hand on a frame in one entry, or add the entry's bytes to the run it
 * is part of (NET_RX_F_MORE on every entry of a run but its last) and
 * hand the run on at its last entry. 'max' is the most one entry holds.
 * Anything out of range, or a run the hypervisor cut, is dropped whole:
 * counted once, never handed on in part. Whether the entry's bytes were
 * read. */
static bool rx_piece(struct net_rx *rx, const uint8_t *data, uint16_t len,
		     uint16_t flags, uint32_t max)
{
	bool more = flags & NET_RX_F_MORE, read = false;

	if (!rx->run_n && !more) {
		if (flags & NET_RX_F_CUT) {
			rx->st.cut++;
		} else if (len >= NET_FRAME_MIN && len <= max &&
			   len <= rx->frame_max) {
			rx->ops.frame(rx->ops.ctx, data, len, flags);
			read = true;
		} else {
			rx->st.bad_len++;
		}
		return read;
	}
	if (!data || !len || len > max ||
	    rx->run_len + len > rx->frame_max ||
	    rx->run_len + len > sizeof(rx->run))
		rx->run_bad = true;
	if (!rx->run_bad) {
		read = true;
		for (uint32_t i = 0; i < len; i++)
			rx->run[rx->run_len + i] = data[i];
		rx->run_len += len;
	}
	rx->run_n++;
	if (more)
		return read;
	if (flags & NET_RX_F_CUT)
		rx->st.cut++;
	else if (rx->run_bad || rx->run_len < NET_FRAME_MIN)
		rx->st.bad_len++;
	else {
		rx->st.runs++;
		rx->ops.frame(rx->ops.ctx, rx->run, (uint16_t)rx->run_len,
			      (uint16_t)(flags & ~NET_RX_F_MORE));
	}
	rx->run_len = 0;
	rx->run_n = 0;
	rx->run_bad = false;
	return read;
}

/* An entry we cannot read spoils the run it is part of, if any. */
static void rx_spoil(struct net_rx *rx, uint16_t flags)
{
	if (rx->run_n || flags & NET_RX_F_MORE)
		rx_piece(rx, NULL, 0, flags, 0);
}

/* A frame, or a piece of one, in window slot 'slot': read-only to us,
 * scrubbed by the hypervisor, so anything past its bytes counts as
 * dirty. */
static void rx_take_window(struct net_rx *rx, uint16_t slot, uint16_t len,
			   uint16_t flags)
{
	if (slot >= rx->nr_slots) {
		rx->st.bad_slot++;      /* not ours to read or release */
		rx_spoil(rx, flags);
		return;
	}
	const uint8_t *page = rx->window + (uint64_t)slot * NET_SLOT_SIZE;

	if (rx_piece(rx, page, len, flags, NET_SLOT_SIZE) &&
	    !net_rx_tail_clean(page, len))
		rx->st.dirty++;
	rx_done(rx, slot);
}

/* A frame, or a piece of one, copied into buffer 'slot' of our copy
 * area. The buffer is our RAM and was zero when we gave it back, so it
 * is cleared again before it goes back: the bytes written, or all of it
 * when we cannot tell how far the hypervisor wrote. It goes back by
 * release, or on a copy ring as net_rx_poll moves cons past its entry. */
static void rx_take_copy(struct net_rx *rx, uint16_t slot, uint16_t len,
			 uint16_t flags)
{
	rx->st.copied++;
	if (!rx->copy || slot >= rx->nr_slots) {
		rx->st.bad_slot++;      /* not ours to read or release */
		rx_spoil(rx, flags);
		return;
	}
	uint8_t *buf = rx->copy + (uint64_t)slot * NET_COPY_BUF_SIZE;
	uint32_t clear = NET_COPY_BUF_SIZE;

	if (rx_piece(rx, buf, len, flags, NET_COPY_BUF_SIZE)) {
		if (net_rx_copy_clean(buf, len))
			clear = len;
		else
			rx->st.copy_overrun++;
	}
	rx_clear(buf, clear);
	if (!rx->copy_ring)
		rx_done(rx, (uint16_t)(slot | NET_SLOT_COPY));
}

uint32_t net_rx_poll(struct net_rx *rx)
{
	volatile struct net_rx_ring *ring = RING(rx);
	uint32_t n = ring->prod - rx->cons;

	/* Entries are read after prod. x86 keeps loads in order [SDM 3A
	 * 9.2.2]; the fence keeps the compiler from reordering them. */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	/* More than a ring's worth: the producer is broken, and the entries
	 * mean nothing. Take none. */
	if (n > NET_RX_RING) {
		rx->st.ring_errors++;
		return 0;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t e = rx->cons % NET_RX_RING;
		uint16_t slot = ring->ent[e].slot;
		uint16_t len = ring->ent[e].len;
		uint16_t flags = ring->ent[e].flags;

		rx->st.entries++;
		if (flags & NET_RX_F_COPY)
			rx_take_copy(rx, slot, len, flags);
		else
			rx_take_window(rx, slot, len, flags);
		rx->cons++;
		/* The entry is read before the hypervisor may reuse it. */
		__atomic_thread_fence(__ATOMIC_RELEASE);
		ring->cons = rx->cons;
	}
	rx_release(rx);
	return n;
}
