/* Host tests for copy rings (NET_COPY_RING, vmm/net/rx_deliver.c): a VM
 * that registers its copy area with the flag gets the copy announced in
 * ring entry p in buffer p & copy_mask, never releases it, and gets no
 * copy while that buffer's last entry is unconsumed; the buffers it is
 * reading are never written. Set-up refuses a bad flag and changes
 * nothing; a release of a copy buffer is refused; the index runs on
 * across the wrap of prod; a jumbo frame takes consecutive entries. On
 * the shared fakes (netpath_fakes.c); each test ends with np_check and
 * the fakes against the books (netpath_steps.c). */
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

/* VM v, 'slots' buffers, on a copy ring. */
static void add_vm_ring(uint32_t v, uint16_t slots)
{
	assert_int_equal(np_add_vm(&np, v, mac(v), slots, slots, false), 0);
	assert_int_equal(np_setup_flags(&np, v, &fk.ring[v], area_for(v),
					NET_COPY_RING), 0);
}

static void test_setup_flags(void **state)
{
	static const struct { uint16_t slots, mask; } sizes[] = {
		{ 1, 0 }, { 2, 1 }, { 5, 3 }, { 256, 255 }, { 300, 255 },
		{ NET_RX_SLOTS_MAX, NET_RX_SLOTS_MAX - 1 },
	};

	(void)state;
	world(8, 8, 0, 0);
	assert_int_equal(np_add_vm(&np, 0, mac(0), 8, 8, false), 0);
	area_for(0);
	snapshot();
	/* No copy area, or a flag we do not know: refused, nothing set. */
	assert_int_equal(np_setup_flags(&np, 0, &fk.ring[0], NULL,
					NET_COPY_RING), -HC_E_INVAL);
	assert_int_equal(np_setup_flags(&np, 0, &fk.ring[0], area_for(0),
					NET_COPY_RING | 2), -HC_E_INVAL);
	assert_int_equal(np_setup_flags(&np, 0, &fk.ring[0], area_for(0),
					0x800), -HC_E_INVAL);
	assert_unchanged();
	assert_false(np.vm[0].ring);

	for (uint32_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		uint32_t v = 1 + i;

		add_vm_ring(v, sizes[i].slots);
		assert_true(np.vm[v].copy_ring);
		assert_int_equal(np.vm[v].copy_mask, sizes[i].mask);
	}
	/* Set up again without the flag: buffers come back by release. */
	assert_int_equal(np_setup_flags(&np, 1, &fk.ring[1], area_for(1), 0),
			 0);
	assert_false(np.vm[1].copy_ring);
}

/* Each copy lands in its entry's buffer; nothing is held. */
static void test_buffer_is_entry(void **state)
{
	uint8_t data[20][200];

	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 0, 0);
	add_vm_ring(0, 8);
	np_refill(&np);
	for (uint32_t i = 0; i < 20; i++) {
		struct net_rx_entry e;

		assert_int_equal(rx_keep(mac(0), (uint16_t)(60 + i), data[i]), 1);
		assert_entry(0, i, data[i], (uint16_t)(60 + i), 0, true);
		assert_int_equal(fk.ring[0].ent[i].slot, i % 8);
		assert_int_equal(np_vm_held(&np, 0), 0);
		assert_int_equal(np.vm[0].held_copy, 0);
		if (i % 3 == 2)
			while (consume(0, &e, 1))
				;
		np_rx_end(&np, now);
	}
	assert_int_equal(np.vm[0].st.rx_copied, 20);
	assert_int_equal(np.st.rx_copy_one, 20);
}

/* Four buffers: a fifth copy waits for the guest to consume the first
 * entry, and the buffers it is still reading keep their bytes. */
