/* A virtual CPU on AMD-V: one VMCB, set up for a 64-bit guest that starts
 * in the documented entry state, and the calls that run it and deliver
 * events into it [APM 2 15.5 - 15.21]. */
#include "arch/x86/arch.h"
#include "arch/x86/msr.h"
#include "arch/x86/svm/svm.h"
#include "drivers/lapic.h"
#include "lib/console.h"
#include "lib/string.h"

/* The PAT's power-on value: what the guest would find [APM 2 7.8.2]. */
#define PAT_DEFAULT    0x0007040600070406ull

/* Everything a guest could use to reach the host or leave its box exits:
 * physical interrupts and NMIs (a host NMI must not go through the
 * guest's IDT), CPUID, HLT, every port (IOPM all ones), every MSR
 * (MSRPM all ones), the SVM instructions (VMRUN must be intercepted
 * [APM 2 15.5.1]), INVD and WBINVD (the host's caches), RDPMC (the
 * host's counters; CR4.PCE is the guest's), task switches, shutdown (a
 * triple fault), what CPUID hides from the guest (RDTSCP, MONITOR/MWAIT,
 * XSETBV), and writes to CR0 and CR4, of which a guest gets the bits
 * VT-x leaves it (svm_cr0.c, svm_cr4.c). Exceptions and the other CRs
 * are the guest's own business under nested paging. */
#define INTERCEPT3 (ICPT_INTR | ICPT_NMI | ICPT_INIT | ICPT_RDPMC | \
		    ICPT_CPUID | ICPT_RSM | ICPT_INVD | ICPT_HLT | \
		    ICPT_INVLPGA | ICPT_IOIO_PROT | ICPT_MSR_PROT | \
		    ICPT_TASK_SWITCH | ICPT_FERR_FREEZE | ICPT_SHUTDOWN)
#define INTERCEPT4 (ICPT_VMRUN | ICPT_VMMCALL | ICPT_VMLOAD | ICPT_VMSAVE | \
		    ICPT_STGI | ICPT_CLGI | ICPT_SKINIT | ICPT_RDTSCP | \
		    ICPT_WBINVD | ICPT_MONITOR | ICPT_MWAIT | \
		    ICPT_MWAIT_ARMED | ICPT_XSETBV)
/* CR write intercepts: bits 31:16 of the CR vector, one per CR. */
#define ICPT_CR_WRITE(n)  (1u << (16 + (n)))

/* What the VMCB and VMLOAD/VMSAVE do not switch: x87/SSE and DR0-DR3.
 * VMRUN and #VMEXIT swap CR2, DR6 and DR7 with the VMCB; VMLOAD and
 * VMSAVE (svm_entry.asm, on every entry) FS, GS, TR, LDTR with their
 * hidden state, KERNEL_GS_BASE, STAR, LSTAR, CSTAR, SFMASK and SYSENTER_*
 * [APM 2 15.5.1, 15.5.2, 15.6, Table B-2]. DR0-DR3 are in neither, and
 * are switched rather than intercepted as on VT-x (vmx_vcpu.c). */
#define SVM_SWITCHED (VS_FPU | VS_DR0_3)

/* Which vCPU's translations an ASID may still hold in the TLB. A VM gets
 * ASID 1 + id, wrapped when the CPU has fewer ASIDs than VMs (QEMU's TCG
 * has 16, ASID 0 included): then the ASID is flushed whenever it changes
 * hands. */
static struct vcpu *asid_owner[VIRT_MAX_VCPUS + 1];

static uint8_t flush_asid(void)
{
	return svm_cfg.flush_by_asid ? TLB_CONTROL_THIS_ASID : TLB_CONTROL_ALL;
}

static uint32_t asid_of(uint16_t id)
{
	return 1 + (uint32_t)id % (svm_cfg.nasid - 1);
}

