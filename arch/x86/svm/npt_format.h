/* The AMD64 long-mode page-table entry, as nested paging walks it from
 * nCR3 [APM vol 2, 5.3 "Long-Mode Page Translation", 15.25 "Nested
 * Paging"]. The tables are arch/x86/pt.c's, in the format pt_format_npt;
 * nCR3 is pt_root(). */
#ifndef ARCH_X86_SVM_NPT_FORMAT_H
#define ARCH_X86_SVM_NPT_FORMAT_H

#include "arch/x86/pt.h"

/* --- entry format [APM vol 2, 5.3: the long-mode PML4E to PTE] ---------
 * NPTE_, not NPT_: vmm/virt.h's NPT_R/W/X are permissions, not bits. */
#define NPTE_P           (1ull << 0)     /* present */
#define NPTE_RW          (1ull << 1)     /* writable */
#define NPTE_US          (1ull << 2)     /* user: nested walks are user accesses */
#define NPTE_PWT         (1ull << 3)     /* with PCD and PAT: memory type */
#define NPTE_PCD         (1ull << 4)
#define NPTE_A           (1ull << 5)     /* accessed: set by the CPU */
#define NPTE_D           (1ull << 6)     /* dirty, leaves: set by the CPU */
#define NPTE_PS          (1ull << 7)     /* PDE maps 2 MiB (PDPE 1 GiB: never made) */
#define NPTE_G           (1ull << 8)
#define NPTE_AVL_9       (1ull << 9)     /* AVL, bits 11:9: ignored by the CPU */
#define NPTE_NX          (1ull << 63)    /* no execute; needs EFER.NXE */
#define NPTE_ADDR_MASK   0x000ffffffffff000ull   /* bits 51:12 */

/* Bit 63 means no-execute only while EFER.NXE is set (else it is
 * reserved): the SVM code runs VMRUN with the host's EFER.NXE set. The
 * CPU sets A and D in these tables; pt.c keeps them on a protect, copies
 * them on a split, and never reads them. */
extern const struct pt_format pt_format_npt;

#endif
