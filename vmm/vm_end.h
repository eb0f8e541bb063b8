/* How a VM ends on its own (docs/linux.md, "How it ends"): a power-off
 * or reset request, or a halt nothing can end. Each stops that VM alone, with
 * one line saying how it ended. */
#ifndef VMM_VM_END_H
#define VMM_VM_END_H

#include <stdbool.h>

#include "vmm/vm.h"

/* An OUT that ends the VM: a Linux VM's ACPI S5 request ("powered
 * off"), or a reset request ("rebooted", or "kernel panic" when Linux
 * marked it warm). Stops the VM and returns true; false for any other
 * access. */
bool vm_end_io(struct vm *vm, const struct vm_exit *e, uint32_t value);

/* A Linux VM's HLT with interrupts off: no interrupt can end it and the
 * hypervisor sends no NMI, so the VM is over ("halted": Linux's halt,
 * and its poweroff should it find no ACPI power-off method). */
void vm_end_halt(struct vm *vm, const struct vm_exit *e);

#endif
