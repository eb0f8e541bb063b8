/* VM-exit decoding: the basic exit reason and its qualification, turned
 * into vendor-neutral terms for vmm/ [SDM 3C 28.2, Appendix C]. */
#include "arch/x86/arch.h"
#include "arch/x86/vmx/vmcs.h"
#include "arch/x86/vmx/vmx.h"
#include "lib/string.h"

/* Basic exit reasons [SDM 3C Appendix C]. */
#define REASON_EXCEPTION_NMI     0
#define REASON_EXT_INTR          1
#define REASON_TRIPLE_FAULT      2
#define REASON_INTR_WINDOW       7
#define REASON_CPUID             10
#define REASON_HLT               12
#define REASON_INVD              13
#define REASON_RDPMC             15
#define REASON_VMCALL            18
#define REASON_IO                30
#define REASON_RDMSR             31
#define REASON_WRMSR             32
#define REASON_MWAIT             36
#define REASON_MONITOR           39
#define REASON_EPT_VIOLATION     48
#define REASON_PREEMPTION_TIMER  52
#define REASON_WBINVD            54
#define REASON_ENTRY_FAILURE     (1u << 31)
#define REASON_BASIC_MASK        0xffffu

/* I/O exit qualification [SDM 3C Table 28-5]. */
#define IO_SIZE_MASK             0x7u    /* size - 1 */
#define IO_IN                    (1u << 3)
#define IO_STRING                (1u << 4)
#define IO_PORT_SHIFT            16

/* EPT-violation exit qualification [SDM 3C Table 28-7]. */
#define EPT_QUAL_READ            (1u << 0)
#define EPT_QUAL_WRITE           (1u << 1)
#define EPT_QUAL_FETCH           (1u << 2)

/* An event that was being delivered when the exit happened must be
 * delivered again on the next entry, or it is lost [SDM 3C 28.2.4,
 * 29.2.1.3: reinjection]. Bit 12 is undefined there and must not be
 * copied into the entry field. */
static void reinject_vectoring(void)
{
	uint32_t info = vmcs_read32(VMCS_IDT_VECTORING_INFO);

	if (!(info & INTR_INFO_VALID))
		return;
	if (info & INTR_INFO_ERROR_VALID)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR,
			     vmcs_read32(VMCS_IDT_VECTORING_ERROR));
	vmcs_write32(VMCS_ENTRY_INSN_LEN, vmcs_read32(VMCS_EXIT_INSN_LEN));
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info & ~(1u << 12));
}

void vmx_exit_decode(struct vcpu *v, struct vm_exit *e)
{
	uint32_t reason = vmcs_read32(VMCS_EXIT_REASON);
	uint64_t q = vmcs_readl(VMCS_EXIT_QUALIFICATION);

	memset(e, 0, sizeof(*e));
	e->raw = reason & REASON_BASIC_MASK;
	e->qual = q;
	e->rip = vmcs_readl(VMCS_GUEST_RIP);

	if (reason & REASON_ENTRY_FAILURE) {
		/* The guest state failed the entry checks; the qualification
		 * names which one [SDM 3C 28.8]. */
		e->kind = EXIT_ENTRY_FAILED;
		return;
	}
	reinject_vectoring();

	switch (e->raw) {
	case REASON_EXCEPTION_NMI: {
		/* The exception bitmap is 0, so only a host NMI gets here
		 * [SDM 3C 26.2]; the caller runs the host's handler. */
		uint32_t info = vmcs_read32(VMCS_EXIT_INTR_INFO);

		e->kind = (info & INTR_INFO_TYPE_MASK) >> INTR_INFO_TYPE_SHIFT ==
			  INTR_TYPE_NMI ? EXIT_NMI : EXIT_OTHER;
		break;
	}
	case REASON_MONITOR:
		vm_exit_insn(e, INSN_MONITOR);
		break;
	case REASON_MWAIT:
		vm_exit_insn(e, INSN_MWAIT);
		break;
	case REASON_RDPMC:
		vm_exit_insn(e, INSN_RDPMC);
		break;
	case REASON_WBINVD:
		vm_exit_insn(e, INSN_WBINVD);
		break;
	case REASON_INVD:
		vm_exit_insn(e, INSN_INVD);
		break;
	case REASON_EXT_INTR:
		e->kind = EXIT_EXT_INTR;
		e->vector = (uint8_t)(vmcs_read32(VMCS_EXIT_INTR_INFO) &
				      INTR_INFO_VECTOR_MASK);
		break;
	case REASON_TRIPLE_FAULT:
		e->kind = EXIT_TRIPLE_FAULT;
		break;
	case REASON_INTR_WINDOW:
		e->kind = EXIT_IRQ_WINDOW;
		break;
	case REASON_CPUID:
		e->kind = EXIT_CPUID;
		break;
	case REASON_HLT:
		e->kind = EXIT_HLT;
		e->hlt.irqs_on = vmcs_readl(VMCS_GUEST_RFLAGS) & RFLAGS_IF;
		break;
	case REASON_VMCALL:
		e->kind = EXIT_HYPERCALL;
		break;
	case REASON_IO:
		/* The size field is 0, 1 or 3 [SDM 3C Table 28-5]: any other
		 * value is no exit vmm/ knows, and stops the VM. */
		if ((q & IO_SIZE_MASK) == 2 || (q & IO_SIZE_MASK) > 3) {
			e->kind = EXIT_OTHER;
			break;
		}
		e->kind = EXIT_IO;
		e->io.size = (uint8_t)((q & IO_SIZE_MASK) + 1);
		e->io.in = q & IO_IN;
		e->io.string = q & IO_STRING;
		e->io.port = (uint16_t)(q >> IO_PORT_SHIFT);
		break;
	case REASON_RDMSR:
	case REASON_WRMSR:
		e->kind = EXIT_MSR;
		e->msr.write = e->raw == REASON_WRMSR;
		e->msr.msr = (uint32_t)v->regs.rcx;
		break;
	case REASON_EPT_VIOLATION:
		e->kind = EXIT_NPT_VIOLATION;
		e->npt.gpa = vmcs_read64(VMCS_GUEST_PHYS_ADDR);
		e->npt.read = q & EPT_QUAL_READ;
		e->npt.write = q & EPT_QUAL_WRITE;
		e->npt.exec = q & EPT_QUAL_FETCH;
		break;
	case REASON_PREEMPTION_TIMER:
		e->kind = EXIT_TIMESLICE;
		break;
	default:
		e->kind = EXIT_OTHER;
		break;
	}
}
