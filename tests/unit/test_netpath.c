/* Host tests for the data path (vmm/net/frame_pool.c, demux.c,
 * rx_deliver.c, rx_release.c, reclaim.c, net_tx.c, netpath_check.c)
 * against fakes of everything it touches (netpath_fakes.c, shared with
 * the fuzz harnesses): a NIC receive ring with a capacity, one EPT per
 * VM (slot -> hpa), pool pages in an array, each VM's copy area (its
 * "RAM", on the heap), and logs of every map, unmap, flush, notify, post
 * and wire send in order. Flip, copy and hybrid delivery
 * (docs/datapath.md, "Delivery modes") each have their own tests, and
 * the soak runs once per mode.
 *
 * The fakes check the safety rules on every call, in every test: a frame
 * is posted only when no EPT maps it, no guest TLB may still hold it and
 * it is all zero; a frame is mapped only when no TLB may still hold it
 * and it is not posted; at each flush every frame that VM unmapped is
 * still DELIVERED (to others) or RECLAIMING with its data: nothing is
 * scrubbed or freed before the INVEPT. Each test ends with np_check and
 * a comparison of the fake EPTs and NIC ring with the pool's books. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/net/netpath_internal.h"
#include "tests/unit/netpath_fakes.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static uint32_t seed;

/* Snapshots for "a refused call changes nothing". */
static struct netpath snap_np;
static struct fake snap_fk;
static uint8_t *snap_carea[NP_MAX_VMS];

static const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const uint8_t MCAST6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
static const uint8_t UNKNOWN[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
static const uint8_t OUTSIDE[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint8_t pat(uint32_t s, uint32_t i)
{
	uint8_t b = (uint8_t)(s * 31 + i * 7 + 1);

	return b ? b : 0xa5;
}

/* The NIC fills its oldest posted buffer: 'len' bytes (at most its 2048-
 * byte buffer), destination, our outside source, then a non-zero
 * pattern. Returns the buffer's hpa. */
static uint64_t nic_write(const uint8_t dst[6], uint16_t len)
{
	uint32_t n = len < NP_RX_LEN_MAX ? len : NP_RX_LEN_MAX;
	uint64_t hpa;
	uint8_t *p;

	if (!fk.nic_n)
		np_refill(&np);
	assert_true(fk.nic_n > 0);
	hpa = fk.nic[fk.nic_head];
	fk.nic_head = (fk.nic_head + 1) % MAXF;
	fk.nic_n--;
	p = fk.page[pidx(hpa)];
	seed++;
	for (uint32_t i = 0; i < n; i++)
		p[i] = pat(seed, i);
	if (n >= 6)
		memcpy(p, dst, 6);
	if (n >= 12)
		memcpy(p + 6, OUTSIDE, 6);
	return hpa;
}

static uint32_t rx(const uint8_t dst[6], uint16_t len)
{
	uint64_t hpa = nic_write(dst, len);

	return np_rx(&np, hpa, len, now);
}

/* A frame from VM 'v' to 'dst', 'len' bytes. */
static void make_frame(uint8_t *buf, uint32_t v, const uint8_t dst[6],
		       uint16_t len)
{
	seed++;
	for (uint32_t i = 0; i < len; i++)
		buf[i] = pat(seed, i);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, mac(v), 6);
}

static int tx(uint32_t v, const uint8_t dst[6], uint16_t len)
{
	uint8_t buf[NET_FRAME_MAX];

	make_frame(buf, v, dst, len);
	return np_tx(&np, v, buf, len, now);
}

static int release1(uint32_t v, uint16_t slot)
{
	return np_release(&np, v, &slot, 1, now);
}

static uint32_t count_ops(uint8_t op, uint32_t from)
{
	uint32_t n = 0;

	for (uint32_t i = from; i < fk.nlog && i < LOG_MAX; i++)
		n += fk.log[i].op == op;
	return n;
}

static uint32_t frame_of(uint32_t v, uint16_t slot)
{
	return np.vm[v].slot_frame[slot];
}

/* The fakes agree with the books: each VM's EPT maps exactly its
 * delivered slots onto their frames, and the NIC holds exactly the
 * POSTED frames. */

static void snapshot(void)
{
	memcpy(&snap_np, &np, sizeof(np));
	memcpy(&snap_fk, &fk, sizeof(fk));
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		if (!carea[v])
			continue;
		snap_carea[v] = realloc(snap_carea[v], carea_len[v]);
		assert_non_null(snap_carea[v]);
		memcpy(snap_carea[v], carea[v], carea_len[v]);
	}
}

static void assert_same(const void *a, const void *b, size_t n,
			const char *what)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			fail_msg("%s changed at byte %zu", what, i);
}

static void assert_unchanged(void)
{
	assert_same(&np, &snap_np, sizeof(np), "struct netpath");
	assert_same(&fk, &snap_fk, sizeof(fk), "fake state");
	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		if (carea[v])
			assert_same(carea[v], snap_carea[v], carea_len[v],
				    "a copy area");
}

static int reset(void **state)
{
	(void)state;
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		free(snap_carea[v]);
		snap_carea[v] = NULL;
	}
	fk_reset();
	now = 1000;
	seed = 0;
	return 0;
}

static int finish(void **state)
{
	(void)state;
	if (fk.corrupted || !np.nr_frames)
		return 0;
	fk.expect_panic = false;
	assert_true(np_check(&np));
	assert_mirror();
	assert_idle_pages_zero();
	return 0;
}

#define T(f) cmocka_unit_test_setup_teardown(f, reset, finish)

/* --- setup ----------------------------------------------------------------- */

static uint64_t many_hpas[NP_MAX_FRAMES + 1];

/* np_init with only the pool and the ops set. */
static int init_pool(const struct netpath_ops *ops, const uint64_t *hpas,
		     uint32_t n)
{
	return np_init(&np, &(struct np_params){
		.ops = ops, .frame_hpas = hpas, .nr_frames = n });
}

static void test_init_rejects(void **state)
{
	struct netpath_ops ops = fake_ops;
	uint64_t hpas[4] = { fhpa(0), fhpa(1), fhpa(2), fhpa(3) };
	struct np_params p = { .ops = &fake_ops, .frame_hpas = hpas,
			       .nr_frames = 4 };

	(void)state;
	assert_int_equal(init_pool(&fake_ops, hpas, 0), -1);
	for (uint32_t i = 0; i <= NP_MAX_FRAMES; i++)
		many_hpas[i] = fhpa(i);
	assert_int_equal(init_pool(&fake_ops, many_hpas, NP_MAX_FRAMES + 1), -1);
	hpas[2] = fhpa(2) + 8;
	assert_int_equal(init_pool(&fake_ops, hpas, 4), -1);
	hpas[2] = fhpa(1);
	assert_int_equal(init_pool(&fake_ops, hpas, 4), -1);
	assert_int_equal(np.nr_frames, 0);       /* zeroed after a failure */
	hpas[2] = fhpa(2);
	ops.post = NULL;
	assert_int_equal(init_pool(&ops, hpas, 4), -1);
	assert_int_equal(init_pool(NULL, hpas, 4), -1);
	assert_int_equal(init_pool(&fake_ops, NULL, 4), -1);
	assert_int_equal(np_init(&np, NULL), -1);
	/* The set-up beyond the pool: each value in range, or nothing. */
	p.tx_reserve = 5;
	assert_int_equal(np_init(&np, &p), -1);
	p.tx_reserve = 4;
	p.check = NP_CHECK_BATCH + 1;
	assert_int_equal(np_init(&np, &p), -1);
	p.check = NP_CHECK_BATCH;
	p.mode = NP_HYBRID + 1;
	assert_int_equal(np_init(&np, &p), -1);
	p.mode = NP_HYBRID;
	p.copy_threshold = 100;
	assert_int_equal(np_init(&np, &p), 0);
	assert_int_equal(np.tx_reserve, 4);
	assert_int_equal(np.check, NP_CHECK_BATCH);
	assert_int_equal(np.mode, NP_HYBRID);
	assert_int_equal(np.copy_threshold, 100);
}

