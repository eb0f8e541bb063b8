/* One hardware virtualization backend as a table of the vmm/virt.h
 * functions. arch/x86/virt_select.c picks one at boot (VT-x first, then
 * AMD-V) and forwards every virt.h call to it, so a single image runs on
 * either vendor's CPU and vmm/ never learns which. */
#ifndef ARCH_X86_VIRT_OPS_H
#define ARCH_X86_VIRT_OPS_H

#include "vmm/virt.h"

struct virt_ops {
	const char *name;               /* "VT-x", "AMD-V" */
	const char *detail;             /* the boot report's vendor path */
	/* Detect and report; true when this CPU can run the backend. May
	 * turn the extension on and off once to prove it works. */
	bool (*probe)(struct page_alloc *pa);
	bool (*start)(struct page_alloc *pa);

	struct npt *(*npt_create)(struct page_alloc *pa);
	void (*npt_destroy)(struct npt *npt);
	/* The other npt_* calls are the same on both (arch/x86/npt.c). */

	struct vcpu *(*vcpu_create)(struct page_alloc *pa, struct npt *npt,
				    uint16_t id, const struct vcpu_entry *entry);
	void (*vcpu_destroy)(struct vcpu *v, struct page_alloc *pa);
	void (*vcpu_run)(struct vcpu *v, uint64_t budget, struct vm_exit *e);
	struct guest_regs *(*vcpu_regs)(struct vcpu *v);
	void (*vcpu_skip_insn)(struct vcpu *v);
	unsigned (*vcpu_fetch_insn)(struct vcpu *v, uint8_t *b, unsigned n);
	void (*vcpu_advance_rip)(struct vcpu *v, unsigned len);
	bool (*vcpu_can_take_irq)(struct vcpu *v);
	void (*vcpu_inject_irq)(struct vcpu *v, uint8_t vector);
	void (*vcpu_inject_exception)(struct vcpu *v, uint8_t vector,
				      bool has_error, uint32_t error);
	void (*vcpu_want_irq_window)(struct vcpu *v, bool on);
	bool (*vcpu_event_pending)(struct vcpu *v);
	uint64_t (*vcpu_msr_get)(struct vcpu *v, enum vcpu_msr m);
	void (*vcpu_msr_set)(struct vcpu *v, enum vcpu_msr m, uint64_t val);
	uint8_t (*vcpu_cpl)(struct vcpu *v);
};

extern const struct virt_ops vmx_virt_ops;      /* arch/x86/vmx/ */
extern const struct virt_ops svm_virt_ops;      /* arch/x86/svm/ */

#endif
