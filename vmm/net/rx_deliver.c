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
_Static_assert(NET_SLOT_SIZE % NET_COPY_BUF_SIZE == 0,
	       "a copy buffer's bytes lie in one page of a frame");
_Static_assert(NET_RX_SLOTS_MAX <= NET_SLOT_COPY,
	       "a buffer index leaves the copy bit clear");

int np_setup_flags(struct netpath *np, uint32_t vm, struct net_rx_ring *ring,
		   uint8_t *copy_area, uint32_t flags)
{
	struct np_vm *v;
	uint64_t area_len;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present || !ring)
		return -HC_E_INVAL;
	/* A copy ring needs copy buffers. */
	if (flags & ~(uint32_t)NET_COPY_RING ||
	    (flags & NET_COPY_RING && !copy_area))
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
	v->copy_ring = flags & NET_COPY_RING;
	/* The largest power of two of at most nr_slots buffers. */
	v->copy_mask = (uint16_t)((1u << (31 - __builtin_clz(v->nr_slots))) - 1);
	v->prod = 0;
	RING(v)->prod = 0;
	RING(v)->cons = 0;
	RING(v)->nr_slots = v->nr_slots;
	np_checked(np);
	return 0;
}

/* Room for n more entries, at most 'cap' unconsumed? A cons ahead of
 * our prod, or more than a ring behind, is garbage: full, so a lying
 * guest only starves itself. */
bool np_ring_room(const struct np_vm *v, uint32_t n, uint32_t cap)
{
	uint32_t cons = RING(v)->cons;          /* once: it may change */
	uint32_t used = v->prod - cons;         /* right across the wrap */

	return used <= cap && cap - used >= n;
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
	/* The run's last entry announces all of it at once. */
	if (!(flags & NET_RX_F_MORE))
		RING(v)->prod = v->prod;
}

/* An entry waits until the next piece of its frame has arrived, so the
 * last one written can carry NET_RX_F_CUT when a piece is lost. */
struct run {
	bool     have;
	uint16_t slot, len, flags;
};

static void run_add(struct np_vm *v, struct run *r, uint32_t slot,
		    uint16_t len, uint16_t flags)
{
	if (r->have)
		np_ring_push(v, r->slot, r->len, r->flags | NET_RX_F_MORE);
	*r = (struct run){ true, (uint16_t)slot, len, flags };
}

/* The last entry: whole, or cut (a later piece was lost). */
static void run_end(struct np_vm *v, struct run *r, bool cut)
{
	if (r->have)
		np_ring_push(v, r->slot, r->len,
			     (uint16_t)(r->flags | (cut ? NET_RX_F_CUT : 0)));
}

static uint32_t lowest_free_slot(const struct np_vm *v)
{
	return np_bit_first(v->slot_used, false, v->nr_slots);
}

/* The first of 'n' consecutive free slots, so a guest can read a
 * multi-page frame in place; NP_NO_FRAME if there is no such run. By
 * the slot bitmap, a stretch of equal bits at a time: a window of 512
 * slots is eight words, not 512 entries. Bits past nr_slots are clear,
 * so a run found there must still fit in the window. */
