/* The message for an EPT violation in the receive window: which slot,
 * and whether the guest wrote to a frame it may only read or touched a
 * slot that holds nothing for it (never delivered, released, revoked);
 * or on a RAM page it posted for exchange, which post slot. */
#include "lib/fmt.h"
#include "vmm/net/net.h"
#include "vmm/net/net_glue.h"

bool net_window_fault(struct vm *vm, uint64_t gpa, bool write, char *why,
		      uint32_t len)
{
	uint64_t slot;
	bool held;

	if (net.up && gpa < vm->ram_bytes) {
		const struct np_vm *v = &net.np->vm[vm->id];
		uint64_t page = gpa & ~(uint64_t)(NET_SLOT_SIZE - 1);

		/* A page it posted is the hypervisor's until a frame comes. */
		for (slot = 0; slot < v->nr_slots; slot++)
			if (v->post_gpa[slot] == page)
				break;
		if (slot == v->nr_slots)
			return false;
		fmt_snprintf(why, len, "%s posted page, slot %lu (GPA 0x%lx), "
			     "which is the hypervisor's until a frame is "
			     "delivered into it", write ? "wrote to" : "touched",
			     (unsigned long)slot, (unsigned long)page);
		return true;
	}
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

