/* The two backends under tests/fuzz/fuzz_exit.c. The harness says what
 * the guest did (a vendor-neutral scenario); each side writes that into
 * its VMCS or VMCB the way the CPU would [SDM 3C 28.2, Appendix C; APM 2
 * 15.7, Appendix C], runs its backend's own decoder, and reports what a
 * guest would see of its vCPU afterwards. The sides are separate files
 * because vmx.h and svm.h each define struct vcpu. */
#ifndef TESTS_FUZZ_EXIT_SIDE_H
#define TESTS_FUZZ_EXIT_SIDE_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/virt.h"

enum scn_kind {
	S_CPUID, S_HLT, S_IO, S_VMCALL, S_RDMSR, S_WRMSR, S_MONITOR, S_MWAIT,
	S_RDPMC, S_WBINVD, S_INVD, S_CR_WRITE, S_NPF, S_TRIPLE, S_EXT_INTR,
	S_NMI, S_IRQ_WINDOW, S_TIMER, S_ENTRY_FAIL,
	S_RAW,                  /* exit code and qualifications as the input says */
	S_COUNT
};

/* The interruption-information format VT-x's IDT-vectoring field and
 * AMD-V's EXITINTINFO share in their low 32 bits [SDM 3C 25.9.3, APM 2
 * 15.20]: vector 7:0, type 10:8, error code valid 11, valid 31. */
#define EV_VALID        (1u << 31)
#define EV_ERR          (1u << 11)
#define EV_TYPE(x)      (((x) >> 8) & 7)
#define EV_TYPE_HW_EXC  3u

struct scn {
	enum scn_kind kind;
	uint64_t rip, rsp, rflags;
	uint8_t  len;           /* the instruction's length; a side may fix it */
	uint8_t  cpl;
	bool     shadow;        /* STI or MOV SS blocking at the exit */
	bool     window;        /* an interrupt window was requested */
	uint16_t port;          /* S_IO */
	uint8_t  size;
	bool     in, string, rep;
	uint8_t  cr, gpr;       /* S_CR_WRITE: MOV to CRcr from GPR gpr */
	uint8_t  npf;           /* S_NPF: access bits r 0, w 1, x 2 */
	uint64_t gpa;
	uint32_t vectoring;     /* the event being delivered, or 0 */
	uint32_t vectoring_error;
	uint64_t raw, qual, info2;      /* S_RAW */
};

/* What a guest sees of its vCPU, the registers of vcpu_regs() aside. */
struct obs {
	uint64_t rip, rsp, cr0, cr4;
	uint32_t event;         /* what the next entry injects, format above */
	uint32_t event_error;
	bool     shadow;
	bool     window;
};

enum outcome {
	O_EMULATE,      /* done for the guest: RIP steps over it */
	O_FAULT,        /* the guest's own exception; nothing else changes */
	O_STOP,         /* the VM is stopped */
	O_NONE,         /* nothing for the guest: it resumes where it was */
	O_ANY,          /* a raw exit: only the general rules hold */
};

struct exit_side {
	const char *name;
	/* A fresh vCPU with the exit of 's' in its VMCS or VMCB; the
	 * guest's RAM and page tables from the input where it fetches an
	 * instruction. May fix s->len to what the CPU would report. */
	struct vcpu *(*setup)(struct scn *s, struct fz *z);
	/* The backend's decoder. */
	void (*decode)(struct vcpu *v, struct vm_exit *e);
	/* What its vcpu_run does after decoding, before it returns to vmm/:
	 * true when it handled the exit itself (AMD-V's CR0 and CR4 writes)
	 * and vmm/ never sees it. */
	bool (*handle)(struct vcpu *v);
	void (*observe)(struct vcpu *v, struct obs *o);
	/* Right after the decoder: the event it queued again for the next
	 * entry, and whatever else it changed by itself. */
	void (*check_decode)(struct vcpu *v, const struct scn *s);
	/* S_CR_WRITE on this backend: the outcome, the value written and
	 * the length stepped over (O_EMULATE), the exception (O_FAULT). */
	enum outcome (*cr_write)(struct vcpu *v, const struct scn *s,
				 uint64_t *val, uint8_t *len, uint8_t *vector);
};

extern const struct exit_side exit_vmx, exit_svm;
/* Which backend arch/x86/virt_select.c's virt_probe picks next. */
extern bool exit_want_svm;

#endif
