/* The hypervisor's page allocator: 4 KiB pages out of the one block of
 * memory it took from the firmware. A bitmap at the start of the block
 * records which pages are in use. Pure C; addresses are physical, which
 * in the hypervisor's identity map are also its virtual addresses. */
#ifndef MM_PAGE_ALLOC_H
#define MM_PAGE_ALLOC_H

#include <stdint.h>

#define PAGE_SIZE  4096ull
#define PAGE_SHIFT 12

struct page_alloc {
	uint64_t  base;         /* first page of the block */
	uint64_t  npages;
	uint64_t  nfree;
	uint64_t *bitmap;       /* bit set = page in use */
	uint64_t  map_pages;    /* pages the bitmap itself occupies */
};

/* Manage [base, base + size); base must be page aligned. The bitmap takes
 * the first pages of the block. Returns -1 if the block is too small. */
int page_alloc_init(struct page_alloc *pa, uint64_t base, uint64_t size);

/* 'n' contiguous zeroed pages aligned to 'align' bytes (a power of two,
 * at least PAGE_SIZE); 0 when none are free. */
uint64_t page_alloc(struct page_alloc *pa, uint64_t n, uint64_t align);

/* Give back pages from page_alloc. Freeing a page that is not allocated
 * or lies outside the block is refused with -1, and nothing changes. */
int page_free(struct page_alloc *pa, uint64_t addr, uint64_t n);

#endif
