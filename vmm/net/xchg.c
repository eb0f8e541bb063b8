/* Receive by page exchange (issue 15; docs/datapath.md, "Page
 * exchange"): a VM posts pages of its own RAM (HC_NET_POST); each posted
 * page is made not present in its nested table and belongs to the
 * hypervisor until a frame arrives. Then either the pool frame the NIC
 * wrote is mapped at the posted GPA and the posted page takes its place
 * in the pool (flip: no copy), or the frame is copied into the posted
 * page, which is mapped back (copy). Either way the pool keeps its
 * frame count, and the VM its page count. HC_NET_DETACH gives every
 * posted page back. The guest's RAM is reached only through the ram_*
 * ops, so this file runs under cmocka as it runs in the hypervisor. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/copy.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

_Static_assert(NET_RX_SLOTS_MAX - 1 <= NET_POST_SLOT_MASK,
	       "a post slot number fits the entry's low bits");
_Static_assert(NET_SLOT_SIZE - 1 == NET_POST_SLOT_MASK,
	       "an entry is a page address with the slot in its offset bits");

int np_setup_xchg(struct netpath *np, uint32_t vm, struct net_rx_ring *ring,
		  uint64_t ring_gpa, uint64_t ram_bytes)
{
	struct np_vm *v;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present || !ring)
		return -HC_E_INVAL;
	if (!np->ops.ram_lookup)
		return -HC_E_NOSYS;
	if (ring_gpa % NET_SLOT_SIZE || ram_bytes % NET_SLOT_SIZE ||
	    ring_gpa >= ram_bytes)
		return -HC_E_INVAL;
	v = &np->vm[vm];
	/* Window slots and buffers would be lost with the old ring; posted
	 * pages come back through HC_NET_DETACH first. */
	if (v->held || v->posted)
		return -HC_E_STATE;

	v->xchg = true;
	v->ring = ring;
	v->ring_gpa = ring_gpa;
	v->ram_bytes = ram_bytes;
	np->ring_mask |= (uint16_t)(1u << vm);
	v->copy_area = NULL;
	v->copy_ring = false;
	v->prod = 0;
	v->post_ask = false;
	v->post_asked = false;
	RING(v)->prod = 0;
	RING(v)->cons = 0;
	RING(v)->nr_slots = v->nr_slots;
	np_checked(np);
	return 0;
}

/* Every entry, before any change: ranges first (INVAL), then the state
 * of the VM and of each slot and page (STATE), then the host page behind
 * each GPA into hpa[]. */
static int post_check(const struct netpath *np, uint32_t vm,
		      const uint64_t *ents, uint32_t n, uint64_t *hpa)
{
	const struct np_vm *v = &np->vm[vm];
	uint64_t seen[NET_RX_SLOTS_MAX / 64] = { 0 };

	if (!v->xchg)
		return -HC_E_STATE;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = ents[i] & NET_POST_GPA_MASK;
		uint32_t s = (uint32_t)(ents[i] & NET_POST_SLOT_MASK);

		if (s >= v->nr_slots || gpa >= v->ram_bytes ||
		    gpa == v->ring_gpa)
			return -HC_E_INVAL;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = ents[i] & NET_POST_GPA_MASK;
		uint32_t s = (uint32_t)(ents[i] & NET_POST_SLOT_MASK);

		if (seen[s / 64] >> (s % 64) & 1 || v->post_gpa[s] != NP_NO_POST)
			return -HC_E_STATE;
		seen[s / 64] |= 1ull << (s % 64);
		for (uint32_t j = 0; j < i; j++)
			if ((ents[j] & NET_POST_GPA_MASK) == gpa)
				return -HC_E_STATE;
		/* Every RAM page not posted is mapped (np_check): a page
		 * posted already, in any slot, is the one not found. */
		if (np->ops.ram_lookup(np->ops.ctx, vm, gpa, &hpa[i]) < 0)
			return -HC_E_STATE;
		/* Never: pool frames are mapped in no VM's RAM. */
		if (np_frame_find(np, hpa[i]) != NP_NO_FRAME) {
			np->ops.panic(np->ops.ctx, "post: a RAM page is a pool "
				      "frame", np_frame_find(np, hpa[i]));
			return -HC_E_STATE;
		}
	}
	return 0;
}

