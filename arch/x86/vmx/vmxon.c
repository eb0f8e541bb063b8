/* Entering and leaving VMX operation [SDM 3C 24.7, 25.11.5]. */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "lib/console.h"

const char *vmx_result_name(enum vmx_result r)
{
	switch (r) {
	case VMX_OK:           return "ok";
	case VMX_FAIL_INVALID: return "VMfailInvalid";
	case VMX_FAIL_VALID:   return "VMfailValid";
	}
	return "?";
}

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

enum vmx_result vmx_root_enter(uint32_t revision, struct page_alloc *pa,
			       uint64_t *region)
{
	enum vmx_result r;

	*region = page_alloc(pa, 1, PAGE_SIZE);
	if (!*region)
		return VMX_FAIL_INVALID;
	/* The VMXON region starts with the VMCS revision identifier, bit 31
	 * clear [SDM 3C 25.11.5]. */
	*(volatile uint32_t *)(uintptr_t)*region = revision;
	fix_control_registers();
	r = vmxon(*region);
	if (r != VMX_OK) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		page_free(pa, *region, 1);
	}
	return r;
}

enum vmx_result vmx_root_leave(struct page_alloc *pa, uint64_t region)
{
	enum vmx_result r = vmxoff();

	if (r == VMX_OK) {
		write_cr4(read_cr4() & ~CR4_VMXE);
		page_free(pa, region, 1);
	}
	return r;
}

bool vmx_selftest_on_off(const struct vmx_caps *c, struct page_alloc *pa)
{
	enum vmx_result on, off = VMX_FAIL_INVALID;
	uint64_t region;

	on = vmx_root_enter(c->revision, pa, &region);
	if (on == VMX_OK)
		off = vmx_root_leave(pa, region);
	if (on != VMX_OK || off != VMX_OK) {
		LOG("vmx", "VMXON %s, VMXOFF %s (VMCS revision 0x%x)",
		    vmx_result_name(on),
		    on == VMX_OK ? vmx_result_name(off) : "not run", c->revision);
		return false;
	}
	LOG("vmx", "VMXON ok, VMXOFF ok (VMCS revision 0x%x)", c->revision);
	return true;
}
