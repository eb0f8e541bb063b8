/* VT-x discovery: CPUID, IA32_FEATURE_CONTROL and the capability MSRs.
 * What the MSR values mean is decided in vmx_caps_decode.c. */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "lib/console.h"

#define CPUID_1_ECX_VMX           (1u << 5)

/* The bits that say which capability MSRs exist [SDM 3C A.1, A.3];
 * vmx_caps_decode.c has the ones that say what they allow. */

static void read_msrs(struct vmx_msrs *m)
{
	bool true_ctls;

	m->basic = rdmsr(MSR_IA32_VMX_BASIC);
	true_ctls = m->basic & BASIC_TRUE_CTLS;
	m->pinbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
					MSR_IA32_VMX_PINBASED_CTLS);
	m->procbased = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
					 MSR_IA32_VMX_PROCBASED_CTLS);
	m->misc = rdmsr(MSR_IA32_VMX_MISC);
	/* These two MSRs exist only when the controls they describe do
	 * [SDM 3C A.3.3, A.10]; reading them otherwise is a #GP. */
	m->procbased2 = ALLOWED1(m->procbased) & PROC_SECONDARY_CONTROLS ?
			rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	m->ept_vpid = ALLOWED1(m->procbased2) &
		      (PROC2_ENABLE_EPT | PROC2_ENABLE_VPID) ?
		      rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
}

/* VMXON needs IA32_FEATURE_CONTROL locked with VMX outside SMX enabled
 * [SDM 3C 24.7]. Firmware normally does that; OVMF under Bochs leaves the
 * MSR at 0 and unlocked, so we do it ourselves. Locked without the bit
 * means the firmware disabled VT-x, and only a firmware setting fixes it. */
static bool feature_control_enable(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	const uint64_t want = FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUT_SMX;

	if (!(fc & FEATURE_CONTROL_LOCK)) {
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc | want);
		LOG("vmx", "IA32_FEATURE_CONTROL 0x%lx: unlocked; set lock and "
		    "VMX outside SMX: now 0x%lx", (unsigned long)fc,
		    (unsigned long)rdmsr(MSR_IA32_FEATURE_CONTROL));
		return true;
	}
	if (!(fc & FEATURE_CONTROL_VMX_OUT_SMX)) {
		LOG("vmx", "IA32_FEATURE_CONTROL 0x%lx: locked with VMX disabled "
		    "(enable VT-x in the firmware setup)", (unsigned long)fc);
		return false;
	}
	LOG("vmx", "IA32_FEATURE_CONTROL 0x%lx: locked, VMX outside SMX "
	    "enabled", (unsigned long)fc);
	return true;
}

static void report_cap(const char *name, bool v)
{
	LOG("vmx", "%s: %s", name, v ? "yes" : "no");
}

bool vmx_probe(struct vmx_caps *c)
{
	bool vmx = cpuid(1, 0).ecx & CPUID_1_ECX_VMX;
	struct vmx_msrs m;
	const char *missing;

	LOG("vmx", "VMX present: %s", vmx ? "yes" : "no");
	if (!vmx)
		return false;
	if (!feature_control_enable())
		return false;

	read_msrs(&m);
	vmx_caps_decode(&m, c);
	report_cap("EPT", c->ept);
	report_cap("VPID", c->vpid);
	report_cap("unrestricted guest", c->unrestricted_guest);
	report_cap("preemption timer", c->preemption_timer);
	report_cap("INVEPT single-context", c->invept_single);
	report_cap("4-level EPT walk", c->ept_4level);
	report_cap("WB EPT memory type", c->ept_wb);

	missing = vmx_caps_missing(c);
	if (missing)
		LOG("vmx", "this VT-x lacks %s, which flipvisor needs", missing);
	return !missing;
}
