#ifndef VMM_ISOLATION_H
#define VMM_ISOLATION_H

#include "mm/page_alloc.h"
#include "vmm/vm.h"

/* Check the memory isolation invariants over every VM's nested page
 * table (vmm/isolation.c says which); a violation is a hypervisor bug
 * and panics. isolation_init checks at boot, after the network is up,
 * and keeps 'vms' and a bitmap of one bit per RAM and pool page from
 * 'pa' for every later isolation_check. */
void isolation_init(struct page_alloc *pa, struct vm *vms, uint32_t n);
void isolation_check(void);
/* How many checks have passed. */
uint64_t isolation_checks(void);

#endif
