/* Host tests for the guest's side of the receive ring
 * (guest-stub/net_ring.c): taking entries, releasing slots in batches,
 * the check that a slot holds nothing past its frame, and copy
 * delivery. The ring runs against a fake hypervisor that validates
 * releases the way the real one must (the whole batch or nothing) and
 * tracks which window slots and copy buffers are still delivered. Each
 * case that a delivery mode changes has one body, run once per mode
 * (flip: window slots, copy: copy buffers, hybrid: both). */
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
#include "tests/unit/guest_net_frames.h"
#include "tests/unit/guest_ring_fake.h"

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

/* What the stack made of the frames the ring handed on. */
struct e2e {
	struct net_counters c;
	unsigned            replies;
};

static struct e2e e2e;

static void e2e_frame(void *ctx, const uint8_t *data, uint16_t len,
		      uint16_t flags)
{
	uint8_t reply[NET_JUMBO_MAX];
	size_t n;
	enum net_verdict v = net_input(&me, data, len, reply, &n);

	net_count(&e2e.c, v);
	if (net_is_reply(v))
		e2e.replies++;
}

/* --- one body per case, run once per delivery mode ------------------------ */

/* What a delivery mode puts in the ring: flip only window slots, copy
 * only copy buffers, hybrid both (entry i of a test takes kind[i % n]). */
struct ring_mode {
	const char *name;
	unsigned    nkinds;
	uint16_t    kind[2];            /* entry flags: 0 or NET_RX_F_COPY */
};

static const struct ring_mode MODE_FLIP = { "flip", 1, { 0 } };
static const struct ring_mode MODE_COPY = { "copy", 1, { NET_RX_F_COPY } };
static const struct ring_mode MODE_HYBRID = {
	"hybrid", 2, { NET_RX_F_COPY, 0 },
};

#define C(s) ((uint16_t)((s) | NET_SLOT_COPY))

static const struct ring_mode *mode_of(void **state)
{
	return *state;
}

static uint16_t kind_at(const struct ring_mode *m, unsigned i)
{
	return m->kind[i % m->nkinds];
}

/* The value the guest hands back for slot s of that kind. */
static uint16_t id_of(uint16_t kind, uint16_t s)
{
	return kind & NET_RX_F_COPY ? C(s) : s;
}

/* Where the frame of slot s of that kind lies, and how big that is. */
static uint8_t *buf_of(uint16_t kind, uint16_t s)
{
	return kind & NET_RX_F_COPY ? copy_buf(s) :
	       hv.window + (size_t)s * NET_SLOT_SIZE;
}

static size_t buf_size(uint16_t kind)
{
	return kind & NET_RX_F_COPY ? NET_COPY_BUF_SIZE : NET_SLOT_SIZE;
}

/* Whether a delivered entry of that kind is still with the guest. */
static bool *delivered_of(uint16_t kind)
{
	return kind & NET_RX_F_COPY ? hv.copy_delivered : hv.delivered;
}

/* Entries: the frame is read from its slot or buffer, handed on with
 * its flags, and released as the kind it came as, in ring order. */
static void test_ring_basic(void **state)
{
	const struct ring_mode *m = mode_of(state);
	static const uint16_t slot[] = { 5, 0, 63 }, len[] = { 60, 1514, 14 };
	static const uint16_t flags[] = { NET_RX_F_BCAST, 0, NET_RX_F_LOCAL };
	unsigned copied = 0;

	for (unsigned i = 0; i < 3; i++) {
		produce(slot[i], len[i], flags[i] | kind_at(m, i));
		copied += kind_at(m, i) != 0;
	}
	assert_int_equal(net_rx_pending(hv.rx), 3);
	assert_int_equal(net_rx_poll(hv.rx), 3);
	assert_int_equal(hv.nseen, 3);
	for (unsigned i = 0; i < 3; i++) {
		uint16_t id = id_of(kind_at(m, i), slot[i]);

		assert_int_equal(hv.seen_slot[i], id);
		assert_int_equal(hv.seen_len[i], len[i]);
		assert_int_equal(hv.seen_flags[i], flags[i] | kind_at(m, i));
		/* cons is advanced past each entry after it is read. */
		assert_int_equal(hv.seen_cons[i], i);
		assert_int_equal(hv.released[i], id);
	}
	assert_int_equal(hv.calls, 1);
	assert_int_equal(hv.batch_sizes[0], 3);
	assert_int_equal(hv.rx->st.entries, 3);
	assert_int_equal(hv.rx->st.copied, copied);
	assert_int_equal(hv.rx->st.released, 3);
	assert_int_equal(net_rx_pending(hv.rx), 0);
	check_nothing_held();
}

