/* Host tests for taking slots back (vmm/net/take_back.c), as a release
 * drives it: a frame shared by several VMs stays DELIVERED until its
 * last holder lets go, one INVEPT per batch and before any scrub, only
 * the bytes written are scrubbed, and an unmap that fails is a panic.
 * Revocation and a VM's stop take back by the same path
 * (test_reclaim.c). On the shared fakes (netpath_fakes.c); each test
 * ends with np_check and the fakes against the books (netpath_steps.c). */
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

/* A broadcast frame stays mapped in every VM that still holds it, with
 * its data; the last release scrubs it. */
static void test_release_shared(void **state)
{
	uint64_t hpa;
	uint32_t fi;

	(void)state;
	world(8, 0, 0, 0);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);
	add_vm(2, 4, 4, false, true);
	fk.nic_cap = 1;
	np_refill(&np);
	fk.nic_cap = 0;                         /* freed frames stay FREE */
	hpa = nic_write(BCAST, 200);
	fi = np_frame_find(&np, hpa);
	assert_int_equal(np_rx(&np, hpa, 200, now), 3);
	for (uint32_t v = 0; v < 3; v++) {
		assert_int_equal(fk.ept[v][0], hpa);
		assert_int_equal(fk.ring[v].ent[0].flags, NET_RX_F_BCAST);
	}

	assert_int_equal(release1(1, 0), 1);
	assert_int_equal(np.frame[fi].state, FRAME_DELIVERED);
	assert_int_equal(np.frame[fi].holders, 0x5);
	assert_int_equal(fk.ept[1][0], 0);
	assert_int_equal(fk.ept[0][0], hpa);
	assert_int_equal(fk.ept[2][0], hpa);
	assert_memory_equal(fk.page[pidx(hpa)], BCAST, 6);
	assert_int_equal(np.st.bytes_scrubbed, 0);

	assert_int_equal(release1(0, 0), 1);
	assert_int_equal(np.frame[fi].holders, 0x4);
	assert_int_equal(np.st.bytes_scrubbed, 0);
	/* A VM that let go cannot release it again. */
	assert_int_equal(release1(0, 0), -HC_E_STATE);

	assert_int_equal(release1(2, 0), 1);
	assert_int_equal(np.frame[fi].state, FRAME_FREE);
	assert_int_equal(np.frame[fi].holders, 0);
	assert_int_equal(np.st.bytes_scrubbed, 200);
	assert_true(page_zero(pidx(hpa), 0, NET_SLOT_SIZE));
	assert_int_equal(np.st.invepts, 3);     /* one per release call */
}

/* Five slots back in one call: five unmaps, then exactly one INVEPT,
 * then the freed frames are posted, scrubbed; in that order. */
static void test_release_batch_order(void **state)
{
	uint16_t slots[5] = { 4, 0, 2, 1, 3 };
	uint64_t hpas[5];
	uint32_t from;

	(void)state;
	world(8, 5, 0, 0);
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 5; i++)
		assert_int_equal(rx(mac(0), 300), 1);
	for (uint32_t i = 0; i < 5; i++)
		hpas[i] = fk.ept[0][slots[i]];
	np_refill(&np);                         /* the NIC full again */
	fk.nic_cap = 8;                         /* room for the 5 we free */
	from = fk.nlog;
	assert_int_equal(np_release(&np, 0, slots, 5, now), 5);
	assert_int_equal(fk.nlog - from, 5 + 1 + 5);
	for (uint32_t i = 0; i < 5; i++) {
		assert_int_equal(fk.log[from + i].op, OP_UNMAP);
		assert_int_equal(fk.log[from + i].slot, slots[i]);
		assert_int_equal(fk.log[from + i].hpa, hpas[i]);
	}
	assert_int_equal(fk.log[from + 5].op, OP_FLUSH);
	assert_int_equal(fk.log[from + 5].vm, 0);
	for (uint32_t i = 6; i < 11; i++) {
		assert_int_equal(fk.log[from + i].op, OP_POST);
		assert_true(page_zero(pidx(fk.log[from + i].hpa), 0,
				      NET_SLOT_SIZE));
	}
	assert_int_equal(np.st.invepts, 1);
	assert_int_equal(np.vm[0].st.released, 5);
	assert_int_equal(np.st.bytes_scrubbed, 5 * 300);
	assert_int_equal(np_vm_held(&np, 0), 0);
}

/* The scrub rule. Read-only frames: exactly the bytes written, no fewer
 * (the NIC's pattern must be gone) and no more (a sentinel past len must
 * survive, so the scrub was not whole-page). Writable: the whole page. */