/* All FREE, all zero whatever the pages held, each with history [FREE]. */
static void test_init_state(void **state)
{
	uint32_t counts[FRAME_NR_STATES];
	uint8_t hist[NP_HIST];

	(void)state;
	memset(fk.page, 0xee, sizeof(fk.page));
	world(16, 8, 0, 0);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE], 16);
	assert_int_equal(counts[FRAME_POSTED] + counts[FRAME_DELIVERED] +
			 counts[FRAME_RECLAIMING], 0);
	for (uint32_t i = 0; i < 16; i++) {
		assert_true(page_zero(i, 0, NET_SLOT_SIZE));
		assert_int_equal(np_frame_history(&np, i, hist), 1);
		assert_int_equal(hist[0], FRAME_FREE);
		assert_int_equal(np_frame_find(&np, fhpa(i)), i);
	}
	assert_int_equal(np_frame_find(&np, fhpa(16)), NP_NO_FRAME);
	assert_int_equal(np_frame_history(&np, 16, hist), 0);
	memset(fk.page[16], 0, sizeof(fk.page) - 16 * sizeof(fk.page[0]));
}

/* The hpa index at its largest, with addresses in no particular order. */
static void test_init_index_full(void **state)
{
	(void)state;
	fk.allow_scratch = true;
	for (uint32_t i = 0; i < NP_MAX_FRAMES; i++)
		many_hpas[i] = (uint64_t)((i * 2654435761u) % 1000003u + 1) << 12;
	assert_int_equal(init_pool(&fake_ops, many_hpas, NP_MAX_FRAMES), 0);
	for (uint32_t i = 0; i < NP_MAX_FRAMES; i++)
		assert_int_equal(np_frame_find(&np, many_hpas[i]), i);
	assert_int_equal(np_frame_find(&np, 0), NP_NO_FRAME);
	assert_true(np_check(&np));
	memset(&np, 0, sizeof(np));
}

struct add_case {
	const char *name;
	uint32_t    vm;
	uint8_t     mac[6];
	uint16_t    slots, quota;
};

static const struct add_case add_rejects[] = {
	{ "vm id out of range", NP_MAX_VMS, { 2, 0, 0, 0, 1, 0 }, 8, 8 },
	{ "vm id taken", 0, { 2, 0, 0, 0, 1, 0 }, 8, 8 },
	{ "MAC taken", 1, { 2, 0, 0, 0, 0, 1 }, 8, 8 },
	{ "multicast MAC", 1, { 3, 0, 0, 0, 1, 0 }, 8, 8 },
	{ "broadcast MAC", 1, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 8, 8 },
	{ "zero MAC", 1, { 0 }, 8, 8 },
	{ "no slots", 1, { 2, 0, 0, 0, 1, 0 }, 0, 0 },
	{ "too many slots", 1, { 2, 0, 0, 0, 1, 0 }, NET_RX_SLOTS_MAX + 1, 8 },
	{ "quota 0", 1, { 2, 0, 0, 0, 1, 0 }, 8, 0 },
	{ "quota above slots", 1, { 2, 0, 0, 0, 1, 0 }, 8, 9 },
};

static void test_add_vm(void **state)
{
	(void)state;
	world(8, 8, 0, 0);
	add_vm(0, 8, 8, false, false);          /* MAC 02:00:00:00:00:01 */
	for (size_t i = 0; i < ARRAY_SIZE(add_rejects); i++) {
		const struct add_case *c = &add_rejects[i];

		snapshot();
		if (np_add_vm(&np, c->vm, c->mac, c->slots, c->quota, false) != -1)
			fail_msg("accepted: %s", c->name);
		assert_unchanged();
	}
	assert_int_equal(np_add_vm(&np, NP_MAX_VMS - 1, mac(NP_MAX_VMS - 1),
				   NET_RX_SLOTS_MAX, NET_RX_SLOTS_MAX, true), 0);
	assert_int_equal(np.nr_vms, 2);
}

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

/* --- the pool -------------------------------------------------------------- */

static void test_refill(void **state)
{
	uint32_t counts[FRAME_NR_STATES];

	(void)state;
	world(24, 8, 0, 0);
	assert_int_equal(np_refill(&np), 8);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE], 16);
	assert_int_equal(counts[FRAME_POSTED], 8);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(fk.nic[i], fhpa(i));
	assert_int_equal(np_refill(&np), 0);     /* the NIC is full */

	/* tx_reserve FREE frames are kept back for VM-to-VM copies. */
	fk.nic_cap = MAXF;
	np.tx_reserve = 5;
	assert_int_equal(np_refill(&np), 11);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE], 5);
	assert_int_equal(counts[FRAME_POSTED], 19);
	np.tx_reserve = 0;
	assert_int_equal(np_refill(&np), 5);
	assert_int_equal(np_refill(&np), 0);     /* nothing FREE left */
}

static void assert_hist(uint32_t fi, const uint8_t *want, uint32_t n)
{
	uint8_t h[NP_HIST];
	uint32_t got = np_frame_history(&np, fi, h);

	assert_true(got >= n);
	/* the last n transitions */
	assert_memory_equal(h + got - n, want, n);
}

static void assert_counts(uint32_t f, uint32_t p, uint32_t d)
{
	uint32_t c[FRAME_NR_STATES];

	np_counts(&np, c);
	assert_int_equal(c[FRAME_FREE], f);
	assert_int_equal(c[FRAME_POSTED], p);
	assert_int_equal(c[FRAME_DELIVERED], d);
	assert_int_equal(c[FRAME_RECLAIMING], 0);
	assert_true(np_check(&np));
}

/* Every transition of the state machine, on frame 0, with the counts and
 * the history after each. */
static void test_state_machine(void **state)
{
	static const uint8_t fp[] = { FRAME_FREE, FRAME_POSTED };
	static const uint8_t pf[] = { FRAME_POSTED, FRAME_FREE };
	static const uint8_t pd[] = { FRAME_POSTED, FRAME_DELIVERED };
	static const uint8_t drf[] = { FRAME_DELIVERED, FRAME_RECLAIMING,
				       FRAME_FREE };
	static const uint8_t fd[] = { FRAME_FREE, FRAME_DELIVERED };
	uint64_t h0 = fhpa(0);

	(void)state;
	world(2, 1, 0, 100);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);

	/* FREE -> POSTED: refill. */
	np_refill(&np);
	assert_counts(1, 1, 0);
	assert_hist(0, fp, 2);
	/* POSTED -> FREE: a runt, scrubbed. */
	assert_int_equal(np_rx(&np, nic_write(mac(0), 10), 10, now), 0);
	assert_int_equal(np.st.rx_drop_bad_len, 1);
	assert_hist(0, pf, 2);
	/* The freed frame went to the free list's head; posted again. */
	np_refill(&np);
	assert_int_equal(fk.nic[fk.nic_head], h0);
	/* POSTED -> FREE: nobody's MAC. */
	assert_int_equal(np_rx(&np, nic_write(UNKNOWN, 60), 60, now), 0);
	assert_int_equal(np.st.rx_drop_unknown, 1);
	assert_hist(0, pf, 2);
	np_refill(&np);
	/* POSTED -> DELIVERED: to VM 0. */
	assert_int_equal(np_rx(&np, nic_write(mac(0), 60), 60, now), 1);
	assert_counts(1, 0, 1);
	assert_hist(0, pd, 2);
	/* DELIVERED -> RECLAIMING -> FREE: release (and refill: POSTED). */
	fk.nic_cap = 0;
	assert_int_equal(release1(0, 0), 1);
	assert_counts(2, 0, 0);
	assert_hist(0, drf, 3);
	/* FREE -> DELIVERED: a VM-to-VM copy. */
	assert_int_equal(tx(1, mac(0), 60), 0);
	assert_counts(1, 0, 1);
	assert_hist(0, fd, 2);
	/* DELIVERED -> RECLAIMING -> FREE: revocation. */
	np.low_watermark = 2;
	np_rx_end(&np, now);
	assert_int_equal(fk.reclaim_irq[0], 1);
	assert_int_equal(np_tick(&np, now + 100), 1);
	assert_counts(2, 0, 0);
	assert_hist(0, drf, 3);
	/* A VM-to-VM copy nobody can take stays FREE, scrubbed. */
	np.vm[0].quota = 0;
	assert_int_equal(tx(1, mac(0), 60), 0);
	assert_int_equal(np.vm[0].st.rx_drop_quota, 1);
	assert_counts(2, 0, 0);
	assert_hist(0, drf, 3);
	np.vm[0].quota = 4;
}

