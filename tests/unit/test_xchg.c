/* Host tests for receive by page exchange (vmm/net/xchg.c): set-up, post
 * validation (every refusal, and nothing changed by one), flip exchange
 * (no copy, the pool's size kept, the hpa index re-keyed, the posted
 * page scrubbed before the NIC sees it), copy into a posted page (the
 * rest of the page the VM's own), hybrid, group frames to exchange and
 * window VMs together, VM to VM, no page posted (a drop for that VM
 * alone, one reclaim interrupt), detach and stop giving pages back, and
 * np_check catching each broken exchange invariant. On the shared fakes,
 * whose RAM ops check that a page goes into a VM only when nothing else
 * has it; each test ends with np_check and the fakes against the books. */
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

static uint32_t pool_frames(void)
{
	uint32_t n = 0;

	for (uint32_t s = 0; s < FRAME_NR_STATES; s++)
		n += np.count[s];
	return n;
}

static int post1(uint32_t v, uint32_t page, uint32_t slot)
{
	uint64_t e = post_ent(page, slot);

	return np_post(&np, v, &e, 1);
}

static const struct net_rx_entry *entry(uint32_t v, uint32_t i)
{
	return &fk.ring[v].ent[i % NET_RX_RING];
}

static void test_setup(void **state)
{
	uint16_t slot;

	(void)state;
	world(8, 8, 0, 0);
	add_vm(1, 8, 8, false, true);
	assert_int_equal(np_setup_xchg(&np, 2, &fk.ring[2], 0, 65536),
			 -HC_E_INVAL);           /* no such VM */
	add_vm_xchg(0, 8, false);
	assert_int_equal(np_setup_xchg(&np, 0, NULL, 0, 65536), -HC_E_INVAL);
	assert_int_equal(np_setup_xchg(&np, 0, &fk.ring[0], 100, 65536),
			 -HC_E_INVAL);
	assert_int_equal(np_setup_xchg(&np, 0, &fk.ring[0], 65536, 65536),
			 -HC_E_INVAL);
	assert_int_equal(fk.ring[0].nr_slots, 8);
	assert_true(np.vm[0].xchg);

	/* Pages posted: neither set-up may move the ring. */
	assert_int_equal(post1(0, 3, 1), 1);
	snapshot();
	assert_int_equal(np_setup_xchg(&np, 0, &fk.ring[0], RING_GPA,
				       RAM_PAGES * NET_SLOT_SIZE), -HC_E_STATE);
	assert_int_equal(np_setup(&np, 0, &fk.ring[0], NULL), -HC_E_STATE);
	assert_unchanged();

	/* A window VM holding a slot cannot switch. */
	np_refill(&np);
	assert_int_equal(rx(mac(1), 60), 1);
	snapshot();
	assert_int_equal(np_setup_xchg(&np, 1, &fk.ring[1], 0, 65536),
			 -HC_E_STATE);
	assert_unchanged();
	slot = 0;
	assert_int_equal(np_release(&np, 1, &slot, 1, now), 1);

	/* Ops that cannot reach RAM: no exchange at all. */
	np.ops.ram_lookup = NULL;
	assert_int_equal(np_setup_xchg(&np, 1, &fk.ring[1], 0, 65536),
			 -HC_E_NOSYS);
	np.ops.ram_lookup = fake_ops.ram_lookup;
}

/* One refused batch: the error, and nothing changed but the counter. */
struct bad_post {
	const char *name;
	uint64_t    ents[4];
	uint32_t    n;
	int         err;
};

static const struct bad_post bad_posts[] = {
	{ "no entries", { 0 }, 0, -HC_E_INVAL },
	{ "too many", { 0 }, HC_NET_BATCH + 1, -HC_E_INVAL },
	{ "slot past rx_slots", { 2 * 4096 | 8 }, 1, -HC_E_INVAL },
	{ "slot bits beyond", { 2 * 4096 | 0xfff }, 1, -HC_E_INVAL },
	{ "page past RAM", { RAM_PAGES * 4096ull | 1 }, 1, -HC_E_INVAL },
	{ "page far past RAM", { 0xfffffffffffff000ull | 1 }, 1, -HC_E_INVAL },
	{ "the ring page", { RING_GPA | 1 }, 1, -HC_E_INVAL },
	{ "good then bad", { 2 * 4096 | 1, 3 * 4096 | 9 }, 2, -HC_E_INVAL },
	{ "slot twice", { 2 * 4096 | 1, 3 * 4096 | 1 }, 2, -HC_E_STATE },
	{ "page twice", { 2 * 4096 | 1, 2 * 4096 | 2 }, 2, -HC_E_STATE },
	{ "slot taken", { 2 * 4096 | 0 }, 1, -HC_E_STATE },
	{ "page posted", { 5 * 4096 | 3 }, 1, -HC_E_STATE },
	{ "good then taken", { 2 * 4096 | 1, 6 * 4096 | 0 }, 2, -HC_E_STATE },
};

