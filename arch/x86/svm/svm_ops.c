/* AMD-V as a struct virt_ops (arch/x86/virt_ops.h): the one table of
 * the backend's vmm/virt.h functions, linked by the hypervisor and by the
 * exit fuzz harness (tests/fuzz/exit_svm.c stands in for the calls that
 * need the real CPU). */
#include "arch/x86/svm/svm.h"
#include "arch/x86/virt_ops.h"

const struct virt_ops svm_virt_ops = {
	.name                  = "AMD-V",
	.detail                = "AMD-V (SVM) with nested paging (arch/x86/svm)",
	.probe                 = svm_virt_probe,
	.start                 = svm_virt_start,
	.npt_create            = svm_npt_create,
	.npt_destroy           = svm_npt_destroy,
	.vcpu_create           = svm_vcpu_create,
	.vcpu_destroy          = svm_vcpu_destroy,
	.vcpu_run              = svm_vcpu_run,
	.vcpu_regs             = svm_vcpu_regs,
	.vcpu_skip_insn        = svm_vcpu_skip_insn,
	.vcpu_fetch_insn       = svm_fetch_insn,
	.vcpu_advance_rip      = svm_vcpu_advance_rip,
	.vcpu_can_take_irq     = svm_vcpu_can_take_irq,
	.vcpu_inject_irq       = svm_vcpu_inject_irq,
	.vcpu_inject_exception = svm_vcpu_inject_exception,
	.vcpu_want_irq_window  = svm_vcpu_want_irq_window,
	.vcpu_event_pending    = svm_vcpu_event_pending,
	.vcpu_msr_get          = svm_vcpu_msr_get,
	.vcpu_msr_set          = svm_vcpu_msr_set,
	.vcpu_cpl              = svm_vcpu_cpl,
};
