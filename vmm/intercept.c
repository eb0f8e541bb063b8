/* What a guest sees when it uses an instruction the hypervisor keeps
 * from it, the same on VT-x and AMD-V (docs/security.md, "Instructions
 * and intercepts"; docs/hypercalls.md, "Other exits"):
 *
 * - MONITOR, MWAIT: #UD, as on a CPU without them, which is what CPUID
 *   tells the guest (leaf 1 ECX[3] clear, vmm/cpuid.c) [SDM 2B MONITOR,
 *   MWAIT: #UD if CPUID.01H:ECX.MONITOR = 0]. Executed, MWAIT could put
 *   the CPU in a C-state where the VMX-preemption timer stops [SDM 3C
 *   26.5.1] and keep it from the other VMs.
 * - RDPMC: #GP(0), as for a counter that does not exist: CPUID shows no
 *   performance monitoring (leaf 0xA is zero) [SDM 2B RDPMC]. Executed,
 *   it reads the host's counters whatever CR4.PCE, which is the guest's.
 * - WBINVD (and WBNOINVD), INVD: stepped over. Guest RAM is write-back
 *   and coherent, and no device writes it but through the hypervisor's
 *   copies and flips, so no guest needs its caches written back; a
 *   guest that could run them would flush (or, with INVD, drop) the
 *   host's caches at will.
 * - VMCALL/VMMCALL at CPL 1-3: #UD, the answer of a CPU that has no
 *   hypervisor call; only the guest's kernel talks to the hypervisor.
 *
 * Each is counted for the VM and logged at the 1st, 2nd, 4th, 8th ...
 * time, so a loop stays visible without drowning the console. */
#include "arch/x86/arch.h"
#include "lib/console.h"
#include "vmm/intercept.h"

#define VEC_UD 6
#define VEC_GP 13

static const char *const insn_names[] = {
	[INSN_MONITOR] = "MONITOR",
	[INSN_MWAIT]   = "MWAIT",
	[INSN_RDPMC]   = "RDPMC",
	[INSN_WBINVD]  = "WBINVD",
	[INSN_INVD]    = "INVD",
};

static bool log_this(uint64_t n)
{
	return !(n & (n - 1));
}

void intercept_insn(struct vm *vm, const struct vm_exit *e)
{
	const char *name = (unsigned)e->insn < sizeof(insn_names) /
		sizeof(insn_names[0]) ? insn_names[e->insn] : "?";
	const char *what;
	uint64_t n;

	switch (e->insn) {
	case INSN_WBINVD:
	case INSN_INVD:
		vcpu_skip_insn(vm->vcpu);
		n = ++vm->stats.insn_nop;
		what = "stepped over";
		break;
	case INSN_RDPMC:
		vcpu_inject_exception(vm->vcpu, VEC_GP, true, 0);
		n = ++vm->stats.insn_refused;
		what = "refused with #GP(0)";
		break;
	case INSN_MONITOR:
	case INSN_MWAIT:
	default:
		vcpu_inject_exception(vm->vcpu, VEC_UD, false, 0);
		n = ++vm->stats.insn_refused;
		what = "refused with #UD";
		break;
	}
	if (log_this(n))
		LOG("vm", "%s: %s at RIP 0x%lx %s; %lu so far", vm->cfg->name,
		    name, (unsigned long)e->rip, what, (unsigned long)n);
}

void intercept_nmi(struct vm *vm)
{
	uint64_t n = ++vm->stats.host_nmis;

	if (log_this(n))
		LOG("nmi", "%s: a host NMI arrived while it ran; the host took "
		    "it (%lu for it, %lu in all)", vm->cfg->name,
		    (unsigned long)n, (unsigned long)nmi_count());
}

bool intercept_hypercall_allowed(struct vm *vm, const struct vm_exit *e)
{
	uint8_t cpl = vcpu_cpl(vm->vcpu);
	uint64_t n;

	if (cpl == 0)
		return true;
	vcpu_inject_exception(vm->vcpu, VEC_UD, false, 0);
	n = ++vm->stats.hypercall_user;
	if (log_this(n))
		LOG("hc", "%s: hypercall at CPL %u, RIP 0x%lx refused with #UD; "
		    "%lu so far", vm->cfg->name, cpl, (unsigned long)e->rip,
		    (unsigned long)n);
	return false;
}