/* The driver hands back only what was posted: anything else is a bug. */
/* MAC Control (EtherType 0x8808) is the link's own even when sent to a
 * VM's unicast MAC: a link_local drop, the frame scrubbed and FREE. */
static void test_rx_mac_control(void **state)
{
	uint64_t hpa;

	(void)state;
	world(4, 2, 0, 0);
	add_vm(0, 4, 4, false, true);
	np_refill(&np);
	hpa = nic_write(mac(0), 60);
	fk.page[pidx(hpa)][12] = 0x88;
	fk.page[pidx(hpa)][13] = 0x08;
	assert_int_equal(np_rx(&np, hpa, 60, now), 0);
	assert_int_equal(np.st.rx_drop_link_local, 1);
	assert_int_equal(np.vm[0].st.rx_frames, 0);
	assert_int_equal(fk.ring[0].prod, 0);
	assert_int_equal(np.frame[np_frame_find(&np, hpa)].state, FRAME_FREE);
	assert_true(page_zero(pidx(hpa), 0, NET_SLOT_SIZE));
	/* 0x8809 (slow protocols) to a VM is not MAC Control: delivered. */
	hpa = nic_write(mac(0), 60);
	fk.page[pidx(hpa)][12] = 0x88;
	fk.page[pidx(hpa)][13] = 0x09;
	assert_int_equal(np_rx(&np, hpa, 60, now), 1);
}

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

/* --- demux ------------------------------------------------------------------ */

/* VMs 0 and 1 plain, VM 2 with a ring and VM 3 without, either of them
 * promiscuous as the row says. */
struct demux_case {
	const char *name;
	uint8_t     dst[6];
	bool        promisc2, promisc3;
	uint16_t    want;           /* VMs that get it */
	uint16_t    flags;
	uint16_t    nosetup;        /* VMs that count rx_drop_nosetup */
	uint32_t    unknown, no_vm; /* global drops */
	uint32_t    link_local;     /* global drop: not bridged */
};

static const struct demux_case demux_cases[] = {
	{ "unicast to VM 0", { 2, 0, 0, 0, 0, 1 }, true, false, 0x1, 0, 0, 0, 0, 0 },
	{ "unicast to VM 1", { 2, 0, 0, 0, 0, 2 }, true, false, 0x2, 0, 0, 0, 0, 0 },
	{ "unicast to the promiscuous VM 2", { 2, 0, 0, 0, 0, 3 }, true, false,
	  0x4, 0, 0, 0, 0, 0 },
	{ "unicast to VM 3 without a ring", { 2, 0, 0, 0, 0, 4 }, false, false,
	  0, 0, 0x8, 0, 1, 0 },
	{ "broadcast: every VM with a ring", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	  false, false, 0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "IPv4 multicast", { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, false, false,
	  0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "IPv6 multicast", { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, false, false,
	  0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "VM 0's MAC with the group bit", { 3, 0, 0, 0, 0, 1 }, false, false,
	  0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "unknown unicast: dropped", { 2, 0, 0, 0, 0, 0x99 }, false, false,
	  0, 0, 0, 1, 0, 0 },
	{ "unknown unicast: to the promiscuous VM", { 2, 0, 0, 0, 0, 0x99 }, true,
	  false, 0x4, 0, 0, 0, 0, 0 },
	{ "unknown unicast: promiscuous VM without a ring",
	  { 2, 0, 0, 0, 0, 0x99 }, false, true, 0, 0, 0x8, 0, 1, 0 },
	{ "unknown unicast: two promiscuous VMs", { 2, 0, 0, 0, 0, 0x99 }, true,
	  true, 0x4, 0, 0x8, 0, 0, 0 },
	{ "a MAC one bit off VM 1's", { 2, 0, 0, 0, 0, 6 }, false, false,
	  0, 0, 0, 1, 0, 0 },
	/* IEEE 802.1 reserved: to nobody, even promiscuous VMs. */
	{ "spanning tree 01:80:c2:00:00:00", { 0x01, 0x80, 0xc2, 0, 0, 0 },
	  true, true, 0, 0, 0, 0, 0, 1 },
	{ "PAUSE 01:80:c2:00:00:01", { 0x01, 0x80, 0xc2, 0, 0, 0x01 },
	  false, false, 0, 0, 0, 0, 0, 1 },
	{ "LLDP 01:80:c2:00:00:0e", { 0x01, 0x80, 0xc2, 0, 0, 0x0e },
	  false, false, 0, 0, 0, 0, 0, 1 },
	{ "01:80:c2:00:00:0f, the block's last", { 0x01, 0x80, 0xc2, 0, 0, 0x0f },
	  false, false, 0, 0, 0, 0, 0, 1 },
	{ "01:80:c2:00:00:10: an ordinary group", { 0x01, 0x80, 0xc2, 0, 0, 0x10 },
	  false, false, 0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "01:80:c2:00:01:00: an ordinary group", { 0x01, 0x80, 0xc2, 0, 1, 0 },
	  false, false, 0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
};

static void test_demux(void **state)
{
	const struct demux_case *c = *state;
	uint64_t hpa;
	uint32_t fi, took = 0;

	world(8, 4, 0, 0);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);
	add_vm(2, 4, 4, c->promisc2, true);
	add_vm(3, 4, 4, c->promisc3, false);
	np_refill(&np);
	hpa = nic_write(c->dst, 100);
	fi = np_frame_find(&np, hpa);
	for (uint16_t w = c->want; w; w &= w - 1)
		took++;
	assert_int_equal(np_rx(&np, hpa, 100, now), took);

	for (uint32_t v = 0; v < 4; v++) {
		bool got = c->want >> v & 1;

		assert_int_equal(fk.ring[v].prod, got);
		assert_int_equal(np.vm[v].st.rx_frames, got);
		assert_int_equal(np.vm[v].st.rx_bcast,
				 got && (c->flags & NET_RX_F_BCAST));
		assert_int_equal(np.vm[v].st.rx_drop_nosetup, c->nosetup >> v & 1);
		if (got) {
			assert_int_equal(fk.ring[v].ent[0].slot, 0);
			assert_int_equal(fk.ring[v].ent[0].len, 100);
			assert_int_equal(fk.ring[v].ent[0].flags, c->flags);
			assert_int_equal(fk.ept[v][0], hpa);
		}
	}
	assert_int_equal(np.st.rx_drop_unknown, c->unknown);
	assert_int_equal(np.st.rx_drop_no_vm, c->no_vm);
	assert_int_equal(np.st.rx_drop_link_local, c->link_local);
	assert_int_equal(np.st.rx_frames, took ? 1 : 0);
	if (took) {
		assert_int_equal(np.frame[fi].state, FRAME_DELIVERED);
		assert_int_equal(np.frame[fi].holders, c->want);
	} else {
		assert_int_equal(np.frame[fi].state, FRAME_FREE);
		assert_true(page_zero(pidx(hpa), 0, NET_SLOT_SIZE));
	}
}

/* --- delivery ----------------------------------------------------------- */

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

/* --- release -------------------------------------------------------------- */

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
	hpa = nic_write(mac(0), 3000);          /* 2048 bytes written */
	p = pidx(hpa);
	fk.nic_cap = 0;
	assert_int_equal(np_rx(&np, hpa, 3000, now), 0);
	assert_int_equal(np.st.rx_drop_bad_len, 1);
	assert_true(page_zero(p, 0, NET_SLOT_SIZE));
	assert_int_equal(np.st.bytes_scrubbed, 100 + NET_SLOT_SIZE + 3000);
	fk.nic_cap = 1;
	np_refill(&np);
	hpa = nic_write(mac(0), NP_RX_LEN_MAX);
	fk.nic_cap = 0;
	assert_int_equal(np_rx(&np, hpa, NP_RX_LEN_BAD, now), 0);
	assert_true(page_zero(pidx(hpa), 0, NET_SLOT_SIZE));
	assert_int_equal(np.st.bytes_scrubbed,
			 100 + 2 * NET_SLOT_SIZE + 3000);
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
			 100 + 2 * NET_SLOT_SIZE + 3000 + 77);
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

/* --- reclaim and revocation ----------------------------------------------- */

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
			assert_true(page_zero(pidx(hpa[s]), 0, NET_SLOT_SIZE));
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

/* --- transmit ----------------------------------------------------------- */

/* Three VMs, the NIC able to take the whole pool; tx_reserve keeps two
 * FREE frames for VM-to-VM copies. */
static void tx_world(void)
{
	fk.setup.tx_reserve = 2;
	world(16, 16, 0, 0);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 8, 8, false, true);
	add_vm(2, 8, 8, false, true);
	assert_int_equal(np_refill(&np), 14);
}

