/* A virtual CPU on VT-x: one VMCS, set up for a 64-bit guest that starts
 * in the documented entry state, and the calls that run it and deliver
 * events into it. */
#include "arch/x86/arch.h"
#include "arch/x86/guest_walk.h"
#include "arch/x86/msr.h"
#include "arch/x86/segment.h"
#include "arch/x86/vcpu_state.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "lib/console.h"
#include "lib/string.h"

/* Segment access rights in the VMCS format [SDM 3C 25.4.1, Table 25-2]. */
#define AR_CODE64       0xa09b  /* execute/read, accessed, S, P, L, G */
#define AR_DATA         0xc093  /* read/write, accessed, S, P, D/B, G */
#define AR_TSS_BUSY     0x008b  /* 64-bit busy TSS, P */
#define AR_UNUSABLE     0x10000

/* CR4 bits a guest may set and clear itself; writes to any other bit
 * exit (and, being unexpected, stop the VM). OSXSAVE stays ours: only
 * x87/SSE state is switched between guests, so AVX state must not
 * exist in them. */
#define CR4_GUEST_OWNED (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | \
			 CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

/* What the VMCS does not hold, switched by vcpu_state.c: its guest-state
 * area has DR7 but not DR0-DR3 or DR6, and of the MSRs DEBUGCTL,
 * SYSENTER_*, EFER, PAT and a few others but none of SYSCALL's, with FS
 * and GS base beside the segments; CR2 is not there either [SDM 3C
 * 25.4.1, 25.4.2]. So
 * KERNEL_GS_BASE (which SWAPGS reaches without a WRMSR), STAR, LSTAR,
 * CSTAR, FMASK, CR2, DR0-DR3 and DR6 are the previous guest's unless
 * moved by hand. MOV DR is not intercepted: switching costs a few moves
 * per change of VM, where exiting on it would cost an exit per use and
 * a guest's breakpoints would still have to be loaded for it to run
 * (docs/security.md, "MOV DR: switched, not intercepted"). */
#define VMX_SWITCHED (VS_FPU | VS_DR0_3 | VS_DR6 | VS_CR2 | VS_SYSCALL_MSRS)

static struct vcpu *current_vcpu;

void vmx_vcpu_load(struct vcpu *v)
{
	if (current_vcpu == v)
		return;
	vmcs_load_checked(v->vmcs);
	current_vcpu = v;
}

static void setup_controls(struct vcpu *v, struct npt *npt)
{
	v->proc = vmx_cfg.proc;
	vmcs_write32(VMCS_PIN_BASED_CTLS, vmx_cfg.pin);
	vmcs_write32(VMCS_PROC_BASED_CTLS, v->proc);
	vmcs_write32(VMCS_PROC_BASED_CTLS2, vmx_cfg.proc2);
	vmcs_write32(VMCS_EXIT_CTLS, vmx_cfg.exit);
	vmcs_write32(VMCS_ENTRY_CTLS, vmx_cfg.entry);
	vmcs_write32(VMCS_EXCEPTION_BITMAP, 0);     /* the guest's own business */
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write16(VMCS_VPID, v->vpid);
	vmcs_write64(VMCS_EPT_POINTER, vmx_npt_eptp(npt));
	/* The TPR shadow: MOV to and from CR8 use VTPR, byte 0x80 of this
	 * vCPU's own zeroed page, and never the local APIC. Threshold 0:
	 * no TPR-below-threshold exit, ever [SDM 3C 30.3, 27.2.1.1]. */
	vmcs_write64(VMCS_VIRTUAL_APIC_PAGE_ADDR, v->vapic);
	vmcs_write32(VMCS_TPR_THRESHOLD, 0);

	/* The guest may not clear the CR0/CR4 bits VMX operation needs:
	 * owning them makes such a write exit [SDM 3C 25.6.6]. It reads
	 * CR4.VMXE as 0 through the shadow. */
	vmcs_writel(VMCS_CR0_GUEST_HOST_MASK,
		    vmx_cfg.cr0_fixed0 | CR0_CD | CR0_NW);
	vmcs_writel(VMCS_CR4_GUEST_HOST_MASK, ~CR4_GUEST_OWNED);
}

