/* RDMSR and WRMSR from a guest. Every MSR access exits (VT-x runs
 * without an MSR bitmap, AMD-V with an all-ones permission map). The
 * MSRs a 64-bit kernel needs for SYSCALL, SWAPGS and its FS and GS bases
 * are emulated against the VM's own copy (vmm/virt.h, enum vcpu_msr);
 * a few read-only ones read a fixed value (fixed_msrs below); any other
 * MSR gets #GP(0), as one that does not exist would [SDM 2B RDMSR,
 * WRMSR], and is counted (and remembered for the VM's end message). A write is checked the way the CPU
 * checks it before anything changes, so a value the hardware would
 * refuse is the guest's #GP, never a fault in the hypervisor (which
 * loads these MSRs when it switches VMs) or a failed VM entry. */
#include "arch/x86/msr.h"
#include "vmm/cpuid.h"
#include "vmm/guest_msr.h"

#define VEC_GP          13
#define VA_BITS         48      /* 4-level paging: CR4.LA57 is never the guest's */
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EDX_NX    (1u << 20)   /* EFER.NXE may be set [SDM 2A CPUID] */

struct guest_msr {
	uint32_t      index;
	enum vcpu_msr m;
	bool          address;      /* must be canonical [SDM 2B WRMSR] */
	uint64_t      reserved;     /* bits a write must leave 0 */
};

static const struct guest_msr guest_msrs[] = {
	{ MSR_IA32_FS_BASE,        VCPU_MSR_FS_BASE,        true,  0 },
	{ MSR_IA32_GS_BASE,        VCPU_MSR_GS_BASE,        true,  0 },
	{ MSR_IA32_KERNEL_GS_BASE, VCPU_MSR_KERNEL_GS_BASE, true,  0 },
	{ MSR_IA32_STAR,           VCPU_MSR_STAR,           false, 0 },
	{ MSR_IA32_LSTAR,          VCPU_MSR_LSTAR,          true,  0 },
	{ MSR_IA32_CSTAR,          VCPU_MSR_CSTAR,          true,  0 },
	/* IA32_FMASK bits 63:32 are reserved [SDM 4 Table 2-2]. */
	{ MSR_IA32_FMASK,          VCPU_MSR_FMASK,          false,
	  0xffffffff00000000ull },
	/* Reserved: all but SCE, LME, LMA, NXE; efer_write_ok() does the
	 * rest. */
	{ MSR_IA32_EFER,           VCPU_MSR_EFER,           false,
	  ~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE) },
};

/* MSRs a guest reads but never changes: a read gives 'value', a write
 * of that same value is accepted and does nothing, any other write is
 * #GP(0).
 *
 * IA32_MISC_ENABLE: Linux reads it unguarded, before it has any
 * exception handler, on every Intel CPU of family 6 model >= 0xD or a
 * later family: verify_cpu (arch/x86/kernel/verify_cpu.S, called from
 * startup_64 in arch/x86/kernel/head_64.S) clears XD Bit Disable (bit
 * 34) there, and writes back only if it was set. A #GP on that RDMSR is
 * a triple fault (docs/linux.md, "Where the boot stops"). What a VM is
 * shown [SDM 4 Table 2-2, IA32_MISC_ENABLE]: fast strings on (REP
 * MOVS/STOS run on the host's CPU, which has them), no branch trace
 * store and no PEBS (no PMU is given, vmm/cpuid.c), XD not disabled,
 * CPUID not limited, MONITOR FSM and SpeedStep off (CPUID hides them).
 *
 * IA32_BIOS_SIGN_ID: software writes 0 to it, runs CPUID leaf 1 and
 * reads the loaded microcode update's signature in bits 63:32 [SDM 3A
 * 10.11.7.1 "Determining the Signature"; SDM 4 Table 2-2]; Linux does so
 * on every Intel CPU (intel_get_microcode_revision, arch/x86/kernel/
 * cpu/intel.c), unguarded. It reads 0: no update loaded (the VM cannot
 * load one: IA32_BIOS_UPDT_TRIG is refused). */
struct fixed_msr {
	uint32_t index;
	uint64_t value;
};