/* Unicast to another VM: through the pool, never the wire. */
static void test_tx_vm_to_vm(void **state)
{
	uint8_t buf[NET_FRAME_MAX];
	uint64_t hpa;

	(void)state;
	tx_world();
	make_frame(buf, 0, mac(1), 100);
	assert_int_equal(np_tx(&np, 0, buf, 100, now), 0);
	assert_int_equal(fk.nwire, 0);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(fk.ring[1].ent[0].flags, NET_RX_F_LOCAL);
	assert_int_equal(fk.ring[1].ent[0].len, 100);
	hpa = fk.ept[1][fk.ring[1].ent[0].slot];
	assert_memory_equal(fk.page[pidx(hpa)], buf, 100);
	assert_int_equal(fk.ring[0].prod + fk.ring[2].prod, 0);
	assert_int_equal(fk.rx_irq[1], 1);      /* np_tx ends its batch */
	assert_int_equal(np.vm[0].st.tx_frames, 1);
	assert_int_equal(np.vm[0].st.tx_bytes, 100);
	assert_int_equal(np.vm[0].st.tx_local, 1);
	assert_int_equal(np.st.tx_local, 1);
	assert_int_equal(np.st.tx_wire, 0);
	assert_int_equal(np.vm[1].st.rx_frames, 1);
	assert_int_equal(np.st.rx_frames, 0);   /* counts the wire only */
	assert_int_equal(release1(1, 0), 1);
	assert_int_equal(np.st.bytes_scrubbed, 100);

	/* Every frame with the NIC: nothing to copy into. */
	np.tx_reserve = 0;
	np_refill(&np);
	snapshot();
	assert_int_equal(tx(0, mac(1), 100), -HC_E_STATE);
	assert_int_equal(np.vm[0].st.tx_drop, 1);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(fk.nlog, snap_fk.nlog);
}

/* A VM's broadcast: the wire, and every other VM, one shared frame. */
static void test_tx_broadcast(void **state)
{
	uint8_t buf[NET_FRAME_MAX];

	(void)state;
	tx_world();
	make_frame(buf, 0, BCAST, 60);
	assert_int_equal(np_tx(&np, 0, buf, 60, now), 0);
	assert_int_equal(fk.nwire, 1);
	assert_int_equal(fk.wire_len[0], 60);
	assert_memory_equal(fk.wire[0], buf, 60);
	assert_int_equal(fk.ring[0].prod, 0);   /* not back to the sender */
	for (uint32_t v = 1; v < 3; v++) {
		assert_int_equal(fk.ring[v].prod, 1);
		assert_int_equal(fk.ring[v].ent[0].flags,
				 NET_RX_F_BCAST | NET_RX_F_LOCAL);
		assert_int_equal(np.vm[v].st.rx_bcast, 1);
	}
	assert_int_equal(fk.ept[1][0], fk.ept[2][0]);
	assert_int_equal(fk.rx_irq[0], 0);
	assert_int_equal(np.st.tx_wire, 1);
	assert_int_equal(np.st.tx_local, 1);
	assert_int_equal(np.vm[0].st.tx_frames, 1);
	assert_int_equal(tx(2, MCAST, 80), 0);
	assert_int_equal(fk.nwire, 2);
	assert_int_equal(fk.ring[0].prod, 1);
	assert_int_equal(fk.ring[1].prod, 2);
	assert_int_equal(fk.ring[2].prod, 1);
}

/* Unknown unicast: the wire, plus promiscuous VMs but the sender. */
/* Flip a VM's promiscuous flag after np_add_vm, as np_add_vm would have
 * set it: the flag and the demux's mask together. */
static void set_promisc(uint32_t vm, bool on)
{
	np.vm[vm].promiscuous = on;
	if (on)
		np.promisc_mask |= (uint16_t)(1u << vm);
	else
		np.promisc_mask &= (uint16_t)~(1u << vm);
}

static void test_tx_unknown(void **state)
{
	uint32_t counts[FRAME_NR_STATES];

	(void)state;
	tx_world();
	set_promisc(0, true);
	set_promisc(2, true);
	assert_int_equal(tx(0, OUTSIDE, 60), 0);
	assert_int_equal(fk.nwire, 1);
	assert_int_equal(fk.ring[0].prod, 0);
	assert_int_equal(fk.ring[1].prod, 0);
	assert_int_equal(fk.ring[2].prod, 1);
	assert_int_equal(fk.ring[2].ent[0].flags, NET_RX_F_LOCAL);
	set_promisc(2, false);
	np_counts(&np, counts);
	assert_int_equal(tx(0, UNKNOWN, 60), 0);         /* no copy taken */
	assert_int_equal(fk.nwire, 2);
	assert_memory_equal(np.count, counts, sizeof(counts));
	assert_int_equal(np.st.tx_wire, 2);
	assert_int_equal(np.st.tx_local, 1);
}

