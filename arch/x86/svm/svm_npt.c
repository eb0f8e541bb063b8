/* Nested page tables on AMD-V: arch/x86/npt.c in the long-mode format
 * (npt_format.c). Where VT-x runs INVEPT, AMD-V flushes the guest's
 * ASID: a change that needs the cached translations dropped marks the
 * table, and the next VMRUN on it carries TLB_CONTROL "flush this ASID"
 * [APM 2 15.16.1]. One CPU runs everything, so no guest runs between the
 * change and that VMRUN: the change is in force for the guest when the
 * call returns, as vmm/virt.h asks. */
#include "arch/x86/arch.h"
#include "arch/x86/npt.h"
#include "arch/x86/svm/npt_format.h"
#include "arch/x86/svm/svm.h"

static void svm_npt_flush(struct npt *npt)
{
	npt->flush_next = true;
}

struct npt *svm_npt_create(struct page_alloc *pa)
{
	struct npt *npt = npt_new(pa, &pt_format_npt, svm_npt_flush);

	/* The ASID may have served an earlier VM: its first VMRUN drops
	 * whatever the CPU still caches under it. */
	if (!npt)
		return NULL;
	svm_npt_flush(npt);
	/* Intel's manual says no translation is cached from a not-present
	 * EPT entry, so a map needs no INVEPT (npt.c). No such promise for
	 * nested page tables was found in AMD's (APM 2 15.16, TLB control),
	 * so a map on AMD-V flushes the ASID at the next VMRUN too: one
	 * flush per VMRUN however many slots a receive batch mapped. Drop
	 * this where the APM is shown to exempt not-present entries. */
	npt->flush_on_fill = true;
	return npt;
}

void svm_npt_destroy(struct npt *npt)
{
	/* No VMRUN ever uses this table again; the ASID's next user starts
	 * with a flush (svm_npt_create). */
	npt_free(npt);
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
