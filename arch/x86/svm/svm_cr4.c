/* MOV to CR4 on AMD-V. SVM has no CR4 guest/host mask, so the write is
 * intercepted and emulated here, to give a guest exactly the CR4 bits
 * VT-x leaves it (vmx_vcpu.c, CR4_GUEST_OWNED); a write to any other bit
 * is left unhandled and stops the VM, as on VT-x.
 *
 * Which register holds the value: decode assists say so in EXITINFO1
 * [APM 2 15.33.1]; without them (QEMU's TCG) the instruction is read
 * from guest memory through the guest's own page tables and the nested
 * table, and decoded: [REX] 0F 22 /r, register form, CR4. */
#include "arch/x86/svm/svm.h"

#define PTE_P          (1ull << 0)
#define PTE_PS         (1ull << 7)
#define PTE_ADDR       0x000ffffffffff000ull
#define DECODE_VALID   (1ull << 63)     /* EXITINFO1: MOV CRx, GPR in 3:0 */
#define EFER_LMA_BIT   (1ull << 10)

/* The CR4 bits a guest may change; the same set as on VT-x. */
#define CR4_GUEST_OWNED (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | \
			 CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT)

int svm_decode_mov_to_cr4(const uint8_t *b, unsigned n, unsigned *gpr)
{
	unsigned i = 0, rex = 0;

	if (n > 0 && (b[0] & 0xf0) == 0x40)
		rex = b[i++];
	if (n < i + 3 || b[i] != 0x0f || b[i + 1] != 0x22)
		return -1;
	/* mod 11 (always, for MOV CRx), reg 4 without REX.R (CR12 is
	 * #UD), rm the register, REX.B its high bit [APM 3 MOV CRn]. */
	if ((b[i + 2] & 0x38) != 0x20 || (rex & 0x4))
		return -1;
	*gpr = (b[i + 2] & 0x7) | (rex & 0x1) << 3;
	return (int)i + 3;
}

/* One byte of guest memory at guest-physical 'gpa', if mapped. */
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
 * mode: the only mode a flipvisor guest runs in when it writes CR4 with
 * PAE kept) [APM 2 5.3]. */
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

static uint64_t *gpr_slot(struct vcpu *v, unsigned gpr)
{
	uint64_t *r = &v->regs.rax;     /* rax rcx rdx rbx rbp rsi rdi r8.. */

	if (gpr == 4)
		return &v->vmcb->rsp;
	return gpr < 4 ? &r[gpr] : &r[gpr - 1];
}

bool svm_cr4_write(struct vcpu *v)
{
	struct vmcb *c = v->vmcb;
	uint64_t next, val;
	unsigned gpr;

	if (svm_cfg.decode_assists && svm_cfg.nrips &&
	    (c->exit_info1 & DECODE_VALID)) {
		gpr = c->exit_info1 & 0xf;
		next = c->next_rip;
	} else {
		uint8_t b[4];
		unsigned n = 0;
		int len;

		/* Up to four bytes, page by page. */
		for (; n < sizeof(b); n++) {
			uint64_t gpa;

			if (!guest_phys(v, c->rip + n, &gpa) ||
			    !read_gpa(v, gpa, &b[n], 1))
				break;
		}
		len = svm_decode_mov_to_cr4(b, n, &gpr);
		if (len < 0)
			return false;
		next = c->rip + (unsigned)len;
	}
	val = *gpr_slot(v, gpr);
	if (val & ~CR4_GUEST_OWNED)
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
