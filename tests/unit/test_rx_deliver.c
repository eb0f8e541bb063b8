/* Host tests for delivery (vmm/net/rx_deliver.c): np_setup, the
 * receive path into a VM's window (flip) or copy area (copy), by mode
 * and threshold, one notify per batch, a full ring, the quota, a map
 * that fails, frames the driver should never hand back, and the ring's
 * indices as a hostile guest leaves them. On the shared fakes
 * (netpath_fakes.c); each test ends with np_check and the fakes against
 * the books (netpath_steps.c). */
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

static void test_setup(void **state)
{
	uint16_t slot = 0;

	(void)state;
	world(8, 8, 0, 0);
	add_vm(0, 8, 8, false, false);
	assert_int_equal(np_setup(&np, 1, &fk.ring[1], NULL), -HC_E_INVAL);
	assert_int_equal(np_setup(&np, NP_MAX_VMS, &fk.ring[1], NULL),
			 -HC_E_INVAL);
	assert_int_equal(np_setup(&np, 0, NULL, NULL), -HC_E_INVAL);
	memset(&fk.ring[0], 0x77, sizeof(fk.ring[0]));
	assert_int_equal(np_setup(&np, 0, &fk.ring[0], NULL), 0);
	assert_int_equal(fk.ring[0].prod, 0);
	assert_int_equal(fk.ring[0].cons, 0);
	assert_int_equal(fk.ring[0].nr_slots, 8);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(fk.ring[0].prod, 1);

	/* Holding a slot: the ring cannot move. */
	snapshot();
	assert_int_equal(np_setup(&np, 0, &fk.ring[1], NULL), -HC_E_STATE);
	assert_unchanged();

	assert_int_equal(np_release(&np, 0, &slot, 1, now), 1);
	assert_int_equal(np_setup(&np, 0, &fk.ring[1], NULL), 0);
	assert_ptr_equal(np.vm[0].ring, &fk.ring[1]);
	assert_int_equal(np.vm[0].prod, 0);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(fk.ring[0].prod, 1);   /* the old ring is left alone */
}

/* The driver hands back only what was posted: anything else is a bug. */
static void test_rx_panics(void **state)
{
	(void)state;
	world(4, 2, 0, 0);
	add_vm(0, 4, 4, false, true);
	np_refill(&np);
	fk.expect_panic = true;
	snapshot();
	assert_int_equal(np_rx(&np, fhpa(100), 60, now), 0);
	assert_int_equal(fk.panics, 1);
	assert_string_equal(fk.panic_msg, "rx: hpa of no pool frame");
	fk.panics = 0;
	memset(fk.panic_msg, 0, sizeof(fk.panic_msg));
	fk.panic_frame = 0;
	assert_unchanged();
	assert_int_equal(np_rx(&np, fhpa(3), 60, now), 0);  /* FREE, not posted */
	assert_int_equal(fk.panics, 1);
	assert_int_equal(fk.panic_frame, 3);
	assert_string_equal(fk.panic_msg, "rx: frame was not posted");
	fk.expect_panic = false;
}

/* The lowest free slot, the entry, then prod; the slot maps the frame. */
static void test_deliver_slots(void **state)
{
	struct net_rx_entry e[8];
	uint16_t one = 1;

	(void)state;
	world(16, 8, 0, 0);
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 3; i++)
		assert_int_equal(rx(mac(0), (uint16_t)(60 + i)), 1);
	assert_int_equal(np.vm[0].prod, 3);
	assert_int_equal(fk.ring[0].prod, 3);
	assert_int_equal(np_vm_held(&np, 0), 3);
	assert_int_equal(consume(0, e, 8), 3);
	for (uint16_t i = 0; i < 3; i++) {
		uint32_t fi = frame_of(0, i);

		assert_int_equal(e[i].slot, i);
		assert_int_equal(e[i].len, 60 + i);
		assert_int_equal(e[i].flags, 0);
		assert_int_equal(e[i].reserved, 0);
		assert_int_equal(fk.ept[0][i], np.frame[fi].hpa);
		/* What the guest reads at the slot: the frame. */
		assert_memory_equal(fk.page[pidx(fk.ept[0][i])], mac(0), 6);
	}
	/* The slot was mapped before its entry was published. */
	assert_int_equal(fk.prod_at_map[0], 2);
	assert_int_equal(np_release(&np, 0, &one, 1, now), 1);
	assert_int_equal(rx(mac(0), 70), 1);
	assert_int_equal(consume(0, e, 8), 1);
	assert_int_equal(e[0].slot, 1);         /* the lowest free slot */
	assert_int_equal(rx(mac(0), 70), 1);
	assert_int_equal(consume(0, e, 8), 1);
	assert_int_equal(e[0].slot, 3);
	assert_int_equal(np_vm_held(&np, 0), 4);
	assert_int_equal(np_vm_held(&np, 1), 0);
	assert_int_equal(np_vm_held(&np, NP_MAX_VMS), 0);
}

