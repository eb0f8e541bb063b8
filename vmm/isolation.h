#ifndef VMM_ISOLATION_H
#define VMM_ISOLATION_H

#include "vmm/vm.h"

/* Check the memory isolation invariants over every VM's nested page
 * table; a violation is a hypervisor bug and panics. */
void isolation_check(struct vm *vms, uint32_t n);

#endif
