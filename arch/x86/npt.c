/* The vmm/virt.h npt_* calls, the same on both backends (npt.h). Every
 * change that needs cached translations dropped calls the backend's
 * flush before it returns, so no caller can forget it [SDM 3C 29.4.3.1;
 * APM 2 15.16.1]; a deferred unmap only notes it, for npt_sync, so a
 * batch of unmaps costs one. */
#include "arch/x86/arch.h"
#include "arch/x86/npt.h"
#include "vmm/virt.h"

static uint64_t npt_alloc_table(void *ctx)
{
	return page_alloc(ctx, 1, PAGE_SIZE);
}

static void npt_free_table(void *ctx, uint64_t hpa)
{
	if (page_free(ctx, hpa, 1))
		panic("nested page table 0x%lx freed twice", (unsigned long)hpa);
}

/* The hypervisor identity-maps all RAM: a table's HPA is its address. */
static uint64_t *npt_table(void *ctx, uint64_t hpa)
{
	return (uint64_t *)(uintptr_t)hpa;
}

static void npt_write(void *ctx, uint64_t *slot, uint64_t val)
{
	*(volatile uint64_t *)slot = val;       /* one 64-bit store */
}

struct npt *npt_new(struct page_alloc *pa, const struct pt_format *fmt,
		    void (*flush)(struct npt *npt))
{
	uint64_t page = page_alloc(pa, 1, PAGE_SIZE);
	struct npt *npt = (struct npt *)(uintptr_t)page;
	struct pt_mem mem = {
		.ctx = pa,
		.alloc_table = npt_alloc_table,
		.free_table = npt_free_table,
		.table = npt_table,
		.write = npt_write,
	};

	if (!page)
		return NULL;
	*npt = (struct npt){ .pa = pa, .flush = flush };
	if (pt_init(&npt->pt, &mem, fmt)) {
		page_free(pa, page, 1);
		return NULL;
	}
	return npt;
}

void npt_free(struct npt *npt)
{
	pt_destroy(&npt->pt);
	page_free(npt->pa, (uint64_t)(uintptr_t)npt, 1);
}

static void flush_now(struct npt *npt)
{
	npt->flush_due = false;
	npt->flush(npt);
}

/* NPT_R/W/X and PT_PERM_R/W/X are the same bits. */
_Static_assert(NPT_R == PT_PERM_R && NPT_W == PT_PERM_W &&
	       NPT_X == PT_PERM_X, "NPT and page-table permission bits differ");

/* pt_map only makes not-present entries present, which on VT-x needs no
 * INVEPT: no translation is cached from a not-present EPT entry [SDM 3C
 * 29.4.3.4, "Guidelines for Use of the INVEPT Instruction"; 28.3.3.4 in
 * editions before HLAT]. The backend says whether its vendor promises
 * the same (flush_on_fill). */
int npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm)
{
	bool flush = false;
	int r = pt_map(&npt->pt, gpa, hpa, size, perm, &flush);

	if (flush || (!r && npt->flush_on_fill))
		flush_now(npt);
	return r;
}

int npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size)
{
	bool flush = false;
	int r = pt_unmap(&npt->pt, gpa, size, &flush);

	if (flush)
		flush_now(npt);
	return r;
}

int npt_protect(struct npt *npt, uint64_t gpa, uint64_t size, unsigned perm)
{
	bool flush = false;
	int r = pt_protect(&npt->pt, gpa, size, perm, &flush);

	if (flush)
		flush_now(npt);
	return r;
}

int npt_unmap_deferred(struct npt *npt, uint64_t gpa, uint64_t size)
{
	bool flush = false;
	int r = pt_unmap(&npt->pt, gpa, size, &flush);

	npt->flush_due |= flush;
	return r;
}

_Static_assert(NPT_WINDOW_SPAN == PT_PAGE_2M, "a page table maps 2 MiB");

/* The window's slots, by their entries alone: one store each, under the
 * same invalidation rules as npt_map and npt_unmap_deferred. */
int npt_window_keep(struct npt *npt, uint64_t gpa, uint32_t slots)
{
	if (npt->window.slots)          /* one window per table */
		return -1;
	return pt_window_keep(&npt->pt, gpa, slots, &npt->window);
}

int npt_window_map(struct npt *npt, uint32_t slot, uint64_t hpa,
		   unsigned perm)
{
	bool flush = false;
	int r = pt_window_map(&npt->pt, &npt->window, slot, hpa, perm, &flush);

	if (flush || (!r && npt->flush_on_fill))
		flush_now(npt);
	return r;
}

int npt_window_unmap_deferred(struct npt *npt, uint32_t slot)
{
	bool flush = false;
	int r = pt_window_unmap(&npt->pt, &npt->window, slot, &flush);

	npt->flush_due |= flush;
	return r;
}

int npt_keep_tables(struct npt *npt, uint64_t gpa, uint64_t size)
{
	return pt_keep_tables(&npt->pt, gpa, size);
}

bool npt_sync(struct npt *npt)
{
	if (!npt->flush_due)
		return false;
	flush_now(npt);
	return true;
}

int npt_lookup(struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perm)
{
	return pt_lookup(&npt->pt, gpa, hpa, perm, NULL);
}

void npt_for_each_leaf(struct npt *npt,
		       void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				  uint64_t size, unsigned perm),
		       void *arg)
{
	pt_for_each_leaf(&npt->pt, fn, arg);
}
