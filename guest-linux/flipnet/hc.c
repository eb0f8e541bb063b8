/* Finding flipvisor and calling it. The hypervisor announces itself at
 * CPUID leaf 0x40000000 (EBX, ECX, EDX = "flipvisor", NUL padded), the
 * range Intel and AMD leave to hypervisors [SDM 2A CPUID, "INPUT EAX =
 * 40000000H"; AMD APM 3, CPUID Fn4000_0000]. A hypercall is VMCALL on
 * Intel [SDM 3C 25.1.3] and VMMCALL on AMD [APM 2 15.14]; each is #UD
 * on the other vendor, so the vendor picks the instruction once. The
 * calling convention is the guest ABI's (vmm/hypercall_abi.h): number in
 * RAX, arguments in RDI and RSI, result in RAX, every other register
 * preserved. */
#include <linux/string.h>
#include <asm/processor.h>
#include <asm/cpufeature.h>
#include "flipnet.h"

#define FLIPVISOR_CPUID_LEAF 0x40000000u
static const char flipvisor_sig[12] = "flipvisor\0\0";

static bool use_vmmcall;

bool flipnet_hc_detect(void)
{
	u32 eax, sig[3];

	if (!boot_cpu_has(X86_FEATURE_HYPERVISOR))
		return false;
	cpuid(FLIPVISOR_CPUID_LEAF, &eax, &sig[0], &sig[1], &sig[2]);
	if (memcmp(sig, flipvisor_sig, sizeof(sig)))
		return false;
	use_vmmcall = boot_cpu_data.x86_vendor == X86_VENDOR_AMD ||
		      boot_cpu_data.x86_vendor == X86_VENDOR_HYGON;
	return true;
}

long flipnet_hc(unsigned long nr, unsigned long a0, unsigned long a1)
{
	long ret;

	if (use_vmmcall)
		asm volatile("vmmcall" : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1) : "memory");
	else
		asm volatile("vmcall" : "=a"(ret)
			     : "a"(nr), "D"(a0), "S"(a1) : "memory");
	return ret;
}
