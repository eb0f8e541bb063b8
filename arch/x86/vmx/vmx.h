/* Internal interface of the VT-x backend (arch/x86/vmx/). Nothing outside
 * this directory includes it: vmm/ sees only vmm/virt.h. */
#ifndef ARCH_X86_VMX_VMX_H
#define ARCH_X86_VMX_VMX_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "arch/x86/vcpu_state.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "mm/page_alloc.h"
#include "vmm/virt.h"

/* Control values computed once from the capability MSRs. */
struct vmx_config {
	uint32_t revision;
	uint32_t pin, proc, proc2, exit, entry;
	uint8_t  preempt_shift;         /* timer counts TSC >> this [SDM 3C A.6] */
	uint64_t cr0_fixed0, cr4_fixed0;
};
extern struct vmx_config vmx_cfg;

const char *vmx_result_name(enum vmx_result r);
enum vmx_result vmx_root_enter(uint32_t revision, struct page_alloc *pa,
			       uint64_t *region);
enum vmx_result vmx_root_leave(struct page_alloc *pa, uint64_t region);

struct vcpu {
	uint64_t          vmcs;         /* physical address of the VMCS */
	uint64_t          vapic;        /* its virtual-APIC page: the guest's TPR */
	bool              launched;     /* VMRESUME from now on */
	uint16_t          vpid;
	uint32_t          proc;         /* current primary controls */
	struct npt       *npt;          /* synced before every entry */
	struct guest_regs regs;
	struct vcpu_state state;        /* what the VMCS leaves out (vcpu_state.h) */
};

/* Make v's VMCS the current one (VMPTRLD when it is not). */
void vmx_vcpu_load(struct vcpu *v);

/* Decode the exit that just happened into vendor-neutral terms. */
void vmx_exit_decode(struct vcpu *v, struct vm_exit *e);

uint64_t vmx_npt_eptp(const struct npt *npt);

/* The vmm/virt.h functions for VT-x, gathered in vmx_virt_ops
 * (vmx_ops.c) for arch/x86/virt_select.c. */
bool vmx_virt_probe(struct page_alloc *pa);     /* vmx_start.c */
bool vmx_virt_start(struct page_alloc *pa);
struct npt *vmx_npt_create(struct page_alloc *pa);
void vmx_npt_destroy(struct npt *npt);
struct vcpu *vmx_vcpu_create(struct page_alloc *pa, struct npt *npt,
			     uint16_t id, const struct vcpu_entry *entry);
void vmx_vcpu_destroy(struct vcpu *v, struct page_alloc *pa);
void vmx_vcpu_run(struct vcpu *v, uint64_t budget, struct vm_exit *e);
struct guest_regs *vmx_vcpu_regs(struct vcpu *v);
void vmx_vcpu_skip_insn(struct vcpu *v);
unsigned vmx_vcpu_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n);
void vmx_vcpu_advance_rip(struct vcpu *v, unsigned len);
bool vmx_vcpu_event_pending(struct vcpu *v);
uint8_t vmx_vcpu_cpl(struct vcpu *v);
bool vmx_vcpu_can_take_irq(struct vcpu *v);
void vmx_vcpu_inject_irq(struct vcpu *v, uint8_t vector);
void vmx_vcpu_inject_exception(struct vcpu *v, uint8_t vector,
			       bool has_error, uint32_t error);
void vmx_vcpu_want_irq_window(struct vcpu *v, bool on);
uint64_t vmx_vcpu_msr_get(struct vcpu *v, enum vcpu_msr m);
void vmx_vcpu_msr_set(struct vcpu *v, enum vcpu_msr m, uint64_t val);

/* vmx_entry.asm */
int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit(void);

#endif
