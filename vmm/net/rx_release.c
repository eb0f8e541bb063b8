/* Release: a guest hands delivered slots and copy buffers back
 * (HC_NET_RELEASE). The whole batch is validated before anything
 * changes; then each slot is unmapped, the VM's EPT invalidated once if
 * any was, every frame whose last holder let go is scrubbed and FREE,
 * and each copy buffer is simply free again: it is the guest's own RAM,
 * no EPT entry changes (docs/datapath.md, "Release" and "Delivery
 * modes"). Revocation (reclaim.c) takes both back by the same path. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath.h"

/* Take 'slot' of 'vm' back. A frame left with no holder is RECLAIMING
 * and linked on *reclaim, to be scrubbed after the flush: until then the
 * guest's TLB may still translate the slot to it [SDM 3C 29.4.3]. */
void np_slot_unmap(struct netpath *np, uint32_t vm, uint16_t slot,
		   uint16_t *reclaim)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t fi = v->slot_frame[slot];
	struct np_frame *f = &np->frame[fi];

	if (np->ops.unmap(np->ops.ctx, vm, slot) < 0)
		np->ops.panic(np->ops.ctx, "unmap of a delivered slot failed", fi);
	v->slot_frame[slot] = NP_NO_FRAME;
	v->slot_seq[slot] = 0;
	v->held--;
	f->holders &= (uint16_t)~(1u << vm);
	if (!f->holders) {
		np_frame_set(np, fi, FRAME_RECLAIMING);
		f->next = *reclaim;
		*reclaim = (uint16_t)fi;
	}
}

/* Copy buffer 'buf' of 'vm' is free again. Nothing to unmap, nothing to
 * invalidate, nothing to scrub: it never held a pool frame, and what the
 * guest can still read there is a copy of its own frame. */
void np_copy_put(struct netpath *np, uint32_t vm, uint16_t buf)
{
	struct np_vm *v = &np->vm[vm];

	v->copy_seq[buf] = 0;
	v->held--;
	v->held_copy--;
}

/* After a batch of np_slot_unmap: one INVEPT for the VM, then no CPU
 * can reach the frames on 'reclaim' through it, and they can be
 * scrubbed and reused. */
void np_reclaim_finish(struct netpath *np, uint32_t vm, uint16_t reclaim)
{
	np->ops.flush(np->ops.ctx, vm);
	np->st.invepts++;
	while (reclaim != NP_NO_FRAME) {
		uint16_t fi = reclaim;

		reclaim = np->frame[fi].next;
		np->frame[fi].next = NP_NO_FRAME;
		np_pool_put(np, fi);
	}
}

/* Every guest-supplied value, before any change. A list with one bad
 * entry is refused whole. An entry is a window slot, or a copy buffer
 * with NET_SLOT_COPY set: the same rules for both, each kind with its
 * own numbers (slot 3 and buffer 3 are two things). Counts the window
 * slots into *nr_win. */
static int release_check(const struct np_vm *v, const uint16_t *slots,
			 uint32_t n, uint32_t *nr_win)
{
	uint64_t seen[2][NET_RX_SLOTS_MAX / 64] = { { 0 } };

	if (!n || n > HC_NET_BATCH || !slots)
		return -HC_E_INVAL;
	for (uint32_t i = 0; i < n; i++)
		if ((slots[i] & ~NET_SLOT_COPY) >= v->nr_slots)
			return -HC_E_INVAL;
	*nr_win = 0;
	for (uint32_t i = 0; i < n; i++) {
		bool copy = slots[i] & NET_SLOT_COPY;
		uint16_t s = slots[i] & ~NET_SLOT_COPY;

		/* Not delivered to this VM: never, already released, revoked,
		 * or another VM's; a number names only our own. */
		if (copy ? !v->copy_seq[s] : v->slot_frame[s] == NP_NO_FRAME)
			return -HC_E_STATE;
		if (seen[copy][s / 64] >> (s % 64) & 1)
			return -HC_E_STATE;
		seen[copy][s / 64] |= 1ull << (s % 64);
		*nr_win += !copy;
	}
	return 0;
}

int np_release(struct netpath *np, uint32_t vm, const uint16_t *slots,
	       uint32_t n, uint64_t now)
{
	uint16_t reclaim = NP_NO_FRAME;
	uint32_t nr_win;
	struct np_vm *v;
	int err;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present)
		return -HC_E_INVAL;
	v = &np->vm[vm];
	err = release_check(v, slots, n, &nr_win);
	if (err) {
		v->st.release_errors++;
		return err;
	}

	for (uint32_t i = 0; i < n; i++) {
		uint16_t s = slots[i] & ~NET_SLOT_COPY;

		if (slots[i] & NET_SLOT_COPY)
			np_copy_put(np, vm, s);
		else
			np_slot_unmap(np, vm, s, &reclaim);
	}
	/* Copy buffers alone change no EPT entry: no INVEPT. */
	if (nr_win)
		np_reclaim_finish(np, vm, reclaim);
	v->st.released += n;
	/* It answered the reclaim: no revocation. */
	v->reclaim_deadline = 0;
	np_pool_refill(np);
	np_checked(np);
	return (int)n;
}