/* Byte i of the jumbo frame the run tests deliver. */
static uint8_t run_byte(size_t i)
{
	return (uint8_t)(i * 13 + 5);
}

/* A window page holding bytes [off, off + n) of that frame. */
static void run_page(uint16_t slot, size_t off, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hv.window[(size_t)slot * NET_SLOT_SIZE + i] = run_byte(off + i);
}

/* A frame in a run of entries (NET_RX_F_MORE on all but the last): the
 * pieces joined in order and handed on once, every slot released. A run
 * the hypervisor cut (NET_RX_F_CUT), or one longer than frame_max, is
 * never handed on, in part or whole, and released all the same. */
static void test_ring_runs(void **state)
{
	static const uint16_t slot[] = { 1, 4, 2 };
	const uint16_t last = NET_JUMBO_MAX - 2 * NET_SLOT_SIZE;

	(void)state;
	hv.rx->frame_max = NET_JUMBO_MAX;
	produce(slot[0], NET_SLOT_SIZE, NET_RX_F_MORE);
	produce(slot[1], NET_SLOT_SIZE, NET_RX_F_MORE);
	produce(slot[2], last, 0);
	run_page(slot[0], 0, NET_SLOT_SIZE);
	run_page(slot[1], NET_SLOT_SIZE, NET_SLOT_SIZE);
	run_page(slot[2], 2 * NET_SLOT_SIZE, last);
	assert_int_equal(net_rx_poll(hv.rx), 3);
	assert_int_equal(hv.nseen, 1);
	assert_int_equal(hv.seen_slot[0], RUN_SEEN);
	assert_int_equal(hv.seen_len[0], NET_JUMBO_MAX);
	for (size_t i = 0; i < NET_JUMBO_MAX; i++)
		if (hv.run[i] != run_byte(i))
			fail_msg("joined frame differs at byte %zu", i);
	assert_int_equal(hv.rx->st.runs, 1);
	assert_int_equal(hv.rx->st.released, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(hv.released[i], slot[i]);
	memset(hv.window, 0, (size_t)FAKE_SLOTS * NET_SLOT_SIZE);
	check_nothing_held();

	/* Cut: its first page arrived, the rest was lost. */
	produce(5, NET_SLOT_SIZE, NET_RX_F_MORE);
	produce(6, 100, NET_RX_F_CUT);
	/* Too long for the mtu: two pages and a byte at frame_max 1514. */
	hv.rx->frame_max = NET_FRAME_MAX;
	produce(7, NET_SLOT_SIZE, NET_RX_F_MORE | NET_RX_F_COPY);
	produce(8, 1, NET_RX_F_COPY);
	memset(hv.window, 0, (size_t)FAKE_SLOTS * NET_SLOT_SIZE);
	assert_int_equal(net_rx_poll(hv.rx), 4);
	assert_int_equal(hv.nseen, 1);
	assert_int_equal(hv.rx->st.cut, 1);
	assert_int_equal(hv.rx->st.bad_len, 1);
	assert_int_equal(hv.rx->st.released, 7);

	/* Copy buffers: a run of two, 2148 bytes. */
	hv.rx->frame_max = NET_JUMBO_MAX;
	produce(3, NET_COPY_BUF_SIZE, NET_RX_F_MORE | NET_RX_F_COPY);
	produce(9, 100, NET_RX_F_COPY | NET_RX_F_BCAST);
	memcpy(hv.run + NET_COPY_BUF_SIZE, copy_buf(9), 100);
	memcpy(hv.run, copy_buf(3), NET_COPY_BUF_SIZE);
	{
		uint8_t want[NET_COPY_BUF_SIZE + 100];

		memcpy(want, hv.run, sizeof(want));
		assert_int_equal(net_rx_poll(hv.rx), 2);
		assert_int_equal(hv.nseen, 2);
		assert_int_equal(hv.seen_len[1], sizeof(want));
		assert_int_equal(hv.seen_flags[1],
				 NET_RX_F_COPY | NET_RX_F_BCAST);
		assert_memory_equal(hv.run, want, sizeof(want));
	}
	assert_int_equal(hv.rx->st.runs, 2);
	check_nothing_held();
}

/* Every slot of every kind the mode has, three rounds: full batches of
 * HC_NET_BATCH per call, given back in ring order. */
static void test_ring_batches(void **state)
{
	const struct ring_mode *m = mode_of(state);
	unsigned per_round = m->nkinds * FAKE_SLOTS, copied = 0;

	for (unsigned round = 0; round < 3; round++) {
		for (uint16_t s = 0; s < FAKE_SLOTS; s++)
			for (unsigned k = 0; k < m->nkinds; k++) {
				produce(s, (uint16_t)(k ? 1514 - s : 60 + s),
					m->kind[k]);
				copied += m->kind[k] != 0;
			}
		assert_int_equal(net_rx_poll(hv.rx), per_round);
		check_nothing_held();
	}
	assert_int_equal(hv.nseen, 3 * per_round);
	assert_int_equal(hv.calls, 3 * per_round / HC_NET_BATCH);
	for (unsigned i = 0; i < hv.calls; i++)
		assert_int_equal(hv.batch_sizes[i], HC_NET_BATCH);
	assert_int_equal(hv.nreleased, 3 * per_round);
	for (unsigned i = 0; i < hv.nreleased; i++)
		assert_int_equal(hv.released[i],
				 id_of(kind_at(m, i),
				       (uint16_t)(i / m->nkinds % FAKE_SLOTS)));
	assert_int_equal(hv.rx->st.copied, copied);
}

/* Bad entries: a slot or buffer outside the window is neither read nor
 * released (it is not ours); a bad length is not read but released (a
 * copy buffer cleared first, all of it). */
static void test_ring_bad_entries(void **state)
{
	const struct ring_mode *m = mode_of(state);
	static const struct { uint16_t slot, len; } e[] = {
		{ 1, 100 }, { FAKE_SLOTS, 100 }, { 0x7fff, 100 },
		{ 0xffff, 100 }, { 2, 13 }, { 3, 1515 }, { 4, 0 },
		{ 5, 0xffff }, { 6, NET_COPY_BUF_SIZE }, { 7, 100 },
	};
	unsigned copied = 0, nrel = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(e); i++) {
		produce(e[i].slot, e[i].len, kind_at(m, i));
		copied += kind_at(m, i) != 0;
	}
	/* A broken hypervisor wrote the whole buffer behind a runt: read
	 * by nobody, and a copy buffer is cleared all the same. */
	buf_of(kind_at(m, 4), 2)[buf_size(kind_at(m, 4)) - 1] = 0x55;
	assert_int_equal(net_rx_poll(hv.rx), ARRAY_SIZE(e));
	assert_int_equal(hv.nseen, 2);
	assert_int_equal(hv.seen_slot[0], id_of(kind_at(m, 0), 1));
	assert_int_equal(hv.seen_slot[1], id_of(kind_at(m, 9), 7));
	assert_int_equal(hv.rx->st.entries, ARRAY_SIZE(e));
	assert_int_equal(hv.rx->st.copied, copied);
	assert_int_equal(hv.rx->st.bad_slot, 3);
	assert_int_equal(hv.rx->st.bad_len, 5);
	assert_int_equal(hv.rx->st.released, 7);
	assert_int_equal(hv.rx->st.release_errors, 0);
	for (unsigned i = 0; i < ARRAY_SIZE(e); i++)
		if (e[i].slot < FAKE_SLOTS)
			assert_int_equal(hv.released[nrel++],
					 id_of(kind_at(m, i), e[i].slot));
	assert_int_equal(nrel, 7);
	check_nothing_held();
}