/* Host state: what the CPU loads on every VM exit [SDM 3C 25.5, 29.5]. */
static void setup_host(void)
{
	struct desc_ptr gdt = sgdt(), idt = sidt();

	vmcs_writel(VMCS_HOST_CR0, read_cr0());
	vmcs_writel(VMCS_HOST_CR3, read_cr3());
	vmcs_writel(VMCS_HOST_CR4, read_cr4());
	vmcs_write16(VMCS_HOST_CS_SEL, SEL_CODE64);
	vmcs_write16(VMCS_HOST_SS_SEL, SEL_DATA);
	vmcs_write16(VMCS_HOST_DS_SEL, SEL_DATA);
	vmcs_write16(VMCS_HOST_ES_SEL, SEL_DATA);
	vmcs_write16(VMCS_HOST_FS_SEL, SEL_DATA);
	vmcs_write16(VMCS_HOST_GS_SEL, SEL_DATA);
	vmcs_write16(VMCS_HOST_TR_SEL, SEL_TSS);
	vmcs_writel(VMCS_HOST_FS_BASE, 0);
	vmcs_writel(VMCS_HOST_GS_BASE, 0);
	vmcs_writel(VMCS_HOST_TR_BASE, gdt_tss_base());
	vmcs_writel(VMCS_HOST_GDTR_BASE, gdt.base);
	vmcs_writel(VMCS_HOST_IDTR_BASE, idt.base);
	vmcs_write32(VMCS_HOST_SYSENTER_CS, 0);
	vmcs_writel(VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_writel(VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmcs_writel(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit);
	/* HOST_RSP is written by vmx_enter on every entry. */
}

#define GUEST_SEG(seg, sel, ar)                                         \
	do {                                                            \
		vmcs_write16(VMCS_GUEST_##seg##_SEL, sel);              \
		vmcs_writel(VMCS_GUEST_##seg##_BASE, 0);                \
		vmcs_write32(VMCS_GUEST_##seg##_LIMIT, 0xffffffff);     \
		vmcs_write32(VMCS_GUEST_##seg##_AR, ar);                \
	} while (0)

/* Guest state: the documented 64-bit entry state [SDM 3C 25.4, and the
 * checks of 27.3.1 it must pass]. */
static void setup_guest(const struct vcpu_entry *e)
{
	uint64_t cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	uint64_t cr4 = CR4_PAE;

	vmcs_writel(VMCS_GUEST_CR0, cr0 | vmx_cfg.cr0_fixed0);
	vmcs_writel(VMCS_CR0_READ_SHADOW, cr0);
	vmcs_writel(VMCS_GUEST_CR3, e->cr3);
	vmcs_writel(VMCS_GUEST_CR4, cr4 | vmx_cfg.cr4_fixed0);
	vmcs_writel(VMCS_CR4_READ_SHADOW, cr4);
	vmcs_writel(VMCS_GUEST_DR7, 0x400);
	vmcs_write64(VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA);
	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);

	GUEST_SEG(CS, e->code_sel, AR_CODE64);
	GUEST_SEG(SS, e->data_sel, AR_DATA);
	GUEST_SEG(DS, e->data_sel, AR_DATA);
	GUEST_SEG(ES, e->data_sel, AR_DATA);
	GUEST_SEG(FS, e->data_sel, AR_DATA);
	GUEST_SEG(GS, e->data_sel, AR_DATA);
	GUEST_SEG(LDTR, 0, AR_UNUSABLE);
	/* No TSS in the guest's GDT, but the CPU insists on a usable busy
	 * TSS in TR [SDM 3C 27.3.1.2]; the guest never loads it. */
	GUEST_SEG(TR, 0, AR_TSS_BUSY);
	vmcs_write32(VMCS_GUEST_TR_LIMIT, 0x67);

	vmcs_writel(VMCS_GUEST_GDTR_BASE, e->gdt_base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, e->gdt_limit);
	vmcs_writel(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0);

	vmcs_writel(VMCS_GUEST_RIP, e->rip);
	vmcs_writel(VMCS_GUEST_RSP, e->rsp);
	vmcs_writel(VMCS_GUEST_RFLAGS, 0x2);    /* bit 1 is always set */
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);
	vmcs_writel(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_writel(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_writel(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_VMCS_LINK_POINTER, ~0ull);
}

struct vcpu *vmx_vcpu_create(struct page_alloc *pa, struct npt *npt,
			 uint16_t id, const struct vcpu_entry *entry)
{
	uint64_t page = page_alloc(pa, 1, PAGE_SIZE);
	uint64_t vmcs = page_alloc(pa, 1, PAGE_SIZE);
	uint64_t vapic = page_alloc(pa, 1, PAGE_SIZE);
	struct vcpu *v = (struct vcpu *)(uintptr_t)page;
	enum vmx_result r;

	if (!page || !vmcs || !vapic) {
		if (page)
			page_free(pa, page, 1);
		if (vmcs)
			page_free(pa, vmcs, 1);
		if (vapic)
			page_free(pa, vapic, 1);
		return NULL;
	}
	v->vmcs = vmcs;
	v->vapic = vapic;
	v->npt = npt;
	v->vpid = id + 1;               /* VPID 0 is the host's */
	v->regs.rdi = entry->rdi;
	v->regs.rsi = entry->rsi;
	vcpu_state_init(&v->state);
	/* A VMCS region starts with the revision identifier and must be
	 * cleared before first use [SDM 3C 25.2, 25.11.3]. */
	*(volatile uint32_t *)(uintptr_t)vmcs = vmx_cfg.revision;
	r = vmclear(vmcs);
	if (r != VMX_OK)
		panic("VMCLEAR 0x%lx failed: %s", (unsigned long)vmcs,
		      vmx_result_name(r));
	vmx_vcpu_load(v);
	setup_controls(v, npt);
	setup_host();
	setup_guest(entry);
	return v;
}

void vmx_vcpu_destroy(struct vcpu *v, struct page_alloc *pa)
{
	if (current_vcpu == v)
		current_vcpu = NULL;
	vcpu_state_forget(&v->state);
	vmclear(v->vmcs);
	page_free(pa, v->vmcs, 1);
	page_free(pa, v->vapic, 1);
	page_free(pa, (uint64_t)(uintptr_t)v, 1);
}

void vmx_vcpu_run(struct vcpu *v, uint64_t budget, struct vm_exit *e)
{
	uint64_t ticks = budget >> vmx_cfg.preempt_shift;
	int rc;

	vmx_vcpu_load(v);
	npt_sync(v->npt);               /* no entry on a stale translation */
	vcpu_state_load(&v->state, VMX_SWITCHED);
	vmcs_write32(VMCS_PREEMPTION_TIMER, ticks > 0xffffffffu ? 0xffffffffu :
		     (uint32_t)ticks);
	rc = vmx_enter(&v->regs, v->launched);
	if (rc) {
		/* VMLAUNCH/VMRESUME itself failed: the VM-instruction error
		 * says why [SDM 3C 31.4] (7: bad control fields, 8: bad host
		 * state). */
		uint64_t err = 0;

		if (rc == 2)
			vmx_vmread(VMCS_VM_INSN_ERROR, &err);
		memset(e, 0, sizeof(*e));
		e->kind = EXIT_ENTRY_FAILED;
		e->raw = (uint32_t)err;
		LOG("vmx", "%s failed: %s, VM-instruction error %lu",
		    v->launched ? "VMRESUME" : "VMLAUNCH",
		    rc == 2 ? "VMfailValid" : "VMfailInvalid",
		    (unsigned long)err);
		return;
	}
	v->launched = true;
	vmx_exit_decode(v, e);
	/* The exit acknowledged a host interrupt: run its handler now, as
	 * vmm/virt.h promises for EXIT_EXT_INTR. */
	if (e->kind == EXIT_EXT_INTR)
		irq_dispatch(e->vector);
	/* A host NMI exited: NMIs stay blocked until the next IRET [SDM 3C
	 * 28.1]. Run the host's NMI handler through its own IDT gate, whose
	 * IRET unblocks them. */
	if (e->kind == EXIT_NMI)
		cpu_int_nmi();
}

struct guest_regs *vmx_vcpu_regs(struct vcpu *v)
{
	return &v->regs;
}

void vmx_vcpu_skip_insn(struct vcpu *v)
{
	vmx_vcpu_load(v);
	vmx_vcpu_advance_rip(v, vmcs_read32(VMCS_EXIT_INSN_LEN));
}

unsigned vmx_vcpu_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n)
{
	vmx_vcpu_load(v);
	return guest_fetch(v->npt, vmcs_readl(VMCS_GUEST_CR3),
			   vmcs_readl(VMCS_GUEST_RIP), b, n);
}

void vmx_vcpu_advance_rip(struct vcpu *v, unsigned len)
{
	uint32_t intr;

	vmx_vcpu_load(v);
	vmcs_writel(VMCS_GUEST_RIP, vmcs_readl(VMCS_GUEST_RIP) + len);
	/* The skipped instruction ends any STI or MOV SS shadow. */
	intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	if (intr & (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS))
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
			     intr & ~(INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS));
}

bool vmx_vcpu_event_pending(struct vcpu *v)
{
	vmx_vcpu_load(v);
	return vmcs_read32(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID;
}

/* The CPL is SS.DPL, access-rights bits 6:5 [SDM 3C 25.4.1]. */
uint8_t vmx_vcpu_cpl(struct vcpu *v)
{
	vmx_vcpu_load(v);
	return (uint8_t)((vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3);
}

/* An external interrupt can be injected when RFLAGS.IF is set and no STI
 * or MOV SS shadow blocks it [SDM 3C 27.3.1.5]. */
bool vmx_vcpu_can_take_irq(struct vcpu *v)
{
	vmx_vcpu_load(v);
	return (vmcs_readl(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	       !(vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) &
		 (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS)) &&
	       !vmx_vcpu_event_pending(v);
}

void vmx_vcpu_inject_irq(struct vcpu *v, uint8_t vector)
{
	vmx_vcpu_load(v);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID |
		     INTR_TYPE_EXT_INTR << INTR_INFO_TYPE_SHIFT | vector);
}

void vmx_vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			   uint32_t error)
{
	vmx_vcpu_load(v);
	if (has_error)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR, error);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, INTR_INFO_VALID |
		     INTR_TYPE_HW_EXCEPTION << INTR_INFO_TYPE_SHIFT |
		     (has_error ? INTR_INFO_ERROR_VALID : 0) | vector);
}

void vmx_vcpu_want_irq_window(struct vcpu *v, bool on)
{
	uint32_t proc = on ? v->proc | PROC_INTR_WINDOW_EXITING :
			     v->proc & ~PROC_INTR_WINDOW_EXITING;

	if (proc == v->proc)
		return;
	vmx_vcpu_load(v);
	v->proc = proc;
	vmcs_write32(VMCS_PROC_BASED_CTLS, proc);
}

/* FS and GS base are VMCS fields; the others live where vcpu_state.c
 * switches them. */
static enum vs_msr vmx_switched_msr(enum vcpu_msr m)
{
	switch (m) {
	case VCPU_MSR_KERNEL_GS_BASE:   return VS_MSR_KERNEL_GS_BASE;
	case VCPU_MSR_STAR:             return VS_MSR_STAR;
	case VCPU_MSR_LSTAR:            return VS_MSR_LSTAR;
	case VCPU_MSR_CSTAR:            return VS_MSR_CSTAR;
	case VCPU_MSR_FMASK:            return VS_MSR_FMASK;
	default:
		panic("vmx: guest MSR %d is not switched", (int)m);
	}
}

uint64_t vmx_vcpu_msr_get(struct vcpu *v, enum vcpu_msr m)
{
	vmx_vcpu_load(v);
	if (m == VCPU_MSR_FS_BASE)
		return vmcs_readl(VMCS_GUEST_FS_BASE);
	if (m == VCPU_MSR_GS_BASE)
		return vmcs_readl(VMCS_GUEST_GS_BASE);
	if (m == VCPU_MSR_EFER)         /* loaded and saved with the VMCS */
		return vmcs_read64(VMCS_GUEST_IA32_EFER);
	return vcpu_state_msr(&v->state, vmx_switched_msr(m));
}

void vmx_vcpu_msr_set(struct vcpu *v, enum vcpu_msr m, uint64_t val)
{
	vmx_vcpu_load(v);
	if (m == VCPU_MSR_FS_BASE)
		vmcs_writel(VMCS_GUEST_FS_BASE, val);
	else if (m == VCPU_MSR_GS_BASE)
		vmcs_writel(VMCS_GUEST_GS_BASE, val);
	else if (m == VCPU_MSR_EFER)
		vmcs_write64(VMCS_GUEST_IA32_EFER, val);
	else
		vcpu_state_set_msr(&v->state, vmx_switched_msr(m), val);
}