static void test_tx_rejects(void **state)
{
	uint8_t buf[NET_FRAME_MAX + 1];

	(void)state;
	tx_world();

	/* Spoofed: counted, and nothing at all happens. */
	make_frame(buf, 1, OUTSIDE, 60);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_spoofed++;
	assert_unchanged();

	/* Lengths: 14 and 1514 go, 13 and 1515 are counted drops. */
	make_frame(buf, 0, OUTSIDE, NET_FRAME_MAX + 1);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, NET_FRAME_MIN - 1, now), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, 0, buf, NET_FRAME_MAX + 1, now), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, 0, buf, 0, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop += 3;
	assert_unchanged();
	assert_int_equal(np_tx(&np, 0, buf, NET_FRAME_MIN, now), 0);
	assert_int_equal(np_tx(&np, 0, buf, NET_FRAME_MAX, now), 0);
	assert_int_equal(fk.wire_len[1], NET_FRAME_MAX);
	assert_int_equal(np.vm[0].st.tx_bytes, NET_FRAME_MIN + NET_FRAME_MAX);

	/* To itself; from no VM; no frame. */
	snapshot();
	assert_int_equal(tx(0, mac(0), 60), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop++;
	assert_unchanged();
	assert_int_equal(tx(3, OUTSIDE, 60), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, NP_MAX_VMS, buf, 60, now), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, 0, NULL, 60, now), -HC_E_INVAL);
	assert_unchanged();

	/* IEEE 802.1 link-local (PAUSE, spanning tree): neither the wire
	 * nor another VM; a counted drop, nothing else changes. */
	make_frame(buf, 0, OUTSIDE, 60);
	memcpy(buf, (const uint8_t[]){ 0x01, 0x80, 0xc2, 0, 0, 0x01 }, 6);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	buf[5] = 0x00;
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop += 2;
	snap_np.vm[0].st.tx_link_local += 2;
	assert_unchanged();
	assert_int_equal(np.vm[0].st.tx_drop, 6);
	make_frame(buf, 0, OUTSIDE, 60);                /* PAUSE, unicast */
	buf[12] = 0x88;
	buf[13] = 0x08;
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop++;
	snap_np.vm[0].st.tx_link_local++;
	assert_unchanged();

	/* The NIC busy: a drop; a broadcast still reaches the local VMs. */
	fk.wire_busy = true;
	/* Refused: the drop is counted and nothing else changes. */
	make_frame(buf, 0, OUTSIDE, 60);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now + 1000000), -HC_E_STATE);
	snap_np.vm[0].st.tx_drop++;
	assert_unchanged();
	assert_int_equal(np.vm[0].st.tx_drop, 8);
	assert_int_equal(tx(0, BCAST, 60), 0);
	assert_int_equal(np.vm[0].st.tx_drop, 9);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(fk.ring[2].prod, 1);
	assert_int_equal(np.vm[0].st.tx_frames, 3);
	fk.wire_busy = false;
}

static uint32_t delivered_slots(uint32_t v, uint16_t *out)
{
	uint32_t n = 0;

	for (uint16_t s = 0; s < np.vm[v].nr_slots; s++)
		if (frame_of(v, s) != NP_NO_FRAME)
			out[n++] = s;
	return n;
}

/* Everything VM v holds, as HC_NET_RELEASE names it: window slots, then
 * copy buffers with NET_SLOT_COPY. 'out' has room for twice nr_slots. */
static uint32_t held_list(uint32_t v, uint16_t *out)
{
	uint32_t n = delivered_slots(v, out);

	for (uint16_t b = 0; b < np.vm[v].nr_slots; b++)
		if (np.vm[v].copy_seq[b])
			out[n++] = COPY(b);
	return n;
}

static bool any_window_slot(const uint16_t *slots, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!(slots[i] & NET_SLOT_COPY))
			return true;
	return false;
}

/* --- delivery modes ------------------------------------------------------- */

/* The delivery modes the mode tests and the soak run in; hybrid at a
 * threshold that sends some frames each way. */
struct mode_case {
	const char *name;
	uint8_t     mode;
	uint16_t    threshold;
};

static const struct mode_case mode_cases[] = {
	{ "flip", NP_FLIP, 0 },
	{ "copy", NP_COPY, 0 },
	{ "hybrid", NP_HYBRID, 300 },
};

/* The rule, for a VM with a copy area. */
static bool copies(const struct mode_case *m, uint16_t len)
{
	return m->mode == NP_COPY ||
	       (m->mode == NP_HYBRID && len <= m->threshold);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t b)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != b)
			return false;
	return true;
}

/* rx(), keeping in 'out' the bytes the NIC wrote, before np_rx may
 * scrub them. */
static uint32_t rx_keep(const uint8_t dst[6], uint16_t len, uint8_t *out)
{
	uint64_t hpa = nic_write(dst, len);

	memcpy(out, fk.page[pidx(hpa)], len);
	return np_rx(&np, hpa, len, now);
}

/* Entry i of VM v's ring announces 'len' bytes of 'data' with 'flags':
 * copied, in the filled copy buffer the entry names; or flipped, in the
 * window slot it names, mapped onto a frame that holds the data. */
static void assert_entry(uint32_t v, uint32_t i, const uint8_t *data,
			 uint16_t len, uint16_t flags, bool copy)
{
	const struct net_rx_entry *e = &fk.ring[v].ent[i % NET_RX_RING];

	assert_int_equal(e->len, len);
	assert_int_equal(e->flags, flags | (copy ? NET_RX_F_COPY : 0));
	assert_true(e->slot < np.vm[v].nr_slots);
	if (copy) {
		assert_true(np.vm[v].copy_seq[e->slot] != 0);
		assert_memory_equal(cbuf(v, e->slot), data, len);
	} else {
		uint32_t fi = frame_of(v, e->slot);

		assert_int_not_equal(fi, NP_NO_FRAME);
		assert_int_equal(fk.ept[v][e->slot], np.frame[fi].hpa);
		assert_memory_equal(fk.page[pidx(np.frame[fi].hpa)], data, len);
	}
}

/* Unicast, per mode: a VM with a copy area gets each frame by the mode's
 * rule, a VM without one always by flip. A copied frame is FREE as soon
 * as np_rx returns, its len bytes scrubbed and never mapped; a flipped
 * one is mapped and DELIVERED. Copies fill the lowest free buffer,
 * flips the lowest free slot, each kind numbered on its own. */
static void test_mode_unicast(void **state)
{
	const struct mode_case *m = *state;
	static const uint16_t lens[] = { 60, 1000, 300, 301, NP_RX_LEN_MAX };
	static const uint32_t want_copied[] = {
		[NP_FLIP] = 0, [NP_COPY] = 5, [NP_HYBRID] = 2,
	};
	uint8_t data[NP_RX_LEN_MAX];
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
		assert_int_equal(np.st.bytes_scrubbed - scrubbed,
				 c ? lens[i] : 0);
		assert_int_equal(count_ops(OP_MAP, from), !c);
		if (c)
			assert_true(page_zero(pidx(hpa), 0, NET_SLOT_SIZE));
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
 * stays DELIVERED while any VM maps it, and is scrubbed once, when the
 * last mapping goes; the VMs that copied it hold only their buffers. */
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
		assert_true(np.frame[fi[i]].state == FRAME_FREE ||
			    np.frame[fi[i]].state == FRAME_POSTED);
	assert_int_equal(np.st.bytes_scrubbed, 60 + 1000);
}

/* A frame every target copied is FREE when np_rx returns: exactly its
 * len bytes scrubbed (a sentinel past len survives), with no map, unmap
 * or flush; the refill at the end of the batch gives it straight back to
 * the NIC. The buffers hold the NIC's bytes, and the guest's own bytes
 * past len are left alone. */
