/* Host tests for the frame pool (vmm/net/frame_pool.c): np_init and its
 * parameters, the hpa index, refill and the reserve kept for VM to VM,
 * and every state transition a frame can make, with its history. On
 * the shared fakes (netpath_fakes.c), which check the safety rules on
 * every call; each test ends with np_check and the fakes against the
 * books (netpath_steps.c). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/netpath_steps.h"

static uint64_t many_hpas[NP_MAX_FRAMES + 1];

/* np_init with only the pool and the ops set. */
static int init_pool(const struct netpath_ops *ops, const uint64_t *hpas,
		     uint32_t n)
{
	return np_init(&np, &(struct np_params){
		.ops = ops, .frame_hpas = hpas, .nr_frames = n });
}

static void test_init_rejects(void **state)
{
	struct netpath_ops ops = fake_ops;
	uint64_t hpas[4] = { fhpa(0), fhpa(1), fhpa(2), fhpa(3) };
	struct np_params p = { .ops = &fake_ops, .frame_hpas = hpas,
			       .nr_frames = 4 };

	(void)state;
	assert_int_equal(init_pool(&fake_ops, hpas, 0), -1);
	for (uint32_t i = 0; i <= NP_MAX_FRAMES; i++)
		many_hpas[i] = fhpa(i);
	assert_int_equal(init_pool(&fake_ops, many_hpas, NP_MAX_FRAMES + 1), -1);
	hpas[2] = fhpa(2) + 8;
	assert_int_equal(init_pool(&fake_ops, hpas, 4), -1);
	hpas[2] = fhpa(1);
	assert_int_equal(init_pool(&fake_ops, hpas, 4), -1);
	assert_int_equal(np.nr_frames, 0);       /* zeroed after a failure */
	hpas[2] = fhpa(2);
	ops.post = NULL;
	assert_int_equal(init_pool(&ops, hpas, 4), -1);
	assert_int_equal(init_pool(NULL, hpas, 4), -1);
	assert_int_equal(init_pool(&fake_ops, NULL, 4), -1);
	assert_int_equal(np_init(&np, NULL), -1);
	/* The set-up beyond the pool: each value in range, or nothing. */
	p.tx_reserve = 5;
	assert_int_equal(np_init(&np, &p), -1);
	p.tx_reserve = 4;
	p.check = NP_CHECK_BATCH + 1;
	assert_int_equal(np_init(&np, &p), -1);
	p.check = NP_CHECK_BATCH;
	p.mode = NP_HYBRID + 1;
	assert_int_equal(np_init(&np, &p), -1);
	p.mode = NP_HYBRID;
	p.copy_threshold = 100;
	assert_int_equal(np_init(&np, &p), 0);
	assert_int_equal(np.tx_reserve, 4);
	assert_int_equal(np.check, NP_CHECK_BATCH);
	assert_int_equal(np.mode, NP_HYBRID);
	assert_int_equal(np.copy_threshold, 100);
}

/* All FREE, all zero whatever the pages held, each with history [FREE]. */
static void test_init_state(void **state)
{
	uint32_t counts[FRAME_NR_STATES];
	uint8_t hist[NP_HIST];

	(void)state;
	memset(fk.page, 0xee, FK_PAGES_BYTES);
	world(16, 8, 0, 0);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE], 16);
	assert_int_equal(counts[FRAME_POSTED] + counts[FRAME_DELIVERED] +
			 counts[FRAME_RECLAIMING], 0);
	for (uint32_t i = 0; i < 16; i++) {
		assert_true(page_zero(i, 0, NET_SLOT_SIZE));
		assert_int_equal(np_frame_history(&np, i, hist), 1);
		assert_int_equal(hist[0], FRAME_FREE);
		assert_int_equal(np_frame_find(&np, fhpa(i)), i);
	}
	assert_int_equal(np_frame_find(&np, fhpa(16)), NP_NO_FRAME);
	assert_int_equal(np_frame_history(&np, 16, hist), 0);
	memset(fk.page[16], 0, FK_PAGES_BYTES - 16 * sizeof(fk.page[0]));
}

