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
	/* Back unscrubbed: all three saw it (the scrub rule). */
	assert_int_equal(np.st.bytes_scrubbed, 0);
	assert_int_equal(np.frame[fi].seen, 0x7);
	assert_int_equal(np.st.invepts, 3);     /* one per release call */
}

/* Five slots back in one call: five unmaps, then exactly one INVEPT,
 * then the freed frames are posted, unscrubbed (the scrub
 * rule: only VM 0 saw them); in that order. */
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
		assert_false(page_zero(pidx(fk.log[from + i].hpa), 0, 300));
	}
	assert_int_equal(np.st.invepts, 1);
	assert_int_equal(np.vm[0].st.released, 5);
	assert_int_equal(np.st.bytes_scrubbed, 0);      /* VM 0's own bytes */
	assert_int_equal(np_vm_held(&np, 0), 0);
}

/* The NIC fills 'hpa' again (the only buffer it has) with 'len' bytes
 * for 'dst', and np_rx delivers them: the bytes np_rx zeroed. */
static uint64_t rx_again(uint64_t hpa, const uint8_t dst[6], uint16_t len,
			 uint32_t want)
{
	uint64_t scrubbed = np.st.bytes_scrubbed;

	assert_int_equal(nic_write(dst, len), hpa);
	assert_int_equal(np_rx(&np, hpa, len, now), want);
	return np.st.bytes_scrubbed - scrubbed;
}

/* The scrub rule (docs/datapath.md, "The scrub"): a frame goes back to
 * the pool unscrubbed; when it is next mapped, the stale bytes past the
 * new frame's length are zeroed unless the VM that maps it has seen
 * them, and only those. Every case reuses one pool frame: the NIC has
 * one buffer. */
static void test_scrub_rule(void **state)
{
	uint8_t buf[NET_FRAME_MAX];
	uint64_t hpa;
	uint32_t p, fi;

	(void)state;
	set_mode(NP_COPY, 0);           /* VMs 0 and 1 have no copy area: flip */
	world(8, 1, 0, 0);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);
	add_vm_copy(2, 4, 4, false);
	np_refill(&np);
	hpa = fk.nic[fk.nic_head];
	p = pidx(hpa);
	fi = np_frame_find(&np, hpa);

	/* 1000 bytes to VM 0, released: nothing zeroed, the frame FREE
	 * (back in the NIC) with its bytes, seen by VM 0. */
	assert_int_equal(rx_again(hpa, mac(0), 1000, 1), 0);
	assert_int_equal(release1(0, 0), 1);
	assert_int_equal(np.frame[fi].scrub_len, 1000);
	assert_int_equal(np.frame[fi].seen, 0x1);
	assert_false(page_zero(p, 100, 1000));
	/* 100 bytes to VM 0 again: its own old tail stays, unscrubbed. */
	assert_int_equal(rx_again(hpa, mac(0), 100, 1), 0);
	assert_false(page_zero(p, 100, 1000));
	assert_int_equal(release1(0, 0), 1);
	/* 60 bytes to VM 1: the 940 stale bytes past 60 are zeroed before
	 * the map, not a byte more, not a byte of the new frame. */
	assert_int_equal(rx_again(hpa, mac(1), 60, 1), 1000 - 60);
	assert_true(page_zero(p, 60, NET_SLOT_SIZE));
	assert_false(page_zero(p, 12, 60));
	assert_int_equal(np.frame[fi].scrub_len, 60);
	assert_int_equal(np.frame[fi].seen, 0x2);
	assert_int_equal(release1(1, 0), 1);

	/* A broadcast of 500 to VMs 0, 1 (mapped) and 2 (copied): only the
	 * mappers saw it. The 60 stale bytes are under it: nothing zeroed. */
	assert_int_equal(rx_again(hpa, BCAST, 500, 3), 0);
	assert_int_equal(np.frame[fi].seen, 0x3);
	fk.nic_cap = 0;                 /* no other frame into the NIC */
	assert_int_equal(release1(0, 0), 1);
	assert_int_equal(np_release(&np, 2, (uint16_t[]){ COPY(0) }, 1, now), 1);
	fk.nic_cap = 1;
	assert_int_equal(release1(1, 0), 1);
	assert_int_equal(rx_again(hpa, mac(1), 80, 1), 0);     /* VM 1 saw it */
	assert_int_equal(release1(1, 0), 1);
	/* VM 2 copied only [0, 500): a copy shows no tail, zeroes nothing. */
	assert_int_equal(rx_again(hpa, mac(2), 70, 1), 0);
	assert_int_equal(np.frame[fi].seen, 0);
	assert_int_equal(np_release(&np, 2, (uint16_t[]){ COPY(0) }, 1, now), 1);
	/* ...but the 70 copied bytes count as seen by nobody: VM 0, which
	 * saw the rest, loses the stale bytes past its own 64. */
	assert_int_equal(rx_again(hpa, mac(0), 64, 1), 500 - 64);
	assert_true(page_zero(p, 64, NET_SLOT_SIZE));
	assert_int_equal(release1(0, 0), 1);

	/* Longer than the mtu allows: the NIC's bytes, seen by nobody;
	 * a bad length, NP_RX_LEN_BAD, is the whole page. */
	assert_int_equal(rx_again(hpa, mac(0), 3000, 0), 0);
	assert_int_equal(np.st.rx_drop_oversize, 1);
	assert_int_equal(np.frame[fi].scrub_len, 3000);
	assert_int_equal(np.frame[fi].seen, 0);
	assert_int_equal(rx_again(hpa, mac(0), NP_RX_LEN_BAD, 0), 0);
	assert_int_equal(np.st.rx_drop_bad_len, 1);
	assert_int_equal(np.frame[fi].scrub_len, NET_SLOT_SIZE);
	assert_int_equal(rx_again(hpa, mac(0), 60, 1), NET_SLOT_SIZE - 60);
	assert_int_equal(release1(0, 0), 1);

	/* A VM-to-VM copy from VM 1 into a FREE frame that VM 0 saw:
	 * to VM 0, nothing zeroed past its 77 bytes; then from VM 0 to
	 * VM 1, which never saw them: zeroed past 77. */
	fk.nic_cap = 0;
	assert_int_equal(rx_again(hpa, mac(0), 900, 1), 0);
	assert_int_equal(release1(0, 0), 1);    /* FREE, the NIC full */
	make_frame(buf, 1, mac(0), 77);
	assert_int_equal(np_tx(&np, 1, buf, 77, now), 0);
	assert_int_equal(frame_of(0, 0), fi);
	assert_memory_equal(fk.page[p], buf, 77);
	assert_false(page_zero(p, 77, 900));    /* VM 0's own 900 */
	assert_int_equal(release1(0, 0), 1);
	make_frame(buf, 0, mac(1), 77);
	assert_int_equal(np_tx(&np, 0, buf, 77, now), 0);
	assert_int_equal(frame_of(1, 0), fi);
	assert_true(page_zero(p, 77, NET_SLOT_SIZE));
	assert_int_equal(release1(1, 0), 1);
	assert_int_equal(np.st.bytes_scrubbed,
			 (1000 - 60) + (500 - 64) + (NET_SLOT_SIZE - 60) +
			 (900 - 77));
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
	T(test_scrub_rule),
	T(test_unmap_failure_panics),
};

int main(void)
{
	int failed;

	failed = cmocka_run_group_tests_name("netpath take back", tests, NULL, NULL);
	return failed ? 1 : 0;
}
