/* HC_MODE_TRIPLE_FAULT: #UD with an empty IDT. Delivering it fails the
 * limit check (#GP), delivering that fails too (#DF), and a failed #DF
 * is a triple fault [SDM 3A 6.15, "Interrupt 8"]: a VM exit for the
 * hypervisor [SDM 3C, "Other Causes of VM Exits"]. */
#include "guest-stub/cpu.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

void mode_triple_fault(const struct hc_identity *id)
{
	static const struct desc_ptr no_idt = { .limit = 0, .base = 0 };

	print("about to triple fault\n");
	cpu_cli();
	lidt(&no_idt);
	cpu_ud2();
	print("still running after a triple fault\n");
	cpu_halt_forever();
}