static void test_copy_frame_back(void **state)
{
	uint8_t first[700], data[NP_RX_LEN_MAX];
	uint64_t hpa;
	uint32_t p, fi, from;

	(void)state;
	set_mode(NP_COPY, 0);
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
	assert_int_equal(np.frame[fi].scrub_len, 0);
	assert_true(page_zero(p, 0, 700));
	assert_true(all_bytes(fk.page[p] + 700, NET_SLOT_SIZE - 700, SENTINEL));
	assert_int_equal(np.st.bytes_scrubbed, 700);
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
	assert_int_equal(rx_keep(mac(0), NP_RX_LEN_MAX, data), 1);
	assert_entry(0, 1, data, NP_RX_LEN_MAX, 0, true);
	assert_int_equal(fk.ring[0].ent[1].slot, 1);
	assert_memory_equal(cbuf(0, 0), first, 700);
	assert_true(all_bytes(cbuf(0, 2), 2 * NET_COPY_BUF_SIZE, CA_FILL));
	assert_int_equal(np.st.bytes_scrubbed, 700 + NP_RX_LEN_MAX);
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
		{ 2047, NP_RX_LEN_MAX, false }, { 2048, NP_RX_LEN_MAX, true },
	};
	uint8_t data[NP_RX_LEN_MAX];
	uint32_t copied = 0;

	(void)state;
	set_mode(NP_HYBRID, 0);
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

/* VM to VM follows the same rule: the frame is copied into a pool frame,
 * then on into each target with a copy area; the pool frame is back,
 * scrubbed, when nobody maps it. */
static void test_copy_tx_local(void **state)
{
	uint8_t buf[NET_FRAME_MAX];
	uint32_t before[FRAME_NR_STATES], after[FRAME_NR_STATES];
	uint32_t fi;

	(void)state;
	fk.setup.tx_reserve = 2;
	set_mode(NP_COPY, 0);
	world(16, 16, 0, 0);
	add_vm_copy(0, 8, 8, false);
	add_vm_copy(1, 8, 8, false);
	add_vm(2, 8, 8, false, true);           /* no copy area */
	assert_int_equal(np_refill(&np), 14);
	np_counts(&np, before);
	make_frame(buf, 1, mac(0), 100);
	assert_int_equal(np_tx(&np, 1, buf, 100, now), 0);
	assert_entry(0, 0, buf, 100, NET_RX_F_LOCAL, true);
	np_counts(&np, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(np.st.bytes_scrubbed, 100);
	assert_int_equal(fk.rx_irq[0], 1);
	assert_int_equal(count_ops(OP_MAP, 0), 0);

	/* A broadcast: copied into VM 1, mapped into VM 2. */
	make_frame(buf, 0, BCAST, 80);
	assert_int_equal(np_tx(&np, 0, buf, 80, now), 0);
	assert_entry(1, 0, buf, 80, NET_RX_F_BCAST | NET_RX_F_LOCAL, true);
	assert_entry(2, 0, buf, 80, NET_RX_F_BCAST | NET_RX_F_LOCAL, false);
	fi = frame_of(2, 0);
	assert_int_equal(np.frame[fi].holders, 0x4);
	assert_int_equal(np.frame[fi].state, FRAME_DELIVERED);
	assert_int_equal(fk.nwire, 1);
	assert_int_equal(np.st.rx_copied, 2);
	assert_int_equal(np.st.rx_flipped, 1);
	assert_int_equal(fk.ring[0].prod, 1);   /* not back to the sender */
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

/* --- the ring indices ---------------------------------------------------- */

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

/* --- np_check ------------------------------------------------------------- */

/* Frames 0..3 posted; VM 0 holds a broadcast frame (with VM 1) in slot
 * 0 and a unicast one in slot 1. Each case breaks one invariant. */
static void check_world(void)
{
	world(16, 4, 0, 0);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 8, 8, false, true);
	np_refill(&np);
	assert_int_equal(rx(BCAST, 60), 2);
	assert_int_equal(rx(mac(0), 60), 1);
	np_refill(&np);
}

static uint32_t a_frame_in(enum frame_state s)
{
	for (uint32_t i = 0; i < np.nr_frames; i++)
		if (np.frame[i].state == s)
			return i;
	fail_msg("no frame in state %u", s);
	return 0;
}

static void move_frame(uint32_t fi, enum frame_state s)
{
	np.count[np.frame[fi].state]--;
	np.count[s]++;
	np.frame[fi].state = (uint8_t)s;
}

static void break_counts(void)
{
	np.count[FRAME_FREE]++;
	np.count[FRAME_POSTED]--;
}

static void break_state(void) { np.frame[a_frame_in(FRAME_FREE)].state = 7; }
static void break_holders(void) { np.frame[a_frame_in(FRAME_FREE)].holders = 1; }
static void break_no_holder(void) { np.frame[frame_of(0, 1)].holders = 0; }
static void break_writable(void) { np.frame[frame_of(0, 0)].writable = true; }

static void break_slot_posted(void)
{
	np.vm[0].slot_frame[5] = (uint16_t)a_frame_in(FRAME_POSTED);
}
static void break_reclaiming(void)
{
	uint32_t fi = frame_of(0, 1);

	move_frame(fi, FRAME_RECLAIMING);
	np.frame[fi].holders = 0;
}
static void break_free_list(void) { move_frame(np.free_head, FRAME_POSTED); }
static void break_held(void) { np.vm[0].held++; }
static void break_two_slots(void) { np.vm[0].slot_frame[1] = np.vm[0].slot_frame[0]; }
static void break_index(void) { np.frame[a_frame_in(FRAME_FREE)].hpa = fhpa(200); }
static void break_scrub(void) { np.frame[a_frame_in(FRAME_POSTED)].scrub_len = 1; }
static void break_quota(void) { np.vm[0].quota = 1; }
static void break_nr_vms(void) { np.nr_vms++; }
static void break_foreign_slot(void)
{
	np.vm[1].slot_frame[1] = np.vm[0].slot_frame[1];
	np.vm[1].held++;
}

/* Copy buffers: the books of VM 0 (window slots 0 and 1) and VM 1
 * (slot 0), broken on the copy side. */
static void break_copy_count(void)
{
	np.vm[0].held_copy++;
	np.vm[0].held++;
}
static void break_copy_no_area(void)
{
	np.vm[1].copy_seq[3] = 1;
	np.vm[1].held_copy++;
	np.vm[1].held++;
}
static void break_copy_overlap(void) { np.vm[0].copy_area = fk.page[10]; }
static void break_copy_seq(void)
{
	np.vm[0].copy_area = area_for(0);
	np.vm[0].copy_seq[2] = np.seq + 1;
	np.vm[0].held_copy++;
	np.vm[0].held++;
}
static void break_copy_held(void)
{
	np.vm[0].copy_area = area_for(0);
	np.vm[0].copy_seq[2] = 1;
	np.vm[0].held_copy++;
}

struct check_case {
	const char *name;
	void      (*breaks)(void);
	const char *msg;
};

static const struct check_case check_cases[] = {
	{ "counts drift", break_counts,
	  "state count differs from a recount" },
	{ "frame in no state", break_state, "frame in no state" },
	{ "holders on a FREE frame", break_holders,
	  "undelivered frame with holders" },
	{ "DELIVERED with no holder", break_no_holder,
	  "delivered frame with no holder" },
	{ "shared frame writable", break_writable,
	  "shared frame mapped writable" },
	{ "slot on a POSTED frame", break_slot_posted,
	  "slot points at a frame not DELIVERED" },
	{ "frame left RECLAIMING", break_reclaiming, "a frame left RECLAIMING" },
	{ "free list holds a POSTED frame", break_free_list,
	  "free list holds a frame not FREE" },
	{ "held off by one", break_held, "held differs from the slots in use" },
	{ "two slots on one frame", break_two_slots,
	  "two slots of one VM on one frame" },
	{ "hpa index stale", break_index, "hpa index does not find the frame" },
	{ "posted frame with data", break_scrub,
	  "free or posted frame not scrubbed" },
	{ "over quota", break_quota, "VM holds more than its quota" },
	{ "nr_vms off", break_nr_vms, "nr_vms differs from the VMs present" },
	{ "slot on a frame its VM does not hold", break_foreign_slot,
	  "slot points at a frame its VM does not hold" },
	{ "held_copy off by one", break_copy_count,
	  "held_copy differs from the copy buffers in use" },
	{ "copy buffer with no copy area", break_copy_no_area,
	  "copy buffers in use without a copy area" },
	{ "copy area over a pool frame", break_copy_overlap,
	  "copy area overlaps a pool frame" },
	{ "copy buffer from the future", break_copy_seq,
	  "copy buffer stamped past the sequence" },
	{ "copy buffer not in held", break_copy_held,
	  "held differs from the slots in use" },
};

static void test_check(void **state)
{
	const struct check_case *c = *state;

	check_world();
	assert_true(np_check(&np));
	c->breaks();
	fk.corrupted = true;
	fk.expect_panic = true;
	assert_false(np_check(&np));
	assert_int_equal(fk.panics, 1);
	assert_string_equal(fk.panic_msg, c->msg);
}

/* With np->check set, every transition ends with np_check. */
static void test_check_runs(void **state)
{
	(void)state;
	check_world();
	break_held();
	fk.corrupted = true;
	fk.expect_panic = true;
	np_rx_end(&np, now);
	assert_int_equal(fk.panics, 1);
	np.check = NP_CHECK_OFF;
	np_rx_end(&np, now);
	assert_int_equal(fk.panics, 1);
}

/* NP_CHECK_BATCH skips the check after each received frame and makes it
 * once at the end of the batch; NP_CHECK_EVERY makes it after each. */
static void test_check_modes(void **state)
{
	(void)state;
	check_world();
	np.check = NP_CHECK_BATCH;
	break_held();
	fk.corrupted = true;
	fk.expect_panic = true;
	assert_int_equal(rx(mac(1), 60), 1);
	assert_int_equal(fk.panics, 0);
	np_rx_end(&np, now);
	assert_int_equal(fk.panics, 1);
	np.check = NP_CHECK_EVERY;
	assert_int_equal(rx(mac(1), 60), 1);
	assert_int_equal(fk.panics, 2);
}

/* --- soak ------------------------------------------------------------------ */

static uint32_t lcg;

static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 1664525u + 1013904223u;
	return (lcg >> 8) % n;
}