static void test_post_refused(void **state)
{
	const struct bad_post *c = *state;
	uint64_t many[HC_NET_BATCH + 1] = { 0 };

	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	assert_int_equal(post1(0, 5, 0), 1);    /* page 5 in slot 0 */
	snapshot();
	snap_np.vm[0].st.post_errors++;
	assert_int_equal(np_post(&np, 0, c->n > 4 ? many : c->ents, c->n),
			 c->err);
	assert_unchanged();
}

static void test_post_refused_elsewhere(void **state)
{
	uint64_t e = post_ent(2, 0);

	(void)state;
	world(8, 8, 0, 0);
	add_vm(1, 8, 8, false, true);           /* a window VM */
	add_vm_xchg(0, 8, false);
	assert_int_equal(np_post(&np, 0, NULL, 1), -HC_E_INVAL);
	assert_int_equal(np_post(&np, NP_MAX_VMS, &e, 1), -HC_E_INVAL);
	assert_int_equal(np_post(&np, 3, &e, 1), -HC_E_INVAL);  /* absent */
	snapshot();
	snap_np.vm[1].st.post_errors++;
	assert_int_equal(np_post(&np, 1, &e, 1), -HC_E_STATE);
	assert_unchanged();
}

/* Unmapping a page may need memory: a batch that runs out is undone
 * whole, and the VM's RAM is as it was. */
static void test_post_no_memory(void **state)
{
	uint64_t e[3] = { post_ent(2, 0), post_ent(3, 1), post_ent(4, 2) };
	uint64_t ram[RAM_PAGES];

	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	memcpy(ram, fk.ram[0], sizeof(ram));
	fk.ram_unmap_fail_in = 3;
	assert_int_equal(np_post(&np, 0, e, 3), -HC_E_NODEV);
	assert_memory_equal(ram, fk.ram[0], sizeof(ram));
	assert_int_equal(np.vm[0].posted, 0);
	assert_int_equal(np.vm[0].st.post_errors, 1);
	/* Two pages were unmapped and mapped back: one INVEPT. */
	assert_int_equal(np.st.invepts, 1);
	assert_int_equal(fk.invepts, 1);
	/* The first unmap fails: nothing was unmapped, no INVEPT is due
	 * and the path counts none (finish() compares with the fakes). */
	fk.ram_unmap_fail_in = 1;
	assert_int_equal(np_post(&np, 0, e, 3), -HC_E_NODEV);
	assert_memory_equal(ram, fk.ram[0], sizeof(ram));
	assert_int_equal(np.st.invepts, 1);
	assert_int_equal(np.vm[0].st.post_errors, 2);
	assert_int_equal(np_post(&np, 0, e, 3), 3);
}

static void test_post(void **state)
{
	uint64_t e[2] = { post_ent(2, 4), post_ent(7, 1) };
	uint64_t h2;
	uint32_t log0;

	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	h2 = fk.ram[0][2];
	log0 = fk.nlog;
	assert_int_equal(np_post(&np, 0, e, 2), 2);
	assert_null(ram_page(0, 2));
	assert_null(ram_page(0, 7));
	assert_int_equal(np.vm[0].post_gpa[4], 2 * 4096);
	assert_int_equal(np.vm[0].post_hpa[4], h2);
	assert_int_equal(np_vm_posted(&np, 0), 2);
	/* One flush for the batch: present -> not present. */
	assert_int_equal(count_ops(OP_RAM_UNMAP, log0), 2);
	assert_int_equal(count_ops(OP_FLUSH, log0), 1);
	assert_int_equal(np.vm[0].st.posted, 2);
}

/* Flip: the NIC's page becomes the guest's at the posted GPA, with no
 * copy; the posted page takes its place in the pool under the same frame
 * index, scrubbed whole before the NIC gets it. */
