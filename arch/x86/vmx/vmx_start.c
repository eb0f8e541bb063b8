/* Turning VT-x on for good: control values from the capability MSRs and
 * VMXON. Every control is derived from what the CPU allows, using the
 * TRUE_* MSRs when IA32_VMX_BASIC[55] says they exist [SDM 3C A.2, A.3]. */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "lib/console.h"


struct vmx_config vmx_cfg;

/* A control MSR says which bits must be 1 (low half) and which may be 1
 * (high half) [SDM 3C A.3]. Take the bits we want plus those that must be
 * set; fail, naming the bits, if something we need is not allowed. */
static bool adjust(const char *what, uint32_t msr, uint32_t want,
		   uint32_t *out)
{
	uint64_t v = rdmsr(msr);
	uint32_t must = ALLOWED0(v), may = ALLOWED1(v);

	*out = (want | must) & may;
	if ((*out & want) != want) {
		LOG("vmx", "%s controls: bits 0x%x are not allowed (allowed-1 "
		    "0x%x)", what, want & ~may, may);
		return false;
	}
	return true;
}

/* A control we set and clear per entry rather than once. */
static bool allowed(const char *what, uint32_t msr, uint32_t bit)
{
	if (ALLOWED1(rdmsr(msr)) & bit)
		return true;
	LOG("vmx", "%s controls: bit 0x%x is not allowed", what, bit);
	return false;
}

static bool compute_controls(void)
{
	uint64_t basic = rdmsr(MSR_IA32_VMX_BASIC);
	bool tru = basic & BASIC_TRUE_CTLS;
	struct vmx_config *c = &vmx_cfg;

	c->revision = (uint32_t)(basic & BASIC_REVISION_MASK);
	c->preempt_shift = rdmsr(MSR_IA32_VMX_MISC) & MISC_PREEMPT_SHIFT_MASK;
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);

	/* No MSR bitmap: every RDMSR/WRMSR exits, so a guest never reaches
	 * a host MSR. No I/O bitmap: every port access exits. The debug
	 * controls make DR7 and IA32_DEBUGCTL the guest's own: saved on
	 * exit, loaded on entry [SDM 3C 25.7.1, 25.8.1]; without them (the
	 * TRUE_* MSRs allow that) every exit's DR7 = 0x400 [SDM 3C 28.5.1]
	 * is what the guest gets back. A host NMI exits instead of going
	 * through the guest's IDT [SDM 3C 26.2]. The TPR shadow keeps CR8
	 * per vCPU, in its virtual-APIC page: without it a MOV to CR8
	 * writes the physical local APIC's TPR and can mask every host
	 * interrupt [SDM 3C 30.3]. MONITOR/MWAIT (CPUID hides them; a deep
	 * MWAIT would stop the preemption timer [SDM 3C 26.5.1]), RDPMC (the
	 * host's counters) and WBINVD (the host's caches) exit too; INVD
	 * always does [SDM 3C 26.1.2]. */
	return adjust("pin-based", tru ? MSR_IA32_VMX_TRUE_PINBASED_CTLS :
			  MSR_IA32_VMX_PINBASED_CTLS,
		      PIN_EXT_INTR_EXITING | PIN_NMI_EXITING |
		      PIN_PREEMPTION_TIMER, &c->pin) &&
	       adjust("processor-based", tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			  MSR_IA32_VMX_PROCBASED_CTLS,
		      PROC_HLT_EXITING | PROC_UNCOND_IO_EXITING |
		      PROC_USE_TPR_SHADOW | PROC_MWAIT_EXITING |
		      PROC_RDPMC_EXITING | PROC_MONITOR_EXITING |
		      PROC_SECONDARY_CONTROLS, &c->proc) &&
	       allowed("processor-based", tru ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS :
			   MSR_IA32_VMX_PROCBASED_CTLS, PROC_INTR_WINDOW_EXITING) &&
	       adjust("secondary", MSR_IA32_VMX_PROCBASED_CTLS2,
		      PROC2_ENABLE_EPT | PROC2_ENABLE_VPID |
		      PROC2_WBINVD_EXITING, &c->proc2) &&
	       adjust("VM-exit", tru ? MSR_IA32_VMX_TRUE_EXIT_CTLS :
			  MSR_IA32_VMX_EXIT_CTLS,
		      EXIT_SAVE_DEBUG_CONTROLS | EXIT_HOST_ADDR_SPACE_SIZE |
		      EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_IA32_EFER |
		      EXIT_LOAD_IA32_EFER, &c->exit) &&
	       adjust("VM-entry", tru ? MSR_IA32_VMX_TRUE_ENTRY_CTLS :
			  MSR_IA32_VMX_ENTRY_CTLS,
		      ENTRY_LOAD_DEBUG_CONTROLS | ENTRY_IA32E_MODE_GUEST |
		      ENTRY_LOAD_IA32_EFER, &c->entry);
}

bool vmx_virt_start(struct page_alloc *pa)
{
	uint64_t region;
	enum vmx_result r;

	if (!compute_controls())
		return false;
	r = vmx_root_enter(vmx_cfg.revision, pa, &region);
	if (r != VMX_OK) {
		LOG("vmx", "VMXON failed: %s", vmx_result_name(r));
		return false;
	}
	vcpu_state_host_init();
	LOG("vmx", "in VMX root operation: pin 0x%x proc 0x%x proc2 0x%x exit "
	    "0x%x entry 0x%x, preemption timer TSC>>%u",
	    vmx_cfg.pin, vmx_cfg.proc, vmx_cfg.proc2, vmx_cfg.exit,
	    vmx_cfg.entry, vmx_cfg.preempt_shift);
	return true;
}

/* VT-x is usable when it is present, enabled, has every capability
 * flipvisor needs, and VMXON/VMXOFF work once. */
bool vmx_virt_probe(struct page_alloc *pa)
{
	struct vmx_caps caps;

	return vmx_probe(&caps) && vmx_selftest_on_off(&caps, pa);
}
