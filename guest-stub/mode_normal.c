/* HC_MODE_NORMAL: ask for one kick interrupt, set up the network if
 * there is one, then a heartbeat every 250 ms from the one-shot
 * hypervisor timer, sleeping in between and answering frames on every
 * wake-up. Each heartbeat period starts with one ping request when the
 * VM has a 'ping' peer. */
#include <stdbool.h>
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/idt.h"
#include "guest-stub/modes.h"
#include "guest-stub/net_dev.h"
#include "guest-stub/print.h"

#define HEARTBEAT_MS     250
#define REPORT_HEARTBEAT 4      /* the heartbeat that reports the kick count */
#define NET_SUMMARY_EVERY 4     /* heartbeats between counter lines and net reports */

void mode_normal(const struct hc_identity *id)
{
	int64_t r = hc_test(HC_TEST_KICK, GUEST_VEC_KICK, 0);

	if (r < 0)
		print("HC_TEST_KICK refused: error %ld\n", r);
	/* Copy buffers back by cons: no HC_NET_RELEASE for a copy. */
	bool net = net_dev_setup(id, true);

	/* Interrupts stay off except inside sti_hlt(), so no interrupt can
	 * arrive between looking at the timer count or the ring and
	 * halting: it stays pending and ends the HLT. */
	cpu_cli();
	for (uint64_t n = 1;; n++) {
		uint64_t seen = idt_irq_count(HC_VEC_TIMER);

		if (net)
			net_dev_ping();
		r = hc_set_timer(id->tsc_per_ms * HEARTBEAT_MS);
		if (r < 0) {
			print("HC_SET_TIMER refused: error %ld\n", r);
			cpu_halt_forever();
		}
		/* Receive and reclaim interrupts wake HLT too: serve the ring
		 * on every wake-up, then sleep until the timer has fired. */
		for (;;) {
			if (net)
				net_dev_poll();
			if (idt_irq_count(HC_VEC_TIMER) != seen)
				break;
			sti_hlt();
			cpu_cli();
		}
		uint64_t kicks = idt_irq_count(GUEST_VEC_KICK);

		print("heartbeat %lu irqs=%lu\n", n, kicks);
		if (n == REPORT_HEARTBEAT)
			hc_test(HC_TEST_REPORT, HC_KEY_IRQ_COUNT, kicks);
		if (net && n % NET_SUMMARY_EVERY == 0) {
			net_dev_summary();
			net_dev_report();
		}
	}
}
