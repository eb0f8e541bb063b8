/* The instruction behind an exit, read from guest memory. QEMU's TCG has
 * neither decode assists nor NRIP save, so the backend that emulates a
 * MOV to CR0 or CR4 must fetch the bytes itself: through the guest's own
 * 4-level page tables, then the nested table (arch/x86/guest_walk.c).
 * Shared by svm_cr0.c and svm_cr4.c. */
#include "arch/x86/guest_walk.h"
#include "arch/x86/svm/svm.h"

#define DECODE_VALID   (1ull << 63)     /* EXITINFO1: MOV CRx, GPR in 3:0 */

unsigned svm_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n)
{
	return guest_fetch(v->npt, v->vmcb->cr3, v->vmcb->rip, b, n);
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