/* Every length around the bounds, for each kind: only 14..1514 is
 * read, every one is released. */
static void test_ring_len_bounds(void **state)
{
	const struct ring_mode *m = mode_of(state);
	static const uint16_t lens[] = { 0, 1, 13, 14, 15, 60, 1513, 1514,
					 1515, 1518, 2047, 2048, 2049, 4096,
					 0x8000, 0xffff };
	unsigned good = 0, n = m->nkinds * ARRAY_SIZE(lens);

	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		for (unsigned k = 0; k < m->nkinds; k++)
			produce((uint16_t)i, lens[i], m->kind[k]);
		good += lens[i] >= 14 && lens[i] <= 1514;
	}
	assert_int_equal(net_rx_poll(hv.rx), n);
	assert_int_equal(hv.nseen, m->nkinds * good);
	for (unsigned i = 0; i < hv.nseen; i++)
		assert_in_range(hv.seen_len[i], 14, 1514);
	assert_int_equal(hv.rx->st.bad_len,
			 m->nkinds * (ARRAY_SIZE(lens) - good));
	assert_int_equal(hv.rx->st.released, n);
	check_nothing_held();
}

/* Indices run freely: random runs of entries (of random kinds in the
 * hybrid mode) wrap the entry array many times, and each is taken and
 * released once, in order. */
