/* Delivery by EPT remap: a demultiplexed frame is mapped read-only into
 * a free slot of each winning VM's receive window and announced in that
 * VM's receive ring; one HC_VEC_NET_RX per VM per batch
 * (docs/datapath.md, "Receive"). The ring lives in guest memory: the
 * guest may rewrite any of it at any time, so our producer index is our
 * own copy and the guest's consumer index is read once and checked. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/netpath.h"

/* The ring as the guest may change it: every access is a real load or
 * store, in program order with the others [C11 5.1.2.3]. x86 keeps
 * stores in order [SDM 3A 9.2.2], so an entry written before prod is
 * seen before prod, with no barrier instruction. */
#define RING(v) ((volatile struct net_rx_ring *)(v)->ring)

/* prod and cons run freely over 2^32, entry i is ent[i % NET_RX_RING];
 * NET_RX_RING divides 2^32, so the index is continuous across the wrap. */
_Static_assert(((1ull << 32) % NET_RX_RING) == 0,
	       "the ring size must divide 2^32");

int np_setup(struct netpath *np, uint32_t vm, struct net_rx_ring *ring)
{
	struct np_vm *v;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present || !ring)
		return -HC_E_INVAL;
	v = &np->vm[vm];
	/* Slots announced in the old ring would be lost with it. */
	if (v->held)
		return -HC_E_STATE;

	v->ring = ring;
	v->prod = 0;
	RING(v)->prod = 0;
	RING(v)->cons = 0;
	RING(v)->nr_slots = v->nr_slots;
	np_checked(np);
	return 0;
}

/* Room for one more entry? A cons ahead of our prod, or more than a
 * ring behind, is garbage: full, so a lying guest only starves itself. */
static bool ring_room(const struct np_vm *v)
{
	uint32_t cons = RING(v)->cons;          /* once: it may change */
	uint32_t used = v->prod - cons;         /* right across the wrap */

	return used < NET_RX_RING;
}

static void ring_push(struct np_vm *v, uint16_t slot, uint16_t len,
		      uint16_t flags)
{
	volatile struct net_rx_entry *e = &RING(v)->ent[v->prod % NET_RX_RING];

	e->slot = slot;
	e->len = len;
	e->flags = flags;
	e->reserved = 0;
	v->prod++;
	RING(v)->prod = v->prod;
}

static uint32_t lowest_free_slot(const struct np_vm *v)
{
	for (uint32_t s = 0; s < v->nr_slots; s++)
		if (v->slot_frame[s] == NP_NO_FRAME)
			return s;
	return NP_NO_FRAME;
}

/* Map frame 'fi' into every VM of 'targets' that can take it now: a
 * ring, under quota, room in the ring; a VM that cannot is a drop
 * counted for it alone. The frame becomes DELIVERED, or, taken by
 * nobody, is scrubbed and FREE. Returns the VMs that took it. */
uint16_t np_deliver(struct netpath *np, uint32_t fi, uint16_t targets,
		    uint16_t flags)
{
	struct np_frame *f = &np->frame[fi];
	uint16_t taken = 0;

	for (uint32_t i = 0; i < NP_MAX_VMS; i++) {
		struct np_vm *v = &np->vm[i];
		uint32_t slot;

		if (!(targets >> i & 1))
			continue;
		if (!v->ring) {
			v->st.rx_drop_nosetup++;
			continue;
		}
		if (v->held >= v->quota) {
			v->st.rx_drop_quota++;
			v->at_quota = true;     /* np_reclaim_ask asks it back */
			continue;
		}
		if (!ring_room(v)) {
			v->st.rx_drop_ring++;
			continue;
		}
		/* held < quota <= nr_slots: a slot is free. */
		slot = lowest_free_slot(v);
		if (slot == NP_NO_FRAME) {
			np->ops.panic(np->ops.ctx,
				      "deliver: under quota, no free slot", fi);
			continue;
		}
		/* Read-only always: a group frame is shared, and a guest that
		 * cannot write leaves only scrub_len bytes to scrub. The entry
		 * was not present, so no INVEPT [SDM 3C 29.4.3.1]. */
		if (np->ops.map(np->ops.ctx, i, (uint16_t)slot, f->hpa) < 0) {
			v->st.rx_drop_map++;
			continue;
		}
		v->slot_frame[slot] = (uint16_t)fi;
		v->slot_seq[slot] = ++np->seq;
		v->held++;
		f->holders |= (uint16_t)(1u << i);
		/* Mapped before announced: the guest never finds an entry
		 * whose slot is not there yet. */
		ring_push(v, (uint16_t)slot, f->len, flags);
		v->rx_pending = true;
		v->st.rx_frames++;
		v->st.rx_bytes += f->len;
		if (flags & NET_RX_F_BCAST)
			v->st.rx_bcast++;
		taken |= (uint16_t)(1u << i);
	}
	if (taken)
		np_frame_set(np, fi, FRAME_DELIVERED);
	else
		np_pool_put(np, fi);
	return taken;
}

uint32_t np_rx(struct netpath *np, uint64_t hpa, uint16_t len, uint64_t now)
{
	uint32_t fi = np_frame_find(np, hpa);
	struct np_frame *f;
	struct np_dest d;
	uint16_t taken;
	uint32_t n = 0;

	/* The driver hands back only what np_refill posted. */
	if (fi == NP_NO_FRAME) {
		np->ops.panic(np->ops.ctx, "rx: hpa of no pool frame", NP_NO_FRAME);
		return 0;
	}
	f = &np->frame[fi];
	if (f->state != FRAME_POSTED) {
		np->ops.panic(np->ops.ctx, "rx: frame was not posted", fi);
		return 0;
	}

	/* The NIC wrote 'len' bytes (up to a page): those are what a
	 * scrub must clear, whether or not it is a frame we accept. */
	f->scrub_len = len < NET_SLOT_SIZE ? len : NET_SLOT_SIZE;
	if (len < NET_FRAME_MIN || len > NP_RX_LEN_MAX) {
		np->st.rx_drop_bad_len++;
		np_pool_put(np, fi);
		goto out;
	}
	f->len = len;

	np_demux(np, np->ops.page(np->ops.ctx, hpa), &d);
	if (d.kind == NP_DEST_UNKNOWN && !d.targets) {
		np->st.rx_drop_unknown++;
		np_pool_put(np, fi);
		goto out;
	}
	taken = np_deliver(np, fi, d.targets, d.flags);
	if (!taken) {
		np->st.rx_drop_no_vm++;
		goto out;
	}
	np->st.rx_frames++;
	for (; taken; taken &= (uint16_t)(taken - 1))
		n++;
out:
	np_checked(np);
	return n;
}

void np_batch_end(struct netpath *np, uint64_t now)
{
	for (uint32_t i = 0; i < NP_MAX_VMS; i++) {
		if (np->vm[i].rx_pending) {
			np->ops.notify(np->ops.ctx, i, HC_VEC_NET_RX);
			np->vm[i].rx_pending = false;
		}
	}
	np_pool_refill(np);
	np_reclaim_ask(np, now);
}

void np_rx_end(struct netpath *np, uint64_t now)
{
	np_batch_end(np, now);
	np_checked(np);
}
