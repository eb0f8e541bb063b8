/* Host tests for reclaim and revocation (vmm/net/reclaim.c): below the
 * watermark the heaviest holders are asked to release, a VM at its
 * quota too; one that does not answer by its deadline loses its oldest
 * slots and copy buffers, unless it is still reading its ring; and a VM
 * stopped for good (np_vm_stop) gives back everything it holds, by the
 * same unmap, one INVEPT and scrub, and gets nothing afterwards. On the
 * shared fakes (netpath_fakes.c); each test ends with np_check and the
 * fakes against the books (netpath_steps.c). The deadline's clock has
 * its own tests (test_netpath_clock.c). */
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

/* Below the watermark the VMs holding at least the mean get one
 * HC_VEC_NET_RECLAIM each, once while it is outstanding. */
static void test_watermark_reclaim(void **state)
{
	(void)state;
	world(24, 4, 8, 100);
	for (uint32_t v = 0; v < 4; v++)
		add_vm(v, 16, 16, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 10; i++)
		rx(mac(0), 60);
	np_rx_end(&np, now);                    /* 14 free + posted: fine */
	assert_int_equal(count_ops(OP_NOTIFY, 0), 1);
	for (uint32_t i = 0; i < 6; i++)
		rx(mac(1), 60);
	rx(mac(2), 60);
	np_rx_end(&np, now);                    /* 7 < 8; mean 17/3 */
	assert_int_equal(fk.reclaim_irq[0], 1);
	assert_int_equal(fk.reclaim_irq[1], 1);
	assert_int_equal(fk.reclaim_irq[2], 0);
	assert_int_equal(fk.reclaim_irq[3], 0);
	assert_int_equal(np.st.reclaim_events, 2);
	assert_int_equal(np.vm[0].reclaim_deadline, now + 100);
	assert_int_equal(np.vm[1].reclaim_deadline, now + 100);
	assert_int_equal(np.vm[2].reclaim_deadline, 0);
	np_rx_end(&np, now + 1);                /* outstanding: not again */
	assert_int_equal(np.st.reclaim_events, 2);

	/* VM 0 answers: its deadline goes; asked again it may be. */
	assert_int_equal(release1(0, 9), 1);
	assert_int_equal(np.vm[0].reclaim_deadline, 0);
	rx(mac(2), 60);
	np_rx_end(&np, now + 2);
	assert_int_equal(fk.reclaim_irq[0], 2);
	assert_int_equal(fk.reclaim_irq[1], 1);
	assert_int_equal(np.vm[0].reclaim_deadline, now + 2 + 100);

	/* At the deadline: VM 1, which never answered, loses slots (it
	 * holds 6, under half its quota of 16: one, the oldest). VM 0's
	 * newer deadline has not come. */
	assert_int_equal(np_tick(&np, now + 99), 0);
	assert_int_equal(np_tick(&np, now + 100), 1);
	assert_int_equal(np.vm[1].st.revoked, 1);
	assert_int_equal(np.vm[1].reclaim_deadline, 0);
	assert_int_equal(fk.ept[1][0], 0);
	assert_int_equal(np_vm_held(&np, 1), 5);
	assert_int_equal(np_vm_held(&np, 0), 9);
	assert_int_equal(np.vm[0].st.revoked, 0);
}

/* The oldest slots by delivery order (not by number) go, down to half
 * the quota, with one INVEPT; the ring entries stay as they were. */
