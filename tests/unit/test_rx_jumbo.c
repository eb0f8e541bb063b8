/* Host tests for jumbo frames (vmm/net/rx_frame.c, rx_deliver.c): a
 * frame over several NIC descriptors joined and delivered as a run of
 * NET_RX_F_MORE entries, by flip into consecutive slots, by copy into as
 * many buffers, by exchange into as many posted pages; frames over the
 * mtu dropped whole and counted, never cut; a VM short of slots, quota
 * or posted pages gets none of a frame; a map failing mid-frame cuts the
 * run (NET_RX_F_CUT) and loses no page; the pages waiting for a frame's
 * last descriptor are RECEIVED and counted by np_check; a jumbo frame
 * VM to VM. Each test ends with np_check, the fakes against the books
 * and every idle page zero (finish()). */
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

#define JUMBO   NET_JUMBO_MAX           /* 9018 bytes: three pages */
#define LAST    (JUMBO - 2 * NET_SLOT_SIZE)

static uint8_t data[3 * NET_SLOT_SIZE];
static uint64_t hpas[4];

/* The NIC writes a 'len'-byte frame to 'dst' over as many buffers as it
 * needs (the bytes kept in data[]); the pieces go to np_rx_part, the
 * last to np_rx, whose result this is. */
static uint32_t rx_jumbo(const uint8_t dst[6], uint32_t len)
{
	uint32_t n = (len + NET_SLOT_SIZE - 1) / NET_SLOT_SIZE;

	for (uint32_t j = 0; j < n; j++) {
		uint16_t l = (uint16_t)(j + 1 < n ? NET_SLOT_SIZE :
					len - j * NET_SLOT_SIZE);

		hpas[j] = nic_write(j ? UNKNOWN : dst, l);
		if (j < 3)
			memcpy(data + j * NET_SLOT_SIZE,
			       fk.page[pidx(hpas[j])], l);
	}
	for (uint32_t j = 0; j + 1 < n; j++)
		np_rx_part(&np, hpas[j], NET_SLOT_SIZE);
	return np_rx(&np, hpas[n - 1], (uint16_t)(len - (n - 1) * NET_SLOT_SIZE),
		     now);
}

static const struct net_rx_entry *ent(uint32_t v, uint32_t i)
{
	return &fk.ring[v].ent[i % NET_RX_RING];
}

static void release_all(uint32_t v)
{
	uint16_t list[2 * NET_RX_SLOTS_MAX];
	uint32_t n = held_list(v, list);

	for (uint32_t i = 0, k; i < n; i += k) {
		k = n - i < HC_NET_BATCH ? n - i : HC_NET_BATCH;
		assert_int_equal(np_release(&np, v, list + i, k, now), (int)k);
	}
}

/* The end-of-test checks, then a fresh world for the next part. */
static void again(void)
{
	finish(NULL);
	reset(NULL);
	memset(&np, 0, sizeof(np));
}

static void jumbo_world(uint8_t mode, uint16_t threshold)
{
	set_mode(mode, threshold);
	fk.setup.mtu = NET_MTU_MAX;
	world(24, 16, 0, 0);
}

/* Exchange VM 0 with RAM pages 10.. posted in post slots 0..n-1. */
static void xchg_vm(uint32_t n)
{
	uint64_t e[3];

	add_vm_xchg(0, 8, false);
	for (uint32_t s = 0; s < n; s++)
		e[s] = post_ent(10 + s, s);
	assert_int_equal(np_post(&np, 0, e, n), (int)n);
	np_refill(&np);
}

/* Flip: three pages into three consecutive free slots (the first run,
 * not the lowest free slot), MORE on the first two, one prod update. */
