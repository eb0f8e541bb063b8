/* The guest ring's fake hypervisor (guest_ring_fake.h). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/guest_ring_fake.h"

struct fake_hv hv;

bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

uint8_t *copy_buf(uint16_t slot)
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

void produce(uint16_t slot, uint16_t len, uint16_t flags)
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
	assert_in_range(len, NET_FRAME_MIN, NET_JUMBO_MAX);
	assert_false(flags & (NET_RX_F_MORE | NET_RX_F_CUT));
	if (data == hv.rx->run) {              /* joined from a run */
		memcpy(hv.run, data, len);
		slot = RUN_SEEN;
	} else if (flags & NET_RX_F_COPY) {
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
int64_t fake_release(void *ctx, const uint16_t *slots, uint32_t n)
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

const struct net_rx_ops fake_ops = {
	.ctx = &hv, .frame = fake_frame, .release = fake_release,
};

int ring_setup(void **state)
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

int ring_teardown(void **state)
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
void check_nothing_held(void)
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
