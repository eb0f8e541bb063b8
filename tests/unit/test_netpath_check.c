/* Host tests for the invariants (vmm/net/netpath_check.c): each case
 * breaks one on purpose and np_check must report it through ops.panic;
 * with np->check set, every transition ends with the check, per frame
 * or per batch. On the shared fakes (netpath_fakes.c). */
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

/* Frames 0..3 posted; VM 0 holds a broadcast frame (with VM 1) in slot
 * 0 and a unicast one in slot 1. Each case breaks one invariant. */
static void check_world(void)
{
	world(16, 4, 0, 0);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 8, 8, false, true);
	np_refill(&np);
	assert_int_equal(rx(BCAST, 60), 2);
	assert_int_equal(rx(mac(0), 60), 1);
	np_refill(&np);
}

static uint32_t a_frame_in(enum frame_state s)
{
	for (uint32_t i = 0; i < np.nr_frames; i++)
		if (np.frame[i].state == s)
			return i;
	fail_msg("no frame in state %u", s);
	return 0;
}

static void move_frame(uint32_t fi, enum frame_state s)
{
	np.count[np.frame[fi].state]--;
	np.count[s]++;
	np.frame[fi].state = (uint8_t)s;
}

static void break_counts(void)
{
	np.count[FRAME_FREE]++;
	np.count[FRAME_POSTED]--;
}

static void break_state(void) { np.frame[a_frame_in(FRAME_FREE)].state = 7; }

static void break_holders(void) { np.frame[a_frame_in(FRAME_FREE)].holders = 1; }

static void break_no_holder(void) { np.frame[frame_of(0, 1)].holders = 0; }

static void break_slot_posted(void)
{
	np.vm[0].slot_frame[5] = (uint16_t)a_frame_in(FRAME_POSTED);
}

static void break_reclaiming(void)
{
	uint32_t fi = frame_of(0, 1);

	move_frame(fi, FRAME_RECLAIMING);
	np.frame[fi].holders = 0;
}

static void break_free_bit(void) { move_frame(a_frame_in(FRAME_FREE), FRAME_POSTED); }

static void break_free_lost(void) { np_bit_clear(np.free_bits, a_frame_in(FRAME_FREE)); }

static void break_free_past(void) { np_bit_set(np.free_bits, 20); }

/* Frames 0..15 lie in word 0: a search from word 1 would miss them. */
static void break_free_word(void) { np.free_word = 1; }

static void break_held(void) { np.vm[0].held++; }

static void break_two_slots(void) { np.vm[0].slot_frame[1] = np.vm[0].slot_frame[0]; }

static void break_index(void) { np.frame[a_frame_in(FRAME_FREE)].hpa = fhpa(200); }

static void break_scrub(void) { np.frame[frame_of(0, 0)].seen = 0; }

static void break_quota(void) { np.vm[0].quota = 1; }

static void break_bits(void) { np.vm[0].slot_used[0] ^= 1ull << 5; }

static void break_bits_past(void) { np.vm[1].post_used[NP_SLOT_WORDS - 1] = 1ull << 63; }

/* Jumbo frames: a RECEIVED page the partial frame does not name, and
 * one it names that is not a full page. */
static void break_received(void) { move_frame(a_frame_in(FRAME_POSTED), FRAME_RECEIVED); }

static void break_part_short(void)
{
	uint32_t fi = a_frame_in(FRAME_POSTED);

	move_frame(fi, FRAME_RECEIVED);
	np.rx_part[0] = (uint16_t)fi;
	np.rx_part_n = 1;
	np.frame[fi].len = 100;
}

static void break_nr_vms(void) { np.nr_vms++; }

static void break_foreign_slot(void)
{
	np.vm[1].slot_frame[1] = np.vm[0].slot_frame[1];
	np.vm[1].held++;
}

/* Copy buffers: the books of VM 0 (window slots 0 and 1) and VM 1
 * (slot 0), broken on the copy side. */
static void break_copy_count(void)
{
	np.vm[0].held_copy++;
	np.vm[0].held++;
}

static void break_copy_no_area(void)
{
	np.vm[1].copy_seq[3] = 1;
	np.vm[1].held_copy++;
	np.vm[1].held++;
}

static void break_copy_overlap(void) { np.vm[0].copy_area = fk.page[10]; }

static void break_copy_seq(void)
{
	np.vm[0].copy_area = area_for(0);
	np.vm[0].copy_seq[2] = np.seq + 1;
	np.vm[0].held_copy++;
	np.vm[0].held++;
}

