/* First-fit bitmap allocator. Allocations are rare (page tables, VMCS,
 * guest RAM at boot), so a linear scan is simpler than anything smarter. */
#include <stdbool.h>

#include "lib/string.h"
#include "mm/page_alloc.h"

static bool page_used(const struct page_alloc *pa, uint64_t i)
{
	return pa->bitmap[i / 64] >> (i % 64) & 1;
}

static void page_mark(struct page_alloc *pa, uint64_t first, uint64_t n,
		      bool used)
{
	for (uint64_t i = first; i < first + n; i++) {
		if (used)
			pa->bitmap[i / 64] |= 1ull << (i % 64);
		else
			pa->bitmap[i / 64] &= ~(1ull << (i % 64));
	}
	pa->nfree = used ? pa->nfree - n : pa->nfree + n;
}

int page_alloc_init(struct page_alloc *pa, uint64_t base, uint64_t size)
{
	uint64_t npages = size / PAGE_SIZE;
	uint64_t words = (npages + 63) / 64;
	uint64_t map_pages = (words * 8 + PAGE_SIZE - 1) / PAGE_SIZE;

	if (base % PAGE_SIZE || npages <= map_pages)
		return -1;
	pa->base = base;
	pa->npages = npages;
	pa->nfree = npages;
	pa->bitmap = (uint64_t *)(uintptr_t)base;
	memset(pa->bitmap, 0, words * 8);
	pa->map_pages = map_pages;
	page_mark(pa, 0, map_pages, true);
	return 0;
}

uint64_t page_alloc(struct page_alloc *pa, uint64_t n, uint64_t align)
{
	uint64_t step, first;

	if (!n || n > pa->nfree || align < PAGE_SIZE || (align & (align - 1)))
		return 0;
	step = align / PAGE_SIZE;
	/* First page index whose address has the requested alignment. */
	first = ((pa->base + align - 1) & ~(align - 1)) / PAGE_SIZE -
		pa->base / PAGE_SIZE;

	for (uint64_t i = first; i + n <= pa->npages; i += step) {
		uint64_t j = 0;

		while (j < n && !page_used(pa, i + j))
			j++;
		if (j == n) {
			uint64_t addr = pa->base + i * PAGE_SIZE;

			page_mark(pa, i, n, true);
			memset((void *)(uintptr_t)addr, 0, n * PAGE_SIZE);
			return addr;
		}
	}
	return 0;
}

int page_free(struct page_alloc *pa, uint64_t addr, uint64_t n)
{
	uint64_t first;

	if (addr < pa->base || addr % PAGE_SIZE || !n)
		return -1;
	first = (addr - pa->base) / PAGE_SIZE;
	if (first < pa->map_pages || first >= pa->npages ||
	    n > pa->npages - first)
		return -1;
	for (uint64_t i = first; i < first + n; i++)
		if (!page_used(pa, i))
			return -1;
	page_mark(pa, first, n, false);
	return 0;
}
