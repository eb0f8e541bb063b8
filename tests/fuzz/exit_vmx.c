/* The VT-x side of tests/fuzz/fuzz_exit.c (exit_side.h): a fake VMCS, a
 * table of field values that VMREAD and VMWRITE (vmcs_read_checked,
 * vmcs_write_checked) and VMPTRLD (vmcs_load_checked) reach in place of
 * arch/x86/vmx/vmcs.c, under the real vmx_exit.c and vmx_vcpu.c. The
 * exits are written as the CPU writes them [SDM 3C 28.2, Table 28-1 ff.,
 * Appendix C]. */
#include <string.h>

#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "tests/fuzz/exit_side.h"
#include "tests/fuzz/hv_fakes.h"

/* Basic exit reasons [SDM 3C Appendix C]. */
enum {
	R_EXC_NMI = 0, R_EXT_INTR = 1, R_TRIPLE = 2, R_INTR_WINDOW = 7,
	R_CPUID = 10, R_HLT = 12, R_INVD = 13, R_RDPMC = 15, R_VMCALL = 18,
	R_CR = 28, R_IO = 30, R_RDMSR = 31, R_WRMSR = 32,
	R_INVALID_GUEST = 33, R_MWAIT = 36, R_MONITOR = 39, R_EPT = 48,
	R_TIMER = 52, R_WBINVD = 54,
};
#define R_ENTRY_FAILURE (1u << 31)
#define SS_AR_DATA      0xc093u
#define FIELDS          0x8000u         /* every encoding is below */

static uint64_t vmcs[FIELDS];
static struct vcpu vcpu;

struct vmx_config vmx_cfg;

uint64_t vmcs_read_checked(enum vmcs_field f)
{
	FUZZ_CHECK((unsigned)f < FIELDS, "VMREAD of field %#x", f);
	return vmcs[f];
}

void vmcs_write_checked(enum vmcs_field f, uint64_t v)
{
	FUZZ_CHECK((unsigned)f < FIELDS, "VMWRITE of field %#x", f);
	vmcs[f] = v;
}

void vmcs_load_checked(uint64_t vmcs_pa)
{
	FUZZ_CHECK(vmcs_pa == vcpu.vmcs, "VMPTRLD of %#llx",
		   (unsigned long long)vmcs_pa);
}

static uint32_t reason_of(const struct scn *s)
{
	static const uint32_t r[S_COUNT] = {
		[S_CPUID] = R_CPUID, [S_HLT] = R_HLT, [S_IO] = R_IO,
		[S_VMCALL] = R_VMCALL, [S_RDMSR] = R_RDMSR,
		[S_WRMSR] = R_WRMSR, [S_MONITOR] = R_MONITOR,
		[S_MWAIT] = R_MWAIT, [S_RDPMC] = R_RDPMC,
		[S_WBINVD] = R_WBINVD, [S_INVD] = R_INVD, [S_CR_WRITE] = R_CR,
		[S_NPF] = R_EPT, [S_TRIPLE] = R_TRIPLE,
		[S_EXT_INTR] = R_EXT_INTR, [S_NMI] = R_EXC_NMI,
		[S_IRQ_WINDOW] = R_INTR_WINDOW, [S_TIMER] = R_TIMER,
		[S_ENTRY_FAIL] = R_ENTRY_FAILURE | R_INVALID_GUEST,
	};

	return s->kind == S_RAW ? (uint32_t)s->raw : r[s->kind];
}

static uint64_t qual_of(const struct scn *s)
{
	switch (s->kind) {
	case S_IO:      /* [SDM 3C Table 28-5] */
		return (uint64_t)(s->size - 1) | (uint64_t)s->in << 3 |
		       (uint64_t)s->string << 4 | (uint64_t)s->rep << 5 |
		       (uint64_t)s->port << 16;
	case S_CR_WRITE:        /* MOV to CR, [SDM 3C Table 28-3] */
		return (uint64_t)(s->cr & 15) | (uint64_t)(s->gpr & 15) << 8;
	case S_NPF:     /* [SDM 3C Table 28-7] */
		return s->npf & 7;
	case S_RAW:
		return s->qual;
	default:
		return 0;
	}
}

