/* Host tests for np_deliver's shortcut (vmm/net/rx_deliver.c,
 * deliver_copy_one): a unicast frame of one copy buffer into a window
 * VM with a copy area skips the general loop, and must leave exactly
 * what the general loop (np_deliver_each) leaves. Each test plays one
 * script of frames, drops and releases twice on fresh worlds: once as
 * built, once with np_deliver routed to np_deliver_each (the link wraps
 * np_deliver for this test alone: -Wl,--wrap=np_deliver). Then the
 * books, every frame's state and history, the free bitmap, the rings,
 * the copy areas, the NIC's ring and the fakes' op log must match, and
 * the shortcut must have taken frames in the first run alone. */
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

static bool each;       /* np_deliver is np_deliver_each */
static bool ring;       /* VMs 0 and 1 on copy rings (NET_COPY_RING) */

uint16_t __real_np_deliver(struct netpath *n, const struct np_chain *c,
			   uint16_t targets, uint16_t flags);
uint16_t __wrap_np_deliver(struct netpath *n, const struct np_chain *c,
			   uint16_t targets, uint16_t flags);

uint16_t __wrap_np_deliver(struct netpath *n, const struct np_chain *c,
			   uint16_t targets, uint16_t flags)
{
	return each ? np_deliver_each(n, c, targets, flags) :
		      __real_np_deliver(n, c, targets, flags);
}

/* What a script leaves, copied out before the next world. */
struct outcome {
	struct netpath np;
	struct net_rx_ring ring[3];
	uint8_t area[2][8 * NET_COPY_BUF_SIZE];
	uint64_t nic[MAXF];
	uint32_t nic_n;
	struct op_rec log[LOG_MAX];
	uint32_t nlog, page_calls, taken;
};

static struct outcome run[2];

/* VM 0: copy area, quota 3 of 4 buffers; VM 1: copy area, its guest
 * lying about cons for a while; VM 2: present, no ring. Frames of every
 * length class around one buffer, drops of each kind, releases, a
 * VM-to-VM copy (no page pointer from np_rx). */
static void script(const struct mode_case *m, struct outcome *o)
{
	static const uint16_t lens[] = {
		60, NET_FRAME_MIN, 300, 301, 1514, NET_COPY_BUF_SIZE,
		NET_COPY_BUF_SIZE + 1, NET_SLOT_SIZE,
	};
	uint32_t taken = 0;
	uint16_t list[16];

	reset(NULL);
	fk.setup.mtu = NET_MTU_MAX;     /* one page and beyond */
	set_mode(m->mode, m->threshold);
	world(32, 16, 0, 0);
	add_vm_copy(0, 4, 3, false);
	add_vm_copy(1, 8, 8, false);
	add_vm(2, 8, 8, false, false);
	/* On a copy ring VM 0's four buffers bound its unconsumed copies,
	 * not its quota. */
	for (uint32_t v = 0; ring && v < 2; v++)
		assert_int_equal(np_setup_flags(&np, v, &fk.ring[v],
						area_for(v), NET_COPY_RING), 0);
	np_refill(&np);
	for (uint32_t i = 0; i < ARRAY_SIZE(lens); i++) {
		uint32_t n;

		taken += rx(mac(0), lens[i]);   /* the fourth on: quota */
		taken += rx(mac(1), lens[i]);
		taken += rx(mac(2), 60);        /* no ring */
		if (i == 2)
			fk.ring[1].cons = fk.ring[1].prod + 1;  /* a lie: full */
		if (i == 4)
			fk.ring[1].cons = np.vm[1].prod;
		n = held_list(0, list);
		if ((i == 3 && !ring) || i == 6) {
			fk.ring[0].cons = np.vm[0].prod;
			if (n)
				assert_int_equal(np_release(&np, 0, list, n,
							    now), (int)n);
		}
		np_rx_end(&np, now);
	}
	/* VM to VM: np_deliver from net_tx. */
	assert_int_equal(tx(1, mac(0), 60), 0);
	assert_int_equal(tx(0, mac(1), 1514), 0);
	np_rx_end(&np, now);

	o->np = np;
	memcpy(o->ring, fk.ring, sizeof(o->ring));
	memcpy(o->area[0], carea[0], 4 * NET_COPY_BUF_SIZE);
	memcpy(o->area[1], carea[1], 8 * NET_COPY_BUF_SIZE);
	for (uint32_t i = 0; i < fk.nic_n; i++)
		o->nic[i] = fk.nic[(fk.nic_head + i) % fk.maxf];
	o->nic_n = fk.nic_n;
	memcpy(o->log, fk.log, sizeof(o->log));
	o->nlog = fk.nlog;
	o->page_calls = fk.page_calls;
	o->taken = taken;
}

