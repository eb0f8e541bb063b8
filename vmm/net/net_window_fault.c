/* The message for an EPT violation in the receive window: which slot,
 * and whether the guest wrote to a frame it may only read or touched a
 * slot that holds nothing for it (never delivered, released, revoked). */
#include "lib/fmt.h"
#include "vmm/net/net.h"
#include "vmm/net/net_glue.h"

bool net_window_fault(struct vm *vm, uint64_t gpa, bool write, char *why,
		      uint32_t len)
{
	uint64_t slot;
	bool held;

	if (gpa < NET_RX_WINDOW_GPA ||
	    gpa >= NET_RX_WINDOW_GPA + NET_RX_SLOTS_MAX * NET_SLOT_SIZE)
		return false;
	slot = (gpa - NET_RX_WINDOW_GPA) / NET_SLOT_SIZE;
	held = net.up && slot < net.np->vm[vm->id].nr_slots &&
	       net.np->vm[vm->id].slot_frame[slot] != NP_NO_FRAME;
	if (held && write)
		fmt_snprintf(why, len, "wrote to receive slot %lu, which is "
			     "read-only", (unsigned long)slot);
	else
		fmt_snprintf(why, len, "touched receive slot %lu, which holds no "
			     "frame for it (never delivered, released or "
			     "revoked)", (unsigned long)slot);
	return true;
}

