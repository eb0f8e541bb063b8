/* HC_MODE_CR8_MASK: CR8 is guest state (docs/hypercalls.md). The guest
 * writes 15 - vm_id % 8 to it, the highest task priority for VM 0: were
 * that the physical local APIC's TPR, it would mask every host vector,
 * the LAPIC timer's and the NIC's, and the machine would never wake from
 * its idle HLT again. It reads the value back, sleeps on the
 * hypervisor's timer three times (other VMs run meanwhile, with CR8
 * values of their own) and reads it back after each sleep. Then it says
 * so and halts for good with interrupts off, CR8 still set. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define SLEEPS   3
#define SLEEP_MS 100

static void check(uint64_t want, const char *when)
{
	uint64_t got = read_cr8();

	if (got == want)
		print("cr8: %s read %lu\n", when, got);
	else
		print("cr8: %s read %lu, WRONG: wrote %lu\n", when, got, want);
}

void mode_cr8_mask(const struct hc_identity *id)
{
	uint64_t tpr = 15 - id->vm_id % 8;

	cpu_cli();
	write_cr8(tpr);
	check(tpr, "wrote it and");
	for (int i = 1; i <= SLEEPS; i++) {
		hostile_sleep_ms(id, SLEEP_MS);
		check(tpr, i == SLEEPS ? "after the last sleep" : "after a sleep");
	}
	print("cr8: halting with CR8=%lu\n", tpr);
	cpu_halt_forever();
}
