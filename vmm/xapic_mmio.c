/* The xAPIC page of a Linux VM (xapic_mmio.h). Everything here is the
 * guest's: the fault's address and direction, the bytes at its RIP (read
 * through its own page tables, possibly straddling a page), the
 * register. Each is checked before anything changes: an instruction
 * other than a 32-bit MOV, an access the fault did not make, an
 * unaligned one or a register the APIC refuses stops the VM. */
#include "lib/fmt.h"
#include "vmm/dev/vdev.h"
#include "vmm/dev/vlapic.h"
#include "vmm/mmio_insn.h"
#include "vmm/xapic_mmio.h"

#define GPR_RSP 4               /* in the VMCB/VMCS, not in guest_regs */

bool xapic_mmio_claims(const struct vm *vm, uint64_t gpa)
{
	return vm->dev && gpa >= APIC_BASE_ADDR &&
	       gpa < APIC_BASE_ADDR + XAPIC_PAGE_SIZE;
}

/* General register 'gpr' (0 = RAX ... 15 = R15) in struct guest_regs's
 * order, which leaves out RSP. */
static uint64_t *gpr_of(struct vm *vm, unsigned gpr)
{
	uint64_t *r = &vcpu_regs(vm->vcpu)->rax;

	return gpr < GPR_RSP ? &r[gpr] : &r[gpr - 1];
}

static bool refuse(struct vm *vm, const struct vm_exit *e, const char *why,
		   const uint8_t *b, unsigned n)
{
	char hex[3 * 8 + 1] = "";

	for (unsigned i = 0; i < n && i < 8; i++)
		fmt_snprintf(hex + 3 * i, sizeof(hex) - 3 * i, " %02x", b[i]);
	vm_stop(vm, "xAPIC page access at GPA 0x%lx (%s) not emulated: %s, "
		"RIP 0x%lx, bytes%s", (unsigned long)e->npt.gpa,
		e->npt.write ? "w" : e->npt.exec ? "x" : "r", why,
		(unsigned long)e->rip, n ? hex : " none");
	return false;
}

bool xapic_mmio_exit(struct vm *vm, const struct vm_exit *e, uint64_t now)
{
	uint8_t b[MMIO_INSN_MAX];
	struct mmio_insn in;
	uint32_t offset = (uint32_t)(e->npt.gpa - APIC_BASE_ADDR), val;
	unsigned n;

	if (e->npt.exec)
		return refuse(vm, e, "instruction fetch", NULL, 0);
	n = vcpu_fetch_insn(vm->vcpu, b, sizeof(b));
	if (!mmio_insn_decode(b, n, &in))
		return refuse(vm, e, "not a 32-bit MOV", b, n);
	/* The decoded direction must be the fault's: otherwise the bytes
	 * are not the instruction that faulted. */
	if ((in.op == MMIO_LOAD) == e->npt.write)
		return refuse(vm, e, "direction differs from the fault", b, n);
	if (in.op != MMIO_STORE_IMM && in.gpr == GPR_RSP)
		return refuse(vm, e, "ESP as operand", b, n);
	/* Registers are 32-bit and 16-byte aligned [SDM 3A 11.4.1]. */
	if (offset & 3)
		return refuse(vm, e, "unaligned", b, n);
	val = in.op == MMIO_STORE_IMM ? in.imm :
	      in.op == MMIO_STORE ? (uint32_t)*gpr_of(vm, in.gpr) : 0;
	if (!vdev_apic_mmio(vm->dev, offset, in.op != MMIO_LOAD, &val, now))
		return refuse(vm, e, "register refused", b, n);
	/* A 32-bit load zeroes bits 63:32 [SDM 1 3.4.1.1]. */
	if (in.op == MMIO_LOAD)
		*gpr_of(vm, in.gpr) = val;
	vcpu_advance_rip(vm->vcpu, in.len);
	return true;
}