static const uint8_t *soak_dst(void)
{
	switch (rnd(9)) {
	case 0: return BCAST;
	case 1: return MCAST;
	case 4: return MCAST6;
	case 2: return UNKNOWN;
	case 3: return OUTSIDE;
	default: return mac(rnd(4));
	}
}

static void soak_rx(uint64_t *calls)
{
	uint16_t len;

	if (!fk.nic_n)
		np_refill(&np);
	if (!fk.nic_n)
		return;
	switch (rnd(12)) {
	case 0: len = (uint16_t)rnd(NET_FRAME_MIN); break;
	case 1: len = (uint16_t)(NP_RX_LEN_MAX + 1 + rnd(3000)); break;
	default: len = (uint16_t)(NET_FRAME_MIN + rnd(NP_RX_LEN_MAX - NET_FRAME_MIN + 1));
	}
	rx(soak_dst(), len);
	(*calls)++;
}

/* A random subset of what VM v holds, both kinds mixed, in random
 * order: one INVEPT if it had a window slot, none if only copy buffers. */
static void soak_release_good(uint32_t v)
{
	uint16_t held[2 * NET_RX_SLOTS_MAX];
	uint32_t n = held_list(v, held), k;
	uint64_t invepts = np.st.invepts;

	if (!n)
		return;
	/* A random subset, in random order. */
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = rnd(i + 1);
		uint16_t t = held[i];

		held[i] = held[j];
		held[j] = t;
	}
	k = 1 + rnd(n < HC_NET_BATCH ? n : HC_NET_BATCH);
	assert_int_equal(np_release(&np, v, held, k, now), (int)k);
	assert_int_equal(np.st.invepts - invepts, any_window_slot(held, k));
}

static void soak_release_bad(uint32_t v)
{
	uint16_t slots[2 * NET_RX_SLOTS_MAX + 1];
	uint32_t n = held_list(v, slots), k;
	uint16_t kind = rnd(2) ? NET_SLOT_COPY : 0;
	int want;

	if (n > HC_NET_BATCH - 1)
		n = HC_NET_BATCH - 1;
	k = n ? rnd(n) : 0;                     /* a good prefix */
	switch (rnd(4)) {
	case 0:                                 /* out of range */
		slots[k++] = (uint16_t)((np.vm[v].nr_slots + rnd(100)) | kind);
		want = -HC_E_INVAL;
		break;
	case 1:                                 /* a duplicate */
		if (!k) {
			k = HC_NET_BATCH + 1;
			want = -HC_E_INVAL;
			break;
		}
		slots[k] = slots[rnd(k)];
		k++;
		want = -HC_E_STATE;
		break;
	case 2: {                               /* not delivered */
		uint16_t s = (uint16_t)rnd(np.vm[v].nr_slots);

		if (kind ? np.vm[v].copy_seq[s] != 0 :
			   frame_of(v, s) != NP_NO_FRAME)
			return;
		slots[k++] = s | kind;
		want = -HC_E_STATE;
		break;
	}
	default:
		k = 0;
		want = -HC_E_INVAL;
	}
	memcpy(&snap_np, &np, sizeof(np));
	assert_int_equal(np_release(&np, v, slots, k, now), want);
	snap_np.vm[v].st.release_errors++;
	assert_same(&np, &snap_np, sizeof(np), "struct netpath");
}

static void soak_tx(void)
{
	uint32_t v = rnd(4), to = rnd(4);
	uint8_t buf[NET_FRAME_MAX];
	uint16_t len = (uint16_t)(NET_FRAME_MIN + rnd(NET_FRAME_MAX - NET_FRAME_MIN + 1));
	uint64_t spoofed = np.vm[v].st.tx_spoofed;
	int r;

	switch (rnd(6)) {
	case 0:                                 /* spoofed */
		make_frame(buf, (v + 1) % 4, OUTSIDE, len);
		assert_int_equal(np_tx(&np, v, buf, len, now), -HC_E_INVAL);
		assert_int_equal(np.vm[v].st.tx_spoofed, spoofed + 1);
		return;
	case 1:
		make_frame(buf, v, soak_dst(), len);
		break;
	default:
		make_frame(buf, v, mac(to), len);
	}
	r = np_tx(&np, v, buf, len, now);
	if (!memcmp(buf, mac(v), 6))
		assert_int_equal(r, -HC_E_INVAL);
	else
		assert_true(r == 0 || r == -HC_E_STATE);
}

/* The guest writes garbage over its ring indices; the frame that comes
 * next must not suffer for the other VMs, then it repairs them. */
static void soak_scribble(uint64_t *calls)
{
	uint32_t v = rnd(3);
	struct net_rx_ring *r = &fk.ring[v];
	uint32_t cons = r->cons;

	r->cons = lcg;
	r->prod = ~lcg;
	soak_rx(calls);
	r->cons = cons;
	r->prod = np.vm[v].prod;
}

/* A fixed-seed random mix of everything, np_check after every step,
 * the fakes' books against the pool's every few steps; then everything
 * released, and every frame must be back, zero, and accounted for. Once
 * per delivery mode; VMs 0, 2 and (once set up) 3 have copy areas, VM 1
 * has none, so copy and hybrid mix both kinds in one broadcast. */
