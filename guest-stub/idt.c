/* A 256-entry IDT of 64-bit interrupt gates for the stubs in entry.asm.
 * Vectors without a stub stay not-present, so an unexpected one shows up
 * as #NP and is reported like any other exception. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/idt.h"
#include "guest-stub/print.h"
#include "guest-stub/probe.h"
#include "vmm/hypercall_abi.h"

#define IDT_VECTORS     256
#define EXC_VECTORS     32      /* 0..31 are exceptions [SDM 3A 6.3.1] */

/* Gate descriptor, as two qwords [SDM 3A 6.14.1, Figure 6-8]. */
#define GATE_OFF_LO(o)  ((o) & 0xffffull)
#define GATE_SEL(s)     ((uint64_t)(s) << 16)
#define GATE_TYPE_INT   (0xeull << 40)          /* 64-bit interrupt gate: clears IF */
#define GATE_DPL0       (0ull << 45)
#define GATE_P          (1ull << 47)
#define GATE_OFF_MID(o) ((((o) >> 16) & 0xffffull) << 48)
#define GATE_OFF_HI(o)  ((o) >> 32)

struct isr_stub {
	uint64_t vector;
	uint64_t entry;
};

extern const struct isr_stub isr_stubs[];
extern const uint64_t isr_stub_count;

static uint64_t idt[IDT_VECTORS][2] __attribute__((aligned(16)));
static volatile uint64_t irq_count[IDT_VECTORS];

volatile uint64_t idt_fixup_rip;
volatile uint64_t idt_fixup_vector;

void idt_init(void)
{
	for (uint64_t i = 0; i < isr_stub_count; i++) {
		uint64_t o = isr_stubs[i].entry;
		uint64_t *gate = idt[isr_stubs[i].vector];

		gate[0] = GATE_OFF_LO(o) | GATE_SEL(GUEST_SEL_CODE) |
			  GATE_TYPE_INT | GATE_DPL0 | GATE_P | GATE_OFF_MID(o);
		gate[1] = GATE_OFF_HI(o);
	}
	struct desc_ptr p = { .limit = sizeof(idt) - 1, .base = (uint64_t)idt };

	lidt(&p);
}

uint64_t idt_irq_count(uint8_t vector)
{
	return irq_count[vector];
}

void trap_dispatch(uint64_t vector, struct trap_frame *f)
{
	if (vector >= EXC_VECTORS) {
		irq_count[vector]++;    /* no EOI: injected directly, no APIC */
		return;
	}
	/* An inline probe (probe.h, PROBE_ASM) expected this: resume at its
	 * end. */
	if ((vector == VEC_UD || vector == VEC_GP) && idt_fixup_rip) {
		f->rip = idt_fixup_rip;
		idt_fixup_rip = 0;
		idt_fixup_vector = vector;
		return;
	}
	/* A probe (probe.asm) expects a fault: back to it, at CPL 0 on its
	 * own stack, whatever the fault interrupted. */
	if (probe_resume_rip) {
		probe_vector = vector;
		probe_fault_rip = f->rip;
		f->rip = probe_resume_rip;
		f->rsp = probe_resume_rsp;
		f->cs = GUEST_SEL_CODE;
		f->ss = GUEST_SEL_DATA;
		probe_resume_rip = 0;
		return;
	}
	print("exception %lu at RIP 0x%lx error 0x%lx\n", vector, f->rip,
	      f->error);
	cpu_halt_forever();
}