static void test_flip_run(void **state)
{
	static const uint16_t lens[] = { NET_SLOT_SIZE, NET_SLOT_SIZE, LAST };

	(void)state;
	jumbo_world(NP_FLIP, 0);
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	assert_int_equal(rx(mac(0), 60), 1);            /* slot 0 */
	assert_int_equal(rx(mac(0), 60), 1);            /* slot 1 */
	assert_int_equal(release1(0, 0), 1);            /* free: 0, 2..7 */
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 1);
	assert_int_equal(fk.ring[0].prod, 5);
	for (uint32_t j = 0; j < 3; j++) {
		const struct net_rx_entry *e = ent(0, 2 + j);
		uint32_t fi = frame_of(0, e->slot);

		assert_int_equal(e->slot, 2 + j);
		assert_int_equal(e->len, lens[j]);
		assert_int_equal(e->flags, j < 2 ? NET_RX_F_MORE : 0);
		assert_int_equal(np.frame[fi].state, FRAME_DELIVERED);
		assert_memory_equal(fk.page[pidx(np.frame[fi].hpa)],
				    data + j * NET_SLOT_SIZE, lens[j]);
	}
	assert_int_equal(np.vm[0].st.rx_frames, 3);
	assert_int_equal(np.vm[0].st.rx_bytes, 2 * 60 + JUMBO);
	assert_int_equal(np.st.rx_multi, 1);
	assert_int_equal(np.st.rx_flipped, 3);
	assert_int_equal(np_vm_held(&np, 0), 4);
	release_all(0);
	assert_int_equal(np.count[FRAME_DELIVERED], 0);
}

/* The run is the first one wide enough wherever the window's words
 * break: across a word boundary, past a full word, and none that would
 * reach past the last slot (each page then takes the lowest free slot). */
static void test_flip_run_words(void **state)
{
	static const struct {
		uint16_t slots, busy_to;        /* slots 0..busy_to-1 taken */
		uint16_t freed[3];              /* then released (0: none) */
		uint16_t want[3];               /* the frame's three slots */
	} c[] = {
		{ 130, 62, { 0 }, { 62, 63, 64 } },     /* across words */
		{ 130, 66, { 63, 64, 0 }, { 66, 67, 68 } }, /* 2 free: too few */
		{ 130, 129, { 1, 63, 64 }, { 1, 63, 64 } },  /* no run: lowest */
		{ 66, 64, { 2, 3, 0 }, { 2, 3, 64 } },  /* 64, 65 only: no run */
		{ 70, 64, { 10, 11, 12 }, { 10, 11, 12 } }, /* the lowest run */
	};

	(void)state;
	for (uint32_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		set_mode(NP_FLIP, 0);
		fk.setup.mtu = NET_MTU_MAX;
		world(RAM_FIRST, 16, 0, 0);
		add_vm(0, c[i].slots, c[i].slots, false, true);
		np_refill(&np);
		for (uint32_t s = 0; s < c[i].busy_to; s++) {
			assert_int_equal(rx(mac(0), 60), 1);
			fk.ring[0].cons = fk.ring[0].prod;      /* read */
		}
		for (uint32_t j = 0; j < 3 && c[i].freed[j]; j++)
			assert_int_equal(release1(0, c[i].freed[j]), 1);
		assert_int_equal(rx_jumbo(mac(0), JUMBO), 1);
		for (uint32_t j = 0; j < 3; j++)
			assert_int_equal(ent(0, c[i].busy_to + j)->slot,
					 c[i].want[j]);
		fk.ring[0].cons = fk.ring[0].prod;
		release_all(0);
		again();
	}
}

/* Copy: five 2048-byte buffers, the frame's bytes in order; the pool's
 * pages FREE again when np_rx returns. Hybrid decides on the whole
 * length: a jumbo frame over the threshold flips. */
