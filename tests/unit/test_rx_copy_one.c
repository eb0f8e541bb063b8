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
		if ((i == 3 || i == 6) && n) {
			fk.ring[0].cons = np.vm[0].prod;
			assert_int_equal(np_release(&np, 0, list, n, now),
					 (int)n);
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

static void test_same_outcome(void **state)
{
	const struct mode_case *m = *state;
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
	/* Every kind of drop ran, and something was delivered. */
	assert_true(b->np.vm[0].st.rx_drop_quota > 0);
	assert_true(b->np.vm[1].st.rx_drop_ring > 0);
	assert_true(b->np.vm[2].st.rx_drop_nosetup > 0);
	assert_true(b->taken > 0);
	assert_int_equal(a->page_calls, b->page_calls);
}

int main(void)
{
	static struct CMUnitTest tests[ARRAY_SIZE(mode_cases)];

	ROWS(tests, mode_cases, test_same_outcome);
	return cmocka_run_group_tests_name("netpath copy shortcut", tests,
					   NULL, NULL) ? 1 : 0;
}