static uint32_t free_run(const struct np_vm *v, uint32_t n)
{
	uint32_t len = 0;

	for (uint32_t s = 0, k; s < v->nr_slots; s += k) {
		uint64_t bits = v->slot_used[s / 64] >> (s % 64);
		uint64_t stop = bits & 1 ? ~bits : bits;

		/* From s to the next slot of the other kind, or the word's end. */
		k = stop ? (uint32_t)__builtin_ctzll(stop) : 64 - s % 64;
		len = bits & 1 ? 0 : len + k;
		if (len >= n) {
			uint32_t first = s + k - len;

			return first + n <= v->nr_slots ? first : NP_NO_FRAME;
		}
	}
	return NP_NO_FRAME;
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
 * already, and a frame another VM maps cannot become this one's. Asked
 * only of a sole target that is an exchange VM: for a window VM the
 * answer is not used, and a frame has a fixed cost to keep low. */
static bool xchg_flips(const struct netpath *np, const struct np_chain *c,
		       uint16_t targets, uint16_t flags)
{
	if (flags & (NET_RX_F_BCAST | NET_RX_F_LOCAL))
		return false;
	if (!targets || targets & (targets - 1))
		return false;
	if (!np->vm[__builtin_ctz(targets)].xchg)
		return false;
	for (uint32_t j = 0; j < c->n; j++)
		if (np->frame[c->fi[j]].holders)
			return false;
	return !mode_copies(np, c->len);
}

/* Map the frame's pages read-only into free window slots of VM 'vm',
 * consecutive ones when it has a run free, each announced in its ring.
 * false when the first map failed: nothing announced. A later failure
 * cuts the run (NET_RX_F_CUT): the guest releases what it got. Either
 * way counted. */
static bool deliver_flip(struct netpath *np, uint32_t vm,
			 const struct np_chain *c, uint16_t flags,
			 uint16_t *seen_by)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t run = c->n > 1 ? free_run(v, c->n) : NP_NO_FRAME;
	struct run r = { 0 };

	for (uint32_t j = 0; j < c->n; j++) {
		struct np_frame *f = &np->frame[c->fi[j]];
		uint32_t slot = run != NP_NO_FRAME ? run + j :
				lowest_free_slot(v);

		/* held + n <= quota <= nr_slots: the slots are free. */
		if (slot == NP_NO_FRAME || v->slot_frame[slot] != NP_NO_FRAME) {
			np->ops.panic(np->ops.ctx, "deliver: under quota, no "
				      "free slot", c->fi[j]);
			break;
		}
		/* The whole page becomes readable: its stale tail must be
		 * this VM's own or zero (np_frame_expose). Read-only always:
		 * a group frame is shared, and a guest that cannot write
		 * leaves only the NIC's bytes. The entry was not present,
		 * so no INVEPT [SDM 3C 29.4.3.1]. */
		np_frame_expose(np, c->fi[j], vm);
		if (np->ops.map(np->ops.ctx, vm, (uint16_t)slot, f->hpa) < 0) {
			v->st.rx_drop_map++;
			run_end(v, &r, true);
			return false;
		}
		seen_by[j] |= (uint16_t)(1u << vm);
		v->slot_frame[slot] = c->fi[j];
		np_bit_set(v->slot_used, slot);
		v->slot_seq[slot] = ++np->seq;
		f->holders |= (uint16_t)(1u << vm);
		v->held++;
		run_add(v, &r, slot, f->len, flags);
	}
	run_end(v, &r, false);
	return true;
}

/* The buffer for the copy announced in ring entry 'p': the entry's own
 * on a copy ring (vm_room saw that the guest's cons has passed the last
 * entry that used it), else the lowest the guest has released. */
static inline uint32_t buf_for(const struct np_vm *v, uint32_t p)
{
	return v->copy_ring ? (p & v->copy_mask) : lowest_free_buf(v);
}

/* 'n' bytes from 'src' into free buffer 'b' of VM 'v''s copy area, the
 * buffer then held until released, unless it is on a copy ring
 * (deliver_copy, deliver_copy_one). */
static inline void buf_fill(struct netpath *np, struct np_vm *v, uint32_t b,
			    const uint8_t *src, uint16_t n)
{
	copy_fast(v->copy_area + (uint64_t)b * NET_COPY_BUF_SIZE, src, n);
	if (v->copy_ring)
		return;
	v->copy_seq[b] = ++np->seq;
	np_bit_set(v->buf_used, b);
	v->held_copy++;
	v->held++;
}

/* Copy the frame into free buffers of VM 'vm''s copy area, as many as
 * it needs, each announced in its ring: the guest's own RAM, so no EPT
 * entry changes and nothing will need an INVEPT. The bytes past the
 * frame keep what the guest left there: its own. */
static void deliver_copy(struct netpath *np, uint32_t vm,
			 const struct np_chain *c, uint16_t flags)
{
	struct np_vm *v = &np->vm[vm];
	struct run r = { 0 };
	const uint32_t per_page = NET_SLOT_SIZE / NET_COPY_BUF_SIZE;
	const uint32_t p = v->prod;     /* piece k goes in entry p + k */

	for (uint32_t off = 0, k = 0; off < c->len;
	     off += NET_COPY_BUF_SIZE, k++) {
		uint32_t fi = c->fi[k / per_page];
		uint32_t b = buf_for(v, p + k);
		uint16_t n = (uint16_t)(c->len - off < NET_COPY_BUF_SIZE ?
					c->len - off : NET_COPY_BUF_SIZE);
		const uint8_t *src = np->page[fi];

		/* held + buffers <= quota <= nr_slots: they are free. */
		if (b == NP_NO_FRAME) {
			np->ops.panic(np->ops.ctx, "deliver: under quota, no "
				      "free copy buffer", fi);
			break;
		}
		buf_fill(np, v, b, src + k % per_page * NET_COPY_BUF_SIZE, n);
		run_add(v, &r, b, n, flags | NET_RX_F_COPY);
	}
	run_end(v, &r, false);
}

