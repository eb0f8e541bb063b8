/* Which hypercall instruction this CPU has: VMMCALL on AMD (and Hygon,
 * its licensee), VMCALL on Intel [APM 3 VMMCALL; SDM 2B VMCALL]. Asked
 * once, on the first hypercall, from CPUID leaf 0's vendor string
 * (EBX, EDX, ECX, little-endian). */
#include "guest-stub/hypercall.h"

#define VENDOR(b, d, c)  ((b) == ebx && (d) == edx && (c) == ecx)

enum hc_insn hc_insn;

void hc_insn_detect(void)
{
	uint32_t eax = 0, ebx, ecx, edx;

	__asm__ volatile("cpuid" : "+a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx));
	if (VENDOR(0x68747541, 0x69746e65, 0x444d4163) ||       /* AuthenticAMD */
	    VENDOR(0x6f677948, 0x6e65476e, 0x656e6975))         /* HygonGenuine */
		hc_insn = HC_INSN_VMMCALL;
	else
		hc_insn = HC_INSN_VMCALL;
}