static void test_flip_exchange(void **state)
{
	uint64_t hg, hf;
	uint32_t fi, frames;
	const struct net_rx_entry *e;

	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	assert_int_equal(post1(0, 2, 3), 1);
	hg = np.vm[0].post_hpa[3];
	frames = pool_frames();
	np_refill(&np);
	hf = fk.nic[fk.nic_head];
	fi = np_frame_find(&np, hf);
	assert_int_equal(rx(mac(0), 1000), 1);
	np_rx_end(&np, now);

	e = entry(0, 0);
	assert_int_equal(e->slot, 3);
	assert_int_equal(e->len, 1000);
	assert_int_equal(e->flags, NET_RX_F_XCHG);
	assert_int_equal(fk.ring[0].prod, 1);
	assert_int_equal(fk.rx_irq[0], 1);
	/* The frame's own page, mapped at the GPA: nothing copied. */
	assert_int_equal(fk.ram[0][2], hf);
	assert_memory_equal(ram_page(0, 2), mac(0), 6);
	assert_true(page_zero(pidx(hf), 1000, NET_SLOT_SIZE));
	assert_int_equal(np.st.rx_copied, 0);
	assert_int_equal(np.vm[0].st.rx_copied, 0);
	assert_int_equal(np.st.rx_exchanged, 1);
	/* The pool: as many frames, the index follows the page. */
	assert_int_equal(pool_frames(), frames);
	assert_int_equal(np.nr_frames, frames);
	assert_int_equal(np_frame_find(&np, hf), NP_NO_FRAME);
	assert_int_equal(np_frame_find(&np, hg), fi);
	assert_int_equal(np.frame[fi].hpa, hg);
	/* The guest's old page: on the NIC again, unscrubbed, all of it
	 * stale and seen by that guest alone (the scrub rule). */
	assert_true(all_bytes(fk.page[pidx(hg)], NET_SLOT_SIZE, RAM_FILL(0)));
	assert_int_equal(np.frame[fi].scrub_len, NET_SLOT_SIZE);
	assert_int_equal(np.frame[fi].seen, 0x1);
	assert_int_equal(np.st.bytes_scrubbed, 0);
	assert_true(np.frame[fi].state == FRAME_POSTED ||
		    np.frame[fi].state == FRAME_FREE);
	assert_int_equal(np_vm_posted(&np, 0), 0);
}

/* The scrub rule through exchange, one pool frame: a page the guest
 * posted holds its data everywhere. A frame for the same guest flips it
 * back with nothing zeroed; one for a window VM zeroes all of it past
 * the new frame's length before the map (the fakes check every byte). */
static void test_flip_scrub(void **state)
{
	uint64_t hg;

	(void)state;
	world(1, 1, 0, 0);
	add_vm_xchg(0, 8, false);
	add_vm(1, 4, 4, false, true);
	np_refill(&np);
	assert_int_equal(post1(0, 2, 0), 1);
	assert_int_equal(rx(mac(0), 1000), 1);
	np_rx_end(&np, now);                    /* page 2 posted to the NIC */
	assert_int_equal(post1(0, 3, 1), 1);
	assert_int_equal(rx(mac(0), 100), 1);   /* back into VM 0 */
	/* Its old page 2, the pool's only frame since the first flip. */
	assert_int_equal(fk.ram[0][3], fhpa(RAM_FIRST + 2));
	assert_int_equal(np.st.bytes_scrubbed, 0);
	assert_int_equal(np.st.rx_exchanged, 2);
	np_rx_end(&np, now);
	hg = fk.nic[fk.nic_head];               /* VM 0's page 3 */
	assert_true(all_bytes(fk.page[pidx(hg)], NET_SLOT_SIZE, RAM_FILL(0)));
	assert_int_equal(rx(mac(1), 60), 1);    /* to the window VM */
	assert_int_equal(fk.ept[1][0], hg);
	assert_int_equal(np.st.bytes_scrubbed, NET_SLOT_SIZE - 60);
	assert_true(page_zero(pidx(hg), 60, NET_SLOT_SIZE));
	assert_int_equal(release1(1, 0), 1);
}

/* Many flips through a small pool: the hpa index keeps finding every
 * frame as pages move in and out (np_check after every step). */