static void test_copy_and_hybrid(void **state)
{
	uint32_t off = 0;

	(void)state;
	jumbo_world(NP_COPY, 0);
	add_vm_copy(0, 8, 8, false);
	np_refill(&np);
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 1);
	assert_int_equal(fk.ring[0].prod, 5);
	for (uint32_t k = 0; k < 5; k++, off += NET_COPY_BUF_SIZE) {
		uint16_t l = k < 4 ? NET_COPY_BUF_SIZE : JUMBO - off;

		assert_int_equal(ent(0, k)->flags,
				 NET_RX_F_COPY | (k < 4 ? NET_RX_F_MORE : 0));
		assert_int_equal(ent(0, k)->len, l);
		assert_memory_equal(cbuf(0, ent(0, k)->slot), data + off, l);
	}
	assert_int_equal(np.vm[0].st.rx_copied, 1);
	assert_int_equal(np.count[FRAME_DELIVERED], 0);
	assert_int_equal(np_vm_held(&np, 0), 5);
	release_all(0);
	again();

	jumbo_world(NP_HYBRID, NET_COPY_BUF_SIZE);
	add_vm_copy(0, 8, 8, false);
	np_refill(&np);
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 1);
	assert_int_equal(fk.ring[0].prod, 3);
	assert_int_equal(ent(0, 0)->flags, NET_RX_F_MORE);
	assert_int_equal(np.st.rx_copied, 0);
	release_all(0);
}

/* Over the mtu: dropped whole, counted once, never cut; every page
 * FREE. At 1500, a frame of two descriptors, and one of 2000 bytes in
 * one; at 9000, a frame of 9019 bytes, and one of four descriptors (the
 * rest discarded up to its last). A piece short of a page but the last
 * is a bad length. */
static void test_oversize(void **state)
{
	(void)state;
	world(24, 16, 0, 0);                    /* mtu 0: 1500 */
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	assert_int_equal(np_frame_max(&np), 1518);
	assert_int_equal(rx_jumbo(mac(0), NET_SLOT_SIZE + 100), 0);
	assert_int_equal(rx(mac(0), 2000), 0);
	assert_int_equal(rx(mac(0), 1518), 1);
	assert_int_equal(np.st.rx_drop_oversize, 2);
	assert_int_equal(fk.ring[0].prod, 1);
	release_all(0);
	again();

	jumbo_world(NP_FLIP, 0);
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	assert_int_equal(rx_jumbo(mac(0), JUMBO + 1), 0);
	assert_int_equal(rx_jumbo(mac(0), 3 * NET_SLOT_SIZE + 10), 0);
	assert_int_equal(np.st.rx_drop_oversize, 2);
	assert_false(np.rx_discard);
	hpas[0] = nic_write(mac(0), 100);
	np_rx_part(&np, hpas[0], 100);
	assert_int_equal(rx(mac(0), 60), 0);    /* the rest of that frame */
	assert_int_equal(np.st.rx_drop_bad_len, 1);
	assert_int_equal(fk.ring[0].prod, 0);
	assert_int_equal(np.count[FRAME_RECEIVED] + np.count[FRAME_DELIVERED], 0);
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 1);   /* and on it goes */
	release_all(0);
}

/* Pages waiting for the last descriptor are RECEIVED, counted by
 * np_check (which runs after every call here), and untouched by a batch
 * end and its refill in between. */
static void test_received_between_batches(void **state)
{
	(void)state;
	jumbo_world(NP_FLIP, 0);
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	hpas[0] = nic_write(mac(0), NET_SLOT_SIZE);
	hpas[1] = nic_write(mac(0), NET_SLOT_SIZE);
	np_rx_part(&np, hpas[0], NET_SLOT_SIZE);
	np_rx_part(&np, hpas[1], NET_SLOT_SIZE);
	assert_int_equal(np.count[FRAME_RECEIVED], 2);
	np_rx_end(&np, now);
	assert_int_equal(np.count[FRAME_RECEIVED], 2);
	assert_true(np_check(&np));
	hpas[2] = nic_write(UNKNOWN, 100);
	assert_int_equal(np_rx(&np, hpas[2], 100, now), 1);
	assert_int_equal(np.count[FRAME_RECEIVED], 0);
	assert_int_equal(np.count[FRAME_DELIVERED], 3);
	release_all(0);
}

/* No room for all of a frame: none of it. A quota of two slots, a copy
 * VM with room for four buffers of five, and an exchange VM with two
 * pages posted each drop the frame, counted; its pages are FREE. */
