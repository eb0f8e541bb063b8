/* HC_MODE_NMI_PROBE: asks for a host NMI 5 ms ahead (HC_TEST_NMI) and
 * spins 100 ms with interrupts off and nothing that exits, so the NMI
 * most likely comes while it runs; three rounds. The hypervisor must
 * take every one of them: one reaching the guest's IDT shows as
 * "exception 2" (idt.c), and the VM halts there. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define ROUNDS    3
#define NMI_MS    5
#define SPIN_MS   100

void mode_nmi_probe(const struct hc_identity *id)
{
	cpu_cli();
	for (int i = 1; i <= ROUNDS; i++) {
		int64_t r = hc_test(HC_TEST_NMI, NMI_MS, 0);
		uint64_t end = rdtsc() + SPIN_MS * id->tsc_per_ms;

		if (r < 0) {
			print("nmi_probe: HC_TEST_NMI refused: error %ld\n", r);
			cpu_halt_forever();
		}
		while ((int64_t)(rdtsc() - end) < 0)
			cpu_pause();
		print("nmi_probe: round %d: no NMI reached the guest\n", i);
	}
	print("nmi_probe: done\n");
	cpu_halt_forever();
}
