/* Instructions a guest may or may not be allowed, tried: each returns 0
 * when the instruction ran, or the vector it raised (6 #UD, 13 #GP),
 * which the IDT catches and skips (idt.h, idt_fixup_rip) instead of
 * stopping the guest. */
#ifndef GUEST_PROBE_H
#define GUEST_PROBE_H

#include <stdint.h>

#include "guest-stub/idt.h"

/* Arm the fixup at label 1, run 'insn', disarm. A fault leaves every
 * register the instruction would have written as it was (isr_common
 * restores them). */
#define PROBE_ASM(insn, ...)                                            \
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"                     \
			 "mov %%r11, idt_fixup_rip(%%rip)\n\t"          \
			 insn "\n"                                       \
			 "1:\n\t"                                       \
			 "movq $0, idt_fixup_rip(%%rip)"                  \
			 __VA_ARGS__)

static inline int probe_rdmsr(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	idt_fixup_vector = 0;
	PROBE_ASM("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	*val = (uint64_t)hi << 32 | lo;
	return (int)idt_fixup_vector;
}

static inline int probe_wrmsr(uint32_t msr, uint64_t val)
{
	idt_fixup_vector = 0;
	PROBE_ASM("wrmsr", : : "c"(msr), "a"((uint32_t)val),
		  "d"((uint32_t)(val >> 32)) : "r11", "memory");
	return (int)idt_fixup_vector;
}

/* RDPID reads IA32_TSC_AUX [SDM 2B RDPID]. */
static inline int probe_rdpid(uint64_t *val)
{
	uint64_t v = 0;

	idt_fixup_vector = 0;
	PROBE_ASM("rdpid %0", : "+r"(v) : : "r11", "memory");
	*val = v;
	return (int)idt_fixup_vector;
}

/* XGETBV of XCR0: #UD unless CR4.OSXSAVE [SDM 2C XGETBV]. */
static inline int probe_xgetbv(uint64_t *val)
{
	uint32_t lo = 0, hi = 0;

	idt_fixup_vector = 0;
	PROBE_ASM("xgetbv", : "+a"(lo), "+d"(hi) : "c"(0) : "r11", "memory");
	*val = (uint64_t)hi << 32 | lo;
	return (int)idt_fixup_vector;
}

#endif
