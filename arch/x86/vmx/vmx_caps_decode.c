/* Deciding what VT-x can do from the raw capability MSRs [SDM 3C A].
 * Pure C, no MSR access: vmx_caps.c reads the values, the host unit
 * tests feed made-up ones. */
#include <stddef.h>

#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx_caps.h"

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
