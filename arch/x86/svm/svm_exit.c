/* #VMEXIT decoding: the exit code and its EXITINFO fields, turned into
 * vendor-neutral terms for vmm/ [APM 2 15.6, 15.7, Appendix C]. Without
 * NRIP save (QEMU's TCG has none) the next RIP is worked out here: the
 * length of each intercepted instruction is known, and for IN/OUT the
 * CPU stores the next RIP in EXITINFO2 [APM 2 15.10.2]. */
#include "arch/x86/svm/svm.h"
#include "lib/string.h"

/* Lengths of the instructions whose exits vmm/ steps over, without
 * prefixes: CPUID 0F A2, HLT F4, VMMCALL 0F 01 D9, RDMSR 0F 32, WRMSR
 * 0F 30, INVD 0F 08, WBINVD 0F 09. A guest that adds a prefix only
 * confuses itself: RIP lands inside its own instruction. */
#define LEN_CPUID    2
#define LEN_HLT      1
#define LEN_VMMCALL  3
#define LEN_MSR      2
#define LEN_INVD     2
#define LEN_WBINVD   2

static uint64_t next_rip(const struct vmcb *c, uint64_t len)
{
	return svm_cfg.nrips ? c->next_rip : c->rip + len;
}

/* A RIP of 0 after the instruction is no sign of "unknown": a guest's
 * HLT at 0xffffffffffffffff is followed by RIP 0. */
static void set_next_rip(struct vcpu *v, uint64_t rip)
{
	v->next_rip = rip;
	v->next_rip_known = true;
}

static uint8_t io_size(uint64_t info)
{
	if (info & IOIO_SZ8)
		return 1;
	if (info & IOIO_SZ16)
		return 2;
	return 4;
}

void svm_exit_decode(struct vcpu *v, struct vm_exit *e)
{
	struct vmcb *c = v->vmcb;
	uint64_t code = c->exit_code, i1 = c->exit_info1;

	memset(e, 0, sizeof(*e));
	e->raw = (uint32_t)code;
	e->qual = i1;
	e->rip = c->rip;
	v->next_rip = 0;
	v->next_rip_known = false;

	if (code == SVM_EXIT_INVALID) {
		/* The VMCB failed VMRUN's consistency checks [APM 2 15.5.1]. */
		e->kind = EXIT_ENTRY_FAILED;
		return;
	}
	/* An event being delivered when the exit came must be delivered
	 * again on the next VMRUN, or it is lost [APM 2 15.7.2]; one that
	 * was injected and delivered is gone from EVENTINJ. */
	c->event_inj = c->exit_int_info & EVT_VALID ? c->exit_int_info : 0;

	switch (code) {
	case SVM_EXIT_INTR:
		e->kind = EXIT_EXT_INTR;
		break;
	case SVM_EXIT_NMI:
		e->kind = EXIT_NMI;
		break;
	case SVM_EXIT_MONITOR:
		vm_exit_insn(e, INSN_MONITOR);
		break;
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_ARMED:
		vm_exit_insn(e, INSN_MWAIT);
		break;
	case SVM_EXIT_RDPMC:
		vm_exit_insn(e, INSN_RDPMC);
		break;
	case SVM_EXIT_WBINVD:
		vm_exit_insn(e, INSN_WBINVD);
		set_next_rip(v, next_rip(c, LEN_WBINVD));
		break;
	case SVM_EXIT_INVD:
		vm_exit_insn(e, INSN_INVD);
		set_next_rip(v, next_rip(c, LEN_INVD));
		break;
	case SVM_EXIT_SHUTDOWN:
		e->kind = EXIT_TRIPLE_FAULT;
		break;
	case SVM_EXIT_VINTR:
		/* The window is open. Drop the request now, so V_IRQ never
		 * delivers a virtual interrupt of its own; virq_deliver asks
		 * again if it still needs to. */
		svm_vcpu_want_irq_window(v, false);
		e->kind = EXIT_IRQ_WINDOW;
		break;
	case SVM_EXIT_CPUID:
		e->kind = EXIT_CPUID;
		set_next_rip(v, next_rip(c, LEN_CPUID));
		break;
	case SVM_EXIT_HLT:
		e->kind = EXIT_HLT;
		e->hlt.irqs_on = c->rflags & RFLAGS_IF;
		set_next_rip(v, next_rip(c, LEN_HLT));
		break;
	case SVM_EXIT_VMMCALL:
		e->kind = EXIT_HYPERCALL;
		set_next_rip(v, next_rip(c, LEN_VMMCALL));
		break;
	case SVM_EXIT_IOIO:
		e->kind = EXIT_IO;
		e->io.size = io_size(i1);
		e->io.in = i1 & IOIO_IN;
		e->io.string = i1 & (IOIO_STR | IOIO_REP);
		e->io.port = (uint16_t)(i1 >> IOIO_PORT_SHIFT);
		set_next_rip(v, c->exit_info2);
		break;
	case SVM_EXIT_MSR:
		/* EXITINFO1 is 0 for RDMSR, 1 for WRMSR [APM 2 15.11]. */
		e->kind = EXIT_MSR;
		e->msr.write = i1 & 1;
		e->msr.msr = (uint32_t)v->regs.rcx;
		set_next_rip(v, next_rip(c, LEN_MSR));
		break;
	case SVM_EXIT_NPF:
		e->kind = EXIT_NPT_VIOLATION;
		e->npt.gpa = c->exit_info2;
		e->npt.write = i1 & NPF_WRITE;
		e->npt.exec = i1 & NPF_FETCH;
		e->npt.read = !e->npt.write && !e->npt.exec;
		break;
	default:
		e->kind = EXIT_OTHER;
		break;
	}
}
