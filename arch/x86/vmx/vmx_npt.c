/* Nested page tables on VT-x: the pure page-table code (arch/x86/pt.c),
 * in the EPT format, over the hypervisor's page allocator, and the one
 * place that runs INVEPT. Every change that needs the processor's cached
 * translations dropped is followed by a single-context INVEPT before the
 * call returns, so no caller can forget it [SDM 3C 29.4.3.1]. */
#include "arch/x86/arch.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmx.h"

struct npt {
	struct pt          pt;
	struct page_alloc *pa;
	bool               flush_due;   /* a deferred unmap awaits INVEPT */
};

static uint64_t npt_alloc_table(void *ctx)
{
	return page_alloc(ctx, 1, PAGE_SIZE);
}

static void npt_free_table(void *ctx, uint64_t hpa)
{
	if (page_free(ctx, hpa, 1))
		panic("EPT table 0x%lx freed twice", (unsigned long)hpa);
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

static void npt_flush(struct npt *npt)
{
	enum vmx_result r;

	npt->flush_due = false;
	r = invept(INVEPT_SINGLE_CONTEXT, ept_eptp(&npt->pt));
	if (r != VMX_OK)
		panic("INVEPT single-context 0x%lx failed: %s",
		      (unsigned long)ept_eptp(&npt->pt), vmx_result_name(r));
}

struct npt *vmx_npt_create(struct page_alloc *pa)
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
	npt->pa = pa;
	if (pt_init(&npt->pt, &mem, &pt_format_ept)) {
		page_free(pa, page, 1);
		return NULL;
	}
	/* The root page may have served an earlier EPT: drop anything the
	 * CPU still caches under this EPTP. */
	npt_flush(npt);
	return npt;
}

void vmx_npt_destroy(struct npt *npt)
{
	npt_flush(npt);
	pt_destroy(&npt->pt);
	page_free(npt->pa, (uint64_t)(uintptr_t)npt, 1);
}

uint64_t vmx_npt_eptp(const struct npt *npt)
{
	return ept_eptp(&npt->pt);
}

/* NPT_R/W/X and PT_PERM_R/W/X are the same bits. */
_Static_assert(NPT_R == PT_PERM_R && NPT_W == PT_PERM_W &&
	       NPT_X == PT_PERM_X, "NPT and PT permission bits differ");

int vmx_npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm)
{
	bool flush = false;
	int r = pt_map(&npt->pt, gpa, hpa, size, perm, &flush);

	if (flush)
		npt_flush(npt);
	return r;
}

int vmx_npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size)
{
	bool flush = false;
	int r = pt_unmap(&npt->pt, gpa, size, &flush);

	if (flush)
		npt_flush(npt);
	return r;
}

int vmx_npt_unmap_deferred(struct npt *npt, uint64_t gpa, uint64_t size)
{
	bool flush = false;
	int r = pt_unmap(&npt->pt, gpa, size, &flush);

	npt->flush_due |= flush;
	return r;
}

int vmx_npt_keep_tables(struct npt *npt, uint64_t gpa, uint64_t size)
{
	return pt_keep_tables(&npt->pt, gpa, size);
}

bool vmx_npt_sync(struct npt *npt)
{
	if (!npt->flush_due)
		return false;
	npt_flush(npt);
	return true;
}

int vmx_npt_protect(struct npt *npt, uint64_t gpa, uint64_t size, unsigned perm)
{
	bool flush = false;
	int r = pt_protect(&npt->pt, gpa, size, perm, &flush);

	if (flush)
		npt_flush(npt);
	return r;
}

int vmx_npt_lookup(struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perm)
{
	return pt_lookup(&npt->pt, gpa, hpa, perm, NULL);
}

void vmx_npt_for_each_leaf(struct npt *npt,
		       void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				  uint64_t size, unsigned perm),
		       void *arg)
{
	pt_for_each_leaf(&npt->pt, fn, arg);
}