static void setup_controls(struct vmcb *c, struct npt *npt, uint16_t id)
{
	/* CR0 and CR4 writes (svm_cr0.c, svm_cr4.c) */
	c->intercept_cr = ICPT_CR_WRITE(0) | ICPT_CR_WRITE(4);
	c->intercept_dr = 0;
	c->intercept_exc = 0;
	c->intercept3 = INTERCEPT3;
	c->intercept4 = INTERCEPT4;
	c->iopm_base_pa = svm_cfg.iopm_pa;
	c->msrpm_base_pa = svm_cfg.msrpm_pa;
	c->tsc_offset = 0;
	c->asid = asid_of(id);          /* ASID 0 is the host's */
	c->tlb_control = TLB_CONTROL_NONE;
	/* V_INTR_MASKING: the guest's RFLAGS.IF masks only virtual
	 * interrupts; physical ones still exit to us [APM 2 15.21.1]. */
	c->vintr = VINTR_MASKING;
	c->np_enable = NP_ENABLE;
	c->n_cr3 = svm_npt_root(npt);
	c->event_inj = 0;
	c->clean = 0;                   /* we never claim a field unchanged */
}

static void seg(struct vmcb_seg *s, uint16_t sel, uint16_t attr,
		uint32_t limit)
{
	s->sel = sel;
	s->attr = attr;
	s->limit = limit;
	s->base = 0;
}

/* Guest state: the documented 64-bit entry state, which must pass
 * VMRUN's consistency checks [APM 2 15.5.1]: EFER.SVME set, long mode
 * with paging and PAE, CS.L without CS.D. */
static void setup_guest(struct vmcb *c, const struct vcpu_entry *e)
{
	c->cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	c->cr3 = e->cr3;
	c->cr4 = CR4_PAE;
	c->efer = EFER_LME | EFER_LMA | EFER_SVME;
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	c->g_pat = PAT_DEFAULT;
	c->cpl = 0;

	seg(&c->cs, e->code_sel, SEG_ATTR_CODE64, 0xffffffff);
	seg(&c->ss, e->data_sel, SEG_ATTR_DATA, 0xffffffff);
	seg(&c->ds, e->data_sel, SEG_ATTR_DATA, 0xffffffff);
	seg(&c->es, e->data_sel, SEG_ATTR_DATA, 0xffffffff);
	seg(&c->fs, e->data_sel, SEG_ATTR_DATA, 0xffffffff);
	seg(&c->gs, e->data_sel, SEG_ATTR_DATA, 0xffffffff);
	seg(&c->ldtr, 0, 0, 0);
	/* No TSS in the guest's GDT; a busy 64-bit TSS in TR, as on VT-x.
	 * The guest never loads it. */
	seg(&c->tr, 0, SEG_ATTR_TSS_BUSY, 0x67);
	c->gdtr.base = e->gdt_base;
	c->gdtr.limit = e->gdt_limit;
	c->idtr.base = 0;
	c->idtr.limit = 0;

	c->rip = e->rip;
	c->rsp = e->rsp;
	c->rflags = 0x2;                /* bit 1 is always set */
	c->int_shadow = 0;
}

struct vcpu *svm_vcpu_create(struct page_alloc *pa, struct npt *npt,
			     uint16_t id, const struct vcpu_entry *entry)
{
	uint64_t page = page_alloc(pa, 1, PAGE_SIZE);
	uint64_t vmcb = page_alloc(pa, 1, PAGE_SIZE);
	struct vcpu *v = (struct vcpu *)(uintptr_t)page;

	if (!page || !vmcb) {
		if (page)
			page_free(pa, page, 1);
		if (vmcb)
			page_free(pa, vmcb, 1);
		return NULL;
	}
	v->vmcb_pa = vmcb;
	v->vmcb = (struct vmcb *)(uintptr_t)vmcb;
	v->npt = npt;
	v->regs.rdi = entry->rdi;
	v->regs.rsi = entry->rsi;
	vcpu_state_init(&v->state);
	setup_controls(v->vmcb, npt, id);
	setup_guest(v->vmcb, entry);
	return v;
}