static void test_no_room(void **state)
{
	(void)state;
	jumbo_world(NP_FLIP, 0);
	add_vm(0, 8, 2, false, true);
	np_refill(&np);
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 0);
	assert_int_equal(np.vm[0].st.rx_drop_quota, 1);
	assert_int_equal(np_vm_held(&np, 0), 0);
	assert_int_equal(fk.ring[0].prod, 0);
	again();

	jumbo_world(NP_COPY, 0);
	add_vm_copy(0, 8, 4, false);
	np_refill(&np);
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 0);
	assert_int_equal(np.vm[0].st.rx_drop_quota, 1);
	assert_int_equal(np.vm[0].held_copy, 0);
	again();

	jumbo_world(NP_FLIP, 0);
	xchg_vm(2);
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 0);
	assert_int_equal(np.vm[0].st.rx_drop_nopost, 1);
	assert_int_equal(np_vm_posted(&np, 0), 2);
}

/* Exchange: three posted pages take the three pages, by flip. */
static void test_xchg_run(void **state)
{
	(void)state;
	jumbo_world(NP_FLIP, 0);
	xchg_vm(3);
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 1);
	assert_int_equal(fk.ring[0].prod, 3);
	for (uint32_t j = 0; j < 3; j++) {
		assert_int_equal(ent(0, j)->flags,
				 NET_RX_F_XCHG | (j < 2 ? NET_RX_F_MORE : 0));
		assert_memory_equal(ram_page(0, 10 + ent(0, j)->slot),
				    data + j * NET_SLOT_SIZE, ent(0, j)->len);
	}
	assert_int_equal(np.st.rx_exchanged, 3);
	assert_int_equal(np.st.rx_flipped, 1);
	assert_int_equal(np_vm_posted(&np, 0), 0);
	assert_xchg_mirror();
}

/* The second page's map fails: the first is announced alone with
 * NET_RX_F_CUT, the third goes back FREE, the VM counts the drop and
 * gets an interrupt; releasing the cut run's slot loses nothing. */
static void test_cut_run(void **state)
{
	(void)state;
	jumbo_world(NP_FLIP, 0);
	add_vm(0, 8, 8, false, true);
	np_refill(&np);
	fk.map_fail_vm = 0;
	fk.map_ok_first = 1;
	assert_int_equal(rx_jumbo(mac(0), JUMBO), 0);
	assert_int_equal(fk.ring[0].prod, 1);
	assert_int_equal(ent(0, 0)->flags, NET_RX_F_CUT);
	assert_int_equal(ent(0, 0)->len, NET_SLOT_SIZE);
	assert_int_equal(np.vm[0].st.rx_drop_map, 1);
	assert_int_equal(np.vm[0].st.rx_frames, 0);
	assert_int_equal(np.count[FRAME_DELIVERED], 1);
	np_rx_end(&np, now);
	assert_int_equal(fk.rx_irq[0], 1);
	fk.map_fail_vm = -1;
	release_all(0);
}

/* VM to VM: a 9018-byte send takes three pool pages, all or none; one
 * byte more is refused. */
static void test_tx_local(void **state)
{
	static uint8_t buf[JUMBO + 1];

	(void)state;
	jumbo_world(NP_FLIP, 0);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 8, 8, false, true);
	make_frame(buf, 1, mac(0), JUMBO);
	assert_int_equal(np_tx(&np, 1, buf, JUMBO, now), 0);
	assert_int_equal(fk.ring[0].prod, 3);
	for (uint32_t j = 0; j < 3; j++) {
		uint32_t fi = frame_of(0, ent(0, j)->slot);

		assert_int_equal(ent(0, j)->flags, NET_RX_F_LOCAL |
				 (j < 2 ? NET_RX_F_MORE : 0));
		assert_memory_equal(fk.page[pidx(np.frame[fi].hpa)],
				    buf + j * NET_SLOT_SIZE, ent(0, j)->len);
	}
	make_frame(buf, 1, mac(0), JUMBO + 1);
	assert_int_equal(np_tx(&np, 1, buf, JUMBO + 1, now), -HC_E_INVAL);
	release_all(0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flip_run),
		T(test_flip_run_words),
		T(test_copy_and_hybrid),
		T(test_oversize),
		T(test_received_between_batches),
		T(test_no_room),
		T(test_xchg_run),
		T(test_cut_run),
		T(test_tx_local),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
