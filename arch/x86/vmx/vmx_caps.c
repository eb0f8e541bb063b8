/* VT-x discovery: CPUID, IA32_FEATURE_CONTROL and the capability MSRs. */
#include <stddef.h>

#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "lib/console.h"

#define CPUID_1_ECX_VMX           (1u << 5)

/* IA32_VMX_BASIC [SDM 3C A.1] */
#define BASIC_REVISION_MASK       0x7fffffffull
#define BASIC_TRUE_CTLS           (1ull << 55)

/* Allowed-1 settings are the high half of a control MSR [SDM 3C A.3]. */
#define ALLOWED1(msr)             ((uint32_t)((msr) >> 32))
#define PIN_PREEMPTION_TIMER      (1u << 6)
#define PROC_SECONDARY_CONTROLS   (1u << 31)
#define PROC2_ENABLE_EPT          (1u << 1)
#define PROC2_ENABLE_VPID         (1u << 5)
#define PROC2_UNRESTRICTED_GUEST  (1u << 7)

/* IA32_VMX_EPT_VPID_CAP [SDM 3C A.10] */
#define EPT_CAP_WALK_4            (1ull << 6)
#define EPT_CAP_WB                (1ull << 14)
#define EPT_CAP_INVEPT            (1ull << 20)
#define EPT_CAP_INVEPT_SINGLE     (1ull << 25)

void vmx_caps_decode(const struct vmx_msrs *m, struct vmx_caps *c)
{
	uint32_t proc2 = ALLOWED1(m->procbased) & PROC_SECONDARY_CONTROLS ?
			 ALLOWED1(m->procbased2) : 0;
	bool ept = proc2 & PROC2_ENABLE_EPT;

	c->revision = (uint32_t)(m->basic & BASIC_REVISION_MASK);
	c->ept = ept;
	c->vpid = proc2 & PROC2_ENABLE_VPID;
	/* Unrestricted guest needs EPT to be of any use [SDM 3C 26.6]. */
	c->unrestricted_guest = ept && (proc2 & PROC2_UNRESTRICTED_GUEST);
	c->preemption_timer = ALLOWED1(m->pinbased) & PIN_PREEMPTION_TIMER;
	c->invept_single = ept && (m->ept_vpid & EPT_CAP_INVEPT) &&
			   (m->ept_vpid & EPT_CAP_INVEPT_SINGLE);
	c->ept_4level = ept && (m->ept_vpid & EPT_CAP_WALK_4);
	c->ept_wb = ept && (m->ept_vpid & EPT_CAP_WB);
}

const char *vmx_caps_missing(const struct vmx_caps *c)
{
	if (!c->ept)                return "EPT";
	if (!c->vpid)               return "VPID";
	if (!c->unrestricted_guest) return "unrestricted guest";
	if (!c->preemption_timer)   return "preemption timer";
	if (!c->invept_single)      return "INVEPT single-context";
	if (!c->ept_4level)         return "4-level EPT walk";
	if (!c->ept_wb)             return "WB EPT memory type";
	return NULL;
}

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
