/* The receive ring and window for the hostile modes (hostile.h). Unlike
 * net_dev.c this trusts nothing for the guest's own sake and checks
 * nothing for the hypervisor's: these guests are the attackers. */
#include <stdbool.h>
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/idt.h"
#include "guest-stub/paging.h"
#include "guest-stub/print.h"

#define PAGE_2M 0x200000ull

static union {
	struct net_rx_ring ring;
	uint8_t            page[NET_SLOT_SIZE];
} ring_page __attribute__((aligned(4096)));

static uint64_t window_pd[512] __attribute__((aligned(4096)));

/* The window (2 MiB, NET_RX_SLOTS_MAX slots) as one 2 MiB page through
 * PDPT entry 2, as net_dev.c maps it, but writable if asked. */
static void window_map(bool writable)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(pml4[PML4_INDEX(NET_RX_WINDOW_GPA)] &
				      PTE_ADDR);

	window_pd[PD_INDEX(NET_RX_WINDOW_GPA)] = NET_RX_WINDOW_GPA | PTE_PS |
		PTE_P | (writable ? PTE_RW : 0);
	pdpt[PDPT_INDEX(NET_RX_WINDOW_GPA)] = (uint64_t)window_pd | PTE_RW |
					      PTE_P;
}

bool hostile_net_setup(struct hostile_net *h, bool writable)
{
	int64_t r = hc_net_setup(&ring_page.ring, 0, 0);

	if (r < 0) {
		print("net: HC_NET_SETUP refused: error %ld\n", r);
		return false;
	}
	window_map(writable);
	h->ring = &ring_page.ring;
	h->cons = 0;
	h->nr_slots = ((volatile struct net_rx_ring *)h->ring)->nr_slots;
	print("net: up slots=%u (no copy area)\n", h->nr_slots);
	return true;
}

bool hostile_next(struct hostile_net *h, struct net_rx_entry *e)
{
	volatile struct net_rx_ring *ring = h->ring;
	uint32_t n = ring->prod - h->cons;

	if (n == 0 || n > NET_RX_RING)
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	e->slot = ring->ent[h->cons % NET_RX_RING].slot;
	e->len = ring->ent[h->cons % NET_RX_RING].len;
	e->flags = ring->ent[h->cons % NET_RX_RING].flags;
	h->cons++;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	ring->cons = h->cons;
	return true;
}

void hostile_wait(void)
{
	sti_hlt();
	cpu_cli();
}

void hostile_sleep_ms(const struct hc_identity *id, uint64_t ms)
{
	uint64_t seen = idt_irq_count(HC_VEC_TIMER);

	if (hc_set_timer(id->tsc_per_ms * ms) < 0)
		return;
	while (idt_irq_count(HC_VEC_TIMER) == seen)
		hostile_wait();
}

void hostile_scan(const volatile uint64_t *p, uint32_t *markers,
		  uint32_t *nonzero)
{
	*markers = *nonzero = 0;
	for (uint32_t i = 0; i < NET_SLOT_SIZE / sizeof(*p); i++) {
		uint64_t w = p[i];

		*markers += w == SPY_MARKER_WORD;
		*nonzero += w != 0;
	}
}
