/* Reclaim by virtual interrupt: when the pool runs low, the VMs holding
 * the most pool frames are asked to release (HC_VEC_NET_RECLAIM), and so
 * is a VM that has frames dropped because it sits at its quota; one that
 * has released nothing by the deadline, and is not in the middle of
 * reading its ring, has its oldest slots and copy buffers revoked
 * (docs/datapath.md, "Release, reclaim, revocation"). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

/* Times a deadline may move for a VM still reading its ring: the grace
 * is at most (1 + RECLAIM_GRACE) * reclaim_ms. */
#define RECLAIM_GRACE   3

static uint32_t ring_cons(const struct np_vm *v)
{
	return v->ring ? RING(v)->cons : 0;     /* once: it may change */
}

/* VM i's own time: what its deadline is measured in. Wall time would
 * let a deadline pass while the VM waits for the CPU, behind another VM's
 * slices or the hypervisor's work, and an honest VM would lose slots it
 * never had the chance to release (then be stopped for touching them). */
static uint64_t own_time(const struct netpath *np, uint32_t i, uint64_t now)
{
	return np->ops.vm_clock(np->ops.ctx, i, now);
}

static void set_deadline(struct netpath *np, uint32_t i, uint64_t now)
{
	struct np_vm *v = &np->vm[i];

	/* 0 means none outstanding: a deadline at tick 0 is tick 1. */
	v->reclaim_deadline = own_time(np, i, now) + np->reclaim_ticks;
	if (!v->reclaim_deadline)
		v->reclaim_deadline = 1;
	v->reclaim_cons = ring_cons(v);
}

static void ask(struct netpath *np, uint32_t i, uint64_t now)
{
	struct np_vm *v = &np->vm[i];

	/* Notify first: it wakes a halted VM, whose clock then waits. */
	np->ops.notify(np->ops.ctx, i, HC_VEC_NET_RECLAIM);
	set_deadline(np, i, now);
	v->reclaim_grace = RECLAIM_GRACE;
	np->st.reclaim_events++;
}

/* Did the guest read its ring since it was asked? Its cons moved forward
 * and not past our prod. Entries it has not read yet are frames it is
 * about to touch: revoking them would stop a guest that was only slow
 * (it was preempted in the middle of its ring, say). A guest that lies
 * gains little: cons cannot pass prod, and prod only moves while it is
 * under its quota, so it keeps at most its quota for at most
 * RECLAIM_GRACE more periods. */
static bool reading_ring(const struct np_vm *v)
{
	uint32_t moved = ring_cons(v) - v->reclaim_cons;

	return moved && moved <= v->prod - v->reclaim_cons;
}

/* Pool frames the VM keeps from the NIC: its window slots. Its copy
 * buffers hold none. */
static uint32_t frames_held(const struct np_vm *v)
{
	return (uint32_t)v->held - v->held_copy;
}

/* A VM at its quota (slots and copy buffers) that still gets traffic
 * holds frames it may be done with: ask, whatever the pool's level.
 * Below the watermark, also ask every VM that holds at least the mean
 * pool frames of the VMs holding any (so always the heaviest); copy
 * buffers do not count there, releasing them would give the pool
 * nothing. None is asked twice before it answers. */
void np_reclaim_ask(struct netpath *np, uint64_t now)
{
	uint64_t sum = 0, holding = 0;

	for (uint32_t m = np->vm_mask; m; m &= m - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(m);
		struct np_vm *v = &np->vm[i];

		if (v->at_quota && !v->reclaim_deadline)
			ask(np, i, now);
		v->at_quota = false;
	}
	if (np->count[FRAME_FREE] + np->count[FRAME_POSTED] >= np->low_watermark)
		return;
	for (uint32_t m = np->vm_mask; m; m &= m - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(m);

		if (frames_held(&np->vm[i])) {
			sum += frames_held(&np->vm[i]);
			holding++;
		}
	}
	for (uint32_t m = np->vm_mask; m; m &= m - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(m);
		struct np_vm *v = &np->vm[i];
		uint64_t held = frames_held(v);

		/* held >= sum / holding, without the division's rounding. */
		if (!held || held * holding < sum ||
		    v->reclaim_deadline)
			continue;
		ask(np, i, now);
	}
}

