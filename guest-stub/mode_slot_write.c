/* HC_MODE_SLOT_WRITE: write to a delivered receive slot. The slot is
 * mapped read-only in the EPT (it may be shared with other VMs, and the
 * hypervisor scrubs only what the NIC wrote), so the write must end in an
 * EPT violation that stops this VM, naming the slot. The guest maps the
 * window writable in its own page tables first, so that its own paging
 * does not stop the write. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

void mode_slot_write(const struct hc_identity *id)
{
	struct hostile_net h;
	struct net_rx_entry e;

	(void)id;
	if (!hostile_net_setup(&h, true))
		cpu_halt_forever();
	print("slot_write: waiting for a frame\n");
	cpu_cli();
	while (!hostile_next(&h, &e))
		hostile_wait();
	print("slot_write: writing to slot %u\n", e.slot);
	*hostile_slot(e.slot) = 0x5741415741415741ull;
	print("slot_write: STILL RUNNING after writing to slot %u\n", e.slot);
	cpu_halt_forever();
}
