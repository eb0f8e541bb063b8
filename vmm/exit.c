/* VM-exit handling, in vendor-neutral terms (vmm/virt.h). A guest can
 * cause any of these; none of them may stop the hypervisor. What the
 * hypervisor does not expect stops that one VM, with one log line. */
#include "arch/x86/arch.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "vmm/cpuid.h"
#include "vmm/dev/vdev.h"
#include "vmm/exit.h"
#include "vmm/guest_msr.h"
#include "vmm/hypercall.h"
#include "vmm/intercept.h"
#include "vmm/net/net.h"
#include "vmm/virq.h"
#include "vmm/vm_end.h"
#include "vmm/xapic_mmio.h"


static void handle_cpuid(struct vm *vm)
{
	struct guest_regs *r = vcpu_regs(vm->vcpu);
	uint32_t out[4];

	cpuid_guest((uint32_t)r->rax, (uint32_t)r->rcx, out);
	if (vm->dev)
		cpuid_linux((uint32_t)r->rax, out);
	r->rax = out[0];
	r->rbx = out[1];
	r->rcx = out[2];
	r->rdx = out[3];
	vcpu_skip_insn(vm->vcpu);
}

/* Port I/O: a reset request ends the VM (vm_end.c); a Linux VM's
 * devices (vmm/dev/vdev.h, the UART among them), else the virtual UART,
 * or nothing. Reads of unclaimed ports give all ones (an empty ISA bus),
 * writes vanish; both are counted. String I/O (INS/OUTS) is not
 * emulated: it stops the VM. */
static bool handle_io(struct vm *vm, const struct vm_exit *e, uint64_t now)
{
	struct guest_regs *r = vcpu_regs(vm->vcpu);
	uint64_t mask = e->io.size == 4 ? 0xffffffffull :
			(1ull << (8 * e->io.size)) - 1;
	uint64_t val = 0;
	uint32_t dev_val;

	if (e->io.string) {
		vm_stop(vm, "string I/O on port 0x%x at RIP 0x%lx is not "
			"emulated", e->io.port, (unsigned long)e->rip);
		return false;
	}
	if (vm_end_io(vm, e, (uint32_t)(r->rax & mask)))
		return false;
	dev_val = (uint32_t)(r->rax & mask);
	if (vm->dev && vdev_io(vm->dev, e->io.port, e->io.size, e->io.in,
			       &dev_val, now)) {
		val = dev_val;
	} else if (vuart_claims(e->io.port) && e->io.size == 1) {
		val = vuart_io(&vm->uart, e->io.port, e->io.in, (uint8_t)r->rax);
	} else if (e->io.in) {
		val = mask;
		vm->stats.io_unclaimed_in++;
	} else {
		vm->stats.io_unclaimed_out++;
	}
	/* IN writes AL/AX/EAX; a 32-bit IN zeroes the upper half of RAX
	 * [SDM 1 3.4.1.1]. */
	if (e->io.in)
		r->rax = e->io.size == 4 ? val & mask : (r->rax & ~mask) | (val & mask);
	vcpu_skip_insn(vm->vcpu);
	return true;
}

/* RDMSR/WRMSR: a Linux VM's local APIC MSRs (vdev_msr), then the
 * MSRs every VM keeps as its own (guest_msr.c), #GP for the rest. */
static void handle_msr(struct vm *vm, const struct vm_exit *e, uint64_t now)
{
	struct guest_regs *r = vcpu_regs(vm->vcpu);
	uint64_t val = (r->rdx & 0xffffffffull) << 32 | (r->rax & 0xffffffffull);
	enum vdev_msr_result res = VDEV_MSR_UNCLAIMED;

	if (vm->dev)
		res = vdev_msr(vm->dev, e->msr.msr, e->msr.write, &val, now);
	switch (res) {
	case VDEV_MSR_UNCLAIMED:
		guest_msr_exit(vm, e);
		return;
	case VDEV_MSR_GP:
		guest_msr_refuse(vm, e);
		return;
	case VDEV_MSR_DONE:
		if (!e->msr.write) {
			r->rax = val & 0xffffffffull;
			r->rdx = val >> 32;
		}
		vcpu_skip_insn(vm->vcpu);
		return;
	}
}

/* A triple fault is an exception while delivering one, usually with no
 * IDT yet; the last refused MSR access is named, as that #GP is the
 * commonest cause in a kernel's first instructions. */
