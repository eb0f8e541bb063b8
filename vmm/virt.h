/* The seam between the vmm core and a hardware virtualization backend.
 * arch/x86/vmx/ implements it for Intel VT-x with EPT, arch/x86/svm/ for
 * AMD-V with nested paging; arch/x86/virt_select.c picks one at boot and
 * forwards these calls to it. Nothing here names a VMCS or VMCB field,
 * an exit code or a page-table bit. */
#ifndef VMM_VIRT_H
#define VMM_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/page_alloc.h"

/* The most vCPUs a backend keeps bookkeeping for (one per VM). */
#define VIRT_MAX_VCPUS 16

struct vcpu;            /* backend-private: a VMCS and its bookkeeping */
struct npt;             /* backend-private: a nested page table (EPT or NPT) */

/* The guest's general registers that the hardware does not keep for us.
 * The backend's entry stub relies on this order. */
struct guest_regs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};

/* The 64-bit state a guest starts in (docs/hypercalls.md "Entry state"). */
struct vcpu_entry {
	uint64_t rip, rsp, rdi, rsi;
	uint64_t cr3;
	uint64_t gdt_base;
	uint16_t gdt_limit;
	uint16_t code_sel, data_sel;
};

/* Why the guest stopped running, in vendor-neutral terms. */
enum exit_kind {
	EXIT_CPUID,
	EXIT_HLT,
	EXIT_IO,
	EXIT_HYPERCALL,
	EXIT_MSR,               /* RDMSR or WRMSR */
	EXIT_NPT_VIOLATION,     /* guest-physical address not mapped or not allowed */
	EXIT_TRIPLE_FAULT,
	EXIT_EXT_INTR,          /* a host interrupt arrived; its handler has run */
	EXIT_TIMESLICE,         /* the time budget given to vcpu_run ran out */
	EXIT_IRQ_WINDOW,        /* the guest can now take an interrupt */
	EXIT_ENTRY_FAILED,      /* the guest state was refused at entry */
	EXIT_OTHER,             /* anything else: 'raw' names it */
	EXIT_NMI,               /* a host NMI arrived; the host's handler has run */
	EXIT_INSN,              /* an intercepted instruction: 'insn' names it */
};

/* The instructions both backends intercept so that vmm/ can refuse or
 * emulate them (vmm/intercept.c, docs/security.md). */
enum exit_insn {
	INSN_MONITOR,           /* MONITOR (and AMD's MONITORX) */
	INSN_MWAIT,             /* MWAIT (and MWAITX) */
	INSN_RDPMC,
	INSN_WBINVD,            /* WBINVD, WBNOINVD */
	INSN_INVD,
};

struct vm_exit {
	enum exit_kind kind;
	uint64_t       rip;
	uint32_t       raw;     /* the backend's own exit code, for logs */
	uint64_t       qual;    /* the backend's qualification, for logs */
	union {
		struct { uint16_t port; uint8_t size; bool in, string; } io;
		struct { uint64_t gpa; bool read, write, exec; } npt;
		struct { bool write; uint32_t msr; } msr;
		/* RFLAGS.IF: a HLT with it clear waits for an NMI, and the
		 * hypervisor sends none (vmm/exit.c: the VM has halted). */
		struct { bool irqs_on; } hlt;
		uint8_t vector;         /* EXIT_EXT_INTR, when the backend knows it */
		enum exit_insn insn;    /* EXIT_INSN */
	};
};

/* For the backends' decoders: an EXIT_INSN exit. */
static inline void vm_exit_insn(struct vm_exit *e, enum exit_insn insn)
{
	e->kind = EXIT_INSN;
	e->insn = insn;
}

/* --- the backend as a whole -------------------------------------------- */
/* Report what this CPU offers and choose the backend (VT-x, else AMD-V);
 * false, with a log line saying so, when it has neither in usable form. */
bool virt_probe(struct page_alloc *pa);
/* Turn virtualization on for this CPU; false (with a log line) if it
 * cannot be. */
bool virt_start(struct page_alloc *pa);
const char *virt_name(void);

/* --- nested page tables ------------------------------------------------ */
#define NPT_R 1u
#define NPT_W 2u
#define NPT_X 4u

struct npt *npt_create(struct page_alloc *pa);
void npt_destroy(struct npt *npt);
/* Each of these validates first and changes nothing when it fails
 * (negative result). A change that needs the hardware's cached
 * translations invalidated has been invalidated when the call returns. */