static void test_revoke_oldest(void **state)
{
	uint16_t two_five[2] = { 2, 5 }, rest[4] = { 2, 5, 6, 7 };
	struct net_rx_ring before;
	uint64_t hpa[8];
	uint32_t from;

	(void)state;
	world(32, 8, 30, 50);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 5, 5, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 8; i++)
		rx(mac(0), 60);
	assert_int_equal(np_release(&np, 0, two_five, 2, now), 2);
	rx(mac(0), 60);
	rx(mac(0), 60);                         /* slots 2 and 5: newest */
	for (uint32_t s = 0; s < 8; s++)
		hpa[s] = fk.ept[0][s];
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	memcpy(&before, &fk.ring[0], sizeof(before));

	assert_int_equal(np_tick(&np, now + 49), 0);
	from = fk.nlog;
	assert_int_equal(np_tick(&np, now + 50), 4);
	assert_int_equal(count_ops(OP_UNMAP, from), 4);
	assert_int_equal(count_ops(OP_FLUSH, from), 1);
	for (uint32_t s = 0; s < 8; s++) {
		bool gone = s == 0 || s == 1 || s == 3 || s == 4;

		assert_int_equal(fk.ept[0][s], gone ? 0 : hpa[s]);
		assert_int_equal(frame_of(0, s) == NP_NO_FRAME, gone);
		if (gone) {
			uint32_t fi = np_frame_find(&np, hpa[s]);

			assert_true(np.frame[fi].state == FRAME_FREE ||
				    np.frame[fi].state == FRAME_POSTED);
			/* Unscrubbed: only VM 0 saw it (the scrub rule). */
			assert_int_equal(np.frame[fi].seen, 0x1);
		}
	}
	assert_memory_equal(&before, &fk.ring[0], sizeof(before));
	assert_int_equal(np.vm[0].st.revoked, 4);
	assert_int_equal(np.st.revocations, 4);
	assert_int_equal(np.st.invepts, 2);     /* the release, the revocation */
	assert_int_equal(np.vm[0].reclaim_deadline, 0);
	assert_int_equal(np_tick(&np, now + 1000), 0);
	/* A revoked slot is not the guest's to release. */
	assert_int_equal(release1(0, 0), -HC_E_STATE);

	/* An odd quota: 5 -> 2, the three oldest. */
	assert_int_equal(np_release(&np, 0, rest, 4, now), 4);
	for (uint32_t i = 0; i < 5; i++)
		rx(mac(1), 60);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[1], 1);
	assert_int_equal(np_tick(&np, now + 50), 3);
	assert_int_equal(np_vm_held(&np, 1), 2);
	assert_int_equal(fk.ept[1][0] | fk.ept[1][1] | fk.ept[1][2], 0);
	assert_true(fk.ept[1][3] && fk.ept[1][4]);
}

/* Issue 4, test (c) in miniature: VM 0 never reads or releases. It is
 * held to its quota, asked, revoked, again and again, while VMs 1 and 2
 * get every frame sent to them. */
static void test_hoarder(void **state)
{
	uint32_t sent[3] = { 0 };
	struct net_rx_entry e[16];

	(void)state;
	world(32, 8, 26, 20);
	add_vm(0, 16, 8, false, true);
	add_vm(1, 16, 8, false, true);
	add_vm(2, 16, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 400; i++) {
		now++;
		if (i % 5 == 4) {
			rx(BCAST, 64);
			for (uint32_t v = 0; v < 3; v++)
				sent[v]++;
		} else {
			rx(mac(i % 3), 64);
			sent[i % 3]++;
		}
		np_rx_end(&np, now);
		for (uint32_t v = 1; v < 3; v++) {
			uint16_t slots[16];
			uint32_t n = consume(v, e, 16);

			for (uint32_t k = 0; k < n; k++)
				slots[k] = e[k].slot;
			if (n)
				assert_int_equal(np_release(&np, v, slots, n, now), n);
		}
		np_tick(&np, now);
		assert_true(np_vm_held(&np, 0) <= 8);
	}
	for (uint32_t v = 1; v < 3; v++) {
		assert_int_equal(np.vm[v].st.rx_frames, sent[v]);
		assert_int_equal(np.vm[v].st.rx_drop_quota +
				 np.vm[v].st.rx_drop_ring, 0);
		assert_int_equal(np.vm[v].st.revoked, 0);
	}
	assert_true(np.vm[0].st.rx_drop_quota > 0);
	assert_true(np.vm[0].st.revoked >= 8);
	assert_true(np.vm[0].st.rx_frames < sent[0]);
	assert_true(fk.reclaim_irq[0] >= 2);
}