/* One HC_VEC_NET_RX per VM per batch, only to VMs that got frames. */
static void test_one_notify_per_batch(void **state)
{
	(void)state;
	world(16, 8, 0, 0);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 8, 8, false, true);
	add_vm(2, 8, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 3; i++)
		rx(mac(0), 60);
	rx(mac(1), 60);
	rx(UNKNOWN, 60);
	assert_int_equal(count_ops(OP_NOTIFY, 0), 0);   /* not before the end */
	np_rx_end(&np, now);
	assert_int_equal(fk.rx_irq[0], 1);
	assert_int_equal(fk.rx_irq[1], 1);
	assert_int_equal(fk.rx_irq[2], 0);
	np_rx_end(&np, now);
	assert_int_equal(count_ops(OP_NOTIFY, 0), 2);
	rx(BCAST, 60);
	np_rx_end(&np, now);
	for (uint32_t v = 0; v < 3; v++)
		assert_int_equal(fk.rx_irq[v], 1 + (v < 2));
	assert_int_equal(fk.rx_irq[2], 1);
}

/* A guest that does not read its ring: NET_RX_RING entries, then counted drops
 * until it reads some. */
static void test_ring_full(void **state)
{
	struct net_rx_entry e[16];

	(void)state;
	world(300, 64, 0, 0);
	add_vm(0, NET_RX_SLOTS_MAX, NET_RX_SLOTS_MAX, false, true);
	add_vm(1, 8, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < NET_RX_RING; i++)
		assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(fk.ring[0].prod - fk.ring[0].cons, NET_RX_RING);
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 1);
	assert_int_equal(np.st.rx_drop_no_vm, 1);
	/* A broadcast still reaches the VM whose ring has room. */
	assert_int_equal(rx(BCAST, 60), 1);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 2);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(consume(0, e, 10), 10);
	for (uint32_t i = 0; i < 10; i++)
		assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 3);
	assert_int_equal(np_vm_held(&np, 0), NET_RX_RING + 10);
}

/* At its quota a VM gets nothing more, counted for it alone; the other
 * VMs still get their copies of a broadcast. */
static void test_quota(void **state)
{
	(void)state;
	world(32, 16, 0, 0);
	add_vm(0, 8, 2, false, true);
	add_vm(1, 8, 8, false, true);
	np_refill(&np);
	assert_int_equal(rx(BCAST, 60), 2);
	assert_int_equal(rx(BCAST, 60), 2);
	assert_int_equal(rx(BCAST, 60), 1);
	assert_int_equal(np.vm[0].st.rx_drop_quota, 1);
	assert_int_equal(np.vm[1].st.rx_drop_quota, 0);
	assert_int_equal(np_vm_held(&np, 0), 2);
	assert_int_equal(np_vm_held(&np, 1), 3);
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_quota, 2);
	assert_int_equal(rx(mac(1), 60), 1);
	assert_int_equal(release1(0, 0), 1);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(np.vm[0].st.rx_frames, 3);
}

/* A map that fails is that VM's drop; the others still get theirs. */
static void test_map_failure(void **state)
{
	(void)state;
	world(8, 4, 0, 0);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);
	add_vm(2, 4, 4, false, true);
	np_refill(&np);
	fk.map_fail_vm = 1;
	assert_int_equal(rx(BCAST, 60), 2);
	assert_int_equal(np.vm[1].st.rx_drop_map, 1);
	assert_int_equal(fk.ring[1].prod, 0);
	assert_int_equal(np_vm_held(&np, 1), 0);
	assert_int_equal(rx(mac(1), 60), 0);
	assert_int_equal(np.vm[1].st.rx_drop_map, 2);
	fk.map_fail_vm = -1;
}

