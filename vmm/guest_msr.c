/* RDMSR and WRMSR from a guest. Every MSR access exits (VT-x runs
 * without an MSR bitmap, AMD-V with an all-ones permission map). The
 * MSRs a 64-bit kernel needs for SYSCALL, SWAPGS and its FS and GS bases
 * are emulated against the VM's own copy (vmm/virt.h, enum vcpu_msr);
 * any other MSR gets #GP(0), as one that does not exist would [SDM 2B
 * RDMSR, WRMSR], and is counted. A write is checked the way the CPU
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

void guest_msr_exit(struct vm *vm, const struct vm_exit *e)
{
	struct guest_regs *r = vcpu_regs(vm->vcpu);
	const struct guest_msr *g = find(e->msr.msr);
	/* WRMSR takes EDX:EAX; the upper halves of RDX and RAX are ignored. */
	uint64_t val = (r->rdx & 0xffffffffull) << 32 | (r->rax & 0xffffffffull);

	if (!g || (e->msr.write && !write_ok(vm, g, &val))) {
		vm->stats.msr_refused++;
		vcpu_inject_exception(vm->vcpu, VEC_GP, true, 0);
		return;
	}
	if (e->msr.write) {
		vcpu_msr_set(vm->vcpu, g->m, val);
	} else {
		/* RDMSR writes EDX:EAX and clears the upper halves. */
		val = vcpu_msr_get(vm->vcpu, g->m);
		r->rax = val & 0xffffffffull;
		r->rdx = val >> 32;
	}
	vcpu_skip_insn(vm->vcpu);
}
