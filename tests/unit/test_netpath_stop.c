/* Host tests for np_vm_stop (vmm/net/reclaim.c): a VM stopped for good gives
 * back every receive slot and copy buffer it holds, by the same unmap,
 * one INVEPT and scrub as a revocation, and nothing is delivered to it
 * afterwards: frames for it are counted drops, broadcasts go to the
 * others only. The fakes here are small: a NIC receive FIFO, one EPT per
 * VM and a log of flushes; they check that a frame is posted only when
 * it is zero and no EPT or unflushed TLB can still reach it. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/net/netpath_internal.h"

#define NF      32              /* pool frames */
#define NVM     3
#define SLOTS   16
#define QUOTA   8
#define COPY(b) ((uint16_t)((b) | NET_SLOT_COPY))

static uint8_t pages[NF][NET_SLOT_SIZE] __attribute__((aligned(4096)));
static uint64_t ept[NP_MAX_VMS][NET_RX_SLOTS_MAX];      /* 0: not mapped */
static bool stale[NP_MAX_VMS][NF];      /* unmapped, not flushed yet */
static uint32_t flushes[NP_MAX_VMS], notifies[NP_MAX_VMS];
static uint64_t nic[NF];
static uint32_t nic_head, nic_n;
static struct net_rx_ring rings[NP_MAX_VMS];
static uint8_t carea[SLOTS * NET_COPY_BUF_SIZE];
static struct netpath np;

static uint32_t page_index(uint64_t hpa)
{
	uint32_t i = (uint32_t)((hpa - (uintptr_t)pages[0]) / NET_SLOT_SIZE);

	assert_true(i < NF);
	return i;
}

static int op_map(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa)
{
	assert_int_equal(ept[vm][slot], 0);
	assert_false(stale[vm][page_index(hpa)]);
	ept[vm][slot] = hpa;
	return 0;
}

static int op_unmap(void *ctx, uint32_t vm, uint16_t slot)
{
	if (!ept[vm][slot])
		return -1;
	stale[vm][page_index(ept[vm][slot])] = true;
	ept[vm][slot] = 0;
	return 0;
}

static void op_flush(void *ctx, uint32_t vm)
{
	memset(stale[vm], 0, sizeof(stale[vm]));
	flushes[vm]++;
}

static void op_notify(void *ctx, uint32_t vm, uint8_t vector)
{
	notifies[vm]++;
}

static uint8_t *op_page(void *ctx, uint64_t hpa)
{
	return (uint8_t *)(uintptr_t)hpa;
}

/* Only a zero frame that no EPT maps and no TLB may hold. */
static bool op_post(void *ctx, uint64_t hpa)
{
	uint32_t i = page_index(hpa);

	if (nic_n == NF)
		return false;
	for (uint32_t b = 0; b < NET_SLOT_SIZE; b++)
		assert_int_equal(pages[i][b], 0);
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		assert_false(stale[v][i]);
		for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++)
			assert_true(ept[v][s] != hpa);
	}
	nic[(nic_head + nic_n++) % NF] = hpa;
	return true;
}

static bool op_wire_tx(void *ctx, const uint8_t *data, uint16_t len)
{
	return true;
}

static void op_panic(void *ctx, const char *msg, uint32_t frame)
{
	fail_msg("netpath panic: %s (frame %u)", msg, frame);
}

/* Every VM runs all the time: its own time is the hypervisor's. */
static uint64_t op_vm_clock(void *ctx, uint32_t vm, uint64_t now)
{
	return now;
}

static const struct netpath_ops ops = {
	.map = op_map, .unmap = op_unmap, .flush = op_flush,
	.notify = op_notify, .page = op_page, .post = op_post,
	.wire_tx = op_wire_tx, .panic = op_panic, .vm_clock = op_vm_clock,
};

static const uint8_t mac[NVM][6] = {
	{ 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 }, { 2, 0, 0, 0, 0, 3 },
};
static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* Hybrid, copying frames up to 100 bytes; VM 1 has a copy area. */
static int setup(void **state)
{
	uint64_t hpas[NF];

	memset(pages, 0xee, sizeof(pages));     /* np_init must zero them */
	memset(ept, 0, sizeof(ept));
	memset(stale, 0, sizeof(stale));
	memset(flushes, 0, sizeof(flushes));
	memset(notifies, 0, sizeof(notifies));
	memset(rings, 0, sizeof(rings));
	memset(carea, 0, sizeof(carea));
	nic_head = nic_n = 0;
	for (uint32_t i = 0; i < NF; i++)
		hpas[i] = (uintptr_t)pages[i];
	assert_int_equal(np_init(&np, &(struct np_params){
		.ops = &ops, .frame_hpas = hpas, .nr_frames = NF,
		.low_watermark = NF / 4, .reclaim_ticks = 1000,
		.check = NP_CHECK_EVERY, .mode = NP_HYBRID, .copy_threshold = 100,
		/* FREE frames for VM-to-VM, as vmm/net/net_start.c keeps */
		.tx_reserve = 4 }), 0);
	for (uint32_t v = 0; v < NVM; v++) {
		assert_int_equal(np_add_vm(&np, v, mac[v], SLOTS, QUOTA, false), 0);
		assert_int_equal(np_setup(&np, v, &rings[v], v == 1 ? carea : NULL), 0);
	}
	np_refill(&np);
	return 0;
}

