/* Writes to CR0 on AMD-V. VT-x owns CR0.PE, NE and PG (its fixed-0 bits)
 * and CD and NW through the guest/host mask, and a guest write that
 * changes one exits and stops the VM (vmx_vcpu.c). SVM has no mask:
 * every write to CR0 (MOV to CR0, CLTS, LMSW) is intercepted (the CR0
 * write intercept, CR vector bit 16 [APM 2 Table B-1]) and emulated
 * here, giving a guest the same bits VT-x does.
 *
 * MOV to CR0 is decoded as MOV to CR4 is (svm_guest_insn.c), CLTS is
 * 0F 06. LMSW is not emulated: flipvisor's guests start with PE set, so
 * it could only change MP, EM and TS, which MOV does as well; an LMSW
 * stops the VM, like any write it does not emulate. */
#include "arch/x86/svm/svm.h"

#define CR0            0
#define CLTS_LEN       2

/* The CR0 bits a guest may change; the ones VT-x leaves it. */
#define CR0_GUEST_OWNED (CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_WP | CR0_AM)

bool svm_cr0_write(struct vcpu *v)
{
	struct vmcb *c = v->vmcb;
	uint64_t next, val;

	if (!svm_mov_to_cr_source(v, CR0, &val, &next)) {
		uint8_t b[CLTS_LEN];

		if (svm_fetch_insn(v, b, CLTS_LEN) != CLTS_LEN ||
		    b[0] != 0x0f || b[1] != 0x06)
			return false;
		val = c->cr0 & ~CR0_TS;
		next = c->rip + CLTS_LEN;
	}
	/* Bits 63:32 are reserved: the guest's own #GP [APM 2 3.1.1]. */
	if (val >> 32) {
		svm_vcpu_inject_exception(v, 13, true, 0);
		return true;
	}
	if ((val ^ c->cr0) & ~CR0_GUEST_OWNED)
		return false;
	c->cr0 = val;
	c->rip = next;
	c->int_shadow &= ~INT_SHADOW;
	return true;
}
