/* Entering and leaving VMX operation [SDM 3C 24.7, 24.11.5]. */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "lib/console.h"
#include "vmm/page_alloc.h"

static const char *const result_names[] = {
	[VMX_OK]           = "ok",
	[VMX_FAIL_INVALID] = "VMfailInvalid",
	[VMX_FAIL_VALID]   = "VMfailValid",
};

/* CR0 and CR4 must hold the bits the FIXED0 MSRs require and none the
 * FIXED1 MSRs forbid while in VMX operation [SDM 3C A.7, A.8]. */
static void fix_control_registers(void)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4() | CR4_VMXE;

	cr0 |= rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	cr0 &= rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cr4 |= rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	cr4 &= rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
}

bool vmx_selftest_on_off(const struct vmx_caps *c, struct page_alloc *pa)
{
	uint64_t region = page_alloc(pa, 1, PAGE_SIZE);
	uint64_t cr4 = read_cr4();
	enum vmx_result on, off = VMX_FAIL_INVALID;

	if (!region) {
		LOG("vmx", "no memory for the VMXON region");
		return false;
	}
	/* The VMXON region starts with the VMCS revision identifier, bit 31
	 * clear [SDM 3C 25.11.5]. */
	*(volatile uint32_t *)(uintptr_t)region = c->revision;

	fix_control_registers();
	on = vmxon(region);
	if (on == VMX_OK)
		off = vmxoff();
	write_cr4(cr4);         /* CR4.VMXE back off: we are done for now */
	page_free(pa, region, 1);

	if (on != VMX_OK || off != VMX_OK) {
		LOG("vmx", "VMXON %s, VMXOFF %s (VMCS revision 0x%x)",
		    result_names[on], on == VMX_OK ? result_names[off] : "not run",
		    c->revision);
		return false;
	}
	LOG("vmx", "VMXON ok, VMXOFF ok (VMCS revision 0x%x)", c->revision);
	return true;
}
