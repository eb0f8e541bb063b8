/* Single instructions the guest needs: the hypervisor's own
 * (arch/x86/cpu.h: port I/O, RDTSC, control and debug registers,
 * descriptor tables, ...), plus the few only a guest runs. */
#ifndef GUEST_CPU_H
#define GUEST_CPU_H

#include <stdint.h>

#include "arch/x86/cpu.h"

/* STI delays interrupts by one instruction, so none can slip in between
 * the two and leave HLT waiting for an interrupt already taken
 * [SDM 2B STI]. Returns with interrupts enabled. */
static inline void sti_hlt(void)
{
	__asm__ volatile("sti; hlt" : : : "memory");
}

static inline void clts(void)
{
	__asm__ volatile("clts" : : : "memory");
}

static inline void lgdt(const struct desc_ptr *p)
{
	__asm__ volatile("lgdt %0" : : "m"(*p) : "memory");
}

/* SWAPGS: the KERNEL_GS_BASE mode_cpu_state.c checks is the VM's own. */
static inline void swapgs(void)
{
	__asm__ volatile("swapgs" : : : "memory");
}

static inline void invlpg(uint64_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

#endif
