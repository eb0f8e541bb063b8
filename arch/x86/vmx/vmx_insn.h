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

#endif
