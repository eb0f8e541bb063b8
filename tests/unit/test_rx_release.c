/* Host tests for release (vmm/net/rx_release.c): HC_NET_RELEASE's list
 * is checked whole before anything changes, for window slots and copy
 * buffers alike; a refused list is counted and changes nothing. On the
 * shared fakes (netpath_fakes.c); each test ends with np_check and the
 * fakes against the books (netpath_steps.c). */
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

/* VM 0 holds slots 0 and 1 and has released 2; VM 1 holds 0 to 3. */
static void release_world(void)
{
	world(16, 8, 0, 0);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 8, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(rx(mac(0), 60), 1);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(rx(mac(1), 60), 1);
	np_rx_end(&np, now);
	assert_int_equal(release1(0, 2), 1);
}

struct release_case {
	const char *name;
	uint16_t    slots[HC_NET_BATCH + 1];
	uint32_t    n;
	int         err;
};

static const struct release_case release_cases[] = {
	{ "count 0", { 0 }, 0, -HC_E_INVAL },
	{ "count above HC_NET_BATCH", { 0 }, HC_NET_BATCH + 1, -HC_E_INVAL },
	{ "slot at nr_slots", { 8 }, 1, -HC_E_INVAL },
	{ "slot far out of range", { 0xffff }, 1, -HC_E_INVAL },
	{ "slot never delivered", { 5 }, 1, -HC_E_STATE },
	{ "slot delivered to another VM", { 3 }, 1, -HC_E_STATE },
	{ "double release", { 2 }, 1, -HC_E_STATE },
	{ "slot twice in the batch", { 0, 1, 0 }, 3, -HC_E_STATE },
	{ "good slots, then one out of range", { 0, 1, 8 }, 3, -HC_E_INVAL },
	{ "good slots, then one not delivered", { 0, 1, 5 }, 3, -HC_E_STATE },
	{ "not delivered, then out of range", { 5, 9 }, 2, -HC_E_INVAL },
};

/* A refused batch returns its error, is counted, and changes nothing:
 * not the books, not an EPT, not the NIC, not a page, no op called. */
static void test_release_refused(void **state)
{
	const struct release_case *c = *state;

	release_world();
	snapshot();
	assert_int_equal(np_release(&np, 0, c->slots, c->n, now), c->err);
	snap_np.vm[0].st.release_errors++;
	assert_unchanged();
}

static void test_release_bad_vm(void **state)
{
	uint16_t slot = 0;

	(void)state;
	release_world();
	snapshot();
	assert_int_equal(np_release(&np, 2, &slot, 1, now), -HC_E_INVAL);
	assert_int_equal(np_release(&np, NP_MAX_VMS, &slot, 1, now),
			 -HC_E_INVAL);
	assert_unchanged();
	assert_int_equal(np_release(&np, 0, NULL, 1, now), -HC_E_INVAL);
	snap_np.vm[0].st.release_errors++;
	assert_unchanged();
}

/* Hybrid at 100 bytes. VM 0 holds copy buffers 0, 1 and 3 (60-byte
 * frames; buffer 2 released) and window slots 0-2 (1000-byte frames);
 * VM 1 holds copy buffers 0-5. */
static void copy_release_world(void)
{
	set_mode(NP_HYBRID, 100);
	world(16, 8, 0, 0);
	add_vm_copy(0, 8, 8, false);
	add_vm_copy(1, 8, 8, false);
	np_refill(&np);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(rx(mac(0), 60), 1);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(rx(mac(0), 1000), 1);
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(rx(mac(1), 60), 1);
	np_rx_end(&np, now);
	assert_int_equal(release1(0, COPY(2)), 1);
	assert_int_equal(np_vm_held(&np, 0), 6);
	assert_int_equal(np.vm[0].held_copy, 3);
}

