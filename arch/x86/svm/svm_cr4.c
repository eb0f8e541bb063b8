/* MOV to CR4 on AMD-V. SVM has no CR4 guest/host mask, so the write is
 * intercepted and emulated here, to give a guest exactly the CR4 bits
 * VT-x leaves it (vmx_vcpu.c, CR4_GUEST_OWNED); a write to any other bit
 * is left unhandled and stops the VM, as on VT-x.
 *
 * Which register holds the value: decode assists say so in EXITINFO1
 * [APM 2 15.33.1]; without them (QEMU's TCG) the instruction is read
 * from guest memory (svm_guest_insn.c) and decoded: [REX] 0F 22 /r,
 * register form, CR4. */
#include "arch/x86/svm/svm.h"

#define EFER_LMA_BIT   (1ull << 10)
#define CR4            4

/* The CR4 bits a guest may change; the same set as on VT-x. */
#define CR4_GUEST_OWNED (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | \
			 CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

bool svm_cr4_write(struct vcpu *v)
{
	struct vmcb *c = v->vmcb;
	uint64_t next, val;

	if (!svm_mov_to_cr_source(v, CR4, &val, &next) ||
	    (val & ~CR4_GUEST_OWNED))
		return false;
	/* Clearing PAE in long mode is the guest's own #GP. */
	if ((c->efer & EFER_LMA_BIT) && !(val & CR4_PAE)) {
		svm_vcpu_inject_exception(v, 13, true, 0);
		return true;
	}
	c->cr4 = val;
	c->rip = next;
	c->int_shadow &= ~INT_SHADOW;
	return true;
}
