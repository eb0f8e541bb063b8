/* 4-level paging entries, for the guest's own page tables
 * [SDM 3A 4.5, Tables 4-14 to 4-18]. */
#ifndef GUEST_PAGING_H
#define GUEST_PAGING_H

#define PTE_P           (1ull << 0)
#define PTE_RW          (1ull << 1)
#define PTE_PS          (1ull << 7)         /* in a PDE: maps a 2 MiB page */
#define PTE_ADDR        0x000ffffffffff000ull
#define PML4_INDEX(a)   (((a) >> 39) & 0x1ff)
#define PDPT_INDEX(a)   (((a) >> 30) & 0x1ff)
#define PD_INDEX(a)     (((a) >> 21) & 0x1ff)

#endif