static void test_bounded_by_buffers(void **state)
{
	uint8_t data[5][100];
	struct net_rx_entry e;

	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 0, 0);
	add_vm_ring(0, 4);
	np_refill(&np);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(rx_keep(mac(0), 100, data[i]), 1);
	snapshot();
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 1);
	for (uint32_t i = 0; i < 4; i++)
		assert_entry(0, i, data[i], 100, 0, true);
	assert_int_equal(fk.ring[0].prod, 4);
	/* The guest takes one entry: its buffer, and only it, is reused. */
	assert_int_equal(consume(0, &e, 1), 1);
	assert_int_equal(rx_keep(mac(0), 100, data[4]), 1);
	assert_int_equal(fk.ring[0].ent[4].slot, 0);
	assert_entry(0, 4, data[4], 100, 0, true);
	for (uint32_t i = 1; i < 4; i++)
		assert_entry(0, i, data[i], 100, 0, true);
	/* Flips do not take buffers: a hybrid VM's flip still fits. */
	np.mode = NP_HYBRID;
	np.copy_threshold = 200;
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 2);
	assert_int_equal(rx(mac(0), 1000), 1);
	assert_int_equal(np_vm_held(&np, 0), 1);
	assert_false(fk.ring[0].ent[5].flags & NET_RX_F_COPY);
}

/* A copy ring's buffers are never released: the whole list is refused,
 * nothing changes. */
static void test_release_refused(void **state)
{
	uint16_t list[2];

	(void)state;
	set_mode(NP_HYBRID, 200);
	world(16, 8, 0, 0);
	add_vm_ring(0, 8);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);            /* copied, buffer 0 */
	assert_int_equal(rx(mac(0), 1000), 1);          /* flipped */
	np_rx_end(&np, now);
	list[0] = fk.ring[0].ent[1].slot;
	list[1] = COPY(0);
	snapshot();
	snap_np.vm[0].st.release_errors++;
	assert_int_equal(np_release(&np, 0, &list[1], 1, now), -HC_E_STATE);
	snap_np.vm[0].st.release_errors++;
	assert_int_equal(np_release(&np, 0, list, 2, now), -HC_E_STATE);
	assert_unchanged();
	assert_int_equal(np_release(&np, 0, list, 1, now), 1);
	assert_int_equal(np_vm_held(&np, 0), 0);
}

/* Entry p's buffer is p & copy_mask across the wrap of prod: no jump,
 * so a buffer still unconsumed before the wrap is not written after it. */
static void test_wrap(void **state)
{
	struct net_rx_ring *r = &fk.ring[0];
	uint32_t start = 0xfffffffdu;
	uint8_t data[6][80];
	struct net_rx_entry e;

	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 0, 0);
	add_vm_ring(0, 6);                      /* four buffers */
	np_refill(&np);
	np.vm[0].prod = r->prod = r->cons = start;
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(rx_keep(mac(0), 80, data[i]), 1);
		assert_int_equal(r->ent[(start + i) % NET_RX_RING].slot,
				 (start + i) & 3);
	}
	assert_int_equal(r->prod, 1);
	assert_int_equal(rx(mac(0), 60), 0);    /* all four unconsumed */
	assert_int_equal(consume(0, &e, 1), 1);
	assert_int_equal(e.slot, 1);            /* 0xfffffffd & 3 */
	assert_int_equal(rx_keep(mac(0), 80, data[4]), 1);
	assert_int_equal(r->ent[1].slot, 1);
	for (uint32_t i = 1; i < 5; i++)
		assert_entry(0, start + i, data[i], 80, 0, true);
}

/* The NIC writes a 'len'-byte frame (one to two pages) to 'dst', the
 * bytes kept in 'out'; the first page to np_rx_part, the last to np_rx,
 * whose result this is. */
static uint32_t rx_two_pages(const uint8_t dst[6], uint16_t len, uint8_t *out)
{
	uint64_t first = nic_write(dst, NET_SLOT_SIZE);
	uint16_t last = (uint16_t)(len - NET_SLOT_SIZE);
	uint64_t second = nic_write(UNKNOWN, last);

	memcpy(out, fk.page[pidx(first)], NET_SLOT_SIZE);
	memcpy(out + NET_SLOT_SIZE, fk.page[pidx(second)], last);
	np_rx_part(&np, first, NET_SLOT_SIZE);
	return np_rx(&np, second, last, now);
}

