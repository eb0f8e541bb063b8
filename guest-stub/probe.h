/* Running one instruction that should fault, and coming back with the
 * vector (guest-stub/probe.asm): for the modes that check what the
 * hypervisor does with the instructions it intercepts. */
#ifndef GUEST_PROBE_H
#define GUEST_PROBE_H

#include <stdint.h>

#define VEC_UD 6
#define VEC_GP 13

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