static const struct fixed_msr fixed_msrs[] = {
	{ MSR_IA32_BIOS_SIGN_ID, 0 },
	{ MSR_IA32_MISC_ENABLE, MISC_ENABLE_FAST_STRINGS |
	  MISC_ENABLE_BTS_UNAVAILABLE | MISC_ENABLE_PEBS_UNAVAILABLE },
};

static const struct fixed_msr *find_fixed(uint32_t index)
{
	for (unsigned i = 0; i < sizeof(fixed_msrs) / sizeof(fixed_msrs[0]); i++)
		if (fixed_msrs[i].index == index)
			return &fixed_msrs[i];
	return NULL;
}

static const struct guest_msr *find(uint32_t index)
{
	for (unsigned i = 0; i < sizeof(guest_msrs) / sizeof(guest_msrs[0]); i++)
		if (guest_msrs[i].index == index)
			return &guest_msrs[i];
	return NULL;
}

/* Bits 63:47 all equal [SDM 1 3.3.7.1]. */
static bool canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << (64 - VA_BITS)) >> (64 - VA_BITS)) == va;
}

/* A guest runs in long mode with paging from its first instruction
 * (docs/hypercalls.md, "Entry state") and never leaves it: changing LME
 * with CR0.PG set is #GP [SDM 3A 9.8.5; SDM 4 Table 2-2 IA32_EFER]; LMA
 * is the CPU's to set, so what is written there is ignored. NXE only
 * where CPUID offers NX, or the VM entry would fail on it. */
static bool efer_write_ok(struct vm *vm, uint64_t *val)
{
	uint64_t cur = vcpu_msr_get(vm->vcpu, VCPU_MSR_EFER);
	uint32_t id[4];

	cpuid_guest(CPUID_EXT_FEATURES, 0, id);
	if (((*val ^ cur) & EFER_LME) ||
	    ((*val & EFER_NXE) && !(id[3] & CPUID_EDX_NX)))
		return false;
	*val = (*val & ~EFER_LMA) | (cur & EFER_LMA);
	return true;
}

static bool write_ok(struct vm *vm, const struct guest_msr *g, uint64_t *val)
{
	if ((*val & g->reserved) || (g->address && !canonical(*val)))
		return false;
	return g->m != VCPU_MSR_EFER || efer_write_ok(vm, val);
}

void guest_msr_refuse(struct vm *vm, const struct vm_exit *e)
{
	vm->stats.msr_refused++;
	vm->msr_refused_last.msr = e->msr.msr;
	vm->msr_refused_last.write = e->msr.write;
	vm->msr_refused_last.rip = e->rip;
	vm->msr_refused_last.valid = true;
	vcpu_inject_exception(vm->vcpu, VEC_GP, true, 0);
}

/* RDMSR writes EDX:EAX and clears the upper halves [SDM 2B RDMSR]. */
static void read_done(struct guest_regs *r, uint64_t val)
{
	r->rax = val & 0xffffffffull;
	r->rdx = val >> 32;
}

void guest_msr_exit(struct vm *vm, const struct vm_exit *e)
{
	struct guest_regs *r = vcpu_regs(vm->vcpu);
	const struct guest_msr *g = find(e->msr.msr);
	const struct fixed_msr *f = g ? NULL : find_fixed(e->msr.msr);
	/* WRMSR takes EDX:EAX; the upper halves of RDX and RAX are ignored. */
	uint64_t val = (r->rdx & 0xffffffffull) << 32 | (r->rax & 0xffffffffull);

	if (f) {
		if (e->msr.write && val != f->value) {
			guest_msr_refuse(vm, e);
			return;
		}
		if (!e->msr.write)
			read_done(r, f->value);
		vcpu_skip_insn(vm->vcpu);
		return;
	}
	if (!g || (e->msr.write && !write_ok(vm, g, &val))) {
		guest_msr_refuse(vm, e);
		return;
	}
	if (e->msr.write)
		vcpu_msr_set(vm->vcpu, g->m, val);
	else
		read_done(r, vcpu_msr_get(vm->vcpu, g->m));
	vcpu_skip_insn(vm->vcpu);
}