/* Unicast, per mode: a VM with a copy area gets each frame by the mode's
 * rule, a VM without one always by flip. A copied frame is FREE as soon
 * as np_rx returns, its len bytes scrubbed and never mapped; a flipped
 * one is mapped and DELIVERED. Copies fill the lowest free buffer,
 * flips the lowest free slot, each kind numbered on its own. */
static void test_mode_unicast(void **state)
{
	const struct mode_case *m = *state;
	static const uint16_t lens[] = { 60, 1000, 300, 301,
					 NET_MTU_DEFAULT + NET_ETH_OVERHEAD };
	static const uint32_t want_copied[] = {
		[NP_FLIP] = 0, [NP_COPY] = 5, [NP_HYBRID] = 2,
	};
	uint8_t data[NET_MTU_DEFAULT + NET_ETH_OVERHEAD];
	uint32_t copied = 0, flipped = 0;
	struct hc_net_stats hs;

	set_mode(m->mode, m->threshold);
	world(16, 8, 0, 0);
	add_vm_copy(0, 8, 8, false);
	add_vm(1, 8, 8, false, true);           /* no copy area */
	np_refill(&np);
	for (uint32_t i = 0; i < ARRAY_SIZE(lens); i++) {
		bool c = copies(m, lens[i]);
		uint64_t scrubbed = np.st.bytes_scrubbed;
		uint64_t hpa = nic_write(mac(0), lens[i]);
		uint32_t fi = np_frame_find(&np, hpa), from = fk.nlog;

		memcpy(data, fk.page[pidx(hpa)], lens[i]);
		assert_int_equal(np_rx(&np, hpa, lens[i], now), 1);
		assert_entry(0, i, data, lens[i], 0, c);
		assert_int_equal(fk.ring[0].ent[i].slot, c ? copied : flipped);
		assert_int_equal(np.frame[fi].state,
				 c ? FRAME_FREE : FRAME_DELIVERED);
		/* Fresh pages: nothing stale to zero, copied or mapped. */
		assert_int_equal(np.st.bytes_scrubbed - scrubbed, 0);
		assert_int_equal(count_ops(OP_MAP, from), !c);
		if (c)  /* back unscrubbed: no VM mapped what it holds */
			assert_int_equal(np.frame[fi].seen, 0);
		copied += c;
		flipped += !c;
	}
	assert_int_equal(copied, want_copied[m->mode]);
	/* No copy area: flip, whatever the mode. */
	assert_int_equal(rx_keep(mac(1), 60, data), 1);
	assert_entry(1, 0, data, 60, 0, false);

	assert_int_equal(np.vm[0].st.rx_copied, copied);
	assert_int_equal(np.vm[0].held_copy, copied);
	assert_int_equal(np.vm[1].st.rx_copied, 0);
	assert_int_equal(np.st.rx_copied, copied);
	assert_int_equal(np.st.rx_flipped, flipped + 1);
	assert_int_equal(np_vm_stats(&np, 0, &hs), 0);
	assert_int_equal(hs.rx_copied, copied);
	assert_int_equal(hs.rx_frames, ARRAY_SIZE(lens));
	assert_int_equal(hs.held, ARRAY_SIZE(lens));
	assert_int_equal(np_vm_held(&np, 0), ARRAY_SIZE(lens));
	np_rx_end(&np, now);
	assert_int_equal(fk.rx_irq[0], 1);
	assert_int_equal(fk.rx_irq[1], 1);
}

/* A broadcast, per mode, to VMs 0 and 2 (copy areas) and 1 (none): the
 * one pool frame is copied into some and mapped into the others. It
 * stays DELIVERED while any VM maps it, and goes back unscrubbed when
 * the last mapping goes, seen by the VMs that mapped it (the scrub
 * rule); the VMs that copied it hold only their buffers. */
