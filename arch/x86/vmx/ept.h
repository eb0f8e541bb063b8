/* The EPT entry format and the EPT pointer [SDM 3C 29.3, 25.6.11]. The
 * tables themselves are arch/x86/pt.c's, in the format pt_format_ept. */
#ifndef ARCH_X86_VMX_EPT_H
#define ARCH_X86_VMX_EPT_H

#include <stdint.h>

#include "arch/x86/pt.h"

/* --- entry format [SDM 3C 29.3.2, tables 29-1 to 29-6] ----------------- */
#define EPT_READ        (1ull << 0)
#define EPT_WRITE       (1ull << 1)
#define EPT_EXEC        (1ull << 2)     /* supervisor-mode execute */
#define EPT_PERM_MASK   (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT    3               /* memory type, leaf entries only */
#define EPT_MT_MASK     (7ull << EPT_MT_SHIFT)
#define EPT_MT_UC       0ull
#define EPT_MT_WB       6ull
#define EPT_IGNORE_PAT  (1ull << 6)     /* leaf entries only */
#define EPT_LARGE       (1ull << 7)     /* PDE maps 2 MiB (PDPTE 1 GiB: never made) */
#define EPT_IGNORED_11  (1ull << 11)    /* ignored in every entry */
#define EPT_ADDR_MASK   0x000ffffffffff000ull   /* bits 51:12 */

extern const struct pt_format pt_format_ept;

/* --- EPT pointer [SDM 3C 25.6.11] ---------------------------------------- */
#define EPTP_MT_WB      6ull            /* memory type of the paging structures */
#define EPTP_WALK_SHIFT 3               /* page-walk length minus one */

/* The VMCS EPT-pointer field: 4-level walk, write-back structures. */
static inline uint64_t ept_eptp(const struct pt *p)
{
	return pt_root(p) | (PT_LEVELS - 1ull) << EPTP_WALK_SHIFT | EPTP_MT_WB;
}

#endif
