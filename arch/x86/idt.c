/* The IDT: all 256 vectors go through isr.asm to trap_dispatch(). */
#include <stdint.h>

#include "arch/x86/arch.h"
#include "arch/x86/segment.h"
#include "arch/x86/trap.h"
#include "lib/console.h"

#define GATE_INTR 0xeull        /* 64-bit interrupt gate: IF cleared */
#define GATE_P    (1ull << 15)

struct __attribute__((packed)) idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint16_t flags;         /* IST [2:0], type [11:8], DPL, P */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

extern const uint64_t isr_stub_table[256];
static struct idt_gate idt[256] __attribute__((aligned(16)));

static unsigned gate_ist(unsigned v)
{
	switch (v) {
	case VEC_DF:  return IST_DF;
	case VEC_NMI: return IST_NMI;
	case VEC_MC:  return IST_MC;
	default:      return 0;
	}
}

void idt_init(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = isr_stub_table[v];

		idt[v] = (struct idt_gate){
			.offset_lo  = (uint16_t)a,
			.selector   = SEL_CODE64,
			.flags      = (uint16_t)(gate_ist(v) | GATE_INTR << 8 | GATE_P),
			.offset_mid = (uint16_t)(a >> 16),
			.offset_hi  = (uint32_t)(a >> 32),
		};
	}
	lidt(&p);
}

static irq_handler irq_handlers[256];

void irq_set_handler(uint8_t vector, irq_handler fn)
{
	irq_handlers[vector] = fn;
}

/* Both the IDT path (interrupt taken in the hypervisor, while it idles)
 * and the VM-exit path (interrupt acknowledged on exit) end up here. */
void irq_dispatch(uint8_t vector)
{
	static uint32_t unexpected;

	if (irq_handlers[vector]) {
		irq_handlers[vector](vector);
		return;
	}
	/* Not a reason to stop, but worth seeing: log the first few. */
	if (unexpected++ < 8)
		LOG("trap", "unexpected interrupt, vector %u", vector);
}

static volatile uint64_t nmis;

uint64_t nmi_count(void)
{
	return nmis;
}

void trap_dispatch(struct trap_frame *tf)
{
	/* An NMI is not a fault of ours: the platform, a watchdog or a test
	 * sent it. Count it and go on; the IRET after this unblocks NMIs
	 * [SDM 3A 6.7.1]. */
	if (tf->vector == VEC_NMI) {
		nmis++;
		return;
	}
	if (tf->vector < NR_EXCEPTIONS)
		fault_dump(tf);
	irq_dispatch((uint8_t)tf->vector);
}
