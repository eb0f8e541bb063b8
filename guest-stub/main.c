/* guest_main: learn who we are, say so in one line, run the test mode.
 * Entered from _start (entry.asm, which documents the entry state) with
 * .bss already zeroed. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/idt.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define TSC_PER_MS_GUESS 1000000ull     /* 1 GHz, if the hypervisor gave 0 */

void guest_main(uint64_t ram_bytes);

static struct hc_identity identity;

void guest_main(uint64_t ram_bytes)
{
	struct hc_identity *id = &identity;

	idt_init();
	int64_t r = hc_get_identity(id);
	if (r < 0) {
		print("HC_GET_IDENTITY failed: error %ld\n", r);
		cpu_halt_forever();
	}
	print("up mac=%02x:%02x:%02x:%02x:%02x:%02x ip=%u.%u.%u.%u\n",
	      id->mac[0], id->mac[1], id->mac[2], id->mac[3], id->mac[4],
	      id->mac[5], (id->ipv4 >> 24) & 0xff, (id->ipv4 >> 16) & 0xff,
	      (id->ipv4 >> 8) & 0xff, id->ipv4 & 0xff);

	/* Lines below appear only if the hypervisor breaks the ABI. */
	if (id->ram_bytes != ram_bytes)
		print("identity ram_bytes 0x%lx but RDI was 0x%lx\n",
		      (uint64_t)id->ram_bytes, ram_bytes);
	if (id->tsc_per_ms == 0) {
		print("identity tsc_per_ms is 0, assuming %lu\n",
		      (uint64_t)TSC_PER_MS_GUESS);
		id->tsc_per_ms = TSC_PER_MS_GUESS;
	}

	switch (id->test_mode) {
#define GUEST_MODE_CASE(N, n, v) \
	case HC_MODE_##N: \
		mode_##n(id);
	HC_TEST_MODES(GUEST_MODE_CASE)
#undef GUEST_MODE_CASE
	default:
		print("unknown test_mode %u\n", (unsigned)id->test_mode);
		cpu_halt_forever();
	}
}