/* A VM asked to reclaim that is still reading its ring when the deadline
 * comes is given another period, at most three times: revoking entries
 * it is about to read would stop a guest that was only slow. A cons
 * that did not move, went back, or ran past prod earns nothing. */
static void test_revoke_spares_reader(void **state)
{
	struct net_rx_entry e[4];
	uint32_t lies[3] = { 0, (uint32_t)-1, 5 };      /* cons moves, relative */

	(void)state;
	world(32, 8, 2, 10);
	add_vm(0, 8, 4, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(rx(mac(0), 64), 1);
	assert_int_equal(rx(mac(0), 64), 0);            /* over quota: asked */
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	for (uint32_t k = 0; k < 3; k++) {
		assert_int_equal(consume(0, e, 1), 1);  /* reads one entry */
		now += 11;
		assert_int_equal(np_tick(&np, now), 0);
		assert_int_equal(np.vm[0].st.reclaim_extended, k + 1);
		assert_int_equal(np_vm_held(&np, 0), 4);
	}
	now += 100;
	fk.waited[0] += 100;                    /* others ran: not its time */
	assert_int_equal(np_tick(&np, now), 0);
	assert_int_equal(np.vm[0].st.reclaim_extended, 3);
	assert_int_equal(consume(0, e, 1), 1);          /* grace used up */
	now += 11;
	assert_int_equal(np_tick(&np, now), 2);
	assert_int_equal(np.vm[0].st.revoked, 2);
	assert_int_equal(fk.reclaim_irq[0], 1);

	/* Lies: no move, backwards, past prod: revoked at the deadline. */
	for (uint32_t k = 0; k < 3; k++) {
		uint32_t revoked = (uint32_t)np.vm[0].st.revoked;

		assert_int_equal(np_release(&np, 0, (uint16_t[]){ 2, 3 }, 2, now), 2);
		fk.ring[0].cons = fk.ring[0].prod;
		for (uint32_t i = 0; i < 5; i++)
			rx(mac(0), 64);
		np_rx_end(&np, now);
		assert_int_equal(np_vm_held(&np, 0), 4);
		fk.ring[0].cons = np.vm[0].reclaim_cons + lies[k];
		if (k == 2)
			fk.ring[0].cons = fk.ring[0].prod + 1;
		now += 11;
		assert_int_equal(np_tick(&np, now), 2);
		assert_int_equal(np.vm[0].st.revoked, revoked + 2);
		assert_int_equal(np.vm[0].st.reclaim_extended, 3);
	}
}

/* A VM held at its quota is asked to reclaim even while the pool is far
 * from its watermark, and revoked when it ignores that: otherwise a
 * hoarder capped by its quota could never push the pool low enough to
 * be asked, and would keep its frames for ever. */
static void test_quota_asks_reclaim(void **state)
{
	(void)state;
	world(32, 8, 2, 10);            /* watermark 2: never reached here */
	add_vm(0, 8, 4, false, true);
	add_vm(1, 8, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(rx(mac(0), 64), 1);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 0);         /* at quota, no drop yet */
	assert_int_equal(rx(mac(0), 64), 0);            /* over quota: dropped */
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	assert_int_equal(fk.reclaim_irq[1], 0);
	assert_int_equal(rx(mac(0), 64), 0);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);         /* asked once */
	now += 5;
	assert_int_equal(np_tick(&np, now), 0);         /* not yet due */
	now += 6;
	assert_true(np_tick(&np, now) >= 2);
	assert_true(np_vm_held(&np, 0) <= 2);
	assert_int_equal(np.vm[0].st.revoked, 4 - np_vm_held(&np, 0));
	assert_int_equal(np.vm[1].st.revoked, 0);
}

/* The quota counts window slots and copy buffers together, so a guest
 * cannot escape it by copy; a frame over it is dropped whichever way it
 * would have gone, and the VM is asked to reclaim. */
