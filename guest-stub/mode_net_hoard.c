/* HC_MODE_NET_HOARD: the guest that never gives a receive slot or a copy
 * buffer back. It registers its ring and copy area like the normal mode,
 * but with copy buffers it must release (no NET_COPY_RING: on a copy
 * ring, buffers it never consumes only stop its own copies), then never
 * reads a frame, never advances cons, never releases either kind, and
 * ignores the reclaim interrupt: the hypervisor must hold it to its
 * quota and revoke what it holds while other VMs go on. It only watches
 * prod to say how much it holds. */
#include <stdbool.h>
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/idt.h"
#include "guest-stub/modes.h"
#include "guest-stub/net_dev.h"
#include "guest-stub/print.h"

#define HOARD_LINES 8   /* "holding" lines, then silence */

void mode_net_hoard(const struct hc_identity *id)
{
	if (!net_dev_setup(id, false))
		cpu_halt_forever();
	print("hoarding receive slots\n");

	uint64_t rx_seen = 0;
	bool told = false;
	uint32_t next = 1;              /* print when holding this many */
	unsigned lines = 0;

	cpu_cli();
	for (;;) {
		sti_hlt();
		cpu_cli();
		if (!told && idt_irq_count(HC_VEC_NET_RECLAIM)) {
			told = true;
			print("hoard: ignoring reclaim\n");
		}
		uint64_t rxs = idt_irq_count(HC_VEC_NET_RX);

		if (rxs == rx_seen)
			continue;
		rx_seen = rxs;
		/* A line each time the count has doubled: a handful at most. */
		uint32_t held = net_dev_pending();

		if (held >= next && lines < HOARD_LINES) {
			lines++;
			print("hoard: holding %u\n", held);
			next = held * 2;
		}
	}
}
