#ifndef VMM_GUEST_MSR_H
#define VMM_GUEST_MSR_H

#include "vmm/vm.h"

/* Handle the RDMSR or WRMSR that exited (vmm/guest_msr.c). */
void guest_msr_exit(struct vm *vm, const struct vm_exit *e);

/* Refuse the RDMSR or WRMSR that exited: #GP(0) into the guest, counted
 * in msr_refused and remembered in vm->msr_refused_last. */
void guest_msr_refuse(struct vm *vm, const struct vm_exit *e);

#endif
