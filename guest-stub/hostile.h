/* What the hostile modes share (docs/guest-stub.md, "Hostile modes"): a
 * receive ring of their own, registered without a copy area so that the
 * hypervisor flips every frame to them whatever the delivery mode; the
 * receive window in their page tables, read-only or writable; taking
 * ring entries without the normal mode's checks and releases; sleeping
 * on the hypervisor's timer; and the marker the spy looks for. */
#ifndef GUEST_HOSTILE_H
#define GUEST_HOSTILE_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"

/* The byte the spy test fills the frames it sends to the victim VM with,
 * and only those: a 64-bit word of it in a spy's page is another VM's
 * traffic (tests/system/test_hostile.py). */
#define SPY_MARKER_BYTE 0xa7
#define SPY_MARKER_WORD 0xa7a7a7a7a7a7a7a7ull

struct hostile_net {
	struct net_rx_ring *ring;
	uint32_t            cons;       /* ours: the ring's copy may be garbage */
	uint32_t            nr_slots;
};

/* HC_NET_SETUP of a zeroed ring page in .bss with no copy area, then the
 * window mapped, writable in our own page tables if 'writable' (the EPT
 * still maps each slot read-only). False, with a line, when there is no
 * network. */
bool hostile_net_setup(struct hostile_net *h, bool writable);

/* The next ring entry, if the hypervisor has produced one: cons is
 * advanced (and written to the ring). An entry's slot is not checked. */
bool hostile_next(struct hostile_net *h, struct net_rx_entry *e);

/* Slot 'slot' of the receive window. */
static inline volatile uint64_t *hostile_slot(uint16_t slot)
{
	return (volatile uint64_t *)(uintptr_t)(NET_RX_WINDOW_GPA +
						(uint64_t)slot * NET_SLOT_SIZE);
}

/* With interrupts off: sleep until an interrupt comes, and return with
 * interrupts off again. */
void hostile_wait(void);

/* With interrupts off: sleep 'ms' milliseconds of the hypervisor's timer
 * (interrupts on the way in are taken and counted). */
void hostile_sleep_ms(const struct hc_identity *id, uint64_t ms);

/* How many 64-bit words of the page at 'p' are the spy marker, and how
 * many are not zero. */
void hostile_scan(const volatile uint64_t *p, uint32_t *markers,
		  uint32_t *nonzero);

#endif