/* The VM's 'max' oldest deliveries, window slots and copy buffers (with
 * NET_SLOT_COPY), oldest first, by the one sequence both draw from
 * (every delivery a number of its own, never 0). Returns how many: fewer
 * than 'max' when it holds fewer. */
static uint32_t oldest(const struct np_vm *v, uint16_t *list, uint32_t max)
{
	uint64_t after = 0;
	uint32_t n = 0;

	while (n < max) {
		uint16_t best = NP_NO_FRAME;
		uint64_t best_seq = UINT64_MAX;

		for (uint32_t s = 0; s < v->nr_slots; s++) {
			if (v->slot_frame[s] != NP_NO_FRAME &&
			    v->slot_seq[s] > after && v->slot_seq[s] < best_seq) {
				best = (uint16_t)s;
				best_seq = v->slot_seq[s];
			}
			if (v->copy_seq[s] > after && v->copy_seq[s] < best_seq) {
				best = (uint16_t)(s | NET_SLOT_COPY);
				best_seq = v->copy_seq[s];
			}
		}
		if (best == NP_NO_FRAME)
			break;
		list[n++] = best;
		after = best_seq;
	}
	return n;
}

/* Down to half the quota, at least one: the VM keeps room to receive
 * once it wakes up, and loses what it has had longest, of both kinds:
 * otherwise a hoarder would keep its copy buffers for ever. A copy
 * buffer is just taken back (what the guest can still read there is a
 * copy of its own frame); only window slots need the INVEPT. */
static uint32_t revoke(struct netpath *np, uint32_t vm)
{
	const struct np_vm *v = &np->vm[vm];
	uint16_t list[2 * NET_RX_SLOTS_MAX];
	uint32_t keep = v->quota / 2u;
	uint32_t max = v->held > keep ? v->held - keep : 1;

	return np_take_back(np, vm, list, oldest(v, list, max), true);
}

/* A stopped VM will never release anything: take back every slot and
 * copy buffer it holds, as a revocation does (unmap, one INVEPT, free),
 * and forget its ring and copy area, so that nothing is delivered to it
 * again (a frame for it is a counted drop, rx_drop_nosetup) and it is
 * never asked to reclaim. Otherwise a hostile guest that gets itself
 * stopped would keep pool frames pinned for good, refilled up to its
 * quota by every broadcast. */
uint32_t np_vm_stop(struct netpath *np, uint32_t vm)
{
	uint16_t list[2 * NET_RX_SLOTS_MAX];
	uint32_t n = 0;
	struct np_vm *v;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present)
		return 0;
	v = &np->vm[vm];
	for (uint32_t s = 0; s < v->nr_slots; s++) {
		if (v->slot_frame[s] != NP_NO_FRAME)
			list[n++] = (uint16_t)s;
		if (v->copy_seq[s])
			list[n++] = (uint16_t)(s | NET_SLOT_COPY);
	}
	np_take_back(np, vm, list, n, true);
	/* Posted pages go back into its RAM: a stopped VM keeps its pages,
	 * and the pool keeps its frames. */
	n += np_unplug(np, vm);
	v->at_quota = false;
	v->reclaim_deadline = 0;
	v->reclaim_grace = 0;
	np_pool_refill(np);
	np_checked(np);
	return n;
}

/* Called on every poll, so after every VM exit: a tick that finds no
 * deadline due has changed nothing and is no transition, and must not
 * pay for np_check. The checker walks each exchange VM's RAM mappings
 * (netpath_check.c), hundreds of thousands of instructions: run on
 * every exit it made each exit of a Linux VM cost more TSC time than the
 * kernel's 4 ms tick, and the VM spent all its time in timer interrupts
 * (docs/linux.md, "The soft lockup on Bochs"). */
uint32_t np_tick(struct netpath *np, uint64_t now)
{
	uint32_t n = 0;
	bool changed = false;

	for (uint32_t m = np->vm_mask; m; m &= m - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(m);
		struct np_vm *v = &np->vm[i];

		if (!v->reclaim_deadline ||
		    own_time(np, i, now) < v->reclaim_deadline)
			continue;
		changed = true;
		if (v->reclaim_grace && reading_ring(v)) {
			v->reclaim_grace--;
			v->st.reclaim_extended++;
			set_deadline(np, i, now);
			continue;
		}
		n += revoke(np, i);
		v->reclaim_deadline = 0;
	}
	if (n)
		np_pool_refill(np);
	if (changed)
		np_checked(np);
	return n;
}