static void test_flip_many(void **state)
{
	(void)state;
	world(4, 4, 0, 0);
	add_vm_xchg(0, 8, false);
	for (uint32_t i = 0; i < 200; i++) {
		uint32_t page = i % (RAM_PAGES - 1);

		assert_int_equal(post1(0, page, i % 8), 1);
		assert_int_equal(rx(mac(0), (uint16_t)(60 + i)), 1);
		np_rx_end(&np, now);
		assert_int_equal(entry(0, i)->slot, i % 8);
		assert_int_equal(entry(0, i)->len, 60 + i);
		assert_int_equal(pool_frames(), 4);
		/* The guest writes its page, as a stack would. */
		ram_page(0, page)[NET_SLOT_SIZE - 1] = 0xee;
		fk.ring[0].cons = fk.ring[0].prod;
	}
	assert_int_equal(np.st.rx_copied, 0);
	assert_int_equal(np.vm[0].st.rx_frames, 200);
}

/* Copy: into the posted page at offset 0, the page mapped back; past the
 * frame the page keeps what this VM left there; the pool frame goes
 * straight back, scrubbed. */
static void test_copy_into_posted(void **state)
{
	uint8_t data[NP_RX_LEN_MAX];
	uint64_t hg;

	(void)state;
	set_mode(NP_COPY, 0);
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	assert_int_equal(post1(0, 4, 6), 1);
	hg = np.vm[0].post_hpa[6];
	assert_int_equal(rx_keep(mac(0), 300, data), 1);
	assert_int_equal(entry(0, 0)->slot, 6);
	assert_int_equal(entry(0, 0)->flags, NET_RX_F_XCHG | NET_RX_F_COPY);
	assert_int_equal(fk.ram[0][4], hg);
	assert_memory_equal(ram_page(0, 4), data, 300);
	assert_true(all_bytes(ram_page(0, 4) + 300, NET_SLOT_SIZE - 300,
			      RAM_FILL(0)));
	assert_int_equal(np.st.rx_copied, 1);
	assert_int_equal(np.vm[0].st.rx_copied, 1);
	assert_int_equal(np_frame_find(&np, hg), NP_NO_FRAME);
}

/* Hybrid: short frames copied, long ones flipped, per frame. */
static void test_hybrid(void **state)
{
	(void)state;
	set_mode(NP_HYBRID, 256);
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	assert_int_equal(post1(0, 1, 0), 1);
	assert_int_equal(post1(0, 2, 1), 1);
	assert_int_equal(rx(mac(0), 256), 1);
	assert_int_equal(rx(mac(0), 257), 1);
	assert_int_equal(entry(0, 0)->flags, NET_RX_F_XCHG | NET_RX_F_COPY);
	assert_int_equal(entry(0, 1)->flags, NET_RX_F_XCHG);
	assert_int_equal(np.st.rx_copied, 1);
	assert_int_equal(np.st.rx_exchanged, 1);
}

/* A broadcast reaches an exchange VM by copy and a window VM by remap,
 * the frame shared read-only with the window VM alone; an unknown
 * unicast that two promiscuous VMs take is copied too: a page mapped
 * elsewhere cannot become the guest's. */
static void test_group_mixed(void **state)
{
	uint8_t data[NP_RX_LEN_MAX];
	uint32_t fi;

	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, true);
	add_vm(1, 8, 8, true, true);            /* window, promiscuous */
	assert_int_equal(post1(0, 1, 0), 1);
	assert_int_equal(post1(0, 2, 1), 1);
	assert_int_equal(rx_keep(BCAST, 200, data), 2);
	assert_int_equal(entry(0, 0)->flags,
			 NET_RX_F_XCHG | NET_RX_F_COPY | NET_RX_F_BCAST);
	assert_memory_equal(ram_page(0, 1), data, 200);
	assert_entry(1, 0, data, 200, NET_RX_F_BCAST, false);
	fi = frame_of(1, entry(1, 0)->slot);
	assert_int_equal(np.frame[fi].holders, 1u << 1);

	assert_int_equal(rx_keep(UNKNOWN, 400, data), 2);
	assert_int_equal(entry(0, 1)->flags, NET_RX_F_XCHG | NET_RX_F_COPY);
	assert_memory_equal(ram_page(0, 2), data, 400);
	assert_entry(1, 1, data, 400, 0, false);
	assert_int_equal(np.st.rx_exchanged, 0);
}

/* VM to VM: a copy into the posted page, marked local. */
static void test_vm_to_vm(void **state)
{
	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	add_vm(1, 8, 8, false, true);
	assert_int_equal(post1(0, 3, 2), 1);
	assert_int_equal(tx(1, mac(0), 120), 0);
	assert_int_equal(entry(0, 0)->slot, 2);
	assert_int_equal(entry(0, 0)->flags,
			 NET_RX_F_XCHG | NET_RX_F_COPY | NET_RX_F_LOCAL);
	assert_memory_equal(ram_page(0, 3) + 6, mac(1), 6);
}