int npt_map(struct npt *npt, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm);
int npt_unmap(struct npt *npt, uint64_t gpa, uint64_t size);
int npt_protect(struct npt *npt, uint64_t gpa, uint64_t size, unsigned perm);
/* Like npt_unmap, but the invalidation waits for npt_sync(), so a batch
 * of unmaps costs one INVEPT (one ASID flush on AMD-V). A VM is never entered with one pending:
 * vcpu_run() syncs its table first. Callers must sync before they reuse
 * the frames they unmapped. */
int npt_unmap_deferred(struct npt *npt, uint64_t gpa, uint64_t size);
/* Build and keep the tables for [gpa, gpa + size), a range mapped and
 * unmapped all the time, so that costs no table allocation. */
int npt_keep_tables(struct npt *npt, uint64_t gpa, uint64_t size);
/* The receive window: keep the tables of 'slots' 4 KiB slots from
 * 'gpa' (in one 2 MiB block) and note their entries, once per table;
 * then map a slot read-only or unmap it (deferred, as above) by its
 * entry alone, with the checks and invalidations of npt_map and
 * npt_unmap_deferred. A slot past the window is refused. */
#define NPT_WINDOW_SPAN 0x200000ull     /* what one page table maps */
int npt_window_keep(struct npt *npt, uint64_t gpa, uint32_t slots);
int npt_window_map(struct npt *npt, uint32_t slot, uint64_t hpa,
		   unsigned perm);
int npt_window_unmap_deferred(struct npt *npt, uint32_t slot);
/* Run the invalidation a deferred unmap left due; true if one ran. */
bool npt_sync(struct npt *npt);
int npt_lookup(struct npt *npt, uint64_t gpa, uint64_t *hpa, unsigned *perm);
/* Every mapping, in rising GPA order, for invariant checks. */
void npt_for_each_leaf(struct npt *npt,
		       void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				  uint64_t size, unsigned perm),
		       void *arg);

/* --- virtual CPUs ------------------------------------------------------ */
struct vcpu *vcpu_create(struct page_alloc *pa, struct npt *npt,
			 uint16_t id, const struct vcpu_entry *entry);
void vcpu_destroy(struct vcpu *v, struct page_alloc *pa);

/* Run the guest until its next exit, or until 'budget' TSC ticks have
 * passed (then EXIT_TIMESLICE). */
void vcpu_run(struct vcpu *v, uint64_t budget, struct vm_exit *exit);

struct guest_regs *vcpu_regs(struct vcpu *v);
/* Step over the instruction that caused the last exit. */
void vcpu_skip_insn(struct vcpu *v);
/* For exits that carry no instruction length (a nested-paging fault):
 * up to 'n' bytes of the instruction at the guest's RIP, read through
 * its page tables and the nested table (fewer where one is not mapped),
 * and stepping over 'len' bytes once vmm/ has decoded it. */
unsigned vcpu_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n);
void vcpu_advance_rip(struct vcpu *v, unsigned len);

/* Interrupt delivery: whether the guest can take an external interrupt
 * right now; make one pending for the next entry; ask for an
 * EXIT_IRQ_WINDOW as soon as it can. */
bool vcpu_can_take_irq(struct vcpu *v);
void vcpu_inject_irq(struct vcpu *v, uint8_t vector);
void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			   uint32_t error);
void vcpu_want_irq_window(struct vcpu *v, bool on);
/* Whether an event is already queued for the next entry. */
bool vcpu_event_pending(struct vcpu *v);
/* The guest's current privilege level, 0..3, as of the last exit. */
uint8_t vcpu_cpl(struct vcpu *v);

/* The MSRs a guest reads and writes as its own (vmm/msr.c): each is held
 * per VM, in the VMCS or VMCB or switched by the backend, so no value
 * crosses from one VM to another or to the host. vmm/msr.c checks a
 * value before it is set; the backend takes it as it is. */
enum vcpu_msr {
	VCPU_MSR_FS_BASE,
	VCPU_MSR_GS_BASE,
	VCPU_MSR_KERNEL_GS_BASE,
	VCPU_MSR_STAR,
	VCPU_MSR_LSTAR,
	VCPU_MSR_CSTAR,
	VCPU_MSR_FMASK,
	VCPU_MSR_EFER,          /* as the guest sees it (no SVME) */
	VCPU_MSR_COUNT
};
uint64_t vcpu_msr_get(struct vcpu *v, enum vcpu_msr m);
void vcpu_msr_set(struct vcpu *v, enum vcpu_msr m, uint64_t val);

#endif
