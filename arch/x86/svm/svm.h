/* Internal interface of the AMD-V backend (arch/x86/svm/). Nothing
 * outside this directory includes it: vmm/ sees only vmm/virt.h. */
#ifndef ARCH_X86_SVM_SVM_H
#define ARCH_X86_SVM_SVM_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "arch/x86/svm/vmcb.h"
#include "arch/x86/vcpu_state.h"
#include "mm/page_alloc.h"
#include "vmm/virt.h"

/* MSRs [APM 2 15.30]. */
#define MSR_VM_CR               0xc0010114
#define   VM_CR_LOCK            (1ull << 3)
#define   VM_CR_SVMDIS          (1ull << 4)
#define MSR_VM_HSAVE_PA         0xc0010117
#define EFER_SVME               (1ull << 12)

/* What this CPU's SVM offers (CPUID 8000_000A) and what we set up once
 * in svm_start: the shared I/O and MSR permission maps, every bit set,
 * so every port access and every MSR access exits. */
struct svm_config {
	uint32_t nasid;                 /* ASIDs, 0 (the host's) included */
	bool     nrips;                 /* NRIP save: next_rip is written */
	bool     flush_by_asid;         /* TLB_CONTROL 3 works */
	bool     decode_assists;
	uint64_t iopm_pa;               /* 12 KiB */
	uint64_t msrpm_pa;              /* 8 KiB */
	uint64_t host_area_pa;          /* VMSAVE/VMLOAD of the host's state */
};
extern struct svm_config svm_cfg;

struct vcpu {
	uint64_t          vmcb_pa;      /* = the VMCB's address (identity map) */
	struct vmcb      *vmcb;
	struct npt       *npt;          /* synced before every entry */
	uint64_t          next_rip;     /* after the exiting instruction, */
	bool              next_rip_known;       /* ... when this is set */
	struct guest_regs regs;         /* RAX lives in the VMCB while it runs */
	struct vcpu_state state;        /* what the VMCB leaves out (vcpu_state.h) */
};

/* svm_caps.c: detect and report; fills svm_cfg's CPUID part. */
bool svm_probe(void);

/* svm_exit.c: the exit that just happened, in vendor-neutral terms. */
void svm_exit_decode(struct vcpu *v, struct vm_exit *e);

/* svm_cr0.c, svm_cr4.c: emulate the write to CR0 (MOV, CLTS) or CR4
 * (MOV) that just exited; false when the guest may not write that value
 * or the instruction cannot be read or is not emulated: the VM is then
 * stopped like any unexpected exit. */
bool svm_cr0_write(struct vcpu *v);
bool svm_cr4_write(struct vcpu *v);
/* svm_vcpu.c: the exit just decoded, if it is a CR0 or CR4 write,
 * emulated by the above: true when the guest may resume. */
bool svm_cr_write_emulated(struct vcpu *v);

/* svm_guest_insn.c: the exiting instruction's bytes, from guest memory
 * at its RIP through the guest's page tables and the nested table: up
 * to 'n', fewer where a page is not mapped. */
unsigned svm_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n);
/* Decode [REX] 0F 22 /r with reg (and REX.R) = 'cr' from 'n' bytes: its
 * length and the source register (0 = RAX ... 15 = R15), or -1. */
int svm_decode_mov_to_cr(const uint8_t *b, unsigned n, unsigned cr,
			 unsigned *gpr);
/* The exiting MOV to 'cr': the value it writes and the RIP after it,
 * from decode assists when the CPU has them, else from its bytes.
 * False when the instruction is not such a MOV or cannot be read. */
bool svm_mov_to_cr_source(struct vcpu *v, unsigned cr, uint64_t *val,
			  uint64_t *next);
/* General register 'gpr' of the guest (RSP lives in the VMCB). */
uint64_t *svm_gpr(struct vcpu *v, unsigned gpr);

/* svm_npt.c */
uint64_t svm_npt_root(const struct npt *npt);
/* The TLB_CONTROL the next VMRUN on this table must carry; consumes the
 * flush it reports. */
uint8_t svm_npt_take_flush(struct npt *npt);

struct npt *svm_npt_create(struct page_alloc *pa);
void svm_npt_destroy(struct npt *npt);

/* svm_start.c; with the rest, gathered in svm_virt_ops (svm_ops.c). */
bool svm_virt_probe(struct page_alloc *pa);
bool svm_virt_start(struct page_alloc *pa);

/* svm_vcpu.c */
struct vcpu *svm_vcpu_create(struct page_alloc *pa, struct npt *npt,
			     uint16_t id, const struct vcpu_entry *entry);
void svm_vcpu_destroy(struct vcpu *v, struct page_alloc *pa);
void svm_vcpu_run(struct vcpu *v, uint64_t budget, struct vm_exit *e);
struct guest_regs *svm_vcpu_regs(struct vcpu *v);
void svm_vcpu_skip_insn(struct vcpu *v);
void svm_vcpu_advance_rip(struct vcpu *v, unsigned len);
bool svm_vcpu_event_pending(struct vcpu *v);
uint8_t svm_vcpu_cpl(struct vcpu *v);
bool svm_vcpu_can_take_irq(struct vcpu *v);
void svm_vcpu_inject_irq(struct vcpu *v, uint8_t vector);
void svm_vcpu_inject_exception(struct vcpu *v, uint8_t vector,
			       bool has_error, uint32_t error);
void svm_vcpu_want_irq_window(struct vcpu *v, bool on);
uint64_t svm_vcpu_msr_get(struct vcpu *v, enum vcpu_msr m);
void svm_vcpu_msr_set(struct vcpu *v, enum vcpu_msr m, uint64_t val);

/* svm_entry.asm: VMLOAD, VMRUN, VMSAVE around the guest's general
 * registers (RAX excepted), host hidden state saved and restored in
 * 'host_pa' [APM 2 15.5, 15.6]. */
void svm_enter(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_pa);

#endif