int np_post(struct netpath *np, uint32_t vm, const uint64_t *ents,
	    uint32_t n)
{
	uint64_t hpa[HC_NET_BATCH];
	struct np_vm *v;
	int err;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present)
		return -HC_E_INVAL;
	v = &np->vm[vm];
	if (!n || n > HC_NET_BATCH || !ents)
		err = -HC_E_INVAL;
	else
		err = post_check(np, vm, ents, n, hpa);
	if (err) {
		v->st.post_errors++;
		return err;
	}

	for (uint32_t i = 0; i < n; i++) {
		uint64_t gpa = ents[i] & NET_POST_GPA_MASK;

		/* Unmapping a page out of a 2 MiB entry needs a page table:
		 * without memory, undo the batch's unmaps and refuse. The
		 * unmaps made an INVEPT due, and only they: none when the
		 * first one failed (a map needs none, npt.c). */
		if (np_ram_unmap(np, vm, gpa) < 0) {
			bool unmapped = i > 0;

			while (i--)
				if (np_ram_map(np, vm,
					       ents[i] & NET_POST_GPA_MASK,
					       hpa[i]) < 0)
					np->ops.panic(np->ops.ctx, "post: undo "
						      "failed", NP_NO_FRAME);
			if (unmapped) {
				np->ops.flush(np->ops.ctx, vm);
				np->st.invepts++;
			}
			v->st.post_errors++;
			return -HC_E_NODEV;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s = (uint32_t)(ents[i] & NET_POST_SLOT_MASK);

		v->post_gpa[s] = ents[i] & NET_POST_GPA_MASK;
		np_bit_set(v->post_used, s);
		v->post_hpa[s] = hpa[i];
	}
	/* Present -> not present: the VM's cached translations must go
	 * before the hypervisor hands the pages to anyone [SDM 3C 29.4.3.1;
	 * APM 2 15.16.1]. One flush for the batch. */
	np->ops.flush(np->ops.ctx, vm);
	np->st.invepts++;
	v->posted = (uint16_t)(v->posted + n);
	v->st.posted += n;
	/* It answered: the next shortage may ask again. */
	v->post_asked = false;
	v->post_ask = false;
	np_checked(np);
	return (int)n;
}

/* The lowest post slot with a page, or NP_NO_FRAME. */
static uint32_t lowest_post(const struct np_vm *v)
{
	return np_bit_first(v->post_used, true, v->nr_slots);
}

static void post_clear(struct np_vm *v, uint32_t s)
{
	v->post_gpa[s] = NP_NO_POST;
	np_bit_clear(v->post_used, s);
	v->post_hpa[s] = 0;
	v->posted--;
}

/* Ask for pages once: when it had none for a frame, or when it runs
 * below a quarter of its slots; again only after it posts. */
static void ask_for_pages(struct np_vm *v)
{
	if (!v->post_asked)
		v->post_ask = true;
}

/* The pool frame's page goes to the guest at the posted GPA, read-write,
 * for good, its stale tail zeroed unless this guest saw it; the posted
 * page becomes pool frame 'fi', all of it this guest's data: seen by it
 * alone, so zeroed past the next frame's length before any other VM
 * maps it (np_frame_expose). Nothing is copied. */
static bool xchg_flip(struct netpath *np, uint32_t vm, uint32_t fi,
		      uint32_t s)
{
	struct np_vm *v = &np->vm[vm];
	struct np_frame *f = &np->frame[fi];

	np_frame_expose(np, fi, vm);
	if (np_ram_map(np, vm, v->post_gpa[s], f->hpa) < 0)
		return false;
	np_frame_rekey(np, fi, v->post_hpa[s]);
	/* The guest's data may be anywhere in it. */
	f->scrub_len = NET_SLOT_SIZE;
	f->seen = (uint16_t)(1u << vm);
	np->st.rx_exchanged++;
	return true;
}

