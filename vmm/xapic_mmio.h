/* A Linux VM's accesses to its local APIC's xAPIC page (GPA 0xFEE00000,
 * never mapped: each access is a nested-paging fault), emulated by
 * decoding the faulting MOV (mmio_insn.c) and handing it to the device
 * model (vdev_apic_mmio). docs/linux.md "The device model". */
#ifndef VMM_XAPIC_MMIO_H
#define VMM_XAPIC_MMIO_H

#include "vmm/vm.h"

/* Whether 'gpa' is in the xAPIC page of a VM that has one. */
bool xapic_mmio_claims(const struct vm *vm, uint64_t gpa);

/* Emulate the access of nested-paging fault 'e' (claimed above): true
 * when done and the guest may resume past it; false when it was
 * refused, and the VM has been stopped with one line saying why. */
bool xapic_mmio_exit(struct vm *vm, const struct vm_exit *e, uint64_t now);

#endif