static const struct release_case copy_release_cases[] = {
	{ "copy: buffer at nr_slots", { COPY(8) }, 1, -HC_E_INVAL },
	{ "copy: buffer 0x7fff", { 0xffff }, 1, -HC_E_INVAL },
	{ "copy: index bits far above the window", { COPY(0x4000) }, 1,
	  -HC_E_INVAL },
	{ "copy: index 0x800", { COPY(0x800) }, 1, -HC_E_INVAL },
	{ "copy: buffer never filled", { COPY(6) }, 1, -HC_E_STATE },
	{ "copy: buffer filled for another VM", { COPY(5) }, 1, -HC_E_STATE },
	{ "copy: double release", { COPY(2) }, 1, -HC_E_STATE },
	{ "copy: buffer twice in the batch", { COPY(0), COPY(1), COPY(0) }, 3,
	  -HC_E_STATE },
	{ "copy: a held buffer's number as a window slot", { 3 }, 1,
	  -HC_E_STATE },
	{ "copy: a held slot's number as a buffer", { 2, COPY(2) }, 2,
	  -HC_E_STATE },
	{ "copy: mixed, then a buffer not filled",
	  { 0, COPY(0), COPY(1), COPY(5) }, 4, -HC_E_STATE },
	{ "copy: mixed, then a buffer out of range", { 0, COPY(0), COPY(9) }, 3,
	  -HC_E_INVAL },
	{ "copy: buffers, then a slot out of range", { COPY(0), 8 }, 2,
	  -HC_E_INVAL },
	{ "copy: mixed, then a slot twice", { 1, COPY(1), 1 }, 3, -HC_E_STATE },
};

/* The same rules as for window slots, all or nothing: the books, the
 * EPTs, the NIC, the pages and the copy areas stay as they were. */
static void test_copy_release_refused(void **state)
{
	const struct release_case *c = *state;

	copy_release_world();
	snapshot();
	assert_int_equal(np_release(&np, 0, c->slots, c->n, now), c->err);
	snap_np.vm[0].st.release_errors++;
	assert_unchanged();
}

/* Copy buffers alone come back with no unmap and no INVEPT; a mixed
 * batch costs exactly one INVEPT. Slot N and buffer N are two things,
 * not a duplicate. A freed buffer is filled again, lowest first. */
static void test_copy_release(void **state)
{
	uint16_t two[2] = { COPY(3), COPY(0) };
	uint16_t mixed[4] = { 1, COPY(1), COPY(0), 0 };
	struct hc_net_stats hs;
	uint32_t from;

	(void)state;
	copy_release_world();
	from = fk.nlog;
	assert_int_equal(np_release(&np, 0, two, 2, now), 2);
	assert_int_equal(count_ops(OP_UNMAP, from), 0);
	assert_int_equal(count_ops(OP_FLUSH, from), 0);
	assert_int_equal(np.st.invepts, 0);
	assert_int_equal(np_vm_held(&np, 0), 4);
	assert_int_equal(np.vm[0].held_copy, 1);
	assert_int_equal(np.vm[0].copy_seq[0] | np.vm[0].copy_seq[3], 0);
	assert_true(np.vm[0].copy_seq[1] != 0);
	assert_int_equal(np.vm[0].st.released, 3);
	/* The guest's buffer keeps the frame: its own RAM, nothing scrubbed. */
	assert_memory_equal(cbuf(0, 0), mac(0), 6);

	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(fk.ring[0].ent[7].slot, 0);
	assert_int_equal(fk.ring[0].ent[7].flags, NET_RX_F_COPY);

	from = fk.nlog;
	assert_int_equal(np_release(&np, 0, mixed, 4, now), 4);
	assert_int_equal(count_ops(OP_UNMAP, from), 2);
	assert_int_equal(count_ops(OP_FLUSH, from), 1);
	assert_int_equal(np.st.invepts, 1);
	assert_int_equal(fk.ept[0][0] | fk.ept[0][1], 0);
	assert_true(fk.ept[0][2] != 0);
	assert_int_equal(np_vm_held(&np, 0), 1);
	assert_int_equal(np.vm[0].held_copy, 0);
	assert_int_equal(np_vm_stats(&np, 0, &hs), 0);
	assert_int_equal(hs.held, 1);
	assert_int_equal(hs.released, 7);
	assert_int_equal(hs.rx_copied, 5);
	assert_int_equal(hs.rx_frames, 8);
	/* VM 1's buffers were never touched by VM 0's calls. */
	assert_int_equal(np.vm[1].held_copy, 6);
	assert_int_equal(release1(1, COPY(5)), 1);
	assert_int_equal(np.st.invepts, 1);
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_release_bad_vm),
	T(test_copy_release),
};

static struct CMUnitTest release_tests[ARRAY_SIZE(release_cases)];

static struct CMUnitTest copy_release_tests[ARRAY_SIZE(copy_release_cases)];

int main(void)
{
	int failed;

	ROWS(release_tests, release_cases, test_release_refused);
	ROWS(copy_release_tests, copy_release_cases, test_copy_release_refused);
	failed = cmocka_run_group_tests_name("netpath release", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath release refused", release_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath copy release refused", copy_release_tests, NULL, NULL);
	return failed ? 1 : 0;
}
