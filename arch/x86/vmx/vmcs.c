/* VMCS access with failures reported, never ignored. */
#include "arch/x86/arch.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_insn.h"

const char *vmcs_field_name(enum vmcs_field f)
{
	switch (f) {
#define VMCS_NAME(name, enc) case VMCS_##name: return #name;
	VMCS_FIELDS(VMCS_NAME)
#undef VMCS_NAME
	}
	return "unknown field";
}

/* The VM-instruction error number is only there after VMfailValid
 * [SDM 3C 31.4]; VMfailInvalid means there is no current VMCS at all. */
static uint64_t insn_error(enum vmx_result r)
{
	uint64_t e = 0;

	if (r == VMX_FAIL_VALID)
		vmx_vmread(VMCS_VM_INSN_ERROR, &e);
	return e;
}

void vmcs_write_checked(enum vmcs_field f, uint64_t v)
{
	enum vmx_result r = vmx_vmwrite(f, v);

	if (r != VMX_OK)
		panic("VMWRITE %s (0x%04x) = 0x%lx failed: %s, VM-instruction "
		      "error %lu", vmcs_field_name(f), f, (unsigned long)v,
		      r == VMX_FAIL_VALID ? "VMfailValid" : "VMfailInvalid",
		      (unsigned long)insn_error(r));
}

uint64_t vmcs_read_checked(enum vmcs_field f)
{
	uint64_t v = 0;
	enum vmx_result r = vmx_vmread(f, &v);

	if (r != VMX_OK)
		panic("VMREAD %s (0x%04x) failed: %s, VM-instruction error %lu",
		      vmcs_field_name(f), f,
		      r == VMX_FAIL_VALID ? "VMfailValid" : "VMfailInvalid",
		      (unsigned long)insn_error(r));
	return v;
}

void vmcs_load_checked(uint64_t vmcs_pa)
{
	enum vmx_result r = vmptrld(vmcs_pa);

	if (r != VMX_OK)
		panic("VMPTRLD 0x%lx failed: %s, VM-instruction error %lu",
		      (unsigned long)vmcs_pa,
		      r == VMX_FAIL_VALID ? "VMfailValid" : "VMfailInvalid",
		      (unsigned long)insn_error(r));
}