static void triple_fault(struct vm *vm, const struct vm_exit *e)
{
	if (!vm->msr_refused_last.valid) {
		vm_stop(vm, "triple fault at RIP 0x%lx", (unsigned long)e->rip);
		return;
	}
	vm_stop(vm, "triple fault at RIP 0x%lx (last refused: %s of MSR 0x%x "
		"at RIP 0x%lx)", (unsigned long)e->rip,
		vm->msr_refused_last.write ? "WRMSR" : "RDMSR",
		(unsigned)vm->msr_refused_last.msr,
		(unsigned long)vm->msr_refused_last.rip);
}

enum exit_action exit_handle(struct vm *vm, const struct vm_exit *e,
			     uint64_t now, uint64_t tsc_per_ms)
{
	vm->stats.exits++;
	switch (e->kind) {
	case EXIT_CPUID:
		handle_cpuid(vm);
		return EXIT_RESUME;
	case EXIT_HLT:
		/* A Linux VM halted for good (vm_end.h); a guest-stub or
		 * image guest so halted just stays halted, as it always has
		 * (docs/hypercalls.md: the example guests end that way). */
		if (!e->hlt.irqs_on && vm->dev) {
			vm_end_halt(vm, e);
			return EXIT_RESCHEDULE;
		}
		vcpu_skip_insn(vm->vcpu);
		/* An interrupt already pending ends the halt at once. */
		if (!virq_pending(vm)) {
			vm_sleep(vm, now);
			return EXIT_RESCHEDULE;
		}
		return EXIT_RESUME;
	case EXIT_IO:
		return handle_io(vm, e, now) ? EXIT_RESUME : EXIT_RESCHEDULE;
	case EXIT_HYPERCALL:
		if (!intercept_hypercall_allowed(vm, e))
			return EXIT_RESUME;
		vcpu_skip_insn(vm->vcpu);
		return hypercall(vm, now, tsc_per_ms) ? EXIT_RESCHEDULE :
							EXIT_RESUME;
	case EXIT_MSR:
		/* The VM's own copy of a few, #GP for the rest. */
		handle_msr(vm, e, now);
		return EXIT_RESUME;
	case EXIT_EXT_INTR:
		return EXIT_RESUME;     /* the backend has run its handler */
	case EXIT_TIMESLICE:
		return EXIT_RESCHEDULE;
	case EXIT_IRQ_WINDOW:
		return EXIT_RESUME;     /* virq_deliver injects on the way in */
	case EXIT_NPT_VIOLATION: {
		char why[112];
		bool window;

		if (xapic_mmio_claims(vm, e->npt.gpa))
			return xapic_mmio_exit(vm, e, now) ? EXIT_RESUME :
							     EXIT_RESCHEDULE;
		window = net_window_fault(vm, e->npt.gpa, e->npt.write, why,
					  sizeof(why));
		if (!window)
			fmt_snprintf(why, sizeof(why), "outside its %lu MiB of RAM",
				     (unsigned long)(vm->ram_bytes >> 20));
		vm_stop(vm, "EPT violation at GPA 0x%lx (%s%s%s)%s%s, RIP 0x%lx",
			(unsigned long)e->npt.gpa, e->npt.read ? "r" : "",
			e->npt.write ? "w" : "", e->npt.exec ? "x" : "",
			window ? ": " : ", ", why, (unsigned long)e->rip);
		return EXIT_RESCHEDULE;
	}
	case EXIT_TRIPLE_FAULT:
		triple_fault(vm, e);
		return EXIT_RESCHEDULE;
	case EXIT_ENTRY_FAILED:
		vm_stop(vm, "VM entry failed: exit reason %u, qualification "
			"0x%lx", e->raw, (unsigned long)e->qual);
		return EXIT_RESCHEDULE;
	case EXIT_INSN:
		intercept_insn(vm, e);
		return EXIT_RESUME;
	case EXIT_NMI:
		intercept_nmi(vm);
		return EXIT_RESUME;
	case EXIT_OTHER:
		break;
	}
	vm_stop(vm, "unexpected exit (%s reason %u, qualification 0x%lx) at "
		"RIP 0x%lx", virt_name(), e->raw, (unsigned long)e->qual,
		(unsigned long)e->rip);
	return EXIT_RESCHEDULE;
}
