/* The hypervisor's own page tables: an identity map of the low 4 GiB and
 * of all RAM above, in 2 MiB pages [SDM 3A 4.5]. Physical and virtual
 * addresses stay equal, so the EFI image and the firmware's runtime code
 * keep working and every pool frame is reachable at its own address. */
#include <stdint.h>

#include "arch/x86/arch.h"
#include "lib/console.h"

#define PTE_P          (1ull << 0)
#define PTE_RW         (1ull << 1)
#define PTE_PWT        (1ull << 3)
#define PTE_PCD        (1ull << 4)
#define PTE_PS         (1ull << 7)     /* 2 MiB page in a PDE */
#define PTE_ADDR_MASK  0x000ffffffffff000ull

#define SZ_2M          (1ull << 21)
#define SZ_1G          (1ull << 30)
#define MAP_MIN_TOP    (4 * SZ_1G)     /* MMIO lives below 4 GiB */
#define MAP_MAX_TOP    (512 * SZ_1G)   /* one PDPT */

int paging_init(struct page_alloc *pa, const struct mm_region *map, size_t n)
{
	uint64_t top = memmap_ram_top(map, n), pml4, pdpt;
	unsigned uc = 0;

	if (top < MAP_MIN_TOP)
		top = MAP_MIN_TOP;
	if (top > MAP_MAX_TOP) {
		LOG("mem", "RAM above 512 GiB is not mapped");
		top = MAP_MAX_TOP;
	}
	top = (top + SZ_1G - 1) & ~(SZ_1G - 1);

	pml4 = page_alloc(pa, 1, PAGE_SIZE);
	pdpt = page_alloc(pa, 1, PAGE_SIZE);
	if (!pml4 || !pdpt)
		return -1;
	((uint64_t *)(uintptr_t)pml4)[0] = pdpt | PTE_P | PTE_RW;

	for (uint64_t gb = 0; gb < top / SZ_1G; gb++) {
		uint64_t pd = page_alloc(pa, 1, PAGE_SIZE);

		if (!pd)
			return -1;
		((uint64_t *)(uintptr_t)pdpt)[gb] = pd | PTE_P | PTE_RW;
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t a = gb * SZ_1G + i * SZ_2M;
			uint64_t e = a | PTE_P | PTE_RW | PTE_PS;

			/* Pages without any RAM are device memory: make them
			 * uncacheable whatever the MTRRs say [SDM 3A 11.5.2.2]. */
			if (!memmap_overlaps_ram(map, n, a, SZ_2M)) {
				e |= PTE_PCD | PTE_PWT;
				uc++;
			}
			((uint64_t *)(uintptr_t)pd)[i] = e;
		}
	}
	write_cr3(pml4);
	/* The firmware may have used global pages: flush those too. */
	if (read_cr4() & CR4_PGE) {
		write_cr4(read_cr4() & ~CR4_PGE);
		write_cr4(read_cr4() | CR4_PGE);
	}
	LOG("mem", "identity map 0-%lu GiB in 2 MiB pages (%u uncached), "
	    "CR3 0x%lx", (unsigned long)(top / SZ_1G), uc, (unsigned long)pml4);
	return 0;
}