/* No page posted: the frame is a drop for this VM alone, counted, and
 * one reclaim interrupt asks for pages until it posts. */
static void test_no_post(void **state)
{
	struct hc_net_stats hs;

	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	add_vm(1, 8, 8, false, true);
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(rx(BCAST, 60), 1);     /* VM 1 still gets it */
	np_rx_end(&np, now);
	assert_int_equal(np.vm[0].st.rx_drop_nopost, 2);
	assert_int_equal(fk.reclaim_irq[0], 1);
	assert_int_equal(rx(mac(0), 60), 0);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1); /* once until it posts */
	assert_int_equal(np_vm_stats(&np, 0, &hs), 0);
	assert_int_equal(hs.rx_drop_nopost, 3);
	assert_int_equal(hs.held, 0);

	/* It posts: asked again when its posts run low (below 8 / 4). */
	assert_int_equal(post1(0, 1, 0), 1);
	assert_int_equal(post1(0, 2, 1), 1);
	assert_int_equal(post1(0, 3, 2), 1);
	assert_int_equal(rx(mac(0), 60), 1);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1); /* 2 left: not below 2 */
	assert_int_equal(rx(mac(0), 60), 1);
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 2); /* 1 left */
	assert_int_equal(np.vm[0].st.rx_frames, 2);
}

/* Detach gives every posted page back, as it was, and stops delivery;
 * a window VM may detach only holding nothing. */