static void test_ring_wrap(void **state)
{
	const struct ring_mode *m = mode_of(state);
	unsigned next[2] = { 0, 0 }, expect = 0, copied = 0;
	static uint16_t want[MAX_SEEN];

	/* At most 240 * 64 entries: within MAX_SEEN. */
	for (unsigned round = 0; round < 240 / m->nkinds; round++) {
		unsigned k = 1 + rnd() % (m->nkinds * FAKE_SLOTS);
		unsigned room[2] = { FAKE_SLOTS, FAKE_SLOTS };

		for (unsigned i = 0; i < k; i++) {
			unsigned kind = m->nkinds == 1 ? 0 : rnd() % 2;

			if (!room[kind])
				kind ^= 1;
			room[kind]--;
			uint16_t s = (uint16_t)(next[kind]++ % FAKE_SLOTS);
			uint16_t len = (uint16_t)(14 + rnd() % 1501);

			produce(s, len, m->kind[kind]);
			want[expect++] = id_of(m->kind[kind], s);
			copied += m->kind[kind] != 0;
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

/* One slot or buffer the hypervisor will not take back fails the batch;
 * the others still go back, one at a time, nothing stays held, and a
 * refused copy buffer is cleared all the same. A single refused slot is
 * not retried. */
static void test_ring_release_refused(void **state)
{
	const struct ring_mode *m = mode_of(state);
	uint16_t bad = kind_at(m, 5);

	for (uint16_t s = 0; s < 10; s++)
		produce(s, 60, kind_at(m, s));
	(bad ? hv.refuse_copy : hv.refuse)[5] = true;
	assert_int_equal(net_rx_poll(hv.rx), 10);
	assert_int_equal(hv.rx->held, 0);
	assert_int_equal(hv.rx->st.released, 9);
	assert_int_equal(hv.rx->st.release_errors, 1);
	assert_int_equal(hv.rx->st.release_calls, 11);
	assert_int_equal(hv.refused_calls, 2);
	for (uint16_t s = 0; s < 10; s++)
		assert_int_equal(delivered_of(kind_at(m, s))[s], s == 5);
	assert_true(all_zero(hv.copy, FAKE_SLOTS * NET_COPY_BUF_SIZE));
	(bad ? hv.refuse_copy : hv.refuse)[5] = false;
	delivered_of(bad)[5] = false;
	hv.refuse[20] = hv.refuse_copy[20] = true;
	produce(20, 60, kind_at(m, 0));
	assert_int_equal(net_rx_poll(hv.rx), 1);
	assert_int_equal(hv.rx->st.release_calls, 12);
	assert_int_equal(hv.rx->st.release_errors, 2);
	assert_int_equal(hv.rx->held, 0);
}

/* A byte past the frame: in a window slot counted as dirty (the
 * hypervisor should have scrubbed it), in a copy buffer as an overrun
 * (the hypervisor wrote past the frame) and the whole buffer cleared.
 * A byte inside the frame is the frame's. Every frame is handed on and
 * released all the same. */
static void test_ring_dirty(void **state)
{
	const struct ring_mode *m = mode_of(state);
	static const struct { uint16_t slot, len; int at; } e[] = {
		{ 3, 60, 60 }, { 4, 61, -1 }, { 5, 100, -2 }, { 6, 100, 100 },
	};
	unsigned dirty = 0, overrun = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(e); i++) {
		uint16_t k = kind_at(m, i);
		uint8_t *b = buf_of(k, e[i].slot);

		produce(e[i].slot, e[i].len, k);
		if (e[i].at == -2) {
			/* Inside the frame; a copied frame's bytes are checked. */
			if (!k)
				b[e[i].len - 1] = 0xff;
			continue;
		}
		b[e[i].at < 0 ? buf_size(k) - 1 : (size_t)e[i].at] = 0xab;
		dirty += !k;
		overrun += k != 0;
	}
	assert_int_equal(net_rx_poll(hv.rx), ARRAY_SIZE(e));
	assert_int_equal(hv.nseen, ARRAY_SIZE(e));
	assert_int_equal(hv.rx->st.dirty, dirty);
	assert_int_equal(hv.rx->st.copy_overrun, overrun);
	assert_int_equal(hv.rx->st.released, ARRAY_SIZE(e));
	assert_int_equal(hv.rx->held, 0);
	assert_true(all_zero(hv.copy, FAKE_SLOTS * NET_COPY_BUF_SIZE));
	/* The hypervisor scrubs the window slots; the copy buffers we
	 * cleared: the same frames again are clean. */
	memset(hv.window, 0, FAKE_SLOTS * NET_SLOT_SIZE);
	hv.rx->st.dirty = hv.rx->st.copy_overrun = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(e); i++)
		produce(e[i].slot, e[i].len, kind_at(m, i));
	assert_int_equal(net_rx_poll(hv.rx), ARRAY_SIZE(e));
	check_nothing_held();
}

/* The whole driver path on the host: frames from the ring through the
 * stack, counters adding up, the same answers from either kind. */
static void test_ring_with_stack(void **state)
{
	const struct ring_mode *m = mode_of(state);
	static const struct net_rx_ops ops = {
		.ctx = &hv, .frame = e2e_frame, .release = fake_release,
	};
	uint8_t f[FRAME_MAX], d[100];
	size_t len;

	memset(&e2e, 0, sizeof(e2e));
	net_rx_init(hv.rx, hv.ring, hv.window, hv.copy, &ops);
	fill_random(d, sizeof(d));
	for (uint16_t s = 0; s < 4; s++) {
		uint16_t k = kind_at(m, s);

		switch (s) {
		case 0: len = arp_frame(f, bcast_mac, 1, peer_mac, PEER_IP,
					OUR_IP); break;
		case 1: len = echo_frame(f, d, sizeof(d), NULL); break;
		case 2: len = udp_frame(f, 7, d, sizeof(d), true); break;
		default: len = udp_frame(f, 8, d, sizeof(d), true); break;
		}
		memcpy(buf_of(k, s), f, len);
		hv.ring->ent[s] = (struct net_rx_entry){
			s, (uint16_t)len, (uint16_t)(k | (s ? 0 : NET_RX_F_BCAST)),
			0 };
		delivered_of(k)[s] = true;
	}
	hv.ring->prod = 4;

	assert_int_equal(net_rx_poll(hv.rx), 4);
	assert_int_equal(e2e.c.rx, 4);
	assert_int_equal(e2e.c.arp, 1);
	assert_int_equal(e2e.c.icmp, 1);
	assert_int_equal(e2e.c.udp, 1);
	assert_int_equal(e2e.c.drop, 1);
	assert_int_equal(e2e.replies, 3);
	for (uint16_t s = 0; s < 4; s++)
		assert_int_equal(hv.released[s], id_of(kind_at(m, s), s));
	memset(hv.window, 0, FAKE_SLOTS * NET_SLOT_SIZE);
	check_nothing_held();
}

/* --- the hybrid mode only: slots and buffers of one number -------------- */

/* Window slot N and copy buffer N are different things, delivered at
 * once; one batch gives both kinds back, in ring order. */
static void test_ring_hybrid_mixed(void **state)
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

/* On a copy ring (NET_COPY_RING) copy buffers go back as cons passes
 * their entries: cleared before, never released; window slots are
 * released as ever, and a run of copies is joined the same way. */
static void test_ring_copy_ring(void **state)
{
	hv.rx->copy_ring = true;
	produce(0, 60, NET_RX_F_COPY);
	produce(5, 300, 0);
	produce(1, 1000, NET_RX_F_COPY | NET_RX_F_MORE);
	produce(2, 100, NET_RX_F_COPY);
	produce(3, 1514, NET_RX_F_COPY);
	assert_int_equal(net_rx_poll(hv.rx), 5);
	assert_int_equal(hv.nseen, 4);
	assert_int_equal(hv.seen_slot[2], RUN_SEEN);
	assert_int_equal(hv.rx->st.copied, 4);
	assert_int_equal(hv.nreleased, 1);
	assert_int_equal(hv.released[0], 5);
	assert_int_equal(hv.calls, 1);
	/* Each buffer was zero again before cons passed it. */
	for (unsigned i = 0; i < hv.nseen; i++)
		assert_int_equal(hv.seen_cons[i], i < 2 ? i : i + 1);
	assert_true(all_zero(hv.copy, FAKE_SLOTS * NET_COPY_BUF_SIZE));
	assert_int_equal(hv.ring->cons, 5);
	/* Ours again as cons passed them: the fake's books agree. */
	for (uint16_t b = 0; b < 4; b++) {
		assert_true(hv.copy_delivered[b]);
		hv.copy_delivered[b] = false;
	}
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
 * through both the byte and the word loop; the window slot's check over
 * NET_SLOT_SIZE bytes, the copy buffer's over NET_COPY_BUF_SIZE. */
struct tail_check {
	bool     (*clean)(const uint8_t *p, uint32_t len);
	uint32_t size;
	uint32_t at[11];
	unsigned nat;
};

static const struct tail_check TAIL_WINDOW = {
	net_rx_tail_clean, NET_SLOT_SIZE,
	{ 0, 7, 8, 9, 60, 1514, 2047, 2048, 4088, 4094, 4095 }, 11,
};
static const struct tail_check TAIL_COPY = {
	net_rx_copy_clean, NET_COPY_BUF_SIZE,
	{ 0, 7, 8, 9, 60, 1514, 2040, 2046, 2047 }, 9,
};

static void test_tail_every_length(void **state)
{
	const struct tail_check *t = *state;
	uint8_t *buf = aligned_alloc(t->size, t->size);

	assert_non_null(buf);
	memset(buf, 0, t->size);
	for (size_t i = 0; i < t->nat; i++) {
		buf[t->at[i]] = (uint8_t)(1u << (i % 8));
		for (uint32_t len = 0; len <= t->size; len++)
			assert_int_equal(t->clean(buf, len), t->at[i] < len);
		buf[t->at[i]] = 0;
	}
	free(buf);
}

#define RING_TEST(f) cmocka_unit_test_setup_teardown(f, ring_setup, ring_teardown)
/* One case in each delivery mode, named after it. */
#define RING_MODE_TEST(f, m) { #f "/" #m, f, ring_setup, ring_teardown, \
			       (void *)&MODE_##m }
#define RING_MODES(f) RING_MODE_TEST(f, FLIP), RING_MODE_TEST(f, COPY), \
		      RING_MODE_TEST(f, HYBRID)
#define TAIL_TEST(t) { "test_tail_every_length/" #t, \
		       test_tail_every_length, NULL, NULL, (void *)&TAIL_##t }

int main(void)
{
	const struct CMUnitTest tests[] = {
		RING_TEST(test_ring_init),
		RING_TEST(test_ring_empty),
		RING_TEST(test_ring_wrap_2_32),
		RING_TEST(test_ring_full),
		RING_TEST(test_ring_overrun),
		RING_TEST(test_ring_prod_read_once),
		RING_MODES(test_ring_basic),
		RING_MODES(test_ring_batches),
		RING_MODES(test_ring_bad_entries),
		RING_MODES(test_ring_len_bounds),
		RING_MODES(test_ring_wrap),
		RING_MODES(test_ring_release_refused),
		RING_MODES(test_ring_dirty),
		RING_MODES(test_ring_with_stack),
		RING_TEST(test_ring_hybrid_mixed),
		RING_TEST(test_ring_runs),
		RING_TEST(test_ring_copy_no_area),
		RING_TEST(test_ring_copy_reuse_not_dirty),
		RING_TEST(test_ring_copy_ring),
		cmocka_unit_test(test_tail_clean_page),
		cmocka_unit_test(test_tail_byte_at_len),
		cmocka_unit_test(test_tail_byte_at_end),
		TAIL_TEST(WINDOW),
		TAIL_TEST(COPY),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
