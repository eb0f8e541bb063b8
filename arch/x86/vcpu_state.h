/* Guest-visible CPU state that neither the VMCS nor the VMCB holds, kept
 * per VM by the backends (docs/security.md, "CPU state"). flipvisor never
 * uses any of it itself: no SSE (built -mgeneral-regs-only), no
 * breakpoints (DR7 is 0x400 whenever it runs), no page fault it survives
 * (CR2), no SYSCALL or SWAPGS. So a guest's values stay in the CPU while
 * the hypervisor runs, and move only when another VM gets the CPU. */
#ifndef ARCH_X86_VCPU_STATE_H
#define ARCH_X86_VCPU_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"

/* What a backend has to switch itself (vcpu_state_load's 'what'). */
#define VS_FPU          (1u << 0)       /* x87/SSE, by FXSAVE [SDM 1 10.5] */
#define VS_DR0_3        (1u << 1)       /* breakpoint addresses [SDM 3B 18.2.1] */
#define VS_DR6          (1u << 2)       /* debug status [SDM 3B 18.2.3] */
#define VS_CR2          (1u << 3)       /* page-fault linear address */
#define VS_SYSCALL_MSRS (1u << 4)       /* the MSRs of enum vs_msr */

/* MSRs of SYSCALL and SWAPGS [SDM 3A 5.8.8, SDM 2B SWAPGS]. */
enum vs_msr {
	VS_MSR_KERNEL_GS_BASE,
	VS_MSR_STAR,
	VS_MSR_LSTAR,
	VS_MSR_CSTAR,
	VS_MSR_FMASK,
	VS_MSRS
};

struct vcpu_state {
	struct fxsave_area fpu;
	uint64_t dr[4], dr6, cr2;
	uint64_t msr[VS_MSRS];
};

/* The state a VM starts with: FNINIT's x87/SSE defaults, DR6 at its
 * reset value, everything else 0 (docs/hypercalls.md, "Entry state"). */
void vcpu_state_init(struct vcpu_state *s);
/* Before entering the guest that owns s: make the CPU hold s's state in
 * 'what' (VS_*), saving that of the VM whose state it held. */
void vcpu_state_load(struct vcpu_state *s, unsigned what);
/* s is being freed: never save into it again. */
void vcpu_state_forget(struct vcpu_state *s);
/* One of s's MSRs: the CPU's while s is loaded, else the saved copy.
 * The caller has checked the value is one the MSR takes. */
uint64_t vcpu_state_msr(const struct vcpu_state *s, enum vs_msr m);
void vcpu_state_set_msr(struct vcpu_state *s, enum vs_msr m, uint64_t v);
/* Once, at start: DR7 disarmed, so guests' DR0-3 never fire in the
 * host; TSC_AUX, which RDPID lets a guest read, set to 0. */
void vcpu_state_host_init(void);

#endif