/* The hpa index at its largest, with addresses in no particular order. */
static void test_init_index_full(void **state)
{
	(void)state;
	fk.allow_scratch = true;
	for (uint32_t i = 0; i < NP_MAX_FRAMES; i++)
		many_hpas[i] = (uint64_t)((i * 2654435761u) % 1000003u + 1) << 12;
	assert_int_equal(init_pool(&fake_ops, many_hpas, NP_MAX_FRAMES), 0);
	for (uint32_t i = 0; i < NP_MAX_FRAMES; i++)
		assert_int_equal(np_frame_find(&np, many_hpas[i]), i);
	assert_int_equal(np_frame_find(&np, 0), NP_NO_FRAME);
	assert_true(np_check(&np));
	memset(&np, 0, sizeof(np));
}

static void test_refill(void **state)
{
	uint32_t counts[FRAME_NR_STATES];

	(void)state;
	world(24, 8, 0, 0);
	assert_int_equal(np_refill(&np), 8);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE], 16);
	assert_int_equal(counts[FRAME_POSTED], 8);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(fk.nic[i], fhpa(i));
	assert_int_equal(np_refill(&np), 0);     /* the NIC is full */

	/* tx_reserve FREE frames are kept back for VM-to-VM copies. */
	fk.nic_cap = MAXF;
	np.tx_reserve = 5;
	assert_int_equal(np_refill(&np), 11);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE], 5);
	assert_int_equal(counts[FRAME_POSTED], 19);
	np.tx_reserve = 0;
	assert_int_equal(np_refill(&np), 5);
	assert_int_equal(np_refill(&np), 0);     /* nothing FREE left */
}

/* Refill hands the NIC up to NP_POST_BATCH frames a call, in free-list
 * order, and asks nothing of a NIC that says it is full. */
static void test_refill_batches(void **state)
{
	uint32_t counts[FRAME_NR_STATES];

	(void)state;
	world(2 * NP_POST_BATCH + 16, MAXF, 0, 0);
	assert_int_equal(np_refill(&np), 2 * NP_POST_BATCH + 16);
	assert_int_equal(fk.post_calls, 3);
	assert_int_equal(fk.post_refused, 0);
	for (uint32_t i = 0; i < 2 * NP_POST_BATCH + 16; i++)
		assert_int_equal(fk.nic[i], fhpa(i));
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_POSTED], 2 * NP_POST_BATCH + 16);
	assert_int_equal(counts[FRAME_FREE], 0);
	assert_int_equal(np_refill(&np), 0);     /* nothing FREE */
	assert_int_equal(fk.post_calls, 3);
}

/* A NIC that takes fewer than it was offered (its room overstated):
 * exactly those it took are POSTED, the rest stay FREE, and the next
 * refill offers them again. */
static void test_refill_refused(void **state)
{
	uint32_t counts[FRAME_NR_STATES];

	(void)state;
	world(24, 8, 0, 0);
	fk.room_lie = 5;                /* room for 13, it says */
	assert_int_equal(np_refill(&np), 8);
	assert_int_equal(fk.post_calls, 1);
	assert_int_equal(fk.post_refused, 5);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_POSTED], 8);
	assert_int_equal(counts[FRAME_FREE], 16);
	for (uint32_t i = 0; i < 24; i++)
		assert_int_equal(np.frame[i].state,
				 i < 8 ? FRAME_POSTED : FRAME_FREE);
	assert_int_equal(np_bit_first(np.free_bits, true, np.nr_frames), 8);
	assert_true(np_check(&np));
	/* Full and saying so: not asked at all. */
	fk.room_lie = 0;
	assert_int_equal(np_refill(&np), 0);
	assert_int_equal(fk.post_calls, 1);
	/* Room for two: the next two in order. */
	fk.nic_cap = 10;
	assert_int_equal(np_refill(&np), 2);
	assert_int_equal(fk.post_calls, 2);
	assert_int_equal(fk.nic[8], fhpa(8));
	assert_int_equal(fk.nic[9], fhpa(9));
	assert_int_equal(np_bit_first(np.free_bits, true, np.nr_frames), 10);
}

