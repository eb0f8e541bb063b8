/* The long-mode entry format of AMD nested paging as data for
 * arch/x86/pt.c [APM vol 2, 5.3, 15.25]. */
#include "arch/x86/svm/npt_format.h"

/* A present entry is always readable: every legal set has R, and W and X
 * come on top of it; no write-only, no execute-only. */
#define NPT_LEGAL (1u << PT_PERM_R | 1u << (PT_PERM_R | PT_PERM_W) | \
		   1u << (PT_PERM_R | PT_PERM_X) | \
		   1u << (PT_PERM_R | PT_PERM_W | PT_PERM_X))

const struct pt_format pt_format_npt = {
	.name    = "npt",
	.present = NPTE_P,
	/* Nested walks are user-mode accesses, so U/S is set at every
	 * level [APM vol 2, 15.25.5]; a non-leaf entry allows everything
	 * (no NX) and the leaf decides. */
	.table   = NPTE_P | NPTE_RW | NPTE_US,
	/* PWT = PCD = PAT = 0: the host's PAT entry 0, write-back from
	 * reset, which the CPU combines with the guest's own type
	 * [APM vol 2, 15.25]. Reserved bits, and G, stay 0. */
	.leaf    = NPTE_P | NPTE_US,
	.r       = NPTE_P,
	.w       = NPTE_RW,
	.x       = NPTE_NX,
	.nx      = true,
	.large   = NPTE_PS,
	.keep    = NPTE_AVL_9,
	.addr    = NPTE_ADDR_MASK,
	.legal   = NPT_LEGAL,
};
