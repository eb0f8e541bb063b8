#ifndef VMM_HYPERCALL_H
#define VMM_HYPERCALL_H

#include "vmm/vm.h"

/* Run the hypercall in the guest's registers and put the result in RAX.
 * Returns true when the guest asked to give up its time slice. */
bool hypercall(struct vm *vm, uint64_t now, uint64_t tsc_per_ms);

#endif
