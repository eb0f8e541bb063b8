/* The x86 state a guest-stub starts in: page tables and a GDT written
 * into its RAM, and the register values that go with them. */
#ifndef VMM_GUEST_BOOT_H
#define VMM_GUEST_BOOT_H

#include <stdint.h>

#include "vmm/virt.h"

/* 'ram' is the guest's RAM as the hypervisor sees it (GPA 0 at ram[0]),
 * 'ram_bytes' a multiple of 2 MiB, at most 1 GiB. Fills 'e'. */
void guest_boot_build(uint8_t *ram, uint64_t ram_bytes, struct vcpu_entry *e);

#endif
