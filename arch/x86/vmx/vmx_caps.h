/* What this CPU's VT-x can do, from the capability MSRs [SDM 3C A]. */
#ifndef ARCH_X86_VMX_CAPS_H
#define ARCH_X86_VMX_CAPS_H

#include <stdbool.h>
#include <stdint.h>

/* Capability MSR layout [SDM 3C Appendix A]. */
#define BASIC_REVISION_MASK       0x7fffffffull  /* IA32_VMX_BASIC[30:0] */
#define BASIC_TRUE_CTLS           (1ull << 55)   /* TRUE_* MSRs exist */
#define MISC_PREEMPT_SHIFT_MASK   0x1full        /* IA32_VMX_MISC[4:0] */
/* A control MSR: low half must-be-1 bits, high half may-be-1 [A.3]. */
#define ALLOWED0(msr)             ((uint32_t)(msr))
#define ALLOWED1(msr)             ((uint32_t)((msr) >> 32))
/* IA32_VMX_EPT_VPID_CAP [A.10] */
#define EPT_CAP_WALK_4            (1ull << 6)
#define EPT_CAP_WB                (1ull << 14)
#define EPT_CAP_INVEPT            (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE     (1ull << 25)

/* The raw MSR values the decision is made from. */
struct vmx_msrs {
	uint64_t basic;         /* IA32_VMX_BASIC */
	uint64_t pinbased;      /* TRUE_PINBASED when BASIC[55], else PINBASED */
	uint64_t procbased;     /* likewise */
	uint64_t procbased2;    /* only meaningful when procbased allows it */
	uint64_t ept_vpid;      /* only meaningful when procbased2 allows EPT/VPID */
	uint64_t misc;
};

struct vmx_caps {
	bool ept;
	bool vpid;
	bool unrestricted_guest;
	bool preemption_timer;
	bool invept_single;
	bool ept_4level;
	bool ept_wb;
	uint32_t revision;      /* VMCS revision identifier */
};

/* Pure decoding, so it is testable on the host. */
void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c);

/* The first capability flipvisor needs that 'c' lacks, or NULL. */
const char *vmx_caps_missing(const struct vmx_caps *c);

/* Print the VMX part of the machine report and decide whether VT-x can be
 * used here: present in CPUID, enabled in IA32_FEATURE_CONTROL (locking
 * it ourselves when the firmware left it open), every needed capability
 * there. Fills 'c' and returns true when VT-x is usable. */
bool vmx_probe(struct vmx_caps *c);

/* Enter and leave VMX operation once, reporting each step. */
struct page_alloc;
bool vmx_selftest_on_off(const struct vmx_caps *c, struct page_alloc *pa);

#endif
