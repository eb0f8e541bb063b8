/* The AMD-V side of tests/fuzz/fuzz_exit.c (exit_side.h): a VMCB filled
 * the way #VMEXIT fills it [APM 2 15.6, 15.7, Appendix C], under the
 * real svm_exit.c, svm_vcpu.c, svm_cr0.c, svm_cr4.c and
 * svm_guest_insn.c; with or without NRIP save and decode assists. A CR0
 * or CR4 write is fetched from a guest RAM of 64 KiB (an ASan-bounded
 * allocation), through the guest's own page tables (4 KiB pages, or one
 * 2 MiB page) and hv_fakes.c's nested table, either of which may leave
 * the instruction's next page out. */
#include <stdlib.h>
#include <string.h>

#include "arch/x86/msr.h"
#include "arch/x86/svm/svm.h"
#include "tests/fuzz/exit_side.h"
#include "tests/fuzz/hv_fakes.h"

#define RAM_BYTES   0x10000ull
#define PML4        0x1000ull
#define PDPT        0x2000ull
#define PD          0x3000ull
#define PT          0x4000ull
#define CODE        0x5000ull           /* code may go from here to the end */
#define PAGES       (RAM_BYTES >> 12)
#define PTE_P_RW    3ull
#define PDE_PS      0x80ull
#define EFER_LMA    (1ull << 10)
#define DECODE_VALID (1ull << 63)

/* The CR bits a guest may change (docs/hypercalls.md, "Control
 * registers"). */
#define CR0_OWNED   (CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_WP | CR0_AM)
#define CR4_OWNED   (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | \
		     CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

struct svm_config svm_cfg;

static struct vmcb vmcb __attribute__((aligned(4096)));
static struct vcpu vcpu;
static uint8_t *ram;
/* The guest's view, for the model: 2 MiB page or 4 KiB pages, and the
 * one 4 KiB page it left out (or none). */
static bool big_page;
static uint64_t hole = ~0ull;

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

/* MOV to CR 'cr' from 'gpr' [APM 3 MOV CRn]: [REX] 0F 22 /r, register
 * form, REX.R extending the CR and REX.B the register. */
static void encode_mov_cr(uint8_t *b, unsigned cr, unsigned gpr, bool rex)
{
	unsigned i = 0;

	if (rex || cr >= 8 || gpr >= 8)
		b[i++] = (uint8_t)(0x40 | (cr >= 8) << 2 | (gpr >= 8));
	b[i++] = 0x0f;
	b[i++] = 0x22;
	b[i] = (uint8_t)(0xc0 | (cr & 7) << 3 | (gpr & 7));
}

static void build_guest_memory(struct scn *s, struct fz *z)
{
	uint8_t m = fz_u8(z);
	uint8_t code[4] = { 0 };
	uint64_t page;

	if (!ram)
		ram = malloc(RAM_BYTES);
	FUZZ_CHECK(ram, "no guest RAM");
	memset(ram, 0xcc, RAM_BYTES);
	put64(PML4, PDPT | PTE_P_RW);
	put64(PDPT, PD | PTE_P_RW);
	big_page = m & 1;
	put64(PD, big_page ? 0 | PDE_PS | PTE_P_RW : PT | PTE_P_RW);
	for (page = 0; page < PAGES; page++)
		put64(PT + 8 * page, page << 12 | PTE_P_RW);
	/* The instruction near the end of a page, or anywhere. */
	s->rip = CODE + (m & 0x10 ? 0x1000 * (fz_u8(z) % (PAGES - 5)) +
			 0xffc + fz_u8(z) % 4 : fz_u16(z) % (RAM_BYTES - CODE));
	hole = ~0ull;
	if (m & 2 && !big_page) {
		hole = (s->rip >> 12) + 1;
		if (hole < PAGES)
			put64(PT + 8 * hole, 0);
	}
	memset(&hw.npt[0], 0, sizeof(hw.npt[0]));
	npt_map(&hw.npt[0], 0, (uint64_t)(uintptr_t)ram,
		m & 4 ? ((s->rip >> 12) + 1) << 12 : RAM_BYTES,
		m & 8 ? NPT_W | NPT_X : NPT_R | NPT_W | NPT_X);
	switch ((m >> 5) & 3) {
	case 0:
		encode_mov_cr(code, s->cr, s->gpr, m & 0x80);
		break;
	case 1:         /* CLTS */
		code[0] = 0x0f;
		code[1] = 0x06;
		break;
	case 2:         /* LMSW: not emulated */
		code[0] = 0x0f;
		code[1] = 0x01;
		code[2] = (uint8_t)(0xf0 | (s->gpr & 7));
		break;
	default:
		fz_bytes(z, code, sizeof(code));
		break;
	}
	for (unsigned i = 0; i < sizeof(code) && s->rip + i < RAM_BYTES; i++)
		ram[s->rip + i] = code[i];
}