/* The NIC receives a frame of 'len' bytes for 'dst'. */
static uint32_t rx(const uint8_t dst[6], uint16_t len)
{
	uint64_t hpa;
	uint32_t n;

	assert_true(nic_n > 0);
	hpa = nic[nic_head];
	nic_head = (nic_head + 1) % NF;
	nic_n--;
	memset((void *)(uintptr_t)hpa, 0x5a, len);
	memcpy((void *)(uintptr_t)hpa, dst, 6);
	n = np_rx(&np, hpa, len, 0);
	np_rx_end(&np, 0);
	return n;
}

static void window_empty(uint32_t vm)
{
	for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++)
		assert_int_equal(ept[vm][s], 0);
}

/* Two flipped frames, one copied, one broadcast shared with the others:
 * all four back, one INVEPT, the shared frame still delivered to the
 * others. */
static void test_stop_takes_everything_back(void **state)
{
	uint32_t c[FRAME_NR_STATES];

	assert_int_equal(rx(mac[1], 600), 1);
	assert_int_equal(rx(mac[1], 700), 1);
	assert_int_equal(rx(mac[1], 60), 1);        /* copied */
	assert_int_equal(rx(bcast, 300), NVM);
	assert_int_equal(np_vm_held(&np, 1), 4);
	assert_int_equal(np.vm[1].held_copy, 1);

	assert_int_equal(np_vm_stop(&np, 1), 4);
	assert_int_equal(np_vm_held(&np, 1), 0);
	assert_int_equal(np.vm[1].held_copy, 0);
	assert_int_equal(flushes[1], 1);
	window_empty(1);
	assert_int_equal(np.vm[1].st.revoked, 4);
	assert_null(np.vm[1].ring);
	assert_null(np.vm[1].copy_area);
	np_counts(&np, c);
	assert_int_equal(c[FRAME_DELIVERED], 1);    /* the broadcast, for 0 and 2 */
	assert_int_equal(np_vm_held(&np, 0), 1);
	assert_int_equal(np_vm_held(&np, 2), 1);
	assert_true(np_check(&np));
}

/* Afterwards: a unicast for it is a counted drop, a broadcast reaches
 * the others only, a VM-to-VM frame for it is a counted drop too, and
 * it is never notified again. */
static void test_nothing_delivered_after_stop(void **state)
{
	uint32_t notified;
	uint8_t frame[60] = { 0 };

	assert_int_equal(rx(mac[1], 600), 1);
	assert_int_equal(np_vm_stop(&np, 1), 1);
	notified = notifies[1];

	assert_int_equal(rx(mac[1], 600), 0);
	assert_int_equal(np.vm[1].st.rx_drop_nosetup, 1);
	assert_int_equal(np.st.rx_drop_no_vm, 1);
	assert_int_equal(rx(bcast, 80), NVM - 1);
	assert_int_equal(np.vm[1].st.rx_drop_nosetup, 1);      /* not a target */
	assert_int_equal(np.vm[1].st.rx_frames, 1);
	memcpy(frame, mac[1], 6);
	memcpy(frame + 6, mac[0], 6);
	assert_int_equal(np_tx(&np, 0, frame, sizeof(frame), 0), 0);
	assert_int_equal(np.vm[1].st.rx_drop_nosetup, 2);
	assert_int_equal(np_vm_held(&np, 1), 0);
	window_empty(1);
	/* Over its quota nothing can happen to it: no reclaim request. */
	for (int i = 0; i < QUOTA + 2; i++)
		rx(mac[1], 600);
	np_tick(&np, 5000);
	assert_int_equal(notifies[1], notified);
	assert_true(np_check(&np));
}

/* A release or a setup from a stopped VM (it cannot make one, but the
 * path must not care) changes nothing; stopping twice, a VM not present
 * or out of range takes nothing. */
static void test_stop_again_and_bad_ids(void **state)
{
	uint16_t slot = 0;

	assert_int_equal(rx(mac[2], 600), 1);
	assert_int_equal(np_vm_stop(&np, 2), 1);
	assert_int_equal(np_vm_stop(&np, 2), 0);
	assert_int_equal(np_release(&np, 2, &slot, 1, 0), -HC_E_STATE);
	assert_int_equal(np_vm_stop(&np, NVM), 0);
	assert_int_equal(np_vm_stop(&np, NP_MAX_VMS), 0);
	assert_int_equal(np_vm_stop(&np, 0xffffffffu), 0);
	assert_int_equal(flushes[2], 1);
	assert_true(np_check(&np));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_stop_takes_everything_back, setup),
		cmocka_unit_test_setup(test_nothing_delivered_after_stop, setup),
		cmocka_unit_test_setup(test_stop_again_and_bad_ids, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
