/* Turning AMD-V on for good: EFER.SVME, the host save area, and the
 * permission maps every VMCB shares [APM 2 15.4, 15.10, 15.11, 15.30.4]. */
#include "arch/x86/msr.h"
#include "arch/x86/svm/svm.h"
#include "lib/console.h"
#include "lib/string.h"

#define IOPM_PAGES   3          /* 12 KiB: one bit per port, and then some */
#define MSRPM_PAGES  2          /* 8 KiB: two bits per MSR in three ranges */

/* A zeroed-then-filled run of pages, every bit set: intercept all. */
static uint64_t alloc_all_ones(struct page_alloc *pa, uint64_t pages)
{
	uint64_t p = page_alloc(pa, pages, PAGE_SIZE);

	if (p)
		memset((void *)(uintptr_t)p, 0xff, pages * PAGE_SIZE);
	return p;
}

#define CPUID_1_ECX_XSAVE  (1u << 26)
#define CR4_OSXSAVE        (1ull << 18)
#define XCR0_X87_SSE       0x3ull

/* XCR0 is not part of the VMCB: every guest runs with the host's. A
 * guest cannot set CR4.OSXSAVE (svm_cr4.c) and XSETBV is intercepted;
 * as a second line, XCR0 is set to x87|SSE, the state FXSAVE switches
 * between guests, so no AVX or later state could be reached that nobody
 * saves [SDM 1 13.3]. */
static void clamp_xcr0(void)
{
	uint64_t cr4 = read_cr4(), xcr0;

	if (!(cpuid(1, 0).ecx & CPUID_1_ECX_XSAVE))
		return;
	write_cr4(cr4 | CR4_OSXSAVE);
	xcr0 = xgetbv0();
	if (xcr0 != XCR0_X87_SSE)
		xsetbv0(XCR0_X87_SSE);
	LOG("svm", "XCR0 0x%lx -> 0x%lx: guests get x87 and SSE state only",
	    (unsigned long)xcr0, (unsigned long)XCR0_X87_SSE);
	write_cr4(cr4);
}

bool svm_virt_start(struct page_alloc *pa)
{
	uint64_t hsave = page_alloc(pa, 1, PAGE_SIZE);

	svm_cfg.iopm_pa = alloc_all_ones(pa, IOPM_PAGES);
	svm_cfg.msrpm_pa = alloc_all_ones(pa, MSRPM_PAGES);
	svm_cfg.host_area_pa = page_alloc(pa, 1, PAGE_SIZE);
	if (!hsave || !svm_cfg.iopm_pa || !svm_cfg.msrpm_pa ||
	    !svm_cfg.host_area_pa) {
		LOG("svm", "out of memory for the host save area and the "
		    "permission maps");
		return false;
	}
	/* NXE too: the nested walk uses the host's EFER.NXE, and the nested
	 * tables use bit 63 as no-execute (arch/x86/svm/npt_format.h). */
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_SVME | EFER_NXE);
	wrmsr(MSR_VM_HSAVE_PA, hsave);
	clamp_xcr0();
	vcpu_state_host_init();
	LOG("svm", "SVM on: EFER 0x%lx, host save area 0x%lx, RIP advance by "
	    "%s, TLB flush by %s", (unsigned long)rdmsr(MSR_IA32_EFER),
	    (unsigned long)hsave, svm_cfg.nrips ? "NRIP save" :
	    "instruction length", svm_cfg.flush_by_asid ? "ASID" : "full flush");
	return true;
}

bool svm_virt_probe(struct page_alloc *pa)
{
	return svm_probe();
}
