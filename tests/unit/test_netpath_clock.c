/* Host tests for the reclaim deadline's clock (vmm/net/reclaim.c): it runs
 * on each VM's own time (ops.vm_clock), never on wall time, so a VM that
 * waits for the CPU (another VM's long exit, a long slice, the
 * hypervisor's printing) loses nothing it could not have released; and
 * a VM that runs and ignores the request is still revoked on time.
 *
 * The shared fakes (netpath_fakes.c) give VM v the clock now - fk.waited[v]:
 * a test says how long a VM waited, the rest of 'now' was its own. */
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

#define MS         1000ull              /* fake ticks per millisecond */
#define RECLAIM    (100 * MS)           /* reclaim_ms = 100, the default */
#define A          0                    /* the VM that makes B wait */
#define B          1                    /* the honest receiver */
#define QUOTA_B    32
/* One HC_CONSOLE_WRITE of 256 newlines from a VM named "a", printed
 * synchronously as 256 lines "a: " CR LF (5 bytes) at 115200 baud, 10
 * bits a byte: 111 ms, past reclaim_ms. */
#define PRINT_256  (256 * 5 * 10 * 1000 * MS / 115200)

/* A and B with rings, flip delivery; the NIC takes only 8 frames, so
 * VM-to-VM sends find FREE frames. */
static void two_vms(void)
{
	world(96, 8, 4, RECLAIM);
	add_vm(A, 32, 32, false, true);
	add_vm(B, 64, QUOTA_B, false, true);
	np_refill(&np);
}

/* A sends 'n' frames to B's MAC; how many were delivered. */
static uint32_t a_sends_b(uint32_t n)
{
	uint8_t f[64] = { 0 };
	uint32_t got = 0;

	memcpy(f, mac(B), 6);
	memcpy(f + 6, mac(A), 6);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t before = np.vm[B].st.rx_frames;

		f[14] = (uint8_t)i;
		assert_int_equal(np_tx(&np, A, f, sizeof(f), now), 0);
		got += np.vm[B].st.rx_frames != before;
	}
	return got;
}

/* 'ticks' pass in which B waits for the CPU: A's exit, or A's slice. */
static void b_waits(uint64_t ticks)
{
	now += ticks;
	fk.waited[B] += ticks;
}

/* B runs: it reads its whole ring, touching every slot named there (an
 * unmapped one would be an EPT violation: the hypervisor stops B), and
 * releases them all. */
static void b_reads_and_releases(void)
{
	struct net_rx_entry e[NET_RX_RING];
	uint16_t slots[HC_NET_BATCH];
	uint32_t n = consume(B, e, NET_RX_RING);

	assert_int_equal(n, QUOTA_B);
	for (uint32_t i = 0; i < n; i++) {
		if (!fk.ept[B][e[i].slot])
			fail_msg("B touches slot %u: revoked before B ran",
				 e[i].slot);
		assert_memory_equal(fk.page[pidx(fk.ept[B][e[i].slot])],
				    mac(B), 6);
		slots[i] = e[i].slot;
	}
	now += MS;                              /* B's own millisecond */
	assert_int_equal(np_tick(&np, now), 0);
	assert_int_equal(np_release(&np, B, slots, n, now), (int)n);
}

/* Issue 12, finding 2: B is at its quota and asked to reclaim; A then
 * holds the CPU for one 256-line console write (111 ms at 115200 baud,
 * past reclaim_ms) before B ever runs. B must keep every slot,
 * read them all and release them: nothing revoked, B not stopped. */
static void test_wait_behind_console_write(void **state)
{
	(void)state;
	two_vms();
	assert_int_equal(a_sends_b(QUOTA_B + 1), QUOTA_B);
	assert_int_equal(np.vm[B].st.rx_drop_quota, 1);
	assert_int_equal(fk.reclaim_irq[B], 1);         /* asked, at quota */
	assert_true(PRINT_256 > RECLAIM);
	b_waits(PRINT_256);
	assert_int_equal(np_tick(&np, now), 0);
	assert_int_equal(np_vm_held(&np, B), QUOTA_B);
	b_reads_and_releases();
	assert_int_equal(np.vm[B].st.revoked, 0);
	assert_int_equal(np.st.revocations, 0);
	assert_int_equal(np_vm_held(&np, B), 0);
}

/* The same with no trick at all: slices as long as the deadline, three
 * VMs, B asked just as A's slice begins. Two whole slices of others
 * pass before B's. */
static void test_wait_behind_long_slices(void **state)
{
	(void)state;
	two_vms();
	add_vm(2, 8, 8, false, true);
	assert_int_equal(a_sends_b(QUOTA_B + 1), QUOTA_B);
	assert_int_equal(fk.reclaim_irq[B], 1);
	for (uint32_t k = 0; k < 2; k++) {              /* A's slice, then C's */
		b_waits(RECLAIM);
		assert_int_equal(np_tick(&np, now), 0);
	}
	b_reads_and_releases();
	assert_int_equal(np.vm[B].st.revoked, 0);
}

/* Waiting does not count, running does: a B that runs and does nothing
 * loses its oldest slots after exactly reclaim_ms of its own time,
 * however long it waited before. So a hoarder gains nothing by the
 * clock: it is revoked as before, just not in time it never had. */
static void test_own_time_still_runs(void **state)
{
	(void)state;
	two_vms();
	assert_int_equal(a_sends_b(QUOTA_B + 1), QUOTA_B);
	b_waits(PRINT_256);
	assert_int_equal(np_tick(&np, now), 0);
	now += RECLAIM - 1;                             /* B runs, ignores it */
	assert_int_equal(np_tick(&np, now), 0);
	b_waits(10 * RECLAIM);
	assert_int_equal(np_tick(&np, now), 0);
	now += 1;
	assert_int_equal(np_tick(&np, now), QUOTA_B / 2);
	assert_int_equal(np.vm[B].st.revoked, QUOTA_B / 2);
	assert_int_equal(np_vm_held(&np, B), QUOTA_B / 2);
	/* A, which never waited and holds nothing, was never asked. */
	assert_int_equal(fk.reclaim_irq[A], 0);
}

/* The grace for a VM still reading its ring is measured on its own
 * clock too: an extension granted just before it is preempted is not
 * used up while it waits. */
static void test_grace_on_own_time(void **state)
{
	struct net_rx_entry e[1];

	(void)state;
	two_vms();
	assert_int_equal(a_sends_b(QUOTA_B + 1), QUOTA_B);
	assert_int_equal(consume(B, e, 1), 1);          /* B starts reading */
	now += RECLAIM;
	assert_int_equal(np_tick(&np, now), 0);
	assert_int_equal(np.vm[B].st.reclaim_extended, 1);
	b_waits(3 * RECLAIM);                           /* then is preempted */
	assert_int_equal(np_tick(&np, now), 0);
	assert_int_equal(np.vm[B].st.reclaim_extended, 1);
	assert_int_equal(np_vm_held(&np, B), QUOTA_B);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_wait_behind_console_write),
		T(test_wait_behind_long_slices),
		T(test_own_time_still_runs),
		T(test_grace_on_own_time),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