static void test_soak(void **state)
{
	const struct mode_case *m = *state;
	struct net_rx_entry e[32];
	uint16_t slots[2 * NET_RX_SLOTS_MAX];
	uint64_t rx_calls = 0, delivered = 0;
	uint32_t counts[FRAME_NR_STATES];

	lcg = 12345;
	fk.setup.tx_reserve = 4;
	set_mode(m->mode, m->threshold);
	world(48, 16, 24, 40);
	add_vm_copy(0, 16, 8, false);
	add_vm(1, 16, 12, false, true);
	add_vm_copy(2, 32, 16, true);
	add_vm(3, 8, 4, false, false);
	np_refill(&np);

	for (uint32_t step = 0; step < 12000; step++) {
		uint32_t v = rnd(4);

		now += rnd(3);
		if (step == 4000)
			assert_int_equal(np_setup(&np, 3, &fk.ring[3],
						  area_for(3)), 0);
		if (rnd(50) == 0)
			fk.wire_busy = !fk.wire_busy;
		switch (rnd(20)) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6:
			soak_rx(&rx_calls);
			break;
		case 7: case 8:
			np_rx_end(&np, now);
			break;
		case 9: case 10:
			if (np.vm[v].ring)
				consume(v, e, 1 + rnd(32));
			break;
		case 11: case 12: case 13:
			soak_release_good(v);
			break;
		case 14:
			soak_release_bad(v);
			break;
		case 15:
			np_tick(&np, now);
			break;
		case 16: case 17:
			soak_tx();
			break;
		case 18:
			soak_scribble(&rx_calls);
			break;
		default:
			/* A guest that never reads still gets its slots
			 * released: reading is not required. */
			if (rnd(2))
				soak_release_good(v);
		}
		assert_true(np_check(&np));
		if (step % 64 == 0) {
			assert_mirror();
			assert_idle_pages_zero();
		}
	}

	for (uint32_t v = 0; v < 4; v++) {
		uint32_t n;

		while ((n = held_list(v, slots)) != 0) {
			n = n < HC_NET_BATCH ? n : HC_NET_BATCH;
			assert_int_equal(np_release(&np, v, slots, n, now), n);
		}
	}
	np_rx_end(&np, now);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE] + counts[FRAME_POSTED], 48);
	assert_int_equal(counts[FRAME_DELIVERED] + counts[FRAME_RECLAIMING], 0);
	assert_int_equal(counts[FRAME_POSTED], fk.nic_n);
	assert_int_equal(rx_calls, np.st.rx_frames + np.st.rx_drop_bad_len +
			 np.st.rx_drop_unknown + np.st.rx_drop_no_vm);
	assert_mirror();
	assert_idle_pages_zero();
	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++)
			assert_int_equal(fk.ept[v][s], 0);

	/* It did exercise the paths. */
	assert_true(np.st.rx_frames > 1000);
	assert_true(np.st.reclaim_events > 0);
	assert_true(np.st.revocations > 0);
	assert_true(np.st.tx_local > 0 && np.st.tx_wire > 0);
	assert_true(np.vm[0].st.rx_drop_quota > 0);
	assert_true(np.vm[0].st.rx_drop_ring + np.vm[1].st.rx_drop_ring > 0);
	assert_true(np.vm[3].st.rx_drop_nosetup > 0 && np.vm[3].st.rx_frames > 0);
	assert_true(np.vm[0].st.release_errors > 0);

	/* Every ring entry was a flip or a copy, by the mode's rule. */
	for (uint32_t v = 0; v < 4; v++) {
		const struct np_vm_stats *st = &np.vm[v].st;

		delivered += st->rx_frames;
		assert_int_equal(np.vm[v].held, 0);
		assert_int_equal(np.vm[v].held_copy, 0);
		if (m->mode == NP_FLIP || v == 1)
			assert_int_equal(st->rx_copied, 0);
		else if (m->mode == NP_COPY)
			assert_int_equal(st->rx_copied, st->rx_frames);
		else
			assert_true(st->rx_copied > 0 &&
				    st->rx_copied < st->rx_frames);
	}
	assert_int_equal(np.st.rx_flipped + np.st.rx_copied, delivered);
	assert_true(np.st.rx_flipped > 0);
	/* Copy buffers were revoked too: VM 0 holds nothing else in copy
	 * mode. */
	if (m->mode == NP_COPY)
		assert_true(np.st.rx_copied > 1000 && np.vm[0].st.revoked > 0);
	if (m->mode == NP_HYBRID)
		assert_true(np.st.rx_copied > 300);
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_init_rejects),
	T(test_init_state),
	T(test_init_index_full),
	T(test_add_vm),
	T(test_setup),
	T(test_refill),
	T(test_state_machine),
	T(test_rx_mac_control),
	T(test_rx_panics),
	T(test_deliver_slots),
	T(test_one_notify_per_batch),
	T(test_ring_full),
	T(test_quota),
	T(test_map_failure),
	T(test_release_bad_vm),
	T(test_release_shared),
	T(test_release_batch_order),
	T(test_scrub_len),
	T(test_unmap_failure_panics),
	T(test_watermark_reclaim),
	T(test_revoke_oldest),
	T(test_hoarder),
	T(test_quota_asks_reclaim),
	T(test_revoke_spares_reader),
	T(test_tx_vm_to_vm),
	T(test_tx_broadcast),
	T(test_tx_unknown),
	T(test_tx_rejects),
	T(test_untrusted_ring),
	T(test_ring_wrap),
	T(test_check_runs),
	T(test_check_modes),
	T(test_copy_frame_back),
	T(test_hybrid_threshold),
	T(test_copy_release),
	T(test_copy_quota),
	T(test_copy_hoarder),
	T(test_copy_revoke_oldest),
	T(test_copy_watermark),
	T(test_copy_tx_local),
	T(test_setup_copy_area),
};

/* One named test per row of the tables. */
static struct CMUnitTest demux_tests[ARRAY_SIZE(demux_cases)];
static struct CMUnitTest release_tests[ARRAY_SIZE(release_cases)];
static struct CMUnitTest check_tests[ARRAY_SIZE(check_cases)];
static struct CMUnitTest copy_release_tests[ARRAY_SIZE(copy_release_cases)];
static struct CMUnitTest unicast_tests[ARRAY_SIZE(mode_cases)];
static struct CMUnitTest broadcast_tests[ARRAY_SIZE(mode_cases)];
static struct CMUnitTest soak_tests[ARRAY_SIZE(mode_cases)];

#define ROWS(dst, cases, fn)                                                  \
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)                         \
		dst[i] = (struct CMUnitTest){                                  \
			.name = cases[i].name, .test_func = fn,                \
			.setup_func = reset, .teardown_func = finish,          \
			.initial_state = (void *)&cases[i],                    \
		}

int main(void)
{
	int failed;

	ROWS(demux_tests, demux_cases, test_demux);
	ROWS(release_tests, release_cases, test_release_refused);
	ROWS(check_tests, check_cases, test_check);
	ROWS(copy_release_tests, copy_release_cases, test_copy_release_refused);
	ROWS(unicast_tests, mode_cases, test_mode_unicast);
	ROWS(broadcast_tests, mode_cases, test_mode_broadcast);
	ROWS(soak_tests, mode_cases, test_soak);
	failed = cmocka_run_group_tests_name("netpath", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath demux", demux_tests,
					      NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath release refused",
					      release_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath invariants", check_tests,
					      NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath copy release refused",
					      copy_release_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath unicast per mode",
					      unicast_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath broadcast per mode",
					      broadcast_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("netpath soak per mode",
					      soak_tests, NULL, NULL);
	return failed ? 1 : 0;
}
