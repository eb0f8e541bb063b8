/* Delivery: a demultiplexed frame reaches each winning VM by EPT remap,
 * mapped read-only into a free slot of its receive window, or by copy
 * into a free buffer of the copy area it registered, as np->mode says
 * for this frame and VM; either way it is announced in the VM's receive
 * ring, with one HC_VEC_NET_RX per VM per batch (docs/datapath.md,
 * "Receive" and "Delivery modes"). The ring and the copy area live in
 * guest memory: the guest may rewrite any of it at any time, so our
 * producer index is our own copy, the guest's consumer index is read
 * once and checked, and the copy area is only ever written. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/copy.h"
#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

/* prod and cons run freely over 2^32, entry i is ent[i % NET_RX_RING];
 * NET_RX_RING divides 2^32, so the index is continuous across the wrap. */
_Static_assert(((1ull << 32) % NET_RX_RING) == 0,
	       "the ring size must divide 2^32");
_Static_assert(NP_RX_LEN_MAX <= NET_COPY_BUF_SIZE,
	       "every frame np_rx accepts fits a copy buffer");
_Static_assert(NET_RX_SLOTS_MAX <= NET_SLOT_COPY,
	       "a buffer index leaves the copy bit clear");

int np_setup(struct netpath *np, uint32_t vm, struct net_rx_ring *ring,
	     uint8_t *copy_area)
{
	struct np_vm *v;
	uint64_t area_len;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present || !ring)
		return -HC_E_INVAL;
	v = &np->vm[vm];
	area_len = (uint64_t)v->nr_slots * NET_COPY_BUF_SIZE;
	if (copy_area) {
		uintptr_t a = (uintptr_t)copy_area, r = (uintptr_t)ring;

		/* Copies must land neither on the ring's indices nor on a
		 * page the pool hands to the NIC or to other VMs. */
		if (r < a + area_len && a < r + sizeof(*ring))
			return -HC_E_INVAL;
		if (np_pool_overlaps(np, copy_area, area_len))
			return -HC_E_INVAL;
	}
	/* Slots and buffers announced in the old ring would be lost with
	 * it; buffers filled in the old area with that. Posted pages must
	 * come back first (HC_NET_DETACH). */
	if (v->held || v->posted)
		return -HC_E_STATE;

	v->xchg = false;
	v->ring = ring;
	np->ring_mask |= (uint16_t)(1u << vm);
	v->copy_area = copy_area;
	v->prod = 0;
	RING(v)->prod = 0;
	RING(v)->cons = 0;
	RING(v)->nr_slots = v->nr_slots;
	np_checked(np);
	return 0;
}

/* Room for one more entry? A cons ahead of our prod, or more than a
 * ring behind, is garbage: full, so a lying guest only starves itself. */
bool np_ring_room(const struct np_vm *v)
{
	uint32_t cons = RING(v)->cons;          /* once: it may change */
	uint32_t used = v->prod - cons;         /* right across the wrap */

	return used < NET_RX_RING;
}

void np_ring_push(struct np_vm *v, uint16_t slot, uint16_t len,
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
	return np_bit_first(v->slot_used, false, v->nr_slots);
}

static uint32_t lowest_free_buf(const struct np_vm *v)
{
	return np_bit_first(v->buf_used, false, v->nr_slots);
}

/* Whether the mode copies a frame of 'len' bytes: copy always; hybrid
 * what is short enough that a copy costs less than the unmap and INVEPT
 * a flip brings later (docs/datapath.md, "Delivery modes"). */
static bool mode_copies(const struct netpath *np, uint16_t len)
{
	if (np->mode == NP_COPY)
		return true;
	return np->mode == NP_HYBRID && len <= np->copy_threshold;
}

/* Copy or flip this frame into this window VM: copy needs a copy area. */
static bool by_copy(const struct netpath *np, const struct np_vm *v,
		    uint16_t len)
{
	return v->copy_area && mode_copies(np, len);
}

/* An exchange VM gets the pool frame itself only as its sole receiver
 * from the wire: a group frame is shared, a VM-to-VM frame was a copy
 * already, and a frame another VM maps cannot become this one's. */
static bool xchg_flips(const struct netpath *np, uint32_t fi,
		       uint16_t targets, uint16_t flags)
{
	if (flags & (NET_RX_F_BCAST | NET_RX_F_LOCAL))
		return false;
	if (targets & (targets - 1) || np->frame[fi].holders)
		return false;
	return !mode_copies(np, np->frame[fi].len);
}

/* Map frame 'fi' read-only into a free window slot of VM 'vm'. The slot,
 * or NP_NO_FRAME when the map failed (counted). */
static uint32_t deliver_flip(struct netpath *np, uint32_t vm, uint32_t fi)
{
	struct np_vm *v = &np->vm[vm];
	struct np_frame *f = &np->frame[fi];
	uint32_t slot = lowest_free_slot(v);

	/* held < quota <= nr_slots: a slot is free. */
	if (slot == NP_NO_FRAME) {
		np->ops.panic(np->ops.ctx, "deliver: under quota, no free slot",
			      fi);
		return NP_NO_FRAME;
	}
	/* The whole page becomes readable: its stale tail must be this
	 * VM's own or zero. Read-only always: a group frame is shared,
	 * and a guest that cannot write leaves only the NIC's bytes. The
	 * entry was not present, so no INVEPT [SDM 3C 29.4.3.1]. */
	np_frame_expose(np, fi, vm);
	if (np->ops.map(np->ops.ctx, vm, (uint16_t)slot, f->hpa) < 0) {
		v->st.rx_drop_map++;
		return NP_NO_FRAME;
	}
	v->slot_frame[slot] = (uint16_t)fi;
	np_bit_set(v->slot_used, slot);
	v->slot_seq[slot] = ++np->seq;
	f->holders |= (uint16_t)(1u << vm);
	np->st.rx_flipped++;
	return slot;
}

