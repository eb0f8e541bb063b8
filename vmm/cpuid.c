/* CPUID as guests see it: the host's answers, with the hypervisor bit set,
 * a flipvisor leaf at 0x40000000, and every feature the hypervisor does
 * not virtualize hidden [SDM 2A CPUID; the 0x40000000 range is reserved
 * for hypervisors]. */
#include "arch/x86/cpu.h"
#include "lib/string.h"
#include "vmm/cpuid.h"

#define HV_LEAF_BASE    0x40000000u
#define HV_LEAF_MAX     0x40000001u

/* Leaf 1 ECX: keep the instruction-set bits; drop VMX/SMX, monitor,
 * power and debug features, x2APIC, TSC deadline, XSAVE/OSXSAVE (no
 * extended state is switched between guests), PCID (CR4.PCIDE is ours). */
#define L1_ECX_HIDE     ((1u << 3) | (1u << 4) | (1u << 5) | (1u << 6) |  \
			 (1u << 7) | (1u << 8) | (1u << 15) | (1u << 17) | \
			 (1u << 18) | (1u << 21) | (1u << 24) | (1u << 26) | \
			 (1u << 27) | (1u << 28))
#define L1_ECX_HV       (1u << 31)
/* Leaf 1 EDX: no machine-check, MTRR, PAT, APIC, debug store, ACPI
 * thermal or PBE: the MSRs behind them are refused. */
#define L1_EDX_HIDE     ((1u << 7) | (1u << 9) | (1u << 12) | (1u << 14) | \
			 (1u << 16) | (1u << 21) | (1u << 22) | (1u << 29) | \
			 (1u << 31))
/* Leaf 7.0 EBX: no FSGSBASE, SMEP or SMAP (their CR4 bits are not the
 * guest's: vmx_vcpu.c CR4_GUEST_OWNED, and Linux sets each it is
 * offered), no SGX, HLE/RTM, INVPCID, MPX, PT, AVX-512 (no XSAVE), no
 * IA32_TSC_ADJUST (bit 1: the MSR is refused; Linux reads it unguarded
 * where CPUID offers it, tsc_store_and_check_tsc_adjust). */
#define L7_EBX_HIDE     ((1u << 0) | (1u << 7) | (1u << 20) | \
			 (1u << 1) | (1u << 2) | (1u << 4) | (1u << 10) | (1u << 11) | \
			 (1u << 14) | (1u << 16) | (1u << 17) | (1u << 21) | \
			 (1u << 25) | (1u << 26) | (1u << 27) | (1u << 28) | \
			 (1u << 30) | (1u << 31))
/* Leaf 0x80000001: no SVM (ECX bit 2; nested virtualization is not
 * offered, as VMX is hidden in leaf 1), no MONITORX/MWAITX (ECX bit 29:
 * the MONITOR and MWAIT intercepts refuse them with #UD, as MONITOR),
 * no RDTSCP (EDX bit 27: not enabled in the guest). */
#define LX1_ECX_HIDE    ((1u << 2) | (1u << 29))
#define LX1_EDX_HIDE    (1u << 27)

/* Leaf 1 for a Linux VM: APIC (EDX 9), x2APIC (ECX 21), TSC deadline
 * (ECX 24), which its device model gives (vmm/dev/vlapic.c). Its
 * initial APIC ID (EBX 31:24) is 0, the one vCPU's, and it has one
 * logical processor (EBX 23:16, HTT EDX 28 clear) [SDM 2A CPUID]. */
#define L1_ECX_X2APIC   (1u << 21)
#define L1_ECX_TSC_DL   (1u << 24)
#define L1_EDX_APIC     (1u << 9)
#define L1_EDX_HTT      (1u << 28)
#define L1_EBX_TOPOLOGY 0xffff0000u

void cpuid_linux(uint32_t leaf, uint32_t out[4])
{
	if (leaf != 0x1)
		return;
	out[1] &= ~L1_EBX_TOPOLOGY;
	out[1] |= 1u << 16;
	out[2] |= L1_ECX_X2APIC | L1_ECX_TSC_DL;
	out[3] = (out[3] | L1_EDX_APIC) & ~L1_EDX_HTT;
}

void cpuid_guest(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	struct cpuid_regs r;

	if (leaf >= HV_LEAF_BASE && leaf < HV_LEAF_BASE + 0x100) {
		memset(out, 0, 4 * sizeof(uint32_t));
		if (leaf == HV_LEAF_BASE) {
			out[0] = HV_LEAF_MAX;
			/* "flipvisor" in EBX, ECX, EDX, NUL padded */
			memcpy(&out[1], "flipvisor\0\0\0", 12);
		}
		return;
	}

	r = cpuid(leaf, subleaf);
	switch (leaf) {
	case 0x1:
		r.ecx = (r.ecx & ~L1_ECX_HIDE) | L1_ECX_HV;
		r.edx &= ~L1_EDX_HIDE;
		break;
	case 0x5:       /* MONITOR/MWAIT */
	case 0x6:       /* thermal and power */
	case 0xa:       /* performance monitoring */
	case 0xd:       /* XSAVE state */
	case 0x12:      /* SGX */
	case 0x14:      /* processor trace */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case 0x7:
		if (subleaf == 0) {
			r.ebx &= ~L7_EBX_HIDE;
			r.ecx = 0;
			r.edx = 0;
		} else {
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		}
		break;
	case 0x80000001:
		r.ecx &= ~LX1_ECX_HIDE;
		r.edx &= ~LX1_EDX_HIDE;
		break;
	case 0x8000000a:        /* SVM features */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	}
	out[0] = r.eax;
	out[1] = r.ebx;
	out[2] = r.ecx;
	out[3] = r.edx;
}