static void test_detach(void **state)
{
	uint64_t h[3];
	uint16_t slot = 0;

	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	add_vm(1, 8, 8, false, true);
	for (uint32_t i = 0; i < 3; i++) {
		h[i] = fk.ram[0][1 + i];
		assert_int_equal(post1(0, 1 + i, i), 1);
	}
	assert_int_equal(rx(mac(0), 60), 1);    /* slot 0: page 1 flipped */
	assert_int_equal(np_detach(&np, 0), 2);
	assert_int_not_equal(fk.ram[0][1], h[0]);
	assert_int_equal(fk.ram[0][2], h[1]);
	assert_int_equal(fk.ram[0][3], h[2]);
	assert_true(all_bytes(ram_page(0, 2), NET_SLOT_SIZE, RAM_FILL(0)));
	assert_int_equal(np_vm_posted(&np, 0), 0);
	assert_null(np.vm[0].ring);
	assert_int_equal(rx(mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_nosetup, 1);
	assert_int_equal(np_detach(&np, 0), 0);         /* again: nothing */

	assert_int_equal(rx(mac(1), 60), 1);
	assert_int_equal(np_detach(&np, 1), -HC_E_STATE);
	assert_int_equal(np_release(&np, 1, &slot, 1, now), 1);
	assert_int_equal(np_detach(&np, 1), 0);
	assert_int_equal(np_detach(&np, 5), -HC_E_INVAL);

	/* And either set-up again. */
	assert_int_equal(np_setup(&np, 1, &fk.ring[1], NULL), 0);
	assert_int_equal(np_setup_xchg(&np, 0, &fk.ring[0], RING_GPA,
				       RAM_PAGES * NET_SLOT_SIZE), 0);
}

/* A VM that stops keeps its pages: the posted ones are mapped back. */
static void test_stop(void **state)
{
	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	assert_int_equal(post1(0, 1, 0), 1);
	assert_int_equal(post1(0, 2, 5), 1);
	assert_int_equal(np_vm_stop(&np, 0), 2);
	assert_non_null(ram_page(0, 1));
	assert_non_null(ram_page(0, 2));
	assert_false(np.vm[0].xchg);
	assert_int_equal(rx(mac(0), 60), 0);
}

/* The check at the end of a transition walks the RAM of the VMs whose
 * nested table it changed, and only theirs; a tick that revokes nothing
 * is no transition and checks nothing (net_poll ticks after every VM
 * exit, and a Linux VM's RAM walk took a millisecond under QEMU TCG). A
 * direct np_check still walks every exchange VM. */
static void test_check_walks_remapped(void **state)
{
	uint32_t walks0;

	(void)state;
	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	add_vm_xchg(1, 8, false);
	assert_int_equal(post1(0, 2, 0), 1);
	assert_int_equal(post1(1, 2, 0), 1);
	memset(fk_ram_walks, 0, sizeof(fk_ram_walks));
	fk_ram_lookups = 0;

	np_tick(&np, now);                      /* no deadline: no check */
	assert_int_equal(fk_ram_lookups, 0);
	assert_int_equal(fk_ram_walks[0], 0);
	assert_int_equal(fk_ram_walks[1], 0);

	assert_int_equal(rx(mac(0), 60), 1);    /* VM 0's page 2 back */
	np_rx_end(&np, now);
	assert_true(fk_ram_walks[0] > 0);
	assert_int_equal(fk_ram_walks[1], 0);

	walks0 = fk_ram_walks[0];
	assert_int_equal(post1(1, 3, 1), 1);    /* VM 1's page 3 out */
	assert_int_equal(fk_ram_walks[0], walks0);
	assert_true(fk_ram_walks[1] > 0);

	memset(fk_ram_walks, 0, sizeof(fk_ram_walks));
	assert_true(np_check(&np));
	assert_int_equal(fk_ram_walks[0], 1);
	assert_int_equal(fk_ram_walks[1], 1);
}

/* np_check sees each broken exchange invariant. */
enum breakage {
	POSTED_PRESENT, POSTED_POOL, POSTED_COUNT, PAGE_LOST, POOL_IN_RAM,
	POSTED_TWICE, POST_NO_XCHG,
};

struct broken {
	const char *name;
	enum breakage how;
	const char *msg;
};

static const struct broken broken_cases[] = {
	{ "posted page present", POSTED_PRESENT, "a posted GPA is present in its VM" },
	{ "posted page in pool", POSTED_POOL, "a posted page is also a pool frame" },
	{ "posted miscounted", POSTED_COUNT, "posted differs from the post slots in use" },
	{ "RAM page lost", PAGE_LOST, "posted plus mapped pages differ from the VM's RAM" },
	{ "pool frame in RAM", POOL_IN_RAM, "a pool frame is mapped in a VM's RAM" },
	{ "page posted twice", POSTED_TWICE, "a host page posted twice" },
	{ "posted, no exchange", POST_NO_XCHG, "posted page without exchange" },
};

static void test_check_catches(void **state)
{
	const struct broken *c = *state;
	struct np_vm *v = &np.vm[0];

	world(8, 8, 0, 0);
	add_vm_xchg(0, 8, false);
	add_vm_xchg(1, 8, false);
	assert_int_equal(post1(0, 2, 0), 1);
	assert_int_equal(post1(1, 2, 0), 1);
	assert_true(np_check(&np));
	fk.corrupted = true;
	fk.expect_panic = true;
	switch (c->how) {
	case POSTED_PRESENT: fk.ram[0][2] = v->post_hpa[0]; break;
	case POSTED_POOL:    v->post_hpa[0] = np.frame[3].hpa; break;
	case POSTED_COUNT:   v->posted++; break;
	case PAGE_LOST:      fk.ram[0][5] = 0; break;
	case POOL_IN_RAM:    fk.ram[0][5] = np.frame[3].hpa; break;
	case POSTED_TWICE:   v->post_hpa[0] = np.vm[1].post_hpa[0]; break;
	case POST_NO_XCHG:   v->xchg = false; break;
	}
	assert_false(np_check(&np));
	assert_int_equal(fk.panics, 1);
	assert_string_equal(fk.panic_msg, c->msg);
}

static const struct CMUnitTest tests[] = {
	T(test_setup),
	T(test_post_refused_elsewhere),
	T(test_post_no_memory),
	T(test_post),
	T(test_flip_exchange),
	T(test_flip_scrub),
	T(test_flip_many),
	T(test_copy_into_posted),
	T(test_hybrid),
	T(test_group_mixed),
	T(test_vm_to_vm),
	T(test_no_post),
	T(test_detach),
	T(test_stop),
	T(test_check_walks_remapped),
};

int main(void)
{
	struct CMUnitTest refused[ARRAY_SIZE(bad_posts)];
	struct CMUnitTest broken[ARRAY_SIZE(broken_cases)];
	int failed;

	ROWS(refused, bad_posts, test_post_refused);
	ROWS(broken, broken_cases, test_check_catches);
	failed = cmocka_run_group_tests_name("page exchange", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("post refused", refused, NULL, NULL);
	failed += cmocka_run_group_tests_name("exchange invariants", broken,
					      NULL, NULL);
	return failed ? 1 : 0;
}