/* Copy frame 'fi' into a free buffer of VM 'vm''s copy area: the guest's
 * own RAM, so no EPT entry changes and nothing will need an INVEPT. The
 * bytes past len keep what the guest left there: its own. */
static uint32_t deliver_copy(struct netpath *np, uint32_t vm, uint32_t fi,
			     const uint8_t *data)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t b = lowest_free_buf(v);

	/* held < quota <= nr_slots: a buffer is free. */
	if (b == NP_NO_FRAME) {
		np->ops.panic(np->ops.ctx, "deliver: under quota, no free copy "
			      "buffer", fi);
		return NP_NO_FRAME;
	}
	copy_fast(v->copy_area + (uint64_t)b * NET_COPY_BUF_SIZE, data,
		  np->frame[fi].len);
	v->copy_seq[b] = ++np->seq;
	np_bit_set(v->buf_used, b);
	v->held_copy++;
	v->st.rx_copied++;
	np->st.rx_copied++;
	return b;
}

/* Deliver frame 'fi' to every VM of 'targets' that can take it now: a
 * ring, under quota, room in the ring; a VM that cannot is a drop
 * counted for it alone. Each VM gets it by flip or by copy (by_copy).
 * The frame becomes DELIVERED if any VM maps it; otherwise (every VM
 * copied it, or none took it) it is FREE at once. Returns
 * the VMs that took it. */
uint16_t np_deliver(struct netpath *np, uint32_t fi, uint16_t targets,
		    uint16_t flags)
{
	struct np_frame *f = &np->frame[fi];
	const uint8_t *data = np->ops.page(np->ops.ctx, f->hpa);
	uint16_t taken = 0, mapped = 0;

	/* Each target in turn, lowest first: a unicast is one step. */
	for (uint32_t left = targets; left; left &= left - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(left);
		struct np_vm *v = &np->vm[i];
		uint16_t entry_flags = flags;
		uint32_t slot;

		if (!v->ring) {
			v->st.rx_drop_nosetup++;
			continue;
		}
		/* Exchange VMs hold no pool frame: no quota to keep. */
		if (!v->xchg && v->held >= v->quota) {
			v->st.rx_drop_quota++;
			v->at_quota = true;     /* np_reclaim_ask asks it back */
			continue;
		}
		if (!np_ring_room(v)) {
			v->st.rx_drop_ring++;
			continue;
		}
		if (v->xchg) {
			slot = np_xchg_deliver(np, i, fi, data,
					       xchg_flips(np, fi, targets, flags),
					       &entry_flags);
		} else if (by_copy(np, v, f->len)) {
			slot = deliver_copy(np, i, fi, data);
			entry_flags |= NET_RX_F_COPY;
		} else {
			slot = deliver_flip(np, i, fi);
		}
		if (slot == NP_NO_FRAME)
			continue;
		if (!(entry_flags & NET_RX_F_COPY))
			mapped |= (uint16_t)(1u << i);
		if (!v->xchg)
			v->held++;
		/* Mapped or copied before announced: the guest never finds
		 * an entry whose data is not there yet. */
		np_ring_push(v, (uint16_t)slot, f->len, entry_flags);
		v->rx_pending = true;
		v->st.rx_frames++;
		v->st.rx_bytes += f->len;
		if (flags & NET_RX_F_BCAST)
			v->st.rx_bcast++;
		taken |= (uint16_t)(1u << i);
	}
	/* A frame every target copied goes straight back (no INVEPT: no
	 * EPT ever mapped it) and FREE, for the refill at the end of the
	 * batch, its fresh bytes seen by no VM's mapping. So does the
	 * posted page that took
	 * a flipped frame's place, unscrubbed: xchg_flip marked it as
	 * seen by its guest alone. */
	np_frame_seen(np, fi, mapped);
	if (f->holders)
		np_frame_set(np, fi, FRAME_DELIVERED);
	else
		np_pool_put(np, fi);
	return taken;
}

uint32_t np_rx(struct netpath *np, uint64_t hpa, uint16_t len, uint64_t now)
{
	uint32_t fi = np_frame_find(np, hpa);
	struct np_frame *f;
	const uint8_t *page;
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
	page = np->ops.page(np->ops.ctx, hpa);

	/* The NIC wrote 'len' bytes (up to a page), whether or not it is
	 * a frame we accept: no VM has seen them. */
	np_frame_wrote(np, fi, len);
	if (len < NET_FRAME_MIN || len > NP_RX_LEN_MAX) {
		np->st.rx_drop_bad_len++;
		np_frame_seen(np, fi, 0);
		np_pool_put(np, fi);
		goto out;
	}
	f->len = len;

	np_demux(np, page, &d);
	if (d.kind == NP_DEST_LINK_LOCAL || np_mac_control(page)) {
		np->st.rx_drop_link_local++;
		np_frame_seen(np, fi, 0);
		np_pool_put(np, fi);
		goto out;
	}
	if (d.kind == NP_DEST_UNKNOWN && !d.targets) {
		np->st.rx_drop_unknown++;
		np_frame_seen(np, fi, 0);
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
	np_checked_frame(np);
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
	np_xchg_ask(np);
	np_pool_refill(np);
	np_reclaim_ask(np, now);
}

void np_rx_end(struct netpath *np, uint64_t now)
{
	np_batch_end(np, now);
	np_checked(np);
}