/* #VMEXIT codes [APM 2 Appendix C]. */
static uint64_t code_of(const struct scn *s, struct fz *z)
{
	switch (s->kind) {
	case S_CPUID:      return SVM_EXIT_CPUID;
	case S_HLT:        return SVM_EXIT_HLT;
	case S_IO:         return SVM_EXIT_IOIO;
	case S_VMCALL:     return SVM_EXIT_VMMCALL;
	case S_RDMSR:
	case S_WRMSR:      return SVM_EXIT_MSR;
	case S_MONITOR:    return SVM_EXIT_MONITOR;
	case S_MWAIT:      return fz_u8(z) & 1 ? SVM_EXIT_MWAIT_ARMED :
						 SVM_EXIT_MWAIT;
	case S_RDPMC:      return SVM_EXIT_RDPMC;
	case S_WBINVD:     return SVM_EXIT_WBINVD;
	case S_INVD:       return SVM_EXIT_INVD;
	case S_CR_WRITE:   return SVM_EXIT_CR0_WRITE + (s->cr & 15);
	case S_NPF:        return SVM_EXIT_NPF;
	case S_TRIPLE:     return SVM_EXIT_SHUTDOWN;
	case S_EXT_INTR:
	case S_TIMER:      return SVM_EXIT_INTR;    /* the LAPIC timer */
	case S_NMI:        return SVM_EXIT_NMI;
	case S_IRQ_WINDOW: return SVM_EXIT_VINTR;
	case S_ENTRY_FAIL: return SVM_EXIT_INVALID;
	default:           return s->raw;
	}
}

/* Without NRIP save the backend knows each instruction's length: the
 * guest here uses the forms without prefixes [APM 3]. */
static uint8_t fixed_len(enum scn_kind k, uint8_t len)
{
	switch (k) {
	case S_CPUID: case S_RDMSR: case S_WRMSR: case S_WBINVD: case S_INVD:
		return 2;
	case S_HLT:
		return 1;
	case S_VMCALL:
		return 3;
	default:
		return len;
	}
}

static struct vcpu *svm_setup(struct scn *s, struct fz *z)
{
	uint8_t f = fz_u8(z);

	memset(&vmcb, 0, sizeof(vmcb));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.vmcb = &vmcb;
	vcpu.vmcb_pa = (uint64_t)(uintptr_t)&vmcb;
	vcpu.npt = &hw.npt[0];
	svm_cfg.nrips = f & 1;
	svm_cfg.decode_assists = f & 2;
	if (s->kind == S_CR_WRITE)
		build_guest_memory(s, z);
	if (!svm_cfg.nrips)
		s->len = fixed_len(s->kind, s->len);
	vmcb.rip = s->rip;
	vmcb.rsp = s->rsp;
	vmcb.rflags = s->rflags;
	vmcb.cpl = s->cpl;
	vmcb.int_shadow = s->shadow ? INT_SHADOW : 0;
	vmcb.cr3 = PML4;
	vmcb.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG |
		   (fz_u8(z) & (CR0_MP | CR0_EM | CR0_TS));
	vmcb.cr4 = CR4_PAE | (fz_u16(z) & CR4_OWNED);
	vmcb.efer = EFER_LME | EFER_SVME | (f & 4 ? 0 : EFER_LMA);
	vmcb.intercept3 = ICPT_INTR | ICPT_NMI | ICPT_CPUID | ICPT_HLT;
	vmcb.vintr = VINTR_MASKING;
	if (s->window)
		svm_vcpu_want_irq_window(&vcpu, true);
	vmcb.fs.base = fz_u64(z);
	vmcb.gs.base = fz_u64(z);
	vmcb.kernel_gs_base = fz_u64(z);
	vmcb.star = fz_u64(z);
	vmcb.lstar = fz_u64(z);
	vmcb.cstar = fz_u64(z);
	vmcb.sfmask = fz_u32(z);
	/* What the last entry injected; the exit leaves it [APM 2 15.20]. */
	vmcb.event_inj = fz_u64(z);

