/* HC_MODE_HYPERCALL_FLOOD: issue invalid hypercalls as fast as possible,
 * forever, and check that every one is refused with a negative HC_E_*.
 * Says so in a handful of lines, then floods silently. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define FLOOD_CHECK_EVERY 4096  /* calls between "all refused" lines */
#define FLOOD_LINES       4     /* lines after the first, then silence */
#define HUGE_LEN          (1ull << 40)

struct garbage {
	uint64_t nr, a0, a1, a2;
};

void mode_hypercall_flood(const struct hc_identity *id)
{
	const uint64_t ram = id->ram_bytes;
	const struct garbage calls[] = {
		/* unknown numbers */
		{ 0, 0, 0, 0 },
		{ HC_NR, 0, 0, 0 },
		{ 1000, 0, 0, 0 },
		{ ~0ull, 0, 0, 0 },
		/* text outside RAM, across its end, wrapping around 2^64 */
		{ HC_CONSOLE_WRITE, ram + 0x1000, 16, 0 },
		{ HC_CONSOLE_WRITE, ram - 8, 16, 0 },
		{ HC_CONSOLE_WRITE, ~0ull - 7, 16, 0 },
		/* text in RAM, too long */
		{ HC_CONSOLE_WRITE, GUEST_LOAD_GPA, HC_CONSOLE_MAX + 1, 0 },
		{ HC_CONSOLE_WRITE, GUEST_LOAD_GPA, HUGE_LEN, 0 },
		/* identity buffer outside RAM, across its end, wrapping */
		{ HC_GET_IDENTITY, ram + 0x1000, 0, 0 },
		{ HC_GET_IDENTITY, ram - 8, 0, 0 },
		{ HC_GET_IDENTITY, ~0ull - 7, 0, 0 },
		/* unknown test operations, a kick to an exception vector and
		 * one past the last vector */
		{ HC_TEST, 0, 0, 0 },
		{ HC_TEST, 1000, 0, 0 },
		{ HC_TEST, HC_TEST_KICK, 3, 0 },
		{ HC_TEST, HC_TEST_KICK, 256, 0 },
		/* a delay no TSC reaches */
		{ HC_SET_TIMER, ~0ull, 0, 0 },
	};
	const uint64_t nr_calls = sizeof(calls) / sizeof(calls[0]);
	uint64_t issued = 0, refused = 0;
	unsigned lines = 0;

	print("flooding garbage hypercalls\n");
	cpu_sti();
	for (;;) {
		const struct garbage *g = &calls[issued % nr_calls];
		/* Junk in the unused argument registers as well. */
		int64_t r = hc_call6(g->nr, g->a0, g->a1, g->a2, issued,
				     ~issued, issued);

		issued++;
		if (r < 0) {
			refused++;
		} else if (lines < FLOOD_LINES) {
			lines++;
			print("garbage call accepted: nr=%lu args=0x%lx 0x%lx 0x%lx ret=%ld\n",
			      g->nr, g->a0, g->a1, g->a2, r);
		}
		if (issued % FLOOD_CHECK_EVERY == 0 && refused == issued &&
		    lines < FLOOD_LINES) {
			lines++;
			print("garbage calls %lu all refused\n", issued);
		}
	}
}