static struct vcpu *vmx_setup(struct scn *s, struct fz *z)
{
	memset(vmcs, 0, sizeof(vmcs));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.vmcs = 0x1000;
	vcpu.proc = s->window ? PROC_INTR_WINDOW_EXITING : 0;
	vmcs[VMCS_PROC_BASED_CTLS] = vcpu.proc;
	vmcs[VMCS_GUEST_RIP] = s->rip;
	vmcs[VMCS_GUEST_RSP] = s->rsp;
	vmcs[VMCS_GUEST_RFLAGS] = s->rflags;
	vmcs[VMCS_GUEST_INTERRUPTIBILITY] = s->shadow ?
		(fz_u8(z) & 1 ? INTERRUPTIBILITY_STI : INTERRUPTIBILITY_MOV_SS) : 0;
	vmcs[VMCS_GUEST_SS_AR] = SS_AR_DATA | (uint32_t)(s->cpl & 3) << 5;
	vmcs[VMCS_GUEST_CR0] = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	vmcs[VMCS_GUEST_CR4] = CR4_PAE | CR4_VMXE;
	vmcs[VMCS_GUEST_FS_BASE] = fz_u64(z);
	vmcs[VMCS_GUEST_GS_BASE] = fz_u64(z);
	for (unsigned m = 0; m < VS_MSRS; m++)
		vcpu.state.msr[m] = fz_u64(z);
	vmcs[VMCS_EXIT_REASON] = reason_of(s);
	vmcs[VMCS_EXIT_QUALIFICATION] = qual_of(s);
	vmcs[VMCS_EXIT_INSN_LEN] = s->kind == S_RAW ? (uint32_t)s->info2 : s->len;
	vmcs[VMCS_IDT_VECTORING_INFO] = s->vectoring;
	vmcs[VMCS_IDT_VECTORING_ERROR] = s->vectoring_error;
	vmcs[VMCS_GUEST_PHYS_ADDR] = s->gpa;
	if (s->kind == S_EXT_INTR)
		vmcs[VMCS_EXIT_INTR_INFO] = INTR_INFO_VALID | (s->gpa & 0xff);
	else if (s->kind == S_NMI)
		vmcs[VMCS_EXIT_INTR_INFO] = INTR_INFO_VALID |
			INTR_TYPE_NMI << INTR_INFO_TYPE_SHIFT | 2;
	else if (s->kind == S_RAW)
		vmcs[VMCS_EXIT_INTR_INFO] = (uint32_t)(s->info2 >> 32);
	/* A VM exit clears the valid bit of the VM-entry
	 * interruption-information field and leaves the rest [SDM 3C 28.2,
	 * "Updating VM-entry control fields"]: left-overs of the last entry. */
	vmcs[VMCS_ENTRY_INTR_INFO] = fz_u32(z) & ~INTR_INFO_VALID;
	vmcs[VMCS_ENTRY_EXCEPTION_ERROR] = fz_u32(z);
	return &vcpu;
}

/* vmx_vcpu_run handles nothing itself (a host interrupt's or NMI's
 * handler aside, which the host runs). */
static bool vmx_handle(struct vcpu *v)
{
	return false;
}

static void vmx_observe(struct vcpu *v, struct obs *o)
{
	FUZZ_CHECK(vmcs[VMCS_PROC_BASED_CTLS] == v->proc,
		   "primary controls %#llx, vcpu says %#x",
		   (unsigned long long)vmcs[VMCS_PROC_BASED_CTLS], v->proc);
	o->rip = vmcs[VMCS_GUEST_RIP];
	o->rsp = vmcs[VMCS_GUEST_RSP];
	o->cr0 = vmcs[VMCS_GUEST_CR0];
	o->cr4 = vmcs[VMCS_GUEST_CR4];
	o->event = (uint32_t)vmcs[VMCS_ENTRY_INTR_INFO];
	o->event_error = o->event & EV_ERR ?
		(uint32_t)vmcs[VMCS_ENTRY_EXCEPTION_ERROR] : 0;
	o->shadow = vmcs[VMCS_GUEST_INTERRUPTIBILITY] &
		    (INTERRUPTIBILITY_STI | INTERRUPTIBILITY_MOV_SS);
	o->window = v->proc & PROC_INTR_WINDOW_EXITING;
}

