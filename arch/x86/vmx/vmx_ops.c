/* VT-x as a struct virt_ops (arch/x86/virt_ops.h): the one table of
 * the backend's vmm/virt.h functions, linked by the hypervisor and by the
 * exit fuzz harness (tests/fuzz/exit_vmx.c stands in for the calls that
 * need the real CPU). */
#include "arch/x86/virt_ops.h"
#include "arch/x86/vmx/vmx.h"

const struct virt_ops vmx_virt_ops = {
	.name                  = "VT-x",
	.detail                = "Intel VT-x with EPT (arch/x86/vmx)",
	.probe                 = vmx_virt_probe,
	.start                 = vmx_virt_start,
	.npt_create            = vmx_npt_create,
	.npt_destroy           = vmx_npt_destroy,
	.vcpu_create           = vmx_vcpu_create,
	.vcpu_destroy          = vmx_vcpu_destroy,
	.vcpu_run              = vmx_vcpu_run,
	.vcpu_regs             = vmx_vcpu_regs,
	.vcpu_skip_insn        = vmx_vcpu_skip_insn,
	.vcpu_fetch_insn       = vmx_vcpu_fetch_insn,
	.vcpu_advance_rip      = vmx_vcpu_advance_rip,
	.vcpu_can_take_irq     = vmx_vcpu_can_take_irq,
	.vcpu_inject_irq       = vmx_vcpu_inject_irq,
	.vcpu_inject_exception = vmx_vcpu_inject_exception,
	.vcpu_want_irq_window  = vmx_vcpu_want_irq_window,
	.vcpu_event_pending    = vmx_vcpu_event_pending,
	.vcpu_msr_get          = vmx_vcpu_msr_get,
	.vcpu_msr_set          = vmx_vcpu_msr_set,
	.vcpu_cpl              = vmx_vcpu_cpl,
};
