/* The spies: guests that try to read another VM's frames through their
 * own receive window (docs/guest-stub.md, "Hostile modes"). A slot that
 * is not ours any more must be unreadable: not present in the EPT, and no
 * stale translation of it left in the TLB (the hypervisor runs INVEPT
 * before the frame behind it is scrubbed and reused). So each spy ends in
 * an EPT violation that stops it, or, if the slot is readable, it must
 * hold nothing of another VM. The system test fills the frames it sends
 * to the victim VM, and only those, with SPY_MARKER_BYTE; a spy that
 * finds a 64-bit word of it prints "SAW ANOTHER VM'S BYTES".
 *
 *  - spy_stale: releases a slot and reads it in the very next
 *    instructions, then in a tight loop for SPY_LOOP_MS while the
 *    victim's traffic flows (the released frame goes back to the NIC at
 *    once and soon carries the victim's frames);
 *  - spy_released: releases a slot, waits SPY_WAIT_MS, reads it;
 *  - spy_revoked: never releases; once HC_NET_STATS says slots were
 *    revoked, waits SPY_WAIT_MS and reads the oldest one (revocation
 *    takes the oldest) that was not delivered again since. */
#include <stdbool.h>
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define SPY_LOOP_MS     300
#define SPY_WAIT_MS     300
#define SPY_POLL_MS     20

static uint16_t list[1];

/* Our own frame, before we let go of it: it must not be the victim's. */
static void check_own(uint16_t s)
{
	uint32_t markers, nonzero;

	hostile_scan(hostile_slot(s), &markers, &nonzero);
	if (markers)
		print("spy: SAW ANOTHER VM'S BYTES in its own frame in slot %u: "
		      "%u marker words\n", s, markers);
}

/* We are still running after reading a slot that is not ours: say what
 * it held. Only zeros or our own old bytes are allowed. */
static void report(const char *how, uint16_t s, uint32_t markers,
		   uint32_t nonzero, uint64_t scans)
{
	print("spy: slot %u readable %s: %u marker words, %u non-zero words "
	      "in %lu scans\n", s, how, markers, nonzero, scans);
	if (markers)
		print("spy: SAW ANOTHER VM'S BYTES in slot %u\n", s);
}

static uint16_t next_slot(struct hostile_net *h)
{
	struct net_rx_entry e;

	while (!hostile_next(h, &e))
		hostile_wait();
	check_own(e.slot);
	return e.slot;
}

void mode_spy_stale(const struct hc_identity *id)
{
	struct hostile_net h;

	if (!hostile_net_setup(&h, false))
		cpu_halt_forever();
	print("spy: reading slots right after releasing them\n");
	cpu_cli();
	for (;;) {
		uint16_t s = next_slot(&h);
		volatile uint64_t *p = hostile_slot(s);
		uint32_t markers = 0, nonzero = 0, m, z;
		uint64_t scans = 0, end;

		print("spy: releasing slot %u and reading it\n", s);
		list[0] = s;
		/* The load is the first instruction after the VMCALL that
		 * uses no result of it: a translation cached before the
		 * release is all it can go through. */
		int64_t r = hc_net_release(list, 1);
		uint64_t first = *p;

		nonzero += first != 0;
		markers += first == SPY_MARKER_WORD;
		end = rdtsc() + id->tsc_per_ms * SPY_LOOP_MS;
		while ((int64_t)(rdtsc() - end) < 0) {
			hostile_scan(p, &m, &z);
			markers += m;
			nonzero += z;
			scans++;
		}
		if (r != 1)
			print("spy: HC_NET_RELEASE of slot %u returned %ld\n", s, r);
		report("after its release", s, markers, nonzero, scans);
	}
}

void mode_spy_released(const struct hc_identity *id)
{
	struct hostile_net h;

	if (!hostile_net_setup(&h, false))
		cpu_halt_forever();
	print("spy: reading slots a while after releasing them\n");
	cpu_cli();
	for (;;) {
		uint16_t s = next_slot(&h);
		uint32_t markers, nonzero;
		int64_t r;

		list[0] = s;
		r = hc_net_release(list, 1);
		print("spy: released slot %u (%ld), reading it in %u ms\n", s, r,
		      SPY_WAIT_MS);
		hostile_sleep_ms(id, SPY_WAIT_MS);
		hostile_scan(hostile_slot(s), &markers, &nonzero);
		report("after its release", s, markers, nonzero, 1);
	}
}

void mode_spy_revoked(const struct hc_identity *id)
{
	struct hostile_net h;
	struct hc_net_stats st;
	struct net_rx_entry e;
	uint16_t order[NET_RX_SLOTS_MAX];       /* slots, oldest delivery first */
	uint32_t taken = 0;

	if (!hostile_net_setup(&h, false))
		cpu_halt_forever();
	print("spy: holding every slot until some are revoked\n");
	cpu_cli();
	for (;;) {
		while (hostile_next(&h, &e))
			if (taken < NET_RX_SLOTS_MAX) {
				check_own(e.slot);
				order[taken++] = e.slot;
			}
		if (hc_net_stats(&st) == 0 && st.revoked)
			break;
		/* Revocation raises no interrupt: look again in a while. */
		hostile_sleep_ms(id, SPY_POLL_MS);
	}
	print("spy: %lu slots revoked of %u taken; reading the oldest in %u ms\n",
	      (uint64_t)st.revoked, taken, SPY_WAIT_MS);
	hostile_sleep_ms(id, SPY_WAIT_MS);
	/* A revoked slot delivered again holds a frame of ours: not that. */
	uint32_t later = taken;

	while (hostile_next(&h, &e))
		if (taken < NET_RX_SLOTS_MAX)
			order[taken++] = e.slot;
	for (uint32_t i = 0; i < st.revoked && i < later; i++) {
		bool again = false;
		uint32_t markers, nonzero;

		for (uint32_t j = later; j < taken; j++)
			again |= order[j] == order[i];
		if (again)
			continue;
		print("spy: reading revoked slot %u\n", order[i]);
		hostile_scan(hostile_slot(order[i]), &markers, &nonzero);
		report("after its revocation", order[i], markers, nonzero, 1);
	}
	print("spy: no revoked slot left to read\n");
	cpu_halt_forever();
}