void svm_vcpu_destroy(struct vcpu *v, struct page_alloc *pa)
{
	vcpu_state_forget(&v->state);
	if (asid_owner[v->vmcb->asid] == v)
		asid_owner[v->vmcb->asid] = NULL;
	page_free(pa, v->vmcb_pa, 1);
	page_free(pa, (uint64_t)(uintptr_t)v, 1);
}

/* A write to CR0 or CR4 that the guest may make, emulated: VT-x never
 * exits for one, so vmm/ never sees it. */
bool svm_cr_write_emulated(struct vcpu *v)
{
	switch (v->vmcb->exit_code) {
	case SVM_EXIT_CR0_WRITE:
		return svm_cr0_write(v);
	case SVM_EXIT_CR4_WRITE:
		return svm_cr4_write(v);
	default:
		return false;
	}
}

/* SVM has no preemption timer: the LAPIC timer, armed for the budget,
 * ends the entry with a physical-interrupt exit. A CR write the guest
 * may make is emulated here and the guest resumed. A host NMI that
 * exited has been taken by the host's IDT by the time svm_enter
 * returns: GIF held it pending until STGI [APM 2 15.17]. */
void svm_vcpu_run(struct vcpu *v, uint64_t budget, struct vm_exit *e)
{
	struct vmcb *c = v->vmcb;
	uint64_t deadline, now;

	npt_sync(v->npt);           /* no entry on a stale translation */
	c->tlb_control = svm_npt_take_flush(v->npt);
	if (asid_owner[c->asid] != v) {
		asid_owner[c->asid] = v;
		c->tlb_control = flush_asid();
	}
	vcpu_state_load(&v->state, SVM_SWITCHED);
	now = rdtsc();
	deadline = now + budget;
	for (;;) {
		c->rax = v->regs.rax;
		lapic_timer_oneshot(deadline - now);
		svm_enter(&v->regs, v->vmcb_pa, svm_cfg.host_area_pa);
		v->regs.rax = c->rax;
		c->tlb_control = TLB_CONTROL_NONE;
		svm_exit_decode(v, e);
		now = rdtsc();
		if (!svm_cr_write_emulated(v))
			break;
		/* Paging bits may have changed: drop the guest's TLB. */
		c->tlb_control = flush_asid();
		if (now >= deadline) {
			e->kind = EXIT_TIMESLICE;
			return;
		}
	}
	if (e->kind == EXIT_ENTRY_FAILED)
		LOG("svm", "VMRUN refused the VMCB at 0x%lx (exit code -1)",
		    (unsigned long)v->vmcb_pa);
	if (e->kind != EXIT_EXT_INTR)
		return;
	/* The interrupt is still pending in the LAPIC: let the host's IDT
	 * take it, one instruction with interrupts on [APM 2 15.21.1]. */
	cpu_irq_window();
	if (rdtsc() >= deadline)
		e->kind = EXIT_TIMESLICE;
}

struct guest_regs *svm_vcpu_regs(struct vcpu *v)
{
	return &v->regs;
}

/* The guest resumes at 'rip', past the instruction that exited. */
static void resume_at(struct vcpu *v, uint64_t rip)
{
	v->vmcb->rip = rip;
	v->next_rip = 0;
	v->next_rip_known = false;
	/* The skipped instruction ends any STI or MOV SS shadow. */
	v->vmcb->int_shadow &= ~INT_SHADOW;
}

void svm_vcpu_skip_insn(struct vcpu *v)
{
	/* vmm/ steps over only the exits that set next_rip (CPUID, HLT,
	 * I/O, VMMCALL): anything else is a bug of ours. */
	if (!v->next_rip_known)
		panic("svm: step over an instruction of unknown length at RIP "
		      "0x%lx", (unsigned long)v->vmcb->rip);
	resume_at(v, v->next_rip);
}

