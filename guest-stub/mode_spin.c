/* HC_MODE_SPIN: never halt, never yield. Progress is measured with the
 * TSC, not interrupts, since a guest that hogs its CPU cannot count on
 * being interrupted; interrupts stay enabled all the same. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define PROGRESS_MS 100

void mode_spin(const struct hc_identity *id)
{
	uint64_t period = id->tsc_per_ms * PROGRESS_MS;
	uint64_t next = rdtsc() + period;

	cpu_sti();
	for (uint64_t n = 1;;) {
		/* Signed difference: correct across a TSC wrap. */
		if ((int64_t)(rdtsc() - next) < 0) {
			cpu_pause();
			continue;
		}
		print("progress %lu\n", n);
		hc_test(HC_TEST_REPORT, HC_KEY_PROGRESS, n);
		n++;
		/* From now, not from the deadline: time spent descheduled is
		 * not made up with a burst of reports. */
		next = rdtsc() + period;
	}
}