static void same_outcome(const struct mode_case *m)
{
	struct outcome *a = &run[0], *b = &run[1];

	each = false;
	script(m, a);
	assert_true(np_check(&np));
	each = true;
	script(m, b);
	each = false;
	/* The two worlds' pages and copy areas lie at different
	 * addresses; nothing else may differ. */
	a->np.vm[0].copy_area = b->np.vm[0].copy_area;
	a->np.vm[1].copy_area = b->np.vm[1].copy_area;
	a->np.pool_lo = b->np.pool_lo;
	a->np.pool_hi = b->np.pool_hi;
	memcpy(a->np.page, b->np.page, sizeof(a->np.page));
	/* The shortcut ran where it should, and only there. */
	assert_int_equal(b->np.st.rx_copy_one, 0);
	if (m->mode == NP_FLIP)
		assert_int_equal(a->np.st.rx_copy_one, 0);
	else
		assert_true(a->np.st.rx_copy_one > 0);
	a->np.st.rx_copy_one = 0;
	assert_int_equal(a->taken, b->taken);
	assert_same(&a->np.st, &b->np.st, sizeof(a->np.st), "the counters");
	for (uint32_t v = 0; v < 3; v++)
		assert_same(&a->np.vm[v], &b->np.vm[v], sizeof(a->np.vm[v]),
			    "a VM's books");
	assert_same(a->np.frame, b->np.frame, sizeof(a->np.frame),
		    "the frames: state, history");
	assert_same(&a->np, &b->np, sizeof(a->np), "struct netpath");
	assert_same(a->ring, b->ring, sizeof(a->ring), "the rings");
	assert_same(a->area, b->area, sizeof(a->area), "the copy areas");
	assert_int_equal(a->nic_n, b->nic_n);
	assert_same(a->nic, b->nic, sizeof(a->nic), "the NIC's ring");
	assert_int_equal(a->nlog, b->nlog);
	assert_same(a->log, b->log, sizeof(a->log), "the op log");
	/* Every kind of drop ran, and something was delivered. A copy ring
	 * stops copies at its four buffers (a guest four entries behind),
	 * not at the quota. */
	if (ring && m->mode == NP_COPY)
		assert_true(b->np.vm[0].st.rx_drop_ring > 0);
	else
		assert_true(b->np.vm[0].st.rx_drop_quota > 0);
	assert_true(b->np.vm[1].st.rx_drop_ring > 0);
	assert_true(b->np.vm[2].st.rx_drop_nosetup > 0);
	assert_true(b->taken > 0);
	assert_int_equal(a->page_calls, b->page_calls);
}

static void test_same_outcome(void **state)
{
	ring = false;
	same_outcome(*state);
}

/* The same with both copy VMs on copy rings: a copy's buffer is its
 * entry's, and the releases name window slots alone. */
static void test_same_outcome_ring(void **state)
{
	ring = true;
	same_outcome(*state);
	ring = false;
	assert_int_equal(run[0].np.vm[0].held_copy, 0);
	assert_true(run[0].np.vm[0].copy_ring);
}

int main(void)
{
	static const char *const ring_names[] = {
		"flip, copy rings", "copy, copy rings", "hybrid, copy rings",
	};
	static struct CMUnitTest tests[2 * ARRAY_SIZE(mode_cases)];
	struct CMUnitTest *rings = tests + ARRAY_SIZE(mode_cases);

	_Static_assert(ARRAY_SIZE(ring_names) == ARRAY_SIZE(mode_cases),
		       "a name for each mode");
	ROWS(tests, mode_cases, test_same_outcome);
	ROWS(rings, mode_cases, test_same_outcome_ring);
	for (size_t i = 0; i < ARRAY_SIZE(mode_cases); i++)
		rings[i].name = ring_names[i];
	return cmocka_run_group_tests_name("netpath copy shortcut", tests,
					   NULL, NULL) ? 1 : 0;
}