/* After a nested-paging fault whose instruction vmm/ decoded itself. */
void svm_vcpu_advance_rip(struct vcpu *v, unsigned len)
{
	resume_at(v, v->vmcb->rip + len);
}

bool svm_vcpu_event_pending(struct vcpu *v)
{
	return v->vmcb->event_inj & EVT_VALID;
}

uint8_t svm_vcpu_cpl(struct vcpu *v)
{
	return v->vmcb->cpl & 3;
}

/* An external interrupt can be taken when RFLAGS.IF is set and no STI or
 * MOV SS shadow blocks it [APM 2 15.21]. */
bool svm_vcpu_can_take_irq(struct vcpu *v)
{
	const struct vmcb *c = v->vmcb;

	return (c->rflags & RFLAGS_IF) && !(c->int_shadow & INT_SHADOW) &&
	       !svm_vcpu_event_pending(v);
}

void svm_vcpu_inject_irq(struct vcpu *v, uint8_t vector)
{
	v->vmcb->event_inj = EVT_VALID | EVT_TYPE_INTR | vector;
}

void svm_vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			       uint32_t error)
{
	v->vmcb->event_inj = EVT_VALID | EVT_TYPE_EXCEPTION | vector |
			     (has_error ? EVT_ERROR_VALID |
			      (uint64_t)error << EVT_ERROR_SHIFT : 0);
}

/* A virtual interrupt request (V_IRQ) that ignores the TPR, with the
 * VINTR intercept: the CPU exits as soon as the guest could take it,
 * before it is ever delivered [APM 2 15.21.4]. */
void svm_vcpu_want_irq_window(struct vcpu *v, bool on)
{
	struct vmcb *c = v->vmcb;

	if (on) {
		c->vintr |= VINTR_V_IRQ | VINTR_IGN_TPR |
			    0xfull << VINTR_PRIO_SHIFT;
		c->intercept3 |= ICPT_VINTR;
	} else {
		c->vintr &= ~(VINTR_V_IRQ | VINTR_IGN_TPR |
			      0xfull << VINTR_PRIO_SHIFT);
		c->intercept3 &= ~ICPT_VINTR;
	}
}

/* Every guest MSR of enum vcpu_msr is a VMCB field, which VMLOAD and
 * VMSAVE move on every entry and exit (svm_entry.asm). */
static uint64_t *svm_msr_slot(struct vmcb *c, enum vcpu_msr m)
{
	switch (m) {
	case VCPU_MSR_FS_BASE:          return &c->fs.base;
	case VCPU_MSR_GS_BASE:          return &c->gs.base;
	case VCPU_MSR_KERNEL_GS_BASE:   return &c->kernel_gs_base;
	case VCPU_MSR_STAR:             return &c->star;
	case VCPU_MSR_LSTAR:            return &c->lstar;
	case VCPU_MSR_CSTAR:            return &c->cstar;
	case VCPU_MSR_FMASK:            return &c->sfmask;
	default:
		panic("svm: no guest MSR %d", (int)m);
	}
}

/* EFER is the VMCB's too, but SVME is ours: VMRUN needs it set [APM 2
 * 15.5.1], and the guest, which sees no SVM in CPUID, reads it as 0. */
uint64_t svm_vcpu_msr_get(struct vcpu *v, enum vcpu_msr m)
{
	if (m == VCPU_MSR_EFER)
		return v->vmcb->efer & ~EFER_SVME;
	return *svm_msr_slot(v->vmcb, m);
}

void svm_vcpu_msr_set(struct vcpu *v, enum vcpu_msr m, uint64_t val)
{
	if (m == VCPU_MSR_EFER)
		v->vmcb->efer = val | EFER_SVME;
	else
		*svm_msr_slot(v->vmcb, m) = val;
}
