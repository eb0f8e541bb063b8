/* Release: a guest hands delivered slots and copy buffers back
 * (HC_NET_RELEASE). The whole batch is validated before anything
 * changes; then each slot is unmapped, the VM's EPT invalidated once if
 * any was, every frame whose last holder let go is FREE (its stale bytes
 * zeroed only when they could reach another VM: np_frame_expose),
 * and each copy buffer is simply free again: it is the guest's own RAM,
 * no EPT entry changes (docs/datapath.md, "Release" and "Delivery
 * modes"): np_take_back (take_back.c), which revocation and a VM's
 * stop use too. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

/* Every guest-supplied value, before any change. A list with one bad
 * entry is refused whole. An entry is a window slot, or a copy buffer
 * with NET_SLOT_COPY set: the same rules for both, each kind with its
 * own numbers (slot 3 and buffer 3 are two things). An index out of
 * range is -HC_E_INVAL wherever it stands in the list, before any
 * -HC_E_STATE; one pass over the list finds either. */
static int release_check(const struct np_vm *v, const uint16_t *slots,
			 uint32_t n)
{
	uint64_t seen[2][NET_RX_SLOTS_MAX / 64] = { { 0 } };
	int err = 0;

	if (!n || n > HC_NET_BATCH || !slots)
		return -HC_E_INVAL;
	for (uint32_t i = 0; i < n; i++) {
		bool copy = slots[i] & NET_SLOT_COPY;
		uint16_t s = slots[i] & ~NET_SLOT_COPY;

		if (s >= v->nr_slots)
			return -HC_E_INVAL;
		if (err)
			continue;       /* only the range is left to check */
		/* Not delivered to this VM: never, already released, revoked,
		 * or another VM's; a number names only our own. Or twice. */
		if ((copy ? !v->copy_seq[s] : v->slot_frame[s] == NP_NO_FRAME) ||
		    seen[copy][s / 64] >> (s % 64) & 1)
			err = -HC_E_STATE;
		seen[copy][s / 64] |= 1ull << (s % 64);
	}
	return err;
}

int np_release(struct netpath *np, uint32_t vm, const uint16_t *slots,
	       uint32_t n, uint64_t now)
{
	struct np_vm *v;
	int err;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present)
		return -HC_E_INVAL;
	v = &np->vm[vm];
	err = release_check(v, slots, n);
	if (err) {
		v->st.release_errors++;
		return err;
	}

	np_take_back(np, vm, slots, n, false);
	/* It answered the reclaim: no revocation. */
	v->reclaim_deadline = 0;
	np_pool_refill(np);
	np_checked(np);
	return (int)n;
}