/* A jumbo frame copies into consecutive entries' buffers, and waits
 * whole for room in them. */
static void test_jumbo(void **state)
{
	static uint8_t data[2 * NET_SLOT_SIZE];

	(void)state;
	set_mode(NP_COPY, 0);
	fk.setup.mtu = NET_MTU_MAX;
	world(32, 8, 0, 0);
	add_vm_ring(0, 4);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(rx(mac(0), 60), 1);
	snapshot();
	assert_int_equal(rx_two_pages(mac(0), 5000, data), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 1);
	assert_int_equal(fk.ring[0].prod, 2);
	fk.ring[0].cons = 2;
	assert_int_equal(rx_two_pages(mac(0), 5000, data), 1);
	assert_int_equal(fk.ring[0].prod, 5);
	for (uint32_t k = 0; k < 3; k++) {
		const struct net_rx_entry *e = &fk.ring[0].ent[2 + k];
		uint16_t n = k < 2 ? NET_COPY_BUF_SIZE :
			     5000 - 2 * NET_COPY_BUF_SIZE;

		assert_int_equal(e->slot, (2 + k) & 3);
		assert_int_equal(e->len, n);
		assert_int_equal(e->flags, NET_RX_F_COPY |
				 (k < 2 ? NET_RX_F_MORE : 0));
		assert_memory_equal(cbuf(0, e->slot),
				    data + k * NET_COPY_BUF_SIZE, n);
	}
}

/* A guest whose cons is ahead of prod, or a ring and more behind, has
 * no room: nothing is written, its buffers keep their bytes. */
static void test_lying_cons(void **state)
{
	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 0, 0);
	add_vm_ring(0, 8);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);
	fk.ring[0].cons = 5;                    /* ahead of prod 1 */
	snapshot();
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_ring, 1);
	assert_true(all_bytes(cbuf(0, 1), 7 * NET_COPY_BUF_SIZE, CA_FILL));
	fk.ring[0].cons = 1;
	assert_int_equal(rx(mac(0), 60), 1);
}

/* Detached, or set up again for exchange, a VM is on no copy ring any
 * more: the books agree (np_check), and a later window set-up without
 * the flag releases its copies. */
static void test_detach(void **state)
{
	(void)state;
	set_mode(NP_COPY, 0);
	world(16, 8, 0, 0);
	add_vm_xchg(0, 8, false);               /* its RAM, for exchange */
	assert_int_equal(np_detach(&np, 0), 0);
	assert_int_equal(np_setup_flags(&np, 0, &fk.ring[0], area_for(0),
					NET_COPY_RING), 0);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(np_detach(&np, 0), 0);
	assert_false(np.vm[0].copy_ring);
	assert_true(np_check(&np));
	assert_int_equal(np_setup_flags(&np, 0, &fk.ring[0], area_for(0),
					NET_COPY_RING), 0);
	assert_int_equal(np_setup_xchg(&np, 0, &fk.ring[0], RING_GPA,
				       RAM_PAGES * NET_SLOT_SIZE), 0);
	assert_false(np.vm[0].copy_ring);
	assert_true(np_check(&np));
	assert_int_equal(np_detach(&np, 0), 0);
	assert_int_equal(np_setup(&np, 0, &fk.ring[0], area_for(0)), 0);
	assert_int_equal(rx(mac(0), 60), 1);
	assert_int_equal(np.vm[0].held_copy, 1);
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_setup_flags),
	T(test_buffer_is_entry),
	T(test_bounded_by_buffers),
	T(test_release_refused),
	T(test_wrap),
	T(test_jumbo),
	T(test_lying_cons),
	T(test_detach),
};

int main(void)
{
	return cmocka_run_group_tests_name("netpath copy rings", tests, NULL,
					   NULL) ? 1 : 0;
}
