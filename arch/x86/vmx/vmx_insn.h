/* VMX instructions as inline functions [SDM 3C 31 (VMX instruction
 * reference)]. Each reports VMsucceed (0), VMfailInvalid (CF) or
 * VMfailValid (ZF) [SDM 3C 31.2]. */
#ifndef ARCH_X86_VMX_INSN_H
#define ARCH_X86_VMX_INSN_H

#include <stdint.h>

enum vmx_result {
	VMX_OK = 0,
	VMX_FAIL_INVALID,       /* CF=1: no current VMCS, or bad pointer */
	VMX_FAIL_VALID,         /* ZF=1: error number in the VMCS */
};

#define VMX_RESULT(insn, ...)                                           \
	({                                                              \
		uint8_t cf_, zf_;                                       \
		__asm__ volatile(insn "\n\tsetc %0\n\tsetz %1"          \
				 : "=qm"(cf_), "=qm"(zf_)               \
				 : __VA_ARGS__                          \
				 : "cc", "memory");                     \
		cf_ ? VMX_FAIL_INVALID : zf_ ? VMX_FAIL_VALID : VMX_OK; \
	})

static inline enum vmx_result vmxon(uint64_t region_pa)
{
	return VMX_RESULT("vmxon %2", "m"(region_pa));
}

static inline enum vmx_result vmxoff(void)
{
	return VMX_RESULT("vmxoff", "i"(0));
}

static inline enum vmx_result vmclear(uint64_t vmcs_pa)
{
	return VMX_RESULT("vmclear %2", "m"(vmcs_pa));
}

static inline enum vmx_result vmptrld(uint64_t vmcs_pa)
{
	return VMX_RESULT("vmptrld %2", "m"(vmcs_pa));
}

static inline enum vmx_result vmx_vmwrite(uint64_t field, uint64_t value)
{
	return VMX_RESULT("vmwrite %3, %2", "r"(field), "rm"(value));
}

static inline enum vmx_result vmx_vmread(uint64_t field, uint64_t *value)
{
	uint8_t cf, zf;
	uint64_t v;

	__asm__ volatile("vmread %3, %0\n\tsetc %1\n\tsetz %2"
			 : "=rm"(v), "=qm"(cf), "=qm"(zf)
			 : "r"(field)
			 : "cc");
	*value = v;
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

/* INVEPT / INVVPID types [SDM 3C 31 INVEPT, INVVPID]. */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT    2
#define INVVPID_SINGLE_CONTEXT 1

static inline enum vmx_result invept(uint64_t type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } desc = { eptp, 0 };

	return VMX_RESULT("invept %2, %3", "m"(desc), "r"(type));
}

static inline enum vmx_result invvpid(uint64_t type, uint16_t vpid)
{
	struct { uint64_t vpid, gla; } desc = { vpid, 0 };

	return VMX_RESULT("invvpid %2, %3", "m"(desc), "r"(type));
}

#endif