static void break_copy_held(void)
{
	np.vm[0].copy_area = area_for(0);
	np.vm[0].copy_seq[2] = 1;
	np.vm[0].held_copy++;
}

struct check_case {
	const char *name;
	void      (*breaks)(void);
	const char *msg;
};

static const struct check_case check_cases[] = {
	{ "counts drift", break_counts,
	  "state count differs from a recount" },
	{ "RECEIVED page of no partial frame", break_received,
	  "partial frame differs from the RECEIVED count" },
	{ "partial frame page not full", break_part_short,
	  "partial frame page not full" },
	{ "frame in no state", break_state, "frame in no state" },
	{ "holders on a FREE frame", break_holders,
	  "undelivered frame with holders" },
	{ "DELIVERED with no holder", break_no_holder,
	  "delivered frame with no holder" },
	{ "slot on a POSTED frame", break_slot_posted,
	  "slot points at a frame not DELIVERED" },
	{ "frame left RECLAIMING", break_reclaiming, "a frame left RECLAIMING" },
	{ "free bit on a POSTED frame", break_free_bit,
	  "free bit on a frame not FREE" },
	{ "FREE frame without its bit", break_free_lost,
	  "free bits differ from the FREE count" },
	{ "free bit past the pool", break_free_past, "free bit past the pool" },
	{ "free frames below free_word", break_free_word,
	  "free bit below free_word" },
	{ "held off by one", break_held, "held differs from the slots in use" },
	{ "two slots on one frame", break_two_slots,
	  "two slots of one VM on one frame" },
	{ "hpa index stale", break_index, "hpa index does not find the frame" },
	{ "mapped, its stale bytes unseen", break_scrub,
	  "frame mapped by a VM that did not see its stale bytes" },
	{ "slot bitmap off by one slot", break_bits,
	  "a slot, buffer or post bitmap disagrees" },
	{ "post bit past the window", break_bits_past,
	  "a slot, buffer or post bit past the window" },
	{ "over quota", break_quota, "VM holds more than its quota" },
	{ "nr_vms off", break_nr_vms, "nr_vms differs from the VMs present" },
	{ "slot on a frame its VM does not hold", break_foreign_slot,
	  "slot points at a frame its VM does not hold" },
	{ "held_copy off by one", break_copy_count,
	  "held_copy differs from the copy buffers in use" },
	{ "copy buffer with no copy area", break_copy_no_area,
	  "copy buffers in use without a copy area" },
	{ "copy area over a pool frame", break_copy_overlap,
	  "copy area overlaps a pool frame" },
	{ "copy buffer from the future", break_copy_seq,
	  "copy buffer stamped past the sequence" },
	{ "copy buffer not in held", break_copy_held,
	  "held differs from the slots in use" },
};

static void test_check(void **state)
{
	const struct check_case *c = *state;

	check_world();
	assert_true(np_check(&np));
	c->breaks();
	fk.corrupted = true;
	fk.expect_panic = true;
	assert_false(np_check(&np));
	assert_int_equal(fk.panics, 1);
	assert_string_equal(fk.panic_msg, c->msg);
}

/* With np->check set, every transition ends with np_check. */
static void test_check_runs(void **state)
{
	(void)state;
	check_world();
	break_held();
	fk.corrupted = true;
	fk.expect_panic = true;
	np_rx_end(&np, now);
	assert_int_equal(fk.panics, 1);
	np.check = NP_CHECK_OFF;
	np_rx_end(&np, now);
	assert_int_equal(fk.panics, 1);
}

/* NP_CHECK_BATCH skips the check after each received frame and makes it
 * once at the end of the batch; NP_CHECK_EVERY makes it after each. */
static void test_check_modes(void **state)
{
	(void)state;
	check_world();
	np.check = NP_CHECK_BATCH;
	break_held();
	fk.corrupted = true;
	fk.expect_panic = true;
	assert_int_equal(rx(mac(1), 60), 1);
	assert_int_equal(fk.panics, 0);
	np_rx_end(&np, now);
	assert_int_equal(fk.panics, 1);
	np.check = NP_CHECK_EVERY;
	assert_int_equal(rx(mac(1), 60), 1);
	assert_int_equal(fk.panics, 2);
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_check_runs),
	T(test_check_modes),
};

static struct CMUnitTest check_tests[ARRAY_SIZE(check_cases)];

int main(void)
{
	int failed;

	ROWS(check_tests, check_cases, test_check);
	failed = cmocka_run_group_tests_name("netpath check", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath invariants", check_tests, NULL, NULL);
	return failed ? 1 : 0;
}
