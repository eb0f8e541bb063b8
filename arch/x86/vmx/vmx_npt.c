/* Nested page tables on VT-x: arch/x86/npt.c in the EPT format, and the
 * one place that runs INVEPT. A single-context INVEPT drops what any
 * CPU caches under this EPTP [SDM 3C 29.4.3.1]. */
#include "arch/x86/arch.h"
#include "arch/x86/npt.h"
#include "arch/x86/vmx/ept.h"
#include "arch/x86/vmx/vmx.h"

static void vmx_npt_flush(struct npt *npt)
{
	enum vmx_result r = invept(INVEPT_SINGLE_CONTEXT, ept_eptp(&npt->pt));

	if (r != VMX_OK)
		panic("INVEPT single-context 0x%lx failed: %s",
		      (unsigned long)ept_eptp(&npt->pt), vmx_result_name(r));
}

struct npt *vmx_npt_create(struct page_alloc *pa)
{
	struct npt *npt = npt_new(pa, &pt_format_ept, vmx_npt_flush);

	/* The root page may have served an earlier EPT: drop anything the
	 * CPU still caches under this EPTP. */
	if (npt)
		vmx_npt_flush(npt);
	return npt;
}

void vmx_npt_destroy(struct npt *npt)
{
	vmx_npt_flush(npt);
	npt_free(npt);
}

uint64_t vmx_npt_eptp(const struct npt *npt)
{
	return ept_eptp(&npt->pt);
}