/* Each page of the frame into a posted page of exchange VM 'vm'
 * (np_xchg_deliver), by flip or by copy as 'flip' says. As deliver_flip
 * for a failed page. */
static bool deliver_xchg(struct netpath *np, uint32_t vm,
			 const struct np_chain *c, uint16_t flags, bool flip,
			 uint16_t *seen_by)
{
	struct np_vm *v = &np->vm[vm];
	struct run r = { 0 };

	for (uint32_t j = 0; j < c->n; j++) {
		uint32_t fi = c->fi[j];
		uint16_t f = flags;
		uint16_t len = np->frame[fi].len;
		uint32_t s = np_xchg_deliver(np, vm, fi, np->page[fi],
					     flip, &f);

		if (s == NP_NO_FRAME) {
			run_end(v, &r, true);
			return false;
		}
		if (!(f & NET_RX_F_COPY))
			seen_by[j] |= (uint16_t)(1u << vm);
		run_add(v, &r, s, len, f);
	}
	run_end(v, &r, false);
	return true;
}

/* Copy buffers a frame of 'len' bytes takes. */
static uint32_t bufs_for(uint16_t len)
{
	return (len + NET_COPY_BUF_SIZE - 1u) / NET_COPY_BUF_SIZE;
}

/* Whether VM 'v' can take a frame that needs 'k' ring entries, and 'k'
 * slots or buffers under its quota, or 'k' posted pages, or 'k' buffers
 * of its copy ring; if not the drop is counted for it. */
static inline bool vm_room(struct netpath *np, uint32_t vm, uint32_t k,
			   bool copy)
{
	struct np_vm *v = &np->vm[vm];
	bool ring_bufs = copy && v->copy_ring;

	if (!v->ring) {
		v->st.rx_drop_nosetup++;
		return false;
	}
	/* Exchange VMs hold no pool frame, nor does a copy ring hold
	 * anything the guest has not consumed: no quota to keep. */
	if (!v->xchg && !ring_bufs && v->held + k > v->quota) {
		v->st.rx_drop_quota++;
		v->at_quota = true;     /* np_reclaim_ask asks it back */
		return false;
	}
	/* On a copy ring, entries p .. p + k - 1 take buffers (p + j) &
	 * copy_mask: free if no more than copy_mask + 1 entries are then
	 * unconsumed. */
	if (!np_ring_room(v, k, ring_bufs && v->copy_mask < NET_RX_RING ?
			  v->copy_mask + 1u : NET_RX_RING)) {
		v->st.rx_drop_ring++;
		return false;
	}
	return !v->xchg || np_xchg_room(np, vm, k);
}

/* A frame of 'len' bytes taken by VM 'v', by copy or by flip, counted
 * (np_deliver_each, deliver_copy_one). */
static inline void count_taken(struct netpath *np, struct np_vm *v, bool copy,
			       uint16_t len, uint16_t flags)
{
	if (copy) {
		v->st.rx_copied++;
		np->st.rx_copied++;
	} else {
		np->st.rx_flipped++;
	}
	v->st.rx_frames++;
	v->st.rx_bytes += len;
	if (flags & NET_RX_F_BCAST)
		v->st.rx_bcast++;
}

/* Deliver the frame to every VM of 'targets' that can take it now: a
 * ring, under quota, room in the ring for all its entries; a VM that
 * cannot is a drop counted for it alone. Each VM gets it by flip or by
 * copy (by_copy). Each page becomes DELIVERED if any VM maps it;
 * otherwise (every VM copied it, or none took it) it is FREE at once. Returns the VMs that took it. */