static void test_scrub_len(void **state)
{
	uint64_t hpa;
	uint32_t p, fi;
	uint8_t buf[NET_FRAME_MAX];

	(void)state;
	world(8, 1, 0, 0);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);
	np_refill(&np);

	/* Received, read-only: len bytes. */
	hpa = nic_write(mac(0), 100);
	p = pidx(hpa);
	fk.nic_cap = 0;                         /* keep it out of the NIC */
	assert_int_equal(np_rx(&np, hpa, 100, now), 1);
	assert_int_equal(np.frame[np_frame_find(&np, hpa)].scrub_len, 100);
	memset(fk.page[p] + 100, SENTINEL, NET_SLOT_SIZE - 100);
	assert_int_equal(release1(0, 0), 1);
	assert_true(page_zero(p, 0, 100));
	for (uint32_t i = 100; i < NET_SLOT_SIZE; i++)
		assert_int_equal(fk.page[p][i], SENTINEL);
	assert_int_equal(np.st.bytes_scrubbed, 100);
	memset(fk.page[p], 0, NET_SLOT_SIZE);

	/* Ever writable: the whole page, sentinel included. */
	fk.nic_cap = 1;
	np_refill(&np);
	hpa = nic_write(mac(0), 100);
	p = pidx(hpa);
	fk.nic_cap = 0;
	assert_int_equal(np_rx(&np, hpa, 100, now), 1);
	memset(fk.page[p] + 100, SENTINEL, NET_SLOT_SIZE - 100);
	np.frame[np_frame_find(&np, hpa)].writable = true;
	assert_int_equal(release1(0, 0), 1);
	assert_true(page_zero(p, 0, NET_SLOT_SIZE));
	assert_int_equal(np.st.bytes_scrubbed, 100 + NET_SLOT_SIZE);

	/* A bad length: what the NIC wrote, up to the page. */
	fk.nic_cap = 1;
	np_refill(&np);
	hpa = nic_write(mac(0), NP_RX_LEN_MAX + 1000); /* a page written */
	p = pidx(hpa);
	fk.nic_cap = 0;
	assert_int_equal(np_rx(&np, hpa, NP_RX_LEN_MAX + 1000, now), 0);
	assert_int_equal(np.st.rx_drop_bad_len, 1);
	assert_true(page_zero(p, 0, NET_SLOT_SIZE));
	assert_int_equal(np.st.bytes_scrubbed, 100 + 2 * NET_SLOT_SIZE);
	fk.nic_cap = 1;
	np_refill(&np);
	hpa = nic_write(mac(0), NP_RX_LEN_MAX);
	fk.nic_cap = 0;
	assert_int_equal(np_rx(&np, hpa, NP_RX_LEN_BAD, now), 0);
	assert_true(page_zero(pidx(hpa), 0, NET_SLOT_SIZE));
	assert_int_equal(np.st.bytes_scrubbed,
			 100 + 3 * NET_SLOT_SIZE);
	assert_int_equal(np.st.rx_drop_bad_len, 2);

	/* A VM-to-VM copy: the copied length. */
	make_frame(buf, 1, mac(0), 77);
	assert_int_equal(np_tx(&np, 1, buf, 77, now), 0);
	fi = frame_of(0, 0);
	assert_int_equal(np.frame[fi].scrub_len, 77);
	p = pidx(np.frame[fi].hpa);
	assert_memory_equal(fk.page[p], buf, 77);
	memset(fk.page[p] + 77, SENTINEL, NET_SLOT_SIZE - 77);
	assert_int_equal(release1(0, 0), 1);
	assert_true(page_zero(p, 0, 77));
	assert_int_equal(fk.page[p][77], SENTINEL);
	assert_int_equal(fk.page[p][NET_SLOT_SIZE - 1], SENTINEL);
	assert_int_equal(np.st.bytes_scrubbed,
			 100 + 3 * NET_SLOT_SIZE + 77);
	memset(fk.page[p], 0, NET_SLOT_SIZE);
}

/* A failing unmap of a delivered slot is a bug. */
static void test_unmap_failure_panics(void **state)
{
	(void)state;
	world(4, 2, 0, 0);
	add_vm(0, 4, 4, false, true);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);
	fk.ept[0][0] = 0;                       /* someone else unmapped it */
	fk.expect_panic = true;
	assert_int_equal(release1(0, 0), 1);
	assert_int_equal(fk.panics, 1);
	assert_string_equal(fk.panic_msg, "unmap of a delivered slot failed");
	fk.expect_panic = false;
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_release_shared),
	T(test_release_batch_order),
	T(test_scrub_len),
	T(test_unmap_failure_panics),
};

int main(void)
{
	int failed;

	failed = cmocka_run_group_tests_name("netpath take back", tests, NULL, NULL);
	return failed ? 1 : 0;
}