/* The frame's bytes into the posted page at offset 0, and the page back
 * at its GPA. Past len it keeps what this VM left there: its own. */
static bool xchg_copy(struct netpath *np, uint32_t vm, uint32_t fi,
		      const uint8_t *data, uint32_t s)
{
	struct np_vm *v = &np->vm[vm];

	copy_fast(np->ops.page(np->ops.ctx, v->post_hpa[s]), data,
		  np->frame[fi].len);
	if (np_ram_map(np, vm, v->post_gpa[s], v->post_hpa[s]) < 0)
		return false;
	return true;
}

bool np_xchg_room(struct netpath *np, uint32_t vm, uint32_t n)
{
	struct np_vm *v = &np->vm[vm];

	if (v->posted >= n)
		return true;
	v->st.rx_drop_nopost++;
	ask_for_pages(v);
	return false;
}

uint32_t np_xchg_deliver(struct netpath *np, uint32_t vm, uint32_t fi,
			 const uint8_t *data, bool flip, uint16_t *flags)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t s = lowest_post(v);
	bool ok;

	if (s == NP_NO_FRAME) {
		v->st.rx_drop_nopost++;
		ask_for_pages(v);
		return NP_NO_FRAME;
	}
	ok = flip ? xchg_flip(np, vm, fi, s) : xchg_copy(np, vm, fi, data, s);
	if (!ok) {
		v->st.rx_drop_map++;
		return NP_NO_FRAME;
	}
	post_clear(v, s);
	if (v->posted < v->nr_slots / 4)
		ask_for_pages(v);
	*flags |= NET_RX_F_XCHG | (flip ? 0 : NET_RX_F_COPY);
	return s;
}

void np_xchg_ask(struct netpath *np)
{
	for (uint32_t m = np->vm_mask; m; m &= m - 1) {
		uint32_t i = (uint32_t)__builtin_ctz(m);
		struct np_vm *v = &np->vm[i];

		if (!v->post_ask)
			continue;
		v->post_ask = false;
		v->post_asked = true;
		np->ops.notify(np->ops.ctx, i, HC_VEC_NET_RECLAIM);
	}
}

uint32_t np_xchg_return(struct netpath *np, uint32_t vm)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t n = 0;

	for (uint32_t s = 0; v->posted && s < v->nr_slots; s++) {
		if (v->post_gpa[s] == NP_NO_POST)
			continue;
		/* ram_unmap kept its page table: this cannot fail. */
		if (np_ram_map(np, vm, v->post_gpa[s], v->post_hpa[s]) < 0)
			np->ops.panic(np->ops.ctx, "detach: a posted page does "
				      "not map back", NP_NO_FRAME);
		post_clear(v, s);
		n++;
	}
	return n;
}

uint32_t np_unplug(struct netpath *np, uint32_t vm)
{
	struct np_vm *v = &np->vm[vm];
	uint32_t n = v->xchg ? np_xchg_return(np, vm) : 0;

	v->xchg = false;
	v->post_ask = false;
	v->post_asked = false;
	v->ring = NULL;
	np->ring_mask &= (uint16_t)~(1u << vm);
	v->copy_area = NULL;
	v->copy_ring = false;
	v->prod = 0;
	v->rx_pending = false;
	return n;
}

int np_detach(struct netpath *np, uint32_t vm)
{
	uint32_t n;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present)
		return -HC_E_INVAL;
	/* Window slots and buffers must come back through a release. */
	if (np->vm[vm].held)
		return -HC_E_STATE;
	n = np_unplug(np, vm);
	np_checked(np);
	return (int)n;
}

uint32_t np_vm_posted(const struct netpath *np, uint32_t vm)
{
	return vm < NP_MAX_VMS ? np->vm[vm].posted : 0;
}