static void test_mode_broadcast(void **state)
{
	const struct mode_case *m = *state;
	static const uint16_t lens[] = { 60, 1000 };
	uint8_t data[1000];
	uint16_t slots[2 * NET_RX_SLOTS_MAX];
	uint64_t hpa[2];
	uint32_t fi[2], window = 0;

	set_mode(m->mode, m->threshold);
	world(16, 8, 0, 0);
	add_vm_copy(0, 8, 8, false);
	add_vm(1, 8, 8, false, true);
	add_vm_copy(2, 8, 8, false);
	np_refill(&np);
	for (uint32_t i = 0; i < 2; i++) {
		bool c = copies(m, lens[i]);

		hpa[i] = nic_write(BCAST, lens[i]);
		fi[i] = np_frame_find(&np, hpa[i]);
		memcpy(data, fk.page[pidx(hpa[i])], lens[i]);
		assert_int_equal(np_rx(&np, hpa[i], lens[i], now), 3);
		for (uint32_t v = 0; v < 3; v++)
			assert_entry(v, i, data, lens[i], NET_RX_F_BCAST,
				     c && v != 1);
		assert_int_equal(np.frame[fi[i]].state, FRAME_DELIVERED);
		assert_int_equal(np.frame[fi[i]].holders, c ? 0x2 : 0x7);
		assert_int_equal(np.frame[fi[i]].scrub_len, lens[i]);
		window += !c;
	}
	assert_int_equal(np.st.bytes_scrubbed, 0);
	assert_int_equal(np.st.rx_copied + np.st.rx_flipped, 6);
	assert_int_equal(np.vm[1].st.rx_bcast, 2);

	/* VMs 0 and 2 let go first: a frame VM 1 maps stays. */
	for (uint32_t v = 0; v < 3; v += 2) {
		uint64_t invepts = np.st.invepts;
		uint32_t n = held_list(v, slots);

		assert_int_equal(n, 2);
		assert_int_equal(np_release(&np, v, slots, n, now), 2);
		assert_int_equal(np.st.invepts - invepts, window ? 1 : 0);
	}
	for (uint32_t i = 0; i < 2; i++) {
		assert_int_equal(np.frame[fi[i]].state, FRAME_DELIVERED);
		assert_int_equal(np.frame[fi[i]].holders, 0x2);
		assert_memory_equal(fk.page[pidx(hpa[i])], BCAST, 6);
	}
	assert_int_equal(np.st.bytes_scrubbed, 0);
	slots[0] = 1;
	slots[1] = 0;
	assert_int_equal(np_release(&np, 1, slots, 2, now), 2);
	for (uint32_t i = 0; i < 2; i++)
		assert_true((np.frame[fi[i]].state == FRAME_FREE ||
			     np.frame[fi[i]].state == FRAME_POSTED) &&
			    np.frame[fi[i]].seen ==
			    (copies(m, lens[i]) ? 0x2 : 0x7));
	assert_int_equal(np.st.bytes_scrubbed, 0);
}

/* A frame every target copied is FREE when np_rx returns, unscrubbed
 * (no VM has mapped it: its len bytes are stale, seen by none), with no
 * map, unmap or flush; the refill at the end of the batch gives it straight back to
 * the NIC. The buffers hold the NIC's bytes, and the guest's own bytes
 * past len are left alone. */