static void test_copy_quota(void **state)
{
	(void)state;
	set_mode(NP_HYBRID, 100);
	world(16, 8, 2, 10);
	add_vm_copy(0, 8, 4, false);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(rx(mac(0), 1000), 1);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(rx(mac(0), 1000), 1);
	assert_int_equal(np_vm_held(&np, 0), 4);
	assert_int_equal(np.vm[0].held_copy, 2);
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(rx(mac(0), 1000), 0);
	assert_int_equal(np.vm[0].st.rx_drop_quota, 2);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	/* A buffer back makes room, for either kind. */
	assert_int_equal(release1(0, COPY(0)), 1);
	assert_int_equal(rx(mac(0), 1000), 1);
	assert_int_equal(np_vm_held(&np, 0), 4);
	assert_int_equal(np.vm[0].held_copy, 1);
}

/* A VM that hoards copy buffers only is revoked like any other: its
 * oldest buffers are taken back, down to half its quota, with no unmap
 * and no INVEPT. What it can still read there is its own copy. */
static void test_copy_hoarder(void **state)
{
	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 2, 10);
	add_vm_copy(0, 8, 3, false);
	np_refill(&np);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(rx(mac(0), 60), 0);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	assert_int_equal(np_tick(&np, now + 9), 0);
	assert_int_equal(np_tick(&np, now + 10), 2);
	assert_int_equal(np.vm[0].copy_seq[0] | np.vm[0].copy_seq[1], 0);
	assert_true(np.vm[0].copy_seq[2] != 0);
	assert_int_equal(np.vm[0].st.revoked, 2);
	assert_int_equal(np.st.revocations, 2);
	assert_int_equal(np.st.invepts, 0);
	assert_int_equal(count_ops(OP_UNMAP, 0) + count_ops(OP_FLUSH, 0), 0);
	assert_memory_equal(cbuf(0, 0), mac(0), 6);
	assert_int_equal(release1(0, COPY(0)), -HC_E_STATE);
	assert_int_equal(release1(0, COPY(2)), 1);
}

/* Revocation takes the oldest deliveries first, whichever kind: window
 * slots and copy buffers draw from one sequence. One INVEPT, for the
 * slots among them. */
static void test_copy_revoke_oldest(void **state)
{
	/* 60 bytes: copied; 1000: flipped. */
	static const uint16_t order[8] = {
		60, 1000, 60, 1000, 1000, 60, 60, 1000,
	};
	uint32_t from;

	(void)state;
	set_mode(NP_HYBRID, 100);
	world(16, 8, 2, 10);
	add_vm_copy(0, 8, 8, false);
	np_refill(&np);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(rx(mac(0), order[i]), 1);
	assert_int_equal(rx(mac(0), 60), 0);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	from = fk.nlog;
	assert_int_equal(np_tick(&np, now + 10), 4);
	/* Gone: buffer 0, slot 0, buffer 1, slot 1. */
	assert_int_equal(np.vm[0].copy_seq[0] | np.vm[0].copy_seq[1], 0);
	assert_int_equal(frame_of(0, 0), NP_NO_FRAME);
	assert_int_equal(frame_of(0, 1), NP_NO_FRAME);
	assert_true(np.vm[0].copy_seq[2] && np.vm[0].copy_seq[3]);
	assert_int_not_equal(frame_of(0, 2), NP_NO_FRAME);
	assert_int_not_equal(frame_of(0, 3), NP_NO_FRAME);
	assert_int_equal(count_ops(OP_UNMAP, from), 2);
	assert_int_equal(count_ops(OP_FLUSH, from), 1);
	assert_int_equal(np.vm[0].st.revoked, 4);
	assert_int_equal(np_vm_held(&np, 0), 4);
	assert_int_equal(np.vm[0].held_copy, 2);
}

/* Below the watermark the VMs are ranked by the pool frames they hold:
 * copy buffers keep none from the NIC, so a VM holding only those is
 * not asked, however many it holds. */
static void test_copy_watermark(void **state)
{
	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 8, 100);
	add_vm_copy(0, 16, 16, false);
	add_vm(1, 16, 16, false, true);         /* no copy area: flips */
	np_refill(&np);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(rx(mac(0), 60), 1);
	for (uint32_t i = 0; i < 9; i++)
		assert_int_equal(rx(mac(1), 60), 1);
	np_rx_end(&np, now);                    /* 7 free + posted < 8 */
	assert_int_equal(fk.reclaim_irq[1], 1);
	assert_int_equal(fk.reclaim_irq[0], 0);
	assert_int_equal(np_vm_held(&np, 0), 10);
}