	vmcb.exit_code = code_of(s, z);
	vmcb.exit_int_info = s->vectoring | (uint64_t)s->vectoring_error << 32;
	vmcb.next_rip = svm_cfg.nrips ? s->rip + s->len : 0;
	switch (s->kind) {
	case S_IO:      /* [APM 2 15.10.2, Figure 15-2] */
		vmcb.exit_info1 = (uint64_t)s->in | (uint64_t)s->string << 2 |
				  (uint64_t)s->rep << 3 |
				  (s->size == 1 ? IOIO_SZ8 : s->size == 2 ?
				   IOIO_SZ16 : IOIO_SZ32) |
				  (uint64_t)s->port << IOIO_PORT_SHIFT;
		vmcb.exit_info2 = s->rip + s->len;
		break;
	case S_WRMSR:   /* [APM 2 15.11] */
		vmcb.exit_info1 = 1;
		break;
	case S_CR_WRITE:        /* decode assists [APM 2 15.33.1] */
		vmcb.exit_info1 = f & 8 ? DECODE_VALID | (s->gpr & 15) : 0;
		break;
	case S_NPF:     /* a #PF error code [APM 2 15.25.6] */
		vmcb.exit_info1 = (s->npf & 2 ? NPF_WRITE : 0) |
				  (s->npf & 4 ? NPF_FETCH : 0) | 1;
		vmcb.exit_info2 = s->gpa;
		break;
	case S_RAW:
		vmcb.exit_info1 = s->qual;
		vmcb.exit_info2 = s->info2;
		break;
	default:
		break;
	}
	return &vcpu;
}

static void svm_observe(struct vcpu *v, struct obs *o)
{
	const struct vmcb *c = v->vmcb;

	o->rip = c->rip;
	o->rsp = c->rsp;
	o->cr0 = c->cr0;
	o->cr4 = c->cr4;
	o->event = (uint32_t)c->event_inj;
	o->event_error = o->event & EV_ERR ? (uint32_t)(c->event_inj >> 32) : 0;
	o->shadow = c->int_shadow & INT_SHADOW;
	o->window = c->intercept3 & ICPT_VINTR;
	FUZZ_CHECK(!!(c->vintr & VINTR_V_IRQ) == o->window,
		   "V_IRQ %d without the VINTR intercept, or the other way",
		   !!(c->vintr & VINTR_V_IRQ));
}

/* The event being delivered is delivered again [APM 2 15.7.2]; a VINTR
 * exit drops the window request at once, so V_IRQ never delivers a
 * virtual interrupt of its own. */
static void svm_check_decode(struct vcpu *v, const struct scn *s)
{
	uint64_t want = s->vectoring & EV_VALID ?
		s->vectoring | (uint64_t)s->vectoring_error << 32 : 0;

	/* A VMRUN that failed ran nothing: nothing to deliver again. */
	if (v->vmcb->exit_code == SVM_EXIT_INVALID)
		return;
	if (want)
		FUZZ_CHECK(v->vmcb->event_inj == want,
			   "EXITINTINFO %#llx re-injected as %#llx",
			   (unsigned long long)want,
			   (unsigned long long)v->vmcb->event_inj);
	else
		FUZZ_CHECK(!(v->vmcb->event_inj & EVT_VALID),
			   "an event %#llx queued from nothing",
			   (unsigned long long)v->vmcb->event_inj);
	if (s->kind == S_IRQ_WINDOW)
		FUZZ_CHECK(!(v->vmcb->intercept3 & ICPT_VINTR) &&
			   !(v->vmcb->vintr & VINTR_V_IRQ),
			   "the window request outlived its VINTR exit");
}

/* --- the model of a CR0/CR4 write, from the APM, not from svm_*.c ------ */

/* Whether the guest can read the byte at linear address 'la': its page
 * tables (identity), then the nested table. */