static void test_copy_frame_back(void **state)
{
	uint8_t first[700], data[NET_COPY_BUF_SIZE];
	uint64_t hpa;
	uint32_t p, fi, from;

	(void)state;
	set_mode(NP_COPY, 0);
	fk.setup.mtu = NET_MTU_MAX;     /* a frame of a whole copy buffer */
	world(8, 1, 0, 0);
	add_vm_copy(0, 4, 4, false);
	add_vm_copy(1, 4, 4, false);
	np_refill(&np);
	hpa = nic_write(BCAST, 700);
	p = pidx(hpa);
	fi = np_frame_find(&np, hpa);
	memcpy(first, fk.page[p], 700);
	memset(fk.page[p] + 700, SENTINEL, NET_SLOT_SIZE - 700);
	from = fk.nlog;
	assert_int_equal(np_rx(&np, hpa, 700, now), 2);
	assert_int_equal(np.frame[fi].state, FRAME_FREE);
	assert_int_equal(np.frame[fi].holders, 0);
	assert_int_equal(np.frame[fi].scrub_len, 700);
	assert_int_equal(np.frame[fi].seen, 0);
	assert_memory_equal(fk.page[p], first, 700);
	assert_true(all_bytes(fk.page[p] + 700, NET_SLOT_SIZE - 700, SENTINEL));
	assert_int_equal(np.st.bytes_scrubbed, 0);
	assert_int_equal(fk.nlog, from);        /* no op at all */
	for (uint32_t v = 0; v < 2; v++) {
		assert_entry(v, 0, first, 700, NET_RX_F_BCAST, true);
		assert_true(all_bytes(cbuf(v, 0) + 700, NET_COPY_BUF_SIZE - 700,
				      CA_FILL));
		assert_int_equal(np_vm_held(&np, v), 1);
		assert_int_equal(np.vm[v].held_copy, 1);
	}
	memset(fk.page[p] + 700, 0, NET_SLOT_SIZE - 700);  /* the test's own */
	np_rx_end(&np, now);
	assert_int_equal(fk.nic_n, 1);
	assert_int_equal(fk.nic[fk.nic_head], hpa);
	assert_int_equal(fk.rx_irq[0], 1);
	assert_int_equal(fk.rx_irq[1], 1);

	/* A frame of the largest length into the next buffer: the
	 * neighbours keep what they had. */
	assert_int_equal(rx_keep(mac(0), NET_COPY_BUF_SIZE, data), 1);
	assert_entry(0, 1, data, NET_COPY_BUF_SIZE, 0, true);
	assert_int_equal(fk.ring[0].ent[1].slot, 1);
	assert_memory_equal(cbuf(0, 0), first, 700);
	assert_true(all_bytes(cbuf(0, 2), 2 * NET_COPY_BUF_SIZE, CA_FILL));
	assert_int_equal(np.st.bytes_scrubbed, 0);       /* copies expose nothing */
	assert_int_equal(np.st.invepts, 0);
	assert_int_equal(count_ops(OP_MAP, 0) + count_ops(OP_UNMAP, 0) +
			 count_ops(OP_FLUSH, 0), 0);
}

/* Hybrid at its edges: a frame of exactly copy_threshold bytes is
 * copied, one byte more is flipped; threshold 0 never copies. */
static void test_hybrid_threshold(void **state)
{
	static const struct { uint16_t threshold, len; bool copy; } cases[] = {
		{ 100, 99, true }, { 100, 100, true }, { 100, 101, false },
		{ 0, NET_FRAME_MIN, false }, { 0, 60, false },
		{ 14, NET_FRAME_MIN, true }, { 14, 15, false },
		{ 1514, 1514, true }, { 1514, 1515, false },
		{ 2047, NET_COPY_BUF_SIZE, false }, { 2048, NET_COPY_BUF_SIZE, true },
	};
	uint8_t data[NET_COPY_BUF_SIZE];
	uint32_t copied = 0;

	(void)state;
	set_mode(NP_HYBRID, 0);
	fk.setup.mtu = NET_MTU_MAX;
	world(8, 4, 0, 0);
	add_vm_copy(0, 4, 4, false);
	np_refill(&np);
	for (uint32_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct net_rx_entry *e = &fk.ring[0].ent[i];

		np.copy_threshold = cases[i].threshold;
		assert_int_equal(rx_keep(mac(0), cases[i].len, data), 1);
		if (!!(e->flags & NET_RX_F_COPY) != cases[i].copy)
			fail_msg("threshold %u, len %u: %s", cases[i].threshold,
				 cases[i].len,
				 cases[i].copy ? "flipped" : "copied");
		assert_entry(0, i, data, cases[i].len, 0, cases[i].copy);
		assert_int_equal(release1(0, cases[i].copy ? COPY(e->slot) :
					  e->slot), 1);
		copied += cases[i].copy;
	}
	assert_int_equal(np.vm[0].st.rx_copied, copied);
	assert_int_equal(np.st.rx_flipped, ARRAY_SIZE(cases) - copied);
}

/* A copied frame's page goes back to the pool as the frame is copied,
 * unicast and broadcast alike, and the refills post the pool's pages
 * lowest first, also when one runs in the middle of the frames: the NIC
 * gets them in ascending order. In an order that changes at every pass
 * the prefetcher that follows the path's reads page by page could not
 * (frame_pool.c, pool_first). */
