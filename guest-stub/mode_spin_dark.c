/* HC_MODE_SPIN_DARK: one line, then interrupts off and a loop with no
 * instruction that exits: no I/O, no hypercall, no HLT, no CPUID. Once
 * it runs, only the hypervisor's own timer (the VMX-preemption timer on
 * VT-x, the intercepted LAPIC timer on AMD-V) takes the CPU back, so a
 * test with it beside other VMs fails if preemption does not work. */
#include "guest-stub/cpu.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

void mode_spin_dark(const struct hc_identity *id)
{
	print("going dark: no exit from here on\n");
	cpu_cli();
	for (;;)
		cpu_pause();
}
