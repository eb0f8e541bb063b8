#ifndef VMM_SCHED_H
#define VMM_SCHED_H

#include <stdint.h>

#include "vmm/vm.h"

/* Run the VMs round robin, each for up to 'slice' TSC ticks at a time,
 * forever. When every VM is halted the CPU halts until an interrupt. */
void sched_run(struct vm *vms, uint32_t n, uint64_t slice,
	       uint64_t tsc_per_ms) __attribute__((noreturn));

#endif