static void test_copy_keeps_order(void **state)
{
	uint64_t hpa[8];

	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 0, 0);
	add_vm_copy(0, 8, 8, false);
	add_vm_copy(1, 8, 8, false);
	np_refill(&np);
	for (uint32_t i = 0; i < 8; i++) {
		uint16_t len = (uint16_t)(60 + i);

		if (i == 4)
			assert_int_equal(np_refill(&np), 4);
		hpa[i] = nic_write(i % 2 ? BCAST : mac(0), len);
		assert_int_equal(np_rx(&np, hpa[i], len, now), i % 2 ? 2 : 1);
		assert_int_equal(np.frame[np_frame_find(&np, hpa[i])].state,
				 FRAME_FREE);
	}
	np_rx_end(&np, now);
	assert_int_equal(fk.nic_n, 8);
	for (uint32_t i = 0; i < 8; i++)
		if (fk.nic[(fk.nic_head + i) % fk.maxf] != hpa[i] ||
		    hpa[i] != fhpa(i))
			fail_msg("the NIC's buffer %u is not page %u", i, i);
}

/* Flipped frames come back in whatever order the guest releases them:
 * the next refill posts them lowest first all the same, not in the
 * order they were put back. */
static void test_refill_lowest_first(void **state)
{
	static const uint16_t order[8] = { 5, 2, 7, 0, 3, 6, 1, 4 };

	(void)state;
	set_mode(NP_FLIP, 0);
	world(16, 8, 0, 0);
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(rx(mac(0), 60), 1);    /* frame i, slot i */
	assert_int_equal(np_refill(&np), 8);            /* 8..15: full */
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(release1(0, order[i]), 1);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(rx(mac(0), 60), 1);    /* frames 8..15 */
	assert_int_equal(np_refill(&np), 8);
	for (uint32_t i = 0; i < 8; i++)
		if (fk.nic[(fk.nic_head + i) % fk.maxf] != fhpa(i))
			fail_msg("the NIC's buffer %u is not page %u", i, i);
	assert_true(np_check(&np));
}

/* The copy area: refused over a pool page or the ring; moved or dropped
 * only while the VM holds nothing, copy buffers included; without one,
 * copy mode flips. */
static void test_setup_copy_area(void **state)
{
	uint8_t *a;
	size_t len;

	(void)state;
	set_mode(NP_COPY, 0);
	world(8, 4, 0, 0);
	add_vm(0, 4, 4, false, false);
	a = area_for(0);
	len = carea_len[0];
	snapshot();
	assert_int_equal(np_setup(&np, 0, &fk.ring[0], fk.page[3]),
			 -HC_E_INVAL);
	assert_int_equal(np_setup(&np, 0, &fk.ring[0],
				  fk.page[7] + NET_COPY_BUF_SIZE), -HC_E_INVAL);
	assert_int_equal(np_setup(&np, 0, (struct net_rx_ring *)a, a),
			 -HC_E_INVAL);
	assert_int_equal(np_setup(&np, 0, (struct net_rx_ring *)(a + len - 16),
				  a), -HC_E_INVAL);
	assert_unchanged();

	assert_int_equal(np_setup(&np, 0, &fk.ring[0], a), 0);
	assert_ptr_equal(np.vm[0].copy_area, a);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(fk.ring[0].ent[0].flags, NET_RX_F_COPY);
	snapshot();
	assert_int_equal(np_setup(&np, 0, &fk.ring[0], NULL), -HC_E_STATE);
	assert_unchanged();
	assert_int_equal(release1(0, COPY(0)), 1);
	assert_int_equal(np_setup(&np, 0, &fk.ring[0], NULL), 0);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(fk.ring[0].ent[0].flags, 0);
	assert_true(fk.ept[0][0] != 0);
}

/* The guest may write anything into its ring. A cons ahead of prod or
 * more than a ring behind means full; prod as the guest left it is
 * never read back. */
