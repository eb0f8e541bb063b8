/* Nested page tables on AMD-V: the format-neutral page-table code
 * (arch/x86/pt.c) in the long-mode format (npt_format.c), over the
 * hypervisor's page allocator. Where VT-x runs INVEPT, AMD-V flushes the
 * guest's ASID: a change that needs the cached translations dropped
 * marks the table, and the next VMRUN on it carries TLB_CONTROL "flush
 * this ASID" [APM 2 15.16.1]. One CPU runs everything, so no guest runs
 * between the change and that VMRUN: the change is in force for the
 * guest when the call returns, as vmm/virt.h asks. A deferred unmap
 * marks nothing until npt_sync(), so a batch costs one flush. */
#include "arch/x86/arch.h"
#include "arch/x86/pt.h"
#include "arch/x86/svm/npt_format.h"
#include "arch/x86/svm/svm.h"

struct npt {
	struct pt          pt;
	struct page_alloc *pa;
	bool               flush_due;   /* a deferred unmap awaits npt_sync */
	bool               flush_next;  /* the next VMRUN flushes the ASID */
};

static uint64_t npt_alloc_table(void *ctx)
{
	return page_alloc(ctx, 1, PAGE_SIZE);
}

static void npt_free_table(void *ctx, uint64_t hpa)
{
	if (page_free(ctx, hpa, 1))
		panic("NPT table 0x%lx freed twice", (unsigned long)hpa);
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
	npt->flush_due = false;
	npt->flush_next = true;
}

struct npt *svm_npt_create(struct page_alloc *pa)
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
	if (pt_init(&npt->pt, &mem, &pt_format_npt)) {
		page_free(pa, page, 1);
		return NULL;
	}
	/* The ASID may have served an earlier VM: its first VMRUN drops
	 * whatever the CPU still caches under it. */
	npt_flush(npt);
	return npt;
}

void svm_npt_destroy(struct npt *npt)
{
	/* No VMRUN ever uses this table again; the ASID's next user starts
	 * with a flush (svm_npt_create). */
	pt_destroy(&npt->pt);
	page_free(npt->pa, (uint64_t)(uintptr_t)npt, 1);
}

uint64_t svm_npt_root(const struct npt *npt)
{
	return pt_root(&npt->pt);
}

uint8_t svm_npt_take_flush(struct npt *npt)
{
	if (!npt->flush_next)
		return TLB_CONTROL_NONE;
	npt->flush_next = false;
	return svm_cfg.flush_by_asid ? TLB_CONTROL_THIS_ASID : TLB_CONTROL_ALL;
}

/* NPT_R/W/X and PT_PERM_R/W/X are the same bits. */
_Static_assert(NPT_R == PT_PERM_R && NPT_W == PT_PERM_W &&
	       NPT_X == PT_PERM_X, "NPT and page-table permission bits differ");

int svm_npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size,
		unsigned perm)
{
	bool flush = false;
	int r = pt_map(&npt->pt, gpa, hpa, size, perm, &flush);

	if (flush)
		npt_flush(npt);
	return r;
}

int svm_npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size)
{
	bool flush = false;
	int r = pt_unmap(&npt->pt, gpa, size, &flush);

	if (flush)
		npt_flush(npt);
	return r;
}

int svm_npt_unmap_deferred(struct npt *npt, uint64_t gpa, uint64_t size)
{
	bool flush = false;
	int r = pt_unmap(&npt->pt, gpa, size, &flush);

	npt->flush_due |= flush;
	return r;
}

int svm_npt_keep_tables(struct npt *npt, uint64_t gpa, uint64_t size)
{
	return pt_keep_tables(&npt->pt, gpa, size);
}

bool svm_npt_sync(struct npt *npt)
{
	if (!npt->flush_due)
		return false;
	npt_flush(npt);
	return true;
}

int svm_npt_protect(struct npt *npt, uint64_t gpa, uint64_t size,
		    unsigned perm)
{
	bool flush = false;
	int r = pt_protect(&npt->pt, gpa, size, perm, &flush);

	if (flush)
		npt_flush(npt);
	return r;
}

int svm_npt_lookup(struct npt *npt, uint64_t gpa, uint64_t *hpa,
		   unsigned *perm)
{
	return pt_lookup(&npt->pt, gpa, hpa, perm, NULL);
}

void svm_npt_for_each_leaf(struct npt *npt,
			   void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				      uint64_t size, unsigned perm),
			   void *arg)
{
	pt_for_each_leaf(&npt->pt, fn, arg);
}
