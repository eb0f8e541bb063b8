/* HC_MODE_SPIN_CLI: set up a receive ring (so frames keep coming for
 * it), disable interrupts and spin for ever, never halting, never
 * yielding, never taking a frame. Only the VMX-preemption timer gets the
 * CPU back from it, and only revocation gets its frames back. Prints
 * "spin_cli: progress N" every PROGRESS_MS by the TSC (port I/O, no
 * interrupt needed). */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define PROGRESS_MS 500

void mode_spin_cli(const struct hc_identity *id)
{
	struct hostile_net h;
	uint64_t period = id->tsc_per_ms * PROGRESS_MS;

	cpu_cli();
	if (!hostile_net_setup(&h, false))
		cpu_halt_forever();
	print("spinning with interrupts disabled\n");
	uint64_t next = rdtsc() + period;

	for (uint64_t n = 1;;) {
		if ((int64_t)(rdtsc() - next) < 0) {
			cpu_pause();
			continue;
		}
		print("spin_cli: progress %lu\n", n++);
		next = rdtsc() + period;
	}
}
