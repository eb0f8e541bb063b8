/* The instruction behind an exit, read from guest memory. QEMU's TCG has
 * neither decode assists nor NRIP save, so the backend that emulates a
 * MOV to CR0 or CR4 must fetch the bytes itself: through the guest's own
 * 4-level page tables, then the nested table [APM 2 5.3, 15.25]. Shared
 * by svm_cr0.c and svm_cr4.c. */
#include "arch/x86/svm/svm.h"

#define PTE_P          (1ull << 0)
#define PTE_PS         (1ull << 7)
#define PTE_ADDR       0x000ffffffffff000ull
#define DECODE_VALID   (1ull << 63)     /* EXITINFO1: MOV CRx, GPR in 3:0 */

/* 'n' bytes of guest memory at guest-physical 'gpa', within one page,
 * if the nested table maps it readable. */
static bool read_gpa(struct vcpu *v, uint64_t gpa, void *out, unsigned n)
{
	uint64_t hpa;
	unsigned perm;

	if ((gpa & 0xfff) + n > 0x1000 ||
	    npt_lookup(v->npt, gpa, &hpa, &perm) || !(perm & NPT_R))
		return false;
	__builtin_memcpy(out, (const void *)(uintptr_t)hpa, n);
	return true;
}

/* Linear to guest-physical through the guest's 4-level tables (long
 * mode: the only mode a flipvisor guest runs in, since it may not
 * clear CR0.PG or CR4.PAE) [APM 2 5.3]. */
static bool guest_phys(struct vcpu *v, uint64_t la, uint64_t *gpa)
{
	uint64_t table = v->vmcb->cr3 & PTE_ADDR, e;

	for (int level = 4; level >= 1; level--) {
		unsigned shift = 12 + 9 * (level - 1);

		if (!read_gpa(v, table + ((la >> shift) & 511) * 8, &e, 8) ||
		    !(e & PTE_P))
			return false;
		if ((level == 3 || level == 2) && (e & PTE_PS)) {
			uint64_t size = 1ull << shift;

			*gpa = (e & PTE_ADDR & ~(size - 1)) | (la & (size - 1));
			return true;
		}
		table = e & PTE_ADDR;
	}
	*gpa = table | (la & 0xfff);
	return true;
}

unsigned svm_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n)
{
	unsigned i;

	/* Byte by byte: an instruction may straddle a page. */
	for (i = 0; i < n; i++) {
		uint64_t gpa;

		if (!guest_phys(v, v->vmcb->rip + i, &gpa) ||
		    !read_gpa(v, gpa, &b[i], 1))
			break;
	}
	return i;
}

int svm_decode_mov_to_cr(const uint8_t *b, unsigned n, unsigned cr,
			 unsigned *gpr)
{
	unsigned i = 0, rex = 0;

	if (n > 0 && (b[0] & 0xf0) == 0x40)
		rex = b[i++];
	if (n < i + 3 || b[i] != 0x0f || b[i + 1] != 0x22)
		return -1;
	/* mod is ignored (always a register), reg with REX.R is the CR,
	 * rm with REX.B the register [APM 3 MOV CRn]. */
	if ((((b[i + 2] >> 3) & 0x7) | (rex & 0x4) << 1) != cr)
		return -1;
	*gpr = (b[i + 2] & 0x7) | (rex & 0x1) << 3;
	return (int)i + 3;
}

uint64_t *svm_gpr(struct vcpu *v, unsigned gpr)
{
	uint64_t *r = &v->regs.rax;     /* rax rcx rdx rbx rbp rsi rdi r8.. */

	if (gpr == 4)
		return &v->vmcb->rsp;
	return gpr < 4 ? &r[gpr] : &r[gpr - 1];
}

bool svm_mov_to_cr_source(struct vcpu *v, unsigned cr, uint64_t *val,
			  uint64_t *next)
{
	const struct vmcb *c = v->vmcb;
	unsigned gpr;

	if (svm_cfg.decode_assists && svm_cfg.nrips &&
	    (c->exit_info1 & DECODE_VALID)) {
		gpr = c->exit_info1 & 0xf;
		*next = c->next_rip;
	} else {
		uint8_t b[4];
		int len = svm_decode_mov_to_cr(b, svm_fetch_insn(v, b, sizeof(b)),
					       cr, &gpr);

		if (len < 0)
			return false;
		*next = c->rip + (unsigned)len;
	}
	*val = *svm_gpr(v, gpr);
	return true;
}