/* An event whose delivery the exit interrupted is delivered again: the
 * entry fields get it, bit 12 (undefined there) clear, with its error
 * code and the instruction length [SDM 3C 28.2.4, 29.2.1.3]. An entry
 * failure is not an exit from a running guest: nothing is queued. */
static void vmx_check_decode(struct vcpu *v, const struct scn *s)
{
	uint32_t want = s->vectoring & EV_VALID &&
			!(reason_of(s) & R_ENTRY_FAILURE) ?
			s->vectoring & ~(1u << 12) : 0;
	uint32_t got = (uint32_t)vmcs[VMCS_ENTRY_INTR_INFO];

	if (!(want & EV_VALID)) {
		FUZZ_CHECK(!(got & EV_VALID), "an event %#x queued from nothing",
			   got);
		return;
	}
	FUZZ_CHECK(got == want, "IDT-vectoring %#x re-injected as %#x",
		   s->vectoring, got);
	FUZZ_CHECK(vmcs[VMCS_ENTRY_INSN_LEN] == vmcs[VMCS_EXIT_INSN_LEN],
		   "re-injected with length %llu",
		   (unsigned long long)vmcs[VMCS_ENTRY_INSN_LEN]);
	if (want & EV_ERR)
		FUZZ_CHECK(vmcs[VMCS_ENTRY_EXCEPTION_ERROR] == s->vectoring_error,
			   "re-injected error code %#llx, not %#x",
			   (unsigned long long)vmcs[VMCS_ENTRY_EXCEPTION_ERROR],
			   s->vectoring_error);
}

/* The CR0 and CR4 bits a guest may write are its own through the
 * guest/host masks: a MOV to CR that exits wants one of ours, and
 * stops the VM (docs/hypercalls.md, "Control registers"). */
static enum outcome vmx_cr_write(struct vcpu *v, const struct scn *s,
				 uint64_t *val, uint8_t *len, uint8_t *vector)
{
	return O_STOP;
}

const struct exit_side exit_vmx = {
	.name = "VT-x",
	.setup = vmx_setup,
	.decode = vmx_exit_decode,
	.handle = vmx_handle,
	.observe = vmx_observe,
	.check_decode = vmx_check_decode,
	.cr_write = vmx_cr_write,
};

/* --- what vmx_vcpu.c needs of the rest of the backend: never run here -- */

/* The backend's table is arch/x86/vmx/vmx_ops.c itself; these are the
 * entries that would need the real CPU. The harness picks VT-x unless it
 * wants AMD-V. */
bool vmx_virt_probe(struct page_alloc *pa)
{
	return !exit_want_svm;
}

bool vmx_virt_start(struct page_alloc *pa)
{
	FUZZ_CHECK(0, "vmx_virt_start called");
	return false;
}

struct npt *vmx_npt_create(struct page_alloc *pa)
{
	FUZZ_CHECK(0, "vmx_npt_create called");
	return NULL;
}

void vmx_npt_destroy(struct npt *npt)
{
	FUZZ_CHECK(0, "vmx_npt_destroy called");
}

const char *vmx_result_name(enum vmx_result r)
{
	return "fake";
}

int vmx_enter(struct guest_regs *regs, int launched)
{
	FUZZ_CHECK(0, "vmx_enter called");
	return 0;
}

void vmx_exit(void)
{
	FUZZ_CHECK(0, "vmx_exit called");
}

uint64_t vmx_npt_eptp(const struct npt *npt)
{
	FUZZ_CHECK(0, "vmx_npt_eptp called");
	return 0;
}

uint64_t gdt_tss_base(void)
{
	FUZZ_CHECK(0, "gdt_tss_base called");
	return 0;
}

void irq_dispatch(uint8_t vector)
{
	FUZZ_CHECK(0, "irq_dispatch called");
}