uint16_t np_deliver_each(struct netpath *np, const struct np_chain *c,
			 uint16_t targets, uint16_t flags)
{
	bool xflip = xchg_flips(np, c, targets, flags);
	uint16_t seen_by[NP_RX_PAGES_MAX] = { 0 };     /* who mapped each page */
	uint16_t taken = 0;

	/* Each target in turn, lowest first: a unicast is one step. */
	for (uint32_t left = targets; left; left &= left - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(left);
		struct np_vm *v = &np->vm[i];
		uint32_t prod = v->prod;
		bool copy, bufs, ok = true;

		copy = v->xchg ? !xflip : by_copy(np, v, c->len);
		bufs = copy && !v->xchg;        /* else a page each */
		if (!vm_room(np, i, bufs ? bufs_for(c->len) : c->n, bufs))
			continue;
		/* Mapped or copied before announced: the guest never finds
		 * an entry whose data is not there yet. */
		if (v->xchg)
			ok = deliver_xchg(np, i, c, flags, xflip, seen_by);
		else if (copy)
			deliver_copy(np, i, c, flags);
		else
			ok = deliver_flip(np, i, c, flags, seen_by);
		if (v->prod != prod)
			v->rx_pending = true;   /* a cut run is news too */
		if (!ok)
			continue;
		count_taken(np, v, copy, c->len, flags);
		taken |= (uint16_t)(1u << i);
	}
	/* A page every target copied goes straight back (no INVEPT: no
	 * EPT ever mapped it) and FREE, for the refill at the end of the
	 * batch, its fresh bytes seen by no VM's mapping. So does the
	 * posted page that took a flipped page's place, unscrubbed:
	 * xchg_flip marked it as seen by its guest alone. */
	for (uint32_t j = 0; j < c->n; j++) {
		np_frame_seen(np, c->fi[j], seen_by[j]);
		if (np->frame[c->fi[j]].holders)
			np_frame_set(np, c->fi[j], FRAME_DELIVERED);
		else
			np_pool_put(np, c->fi[j]);
	}
	return taken;
}

/* What np_deliver_each does for one window VM copying a one-page frame
 * into one buffer, step for step: the same ring entry, counters, drops
 * and frame state, without the loops over targets and pages or the run
 * bookkeeping. The default mode's every
 * short frame comes this way: its fixed cost is most of what a frame
 * costs (docs/performance.md, "The fixed cost, continued"). */
static uint16_t deliver_copy_one(struct netpath *np, uint32_t vm,
				 const struct np_chain *c, uint16_t flags)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t fi = c->fi[0], b;
	const uint8_t *src;
	uint16_t taken = 0;

	if (!vm_room(np, vm, 1, true))
		goto done;
	/* held + 1 <= quota <= nr_slots, or the copy ring's entry: a
	 * buffer is free. */
	b = buf_for(v, v->prod);
	if (b == NP_NO_FRAME) {
		np->ops.panic(np->ops.ctx, "deliver: under quota, no free "
			      "copy buffer", fi);
		goto done;
	}
	src = np->page[fi];
	buf_fill(np, v, b, src, c->len);
	np_ring_push(v, (uint16_t)b, c->len, flags | NET_RX_F_COPY);
	v->rx_pending = true;
	count_taken(np, v, true, c->len, flags);
	np->st.rx_copy_one++;
	taken = (uint16_t)(1u << vm);
done:
	/* No VM maps it: FREE at once, as np_deliver_each puts it. */
	np_frame_seen(np, fi, 0);
	np_pool_put(np, fi);
	return taken;
}

uint16_t np_deliver(struct netpath *np, const struct np_chain *c,
		    uint16_t targets, uint16_t flags)
{
	uint32_t vm = (uint32_t)__builtin_ctz(targets | 1u << NP_MAX_VMS);

	/* One target, a window VM, one page into one buffer. */
	if (targets == 1u << vm && c->n == 1 &&
	    c->len <= NET_COPY_BUF_SIZE && !np->vm[vm].xchg &&
	    by_copy(np, &np->vm[vm], c->len))
		return deliver_copy_one(np, vm, c, flags);
	return np_deliver_each(np, c, targets, flags);
}

void np_batch_end(struct netpath *np, uint64_t now)
{
	for (uint32_t m = np->vm_mask; m; m &= m - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(m);

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
