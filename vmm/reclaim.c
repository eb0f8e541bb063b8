/* Reclaim by virtual interrupt: when the pool runs low, the VMs holding
 * the most frames are asked to release (HC_VEC_NET_RECLAIM), and so is a
 * VM that has frames dropped because it sits at its quota; one that has
 * released nothing by the deadline has its oldest slots revoked
 * (docs/datapath.md, "Release, reclaim, revocation"). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"
#include "vmm/netpath.h"

static void ask(struct netpath *np, uint32_t i, uint64_t now)
{
	struct np_vm *v = &np->vm[i];

	np->ops.notify(np->ops.ctx, i, HC_VEC_NET_RECLAIM);
	/* 0 means none outstanding: a deadline at tick 0 is tick 1. */
	v->reclaim_deadline = now + np->reclaim_ticks;
	if (!v->reclaim_deadline)
		v->reclaim_deadline = 1;
	np->st.reclaim_events++;
}

/* A VM at its quota that still gets traffic holds frames it may be done
 * with: ask, whatever the pool's level. Below the watermark, also ask
 * every VM that holds at least the mean of the VMs holding any (so
 * always the heaviest). None is asked twice before it answers. */
void np_reclaim_ask(struct netpath *np, uint64_t now)
{
	uint64_t sum = 0, holding = 0;

	for (uint32_t i = 0; i < NP_MAX_VMS; i++) {
		struct np_vm *v = &np->vm[i];

		if (v->at_quota && v->present && !v->reclaim_deadline)
			ask(np, i, now);
		v->at_quota = false;
	}
	if (np->count[FRAME_FREE] + np->count[FRAME_POSTED] >= np->low_watermark)
		return;
	for (uint32_t i = 0; i < NP_MAX_VMS; i++) {
		if (np->vm[i].present && np->vm[i].held) {
			sum += np->vm[i].held;
			holding++;
		}
	}
	for (uint32_t i = 0; i < NP_MAX_VMS; i++) {
		struct np_vm *v = &np->vm[i];

		/* held >= sum / holding, without the division's rounding. */
		if (!v->present || !v->held || v->held * holding < sum ||
		    v->reclaim_deadline)
			continue;
		ask(np, i, now);
	}
}

static uint16_t oldest_slot(const struct np_vm *v)
{
	uint16_t best = NP_NO_FRAME;

	for (uint32_t s = 0; s < v->nr_slots; s++)
		if (v->slot_frame[s] != NP_NO_FRAME &&
		    (best == NP_NO_FRAME || v->slot_seq[s] < v->slot_seq[best]))
			best = (uint16_t)s;
	return best;
}

/* Down to half the quota, at least one: the VM keeps room to receive
 * once it wakes up, and loses the frames it has had longest. */
static uint32_t revoke(struct netpath *np, uint32_t vm)
{
	struct np_vm *v = &np->vm[vm];
	uint16_t reclaim = NP_NO_FRAME;
	uint32_t n = 0;

	do {
		uint16_t s = oldest_slot(v);

		if (s == NP_NO_FRAME)
			break;
		np_slot_unmap(np, vm, s, &reclaim);
		n++;
	} while (v->held > v->quota / 2);
	if (n)
		np_reclaim_finish(np, vm, reclaim);
	v->st.revoked += n;
	np->st.revocations += n;
	return n;
}

uint32_t np_tick(struct netpath *np, uint64_t now)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < NP_MAX_VMS; i++) {
		struct np_vm *v = &np->vm[i];

		if (!v->present || !v->reclaim_deadline ||
		    now < v->reclaim_deadline)
			continue;
		n += revoke(np, i);
		v->reclaim_deadline = 0;
	}
	if (n)
		np_pool_refill(np);
	np_checked(np);
	return n;
}