static bool readable(uint64_t la)
{
	const struct npt *n = &hw.npt[0];

	if (!(n->ram_perm & NPT_R) || n->ram_bytes <= PT + 8 * PAGES)
		return false;
	if (big_page ? la >= (2ull << 20) : (la >> 12) >= PAGES || la >> 12 == hole)
		return false;
	return la < n->ram_bytes;
}

/* General register 'n' in ModRM numbering [SDM 2A Table 2-2]. */
static uint64_t gpr_value(const struct vcpu *v, unsigned n)
{
	const uint64_t *r = &v->regs.rax;   /* rax rcx rdx rbx rbp rsi ... */

	return n == 4 ? v->vmcb->rsp : n < 4 ? r[n] : r[n - 1];
}

static enum outcome svm_cr_write(struct vcpu *v, const struct scn *s,
				 uint64_t *val, uint8_t *len, uint8_t *vector)
{
	const struct vmcb *c = v->vmcb;
	uint8_t b[4];
	unsigned n = 0, i, cr = s->cr & 15;
	bool mov = false;

	if (cr != 0 && cr != 4)
		return O_STOP;          /* not intercepted: unexpected */
	while (n < 4 && readable(s->rip + n)) {
		b[n] = ram[s->rip + n];
		n++;
	}
	if (svm_cfg.decode_assists && svm_cfg.nrips &&
	    (c->exit_info1 & DECODE_VALID)) {
		*val = gpr_value(v, c->exit_info1 & 15);
		*len = s->len;
		mov = true;
	} else {
		i = n > 0 && (b[0] & 0xf0) == 0x40;
		if (n >= i + 3 && b[i] == 0x0f && b[i + 1] == 0x22 &&
		    (((b[i + 2] >> 3) & 7) | (i ? (b[0] & 4u) << 1 : 0u)) == cr) {
			*val = gpr_value(v, (b[i + 2] & 7) |
					 (i ? (b[0] & 1) << 3 : 0));
			*len = (uint8_t)(i + 3);
			mov = true;
		}
	}
	if (cr == 0) {
		if (!mov) {
			if (n < 2 || b[0] != 0x0f || b[1] != 0x06)
				return O_STOP;
			*val = c->cr0 & ~CR0_TS;        /* CLTS */
			*len = 2;
		}
		*vector = 13;
		if (*val >> 32)
			return O_FAULT;
		return (*val ^ c->cr0) & ~CR0_OWNED ? O_STOP : O_EMULATE;
	}
	if (!mov || *val & ~CR4_OWNED)
		return O_STOP;
	*vector = 13;
	return c->efer & EFER_LMA && !(*val & CR4_PAE) ? O_FAULT : O_EMULATE;
}

const struct exit_side exit_svm = {
	.name = "AMD-V",
	.setup = svm_setup,
	.decode = svm_exit_decode,
	.handle = svm_cr_write_emulated,      /* as svm_vcpu_run does */
	.observe = svm_observe,
	.check_decode = svm_check_decode,
	.cr_write = svm_cr_write,
};

/* --- what svm_vcpu.c needs of the rest of the backend: never run here -- */

/* The backend's table is arch/x86/svm/svm_ops.c itself; these are the
 * entries that would need the real CPU. */
bool svm_virt_probe(struct page_alloc *pa)
{
	return exit_want_svm;
}

bool svm_virt_start(struct page_alloc *pa)
{
	FUZZ_CHECK(0, "svm_virt_start called");
	return false;
}

struct npt *svm_npt_create(struct page_alloc *pa)
{
	FUZZ_CHECK(0, "svm_npt_create called");
	return NULL;
}

void svm_npt_destroy(struct npt *npt)
{
	FUZZ_CHECK(0, "svm_npt_destroy called");
}

void svm_enter(struct guest_regs *regs, uint64_t vmcb_pa, uint64_t host_pa)
{
	FUZZ_CHECK(0, "svm_enter called");
}

uint64_t svm_npt_root(const struct npt *npt)
{
	FUZZ_CHECK(0, "svm_npt_root called");
	return 0;
}

uint8_t svm_npt_take_flush(struct npt *npt)
{
	FUZZ_CHECK(0, "svm_npt_take_flush called");
	return 0;
}

void lapic_timer_oneshot(uint64_t ticks)
{
	FUZZ_CHECK(0, "lapic_timer_oneshot called");
}
