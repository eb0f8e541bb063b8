#ifndef VMM_ISOLATION_H
#define VMM_ISOLATION_H

#include "mm/page_alloc.h"
#include "vmm/vm.h"

/* Check the memory isolation invariants over every VM's nested page
 * table (vmm/isolation.c says which); a violation is a hypervisor bug
 * and panics. Borrows a bitmap of one bit per RAM and pool page from
 * 'pa' while it runs. */
void isolation_check(struct page_alloc *pa, struct vm *vms, uint32_t n);

#endif
