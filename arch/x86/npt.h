/* A VM's nested page table as both backends keep it: the format-neutral
 * page-table code (arch/x86/pt.c) over the hypervisor's page allocator,
 * with the vendor's way of dropping cached translations as a callback.
 * arch/x86/npt.c implements the vmm/virt.h npt_* calls on it; the
 * backends only create and destroy (vmx_npt.c: EPT format, INVEPT;
 * svm_npt.c: long-mode format, an ASID flush on the next VMRUN). */
#ifndef ARCH_X86_NPT_H
#define ARCH_X86_NPT_H

#include <stdbool.h>

#include "arch/x86/pt.h"
#include "mm/page_alloc.h"

struct npt {
	struct pt          pt;
	struct page_alloc *pa;
	/* Drop what the CPU caches for this table; the change is in force
	 * for the guest when it returns, or before the guest next runs. */
	void             (*flush)(struct npt *npt);
	bool               flush_due;   /* a deferred unmap awaits npt_sync */
	bool               flush_next;  /* AMD-V: the next VMRUN flushes */
	/* Flush after a map too, where the manual does not promise that a
	 * not-present entry is never cached (svm_npt.c). */
	bool               flush_on_fill;
	/* The receive window's entries (npt_window_keep); slots 0: none. */
	struct pt_window   window;
};

/* A page for the npt and an empty top table in 'fmt'. NULL when memory
 * runs out. The caller flushes before first use. */
struct npt *npt_new(struct page_alloc *pa, const struct pt_format *fmt,
		    void (*flush)(struct npt *npt));
/* Free the tables and the npt; no CPU may use them any more. */
void npt_free(struct npt *npt);

#endif
