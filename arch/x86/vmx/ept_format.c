/* The EPT entry format as data for arch/x86/pt.c [SDM 3C 29.3.2]. */
#include "arch/x86/vmx/ept.h"

/* Legal permission sets: any but write without read, which is a
 * misconfiguration [SDM 3C 29.3.3.1]. Execute-only is an encoding;
 * whether the CPU supports it (EPT capability bit 0) is the caller's. */
#define EPT_LEGAL (1u << PT_PERM_R | 1u << (PT_PERM_R | PT_PERM_W) | \
		   1u << PT_PERM_X | 1u << (PT_PERM_R | PT_PERM_X) | \
		   1u << (PT_PERM_R | PT_PERM_W | PT_PERM_X))

const struct pt_format pt_format_ept = {
	.name    = "ept",
	/* Present when any of R, W, X is set [SDM 3C 29.3.2]. */
	.present = EPT_PERM_MASK,
	/* A non-leaf entry allows everything; the leaf decides
	 * [SDM 3C 29.3.3]. Bits 7:3 are reserved in it [tables 29-1,
	 * 29-3, 29-5]. */
	.table   = EPT_READ | EPT_WRITE | EPT_EXEC,
	/* Memory type WB, combined with the guest's PAT type (ignore-PAT
	 * clear), as AMD nested paging does [SDM 3C 29.3.7.2]. */
	.leaf    = EPT_MT_WB << EPT_MT_SHIFT,
	.r       = EPT_READ,
	.w       = EPT_WRITE,
	.x       = EPT_EXEC,
	.nx      = false,
	.large   = EPT_LARGE,
	.keep    = EPT_IGNORED_11,
	.addr    = EPT_ADDR_MASK,
	.legal   = EPT_LEGAL,
};