static void assert_hist(uint32_t fi, const uint8_t *want, uint32_t n)
{
	uint8_t h[NP_HIST];
	uint32_t got = np_frame_history(&np, fi, h);

	assert_true(got >= n);
	/* the last n transitions */
	assert_memory_equal(h + got - n, want, n);
}

static void assert_counts(uint32_t f, uint32_t p, uint32_t d)
{
	uint32_t c[FRAME_NR_STATES];

	np_counts(&np, c);
	assert_int_equal(c[FRAME_FREE], f);
	assert_int_equal(c[FRAME_POSTED], p);
	assert_int_equal(c[FRAME_DELIVERED], d);
	assert_int_equal(c[FRAME_RECLAIMING], 0);
	assert_true(np_check(&np));
}

/* Every transition of the state machine, on frame 0, with the counts and
 * the history after each. */
static void test_state_machine(void **state)
{
	static const uint8_t fp[] = { FRAME_FREE, FRAME_POSTED };
	static const uint8_t pf[] = { FRAME_POSTED, FRAME_FREE };
	static const uint8_t pd[] = { FRAME_POSTED, FRAME_DELIVERED };
	static const uint8_t drf[] = { FRAME_DELIVERED, FRAME_RECLAIMING,
				       FRAME_FREE };
	static const uint8_t fd[] = { FRAME_FREE, FRAME_DELIVERED };
	uint64_t h0 = fhpa(0);

	(void)state;
	world(2, 1, 0, 100);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);

	/* FREE -> POSTED: refill. */
	np_refill(&np);
	assert_counts(1, 1, 0);
	assert_hist(0, fp, 2);
	/* POSTED -> FREE: a runt, scrubbed. */
	assert_int_equal(np_rx(&np, nic_write(mac(0), 10), 10, now), 0);
	assert_int_equal(np.st.rx_drop_bad_len, 1);
	assert_hist(0, pf, 2);
	/* The freed frame is the lowest FREE one again; posted again. */
	np_refill(&np);
	assert_int_equal(fk.nic[fk.nic_head], h0);
	/* POSTED -> FREE: nobody's MAC. */
	assert_int_equal(np_rx(&np, nic_write(UNKNOWN, 60), 60, now), 0);
	assert_int_equal(np.st.rx_drop_unknown, 1);
	assert_hist(0, pf, 2);
	np_refill(&np);
	/* POSTED -> DELIVERED: to VM 0. */
	assert_int_equal(np_rx(&np, nic_write(mac(0), 60), 60, now), 1);
	assert_counts(1, 0, 1);
	assert_hist(0, pd, 2);
	/* DELIVERED -> RECLAIMING -> FREE: release (and refill: POSTED). */
	fk.nic_cap = 0;
	assert_int_equal(release1(0, 0), 1);
	assert_counts(2, 0, 0);
	assert_hist(0, drf, 3);
	/* FREE -> DELIVERED: a VM-to-VM copy. */
	assert_int_equal(tx(1, mac(0), 60), 0);
	assert_counts(1, 0, 1);
	assert_hist(0, fd, 2);
	/* DELIVERED -> RECLAIMING -> FREE: revocation. */
	np.low_watermark = 2;
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	assert_int_equal(np_tick(&np, now + 100), 1);
	assert_counts(2, 0, 0);
	assert_hist(0, drf, 3);
	/* A VM-to-VM copy nobody can take stays FREE, scrubbed. */
	np.vm[0].quota = 0;
	assert_int_equal(tx(1, mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_quota, 1);
	assert_counts(2, 0, 0);
	assert_hist(0, drf, 3);
	np.vm[0].quota = 4;
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_init_rejects),
	T(test_init_state),
	T(test_init_index_full),
	T(test_refill),
	T(test_refill_batches),
	T(test_refill_refused),
	T(test_state_machine),
};

int main(void)
{
	int failed;

	failed = cmocka_run_group_tests_name("netpath frame pool", tests, NULL, NULL);
	return failed ? 1 : 0;
}
