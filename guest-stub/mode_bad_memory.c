/* HC_MODE_BAD_MEMORY: write to a guest-physical address outside the
 * guest's RAM. The identity map covers RAM only, so the guest first maps
 * the address itself: the write must then fail in EPT, not in the
 * guest's own paging. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/modes.h"
#include "guest-stub/paging.h"
#include "guest-stub/print.h"

/* 1 GiB: past any guest's RAM, as memory_mib <= 1024. The entry code's
 * single PD maps GPA 0..1 GiB through PDPT entry 0, so PDPT entry 1 is
 * free for a PD of our own. */
#define WILD_GPA        0x40000000ull
#define WILD_VALUE      0x5741415741415741ull


static uint64_t wild_pd[512] __attribute__((aligned(4096)));

void mode_bad_memory(const struct hc_identity *id)
{
	print("touching memory outside my RAM\n");
	if (id->ram_bytes > WILD_GPA) {
		print("RAM reaches 0x%lx; nothing outside it to touch\n",
		      (uint64_t)WILD_GPA);
		cpu_halt_forever();
	}

	/* Page tables are in RAM, identity mapped: their GPA is a pointer. */
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(pml4[PML4_INDEX(WILD_GPA)] & PTE_ADDR);

	wild_pd[PD_INDEX(WILD_GPA)] = WILD_GPA | PTE_PS | PTE_RW | PTE_P;
	pdpt[PDPT_INDEX(WILD_GPA)] = (uint64_t)wild_pd | PTE_RW | PTE_P;
	invlpg(WILD_GPA);

	*(volatile uint64_t *)WILD_GPA = WILD_VALUE;

	print("still running after a wild write\n");
	cpu_halt_forever();
}