/* --- a VM's stop ----------------------------------------------------------- */

#define STOP_VMS    3
#define STOP_QUOTA  8

/* Hybrid, copying frames up to 100 bytes; VM 1 has a copy area; four
 * FREE frames kept for VM to VM, as vmm/net/net_start.c keeps. */
static void stop_world(void)
{
	set_mode(NP_HYBRID, 100);
	fk.setup.tx_reserve = 4;
	world(32, 32, 8, 1000);
	add_vm(0, 16, STOP_QUOTA, false, true);
	add_vm_copy(1, 16, STOP_QUOTA, false);
	add_vm(2, 16, STOP_QUOTA, false, true);
	np_refill(&np);
}

/* A frame from the wire and the end of its batch. */
static uint32_t rx_batch(const uint8_t dst[6], uint16_t len)
{
	uint32_t n = rx(dst, len);

	np_rx_end(&np, now);
	return n;
}

static uint32_t flushes(uint32_t vm)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < fk.nlog && i < LOG_MAX; i++)
		n += fk.log[i].op == OP_FLUSH && fk.log[i].vm == vm;
	return n;
}

static void window_empty(uint32_t vm)
{
	for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++)
		assert_int_equal(fk.ept[vm][s], 0);
}

/* Two flipped frames, one copied, one broadcast shared with the others:
 * all four back, one INVEPT, the shared frame still delivered to the
 * others. */
static void test_stop_takes_everything_back(void **state)
{
	uint32_t c[FRAME_NR_STATES];

	(void)state;
	stop_world();
	assert_int_equal(rx_batch(mac(1), 600), 1);
	assert_int_equal(rx_batch(mac(1), 700), 1);
	assert_int_equal(rx_batch(mac(1), 60), 1);      /* copied */
	assert_int_equal(rx_batch(BCAST, 300), STOP_VMS);
	assert_int_equal(np_vm_held(&np, 1), 4);
	assert_int_equal(np.vm[1].held_copy, 1);

	assert_int_equal(np_vm_stop(&np, 1), 4);
	assert_int_equal(np_vm_held(&np, 1), 0);
	assert_int_equal(np.vm[1].held_copy, 0);
	assert_int_equal(flushes(1), 1);
	window_empty(1);
	assert_int_equal(np.vm[1].st.revoked, 4);
	assert_null(np.vm[1].ring);
	assert_null(np.vm[1].copy_area);
	np_counts(&np, c);
	assert_int_equal(c[FRAME_DELIVERED], 1);    /* the broadcast, for 0 and 2 */
	assert_int_equal(np_vm_held(&np, 0), 1);
	assert_int_equal(np_vm_held(&np, 2), 1);
}

/* Afterwards: a unicast for it is a counted drop, a broadcast reaches
 * the others only, a VM-to-VM frame for it is a counted drop too, and
 * it is never notified again. */
static void test_nothing_delivered_after_stop(void **state)
{
	uint32_t notified;

	(void)state;
	stop_world();
	assert_int_equal(rx_batch(mac(1), 600), 1);
	assert_int_equal(np_vm_stop(&np, 1), 1);
	notified = fk.rx_irq[1] + fk.reclaim_irq[1];

	assert_int_equal(rx_batch(mac(1), 600), 0);
	assert_int_equal(np.vm[1].st.rx_drop_nosetup, 1);
	assert_int_equal(np.st.rx_drop_no_vm, 1);
	assert_int_equal(rx_batch(BCAST, 80), STOP_VMS - 1);
	assert_int_equal(np.vm[1].st.rx_drop_nosetup, 1);      /* not a target */
	assert_int_equal(np.vm[1].st.rx_frames, 1);
	assert_int_equal(tx(0, mac(1), 60), 0);
	assert_int_equal(np.vm[1].st.rx_drop_nosetup, 2);
	assert_int_equal(np_vm_held(&np, 1), 0);
	window_empty(1);
	/* Over its quota nothing can happen to it: no reclaim request. */
	for (int i = 0; i < STOP_QUOTA + 2; i++)
		rx_batch(mac(1), 600);
	np_tick(&np, now + 5000);
	assert_int_equal(fk.rx_irq[1] + fk.reclaim_irq[1], notified);
}