static void test_untrusted_ring(void **state)
{
	struct net_rx_ring *r = &fk.ring[0];
	struct net_rx_entry e[4];

	(void)state;
	world(16, 8, 0, 0);
	add_vm(0, 16, 16, false, true);
	np_refill(&np);
	for (uint32_t i = 0; i < 3; i++)
		rx(mac(0), 60);

	r->cons = 4;                            /* ahead of prod */
	assert_int_equal(rx(mac(0), 60), 0);
	r->cons = 0xffffffff;                   /* ahead by 2^32 - 1 */
	assert_int_equal(rx(mac(0), 60), 1);    /* means 4 in the ring: fine */
	r->cons = 4 - NET_RX_RING - 1;          /* more than a ring behind */
	assert_int_equal(rx(mac(0), 60), 0);
	r->cons = 0x80000000;
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 3);
	assert_int_equal(np.st.rx_drop_no_vm, 3);

	r->cons = 0;
	r->prod = 12345;                        /* the guest's scribble */
	r->nr_slots = 9999;
	assert_int_equal(rx(mac(0), 61), 1);
	assert_int_equal(r->prod, 5);
	assert_int_equal(np.vm[0].prod, 5);
	assert_int_equal(r->ent[4].len, 61);
	assert_int_equal(consume(0, e, 4), 4);
	assert_int_equal(e[0].slot, 0);
	assert_int_equal(e[3].slot, 3);
	assert_int_equal(np_vm_held(&np, 0), 5);
}

/* The indices run freely across 2^32: entries land at i % NET_RX_RING,
 * full and empty work across the wrap. The test moves both sides'
 * counters as if 2^32 - 16 frames had passed already. */
static void test_ring_wrap(void **state)
{
	struct net_rx_ring *r = &fk.ring[0];
	struct net_rx_entry e[1];
	uint32_t start = 0xfffffff0u;

	(void)state;
	world(300, 64, 0, 0);
	add_vm(0, NET_RX_SLOTS_MAX, NET_RX_SLOTS_MAX, false, true);
	np_refill(&np);
	np.vm[0].prod = r->prod = r->cons = start;

	/* The guest reads each entry as it comes, across the wrap. */
	for (uint32_t i = 0; i < 40; i++) {
		uint32_t c = start + i;

		assert_int_equal(rx(mac(0), (uint16_t)(100 + i)), 1);
		assert_int_equal(r->prod, c + 1);
		assert_int_equal(r->ent[c % NET_RX_RING].len, 100 + i);
		assert_int_equal(consume(0, e, 1), 1);
		assert_int_equal(e[0].slot, i);
		assert_int_equal(e[0].len, 100 + i);
		assert_int_equal(consume(0, e, 1), 0);   /* empty */
	}
	assert_int_equal(r->prod, 24);

	/* Full when prod - cons == NET_RX_RING, cons before the wrap. */
	np.vm[0].prod = r->prod = 0x7f;
	r->cons = 0x7f - NET_RX_RING;
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 1);
	r->cons++;
	assert_int_equal(rx(mac(0), 77), 1);
	assert_int_equal(r->ent[0x7f % NET_RX_RING].len, 77);
	assert_int_equal(r->prod, 0x80);
	np.vm[0].prod = r->prod = 0xffffffff;
	r->cons = 0xffffffff - NET_RX_RING;
	assert_int_equal(rx(mac(0), 60), 0);
	r->cons++;
	assert_int_equal(rx(mac(0), 78), 1);
	assert_int_equal(r->prod, 0);
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_setup),
	T(test_rx_panics),
	T(test_deliver_slots),
	T(test_one_notify_per_batch),
	T(test_ring_full),
	T(test_quota),
	T(test_map_failure),
	T(test_untrusted_ring),
	T(test_ring_wrap),
	T(test_copy_frame_back),
	T(test_hybrid_threshold),
	T(test_copy_keeps_order),
	T(test_refill_lowest_first),
	T(test_setup_copy_area),
};

static struct CMUnitTest unicast_tests[ARRAY_SIZE(mode_cases)];

static struct CMUnitTest broadcast_tests[ARRAY_SIZE(mode_cases)];

int main(void)
{
	int failed;

	ROWS(unicast_tests, mode_cases, test_mode_unicast);
	ROWS(broadcast_tests, mode_cases, test_mode_broadcast);
	failed = cmocka_run_group_tests_name("netpath delivery", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath unicast per mode", unicast_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath broadcast per mode", broadcast_tests, NULL, NULL);
	return failed ? 1 : 0;
}
