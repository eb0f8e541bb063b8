/* Taking slots and copy buffers back from a VM, whoever decided it: the
 * VM itself (HC_NET_RELEASE, rx_release.c), the reclaim deadline
 * (revocation, reclaim.c), or its stop (reclaim.c). Each window slot is
 * unmapped, the VM's EPT invalidated once, and only then is a frame no
 * VM holds FREE (docs/datapath.md, "Release, reclaim,
 * revocation"). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

/* Take 'slot' of 'vm' back. A frame left with no holder is RECLAIMING
 * and linked on *reclaim, to be freed after the flush: until then the
 * guest's TLB may still translate the slot to it [SDM 3C 29.4.3]. */
static void slot_unmap(struct netpath *np, uint32_t vm, uint16_t slot,
		       uint16_t *reclaim)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t fi = v->slot_frame[slot];
	struct np_frame *f = &np->frame[fi];

	if (np->ops.unmap(np->ops.ctx, vm, slot) < 0)
		np->ops.panic(np->ops.ctx, "unmap of a delivered slot failed", fi);
	v->slot_frame[slot] = NP_NO_FRAME;
	np_bit_clear(v->slot_used, slot);
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
static void copy_put(struct netpath *np, uint32_t vm, uint16_t buf)
{
	struct np_vm *v = &np->vm[vm];

	v->copy_seq[buf] = 0;
	np_bit_clear(v->buf_used, buf);
	v->held--;
	v->held_copy--;
}

/* After a batch of slot_unmap: one INVEPT for the VM, then no CPU
 * can reach the frames on 'reclaim' through it, and they can be
 * reused. */
static void reclaim_finish(struct netpath *np, uint32_t vm, uint16_t reclaim)
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

uint32_t np_take_back(struct netpath *np, uint32_t vm, const uint16_t *list,
		      uint32_t n, bool revoked)
{
	struct np_vm *v = &np->vm[vm];
	uint16_t reclaim = NP_NO_FRAME;
	uint32_t nr_win = 0;

	for (uint32_t i = 0; i < n; i++) {
		uint16_t s = list[i] & ~NET_SLOT_COPY;

		if (list[i] & NET_SLOT_COPY) {
			copy_put(np, vm, s);
		} else {
			slot_unmap(np, vm, s, &reclaim);
			nr_win++;
		}
	}
	/* Copy buffers alone change no EPT entry: no INVEPT. */
	if (nr_win)
		reclaim_finish(np, vm, reclaim);
	if (revoked) {
		v->st.revoked += n;
		np->st.revocations += n;
	} else {
		v->st.released += n;
	}
	return n;
}