/* A release or a setup from a stopped VM (it cannot make one, but the
 * path must not care) changes nothing; stopping twice, a VM not present
 * or out of range takes nothing. */
static void test_stop_again_and_bad_ids(void **state)
{
	(void)state;
	stop_world();
	assert_int_equal(rx_batch(mac(2), 600), 1);
	assert_int_equal(np_vm_stop(&np, 2), 1);
	assert_int_equal(np_vm_stop(&np, 2), 0);
	assert_int_equal(release1(2, 0), -HC_E_STATE);
	assert_int_equal(np_vm_stop(&np, STOP_VMS), 0);
	assert_int_equal(np_vm_stop(&np, NP_MAX_VMS), 0);
	assert_int_equal(np_vm_stop(&np, 0xffffffffu), 0);
	assert_int_equal(flushes(2), 1);
}

/* np_tick runs on every poll, so after every VM exit. A tick with no
 * deadline due changes nothing and must not run np_check, which cost
 * more than a Linux VM's 4 ms tick on every exit under Bochs: lx1 then
 * lived in its timer interrupt (docs/linux.md, "The soft lockup on
 * Bochs"). A tick that revokes is a transition and is checked: the
 * check looks up each posted page of the exchange VM (fk_ram_lookups);
 * it walks no RAM, since the revocation remapped only VM 1's window
 * (test_xchg.c, test_check_walks_remapped). */
static void test_idle_tick_checks_nothing(void **state)
{
	uint64_t posts[4];

	(void)state;
	fk.setup.check = NP_CHECK_BATCH;        /* the hypervisor's mode */
	world(32, 8, 30, 50);
	add_vm_xchg(0, 8, false);
	add_vm(1, 8, 8, false, true);
	for (uint32_t i = 0; i < 4; i++)
		posts[i] = post_ent(2 + i, i);
	assert_int_equal(np_post(&np, 0, posts, 4), 4);
	np_refill(&np);
	memset(fk_ram_walks, 0, sizeof(fk_ram_walks));
	fk_ram_lookups = 0;
	for (uint32_t i = 0; i < 1000; i++)
		assert_int_equal(np_tick(&np, now + i), 0);
	assert_int_equal(fk_ram_lookups, 0);
	assert_int_equal(fk_ram_walks[0], 0);

	/* VM 1 takes 8 frames, the pool falls below its watermark and VM 1
	 * is asked; its deadline passes unanswered: that tick revokes. */
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(rx(mac(1), 60), 1);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[1], 1);
	fk_ram_lookups = 0;
	assert_int_equal(np_tick(&np, now + 49), 0);
	assert_int_equal(fk_ram_lookups, 0);
	assert_int_equal(np_tick(&np, now + 50), 4);
	assert_true(fk_ram_lookups > 0);
	assert_int_equal(fk_ram_walks[0], 0);
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_watermark_reclaim),
	T(test_revoke_oldest),
	T(test_hoarder),
	T(test_quota_asks_reclaim),
	T(test_revoke_spares_reader),
	T(test_copy_quota),
	T(test_copy_hoarder),
	T(test_copy_revoke_oldest),
	T(test_copy_watermark),
	T(test_idle_tick_checks_nothing),
};

static const struct CMUnitTest stop_tests[] = {
	T(test_stop_takes_everything_back),
	T(test_nothing_delivered_after_stop),
	T(test_stop_again_and_bad_ids),
};

int main(void)
{
	int failed;

	failed = cmocka_run_group_tests_name("netpath reclaim", tests, NULL,
					     NULL);
	failed += cmocka_run_group_tests_name("netpath stop", stop_tests, NULL,
					      NULL);
	return failed ? 1 : 0;
}
