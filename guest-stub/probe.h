/* Trying instructions a guest may or may not be allowed, and coming back
 * with the vector they raised instead of stopping the guest. Two ways:
 * the probe_* inlines below arm a fixup at the instruction's end
 * (idt.h, idt_fixup_rip) and return 0 or the #UD/#GP vector; probe()
 * (guest-stub/probe.asm) runs a whole function, at any CPL, and returns
 * whatever vector it raised: for the modes that check what the
 * hypervisor does with the instructions it intercepts. */
#ifndef GUEST_PROBE_H
#define GUEST_PROBE_H

#include <stdint.h>

#include "guest-stub/idt.h"

#define VEC_UD 6
#define VEC_GP 13

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

/* The GDT entries probe_user_* use (mode_user_hypercall.c adds them to
 * the GDT the hypervisor wrote, after its null, code64 and data). */
#define USER_SEL_DATA   0x18
#define USER_SEL_CODE   0x20
#define USER_SEL_TSS    0x28

/* Run 'fn'; the vector of the exception it raised, or -1. */
int64_t probe(void (*fn)(void));
/* Set by trap_dispatch when a probe catches an exception. */
extern uint64_t probe_resume_rip, probe_resume_rsp, probe_vector,
		probe_fault_rip;
/* The CPL 3 stack for probe_user_*. */
extern uint64_t probe_user_rsp;

void probe_mwait(void);
void probe_monitor(void);
void probe_rdpmc(void);
void probe_wbinvd(void);
void probe_invd(void);
/* A hypercall from CPL 3; its instruction's address, to tell a refusal
 * (the fault is there) from a call that went through (at the UD2). */
void probe_user_vmcall(void);
void probe_user_vmmcall(void);
extern const uint8_t probe_user_vmcall_insn[], probe_user_vmmcall_insn[];

#endif
