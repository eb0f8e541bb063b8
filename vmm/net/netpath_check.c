/* The data path's invariants (issue 4, part 10; docs/datapath.md, "The
 * pool"), checked at the end of every transition when np->check is set:
 * in debug builds and in every test. The first broken one goes to
 * ops->panic with the frame, whose history the panic can print. A
 * transition may break them in passing (a frame taken for a VM-to-VM
 * copy, a RECLAIMING frame between unmap and scrub); none may between
 * two transitions. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

#define FAIL(msg, fi) \
	do { np->ops.panic(np->ops.ctx, (msg), (fi)); return false; } while (0)

static uint32_t popcount16(uint16_t x)
{
	uint32_t n = 0;

	for (; x; x &= (uint16_t)(x - 1))
		n++;
	return n;
}

/* Conservation, one state per frame, and what each state allows. Counts
 * into holding[v] the frames VM v holds. */
static bool check_frames(const struct netpath *np, uint32_t *holding)
{
	uint32_t recount[FRAME_NR_STATES] = { 0 };
	uint32_t sum = 0;

	if (np->nr_frames > NP_MAX_FRAMES)
		FAIL("nr_frames out of range", NP_NO_FRAME);
	for (uint32_t i = 0; i < np->nr_frames; i++) {
		const struct np_frame *f = &np->frame[i];

		if (f->state >= FRAME_NR_STATES)
			FAIL("frame in no state", i);
		recount[f->state]++;
		if (np_frame_find(np, f->hpa) != i)
			FAIL("hpa index does not find the frame", i);
		if (f->state == FRAME_DELIVERED) {
			if (!f->holders)
				FAIL("delivered frame with no holder", i);
		} else if (f->holders) {
			FAIL("undelivered frame with holders", i);
		}
		/* No frame writable in two EPTs. */
		if (f->writable && popcount16(f->holders) > 1)
			FAIL("shared frame mapped writable", i);
		if ((f->state == FRAME_FREE || f->state == FRAME_POSTED) &&
		    (f->scrub_len || f->writable))
			FAIL("free or posted frame not scrubbed", i);
		if (f->scrub_len > NET_SLOT_SIZE)
			FAIL("scrub_len beyond the page", i);
		for (uint32_t v = 0; v < NP_MAX_VMS; v++)
			holding[v] += f->holders >> v & 1;
	}
	for (uint32_t s = 0; s < FRAME_NR_STATES; s++) {
		if (recount[s] != np->count[s])
			FAIL("state count differs from a recount", NP_NO_FRAME);
		sum += np->count[s];
	}
	if (sum != np->nr_frames)
		FAIL("frames not conserved", NP_NO_FRAME);
	/* Between transitions every unmapped frame is scrubbed. */
	if (np->count[FRAME_RECLAIMING])
		FAIL("a frame left RECLAIMING", NP_NO_FRAME);
	return true;
}

/* The free list holds exactly the FREE frames, each once. */
static bool check_free_list(const struct netpath *np)
{
	uint32_t n = 0;

	for (uint32_t fi = np->free_head; fi != NP_NO_FRAME;
	     fi = np->frame[fi].next) {
		if (fi >= np->nr_frames)
			FAIL("free list link out of range", fi);
		if (np->frame[fi].state != FRAME_FREE)
			FAIL("free list holds a frame not FREE", fi);
		if (++n > np->count[FRAME_FREE])
			FAIL("free list longer than the FREE count", fi);
	}
	if (n != np->count[FRAME_FREE])
		FAIL("free list shorter than the FREE count", NP_NO_FRAME);
	return true;
}

/* Copy buffers: in use only with a copy area, which no pool page
 * overlaps (so a copy never lands on, and a buffer never names, a pool
 * frame), each stamped from the delivery sequence; held_copy counts
 * them. */
static bool check_copy(const struct netpath *np, uint32_t v)
{
	const struct np_vm *vm = &np->vm[v];
	uint32_t used = 0;

	for (uint32_t b = 0; vm->present && b < vm->nr_slots; b++) {
		if (!vm->copy_seq[b])
			continue;
		if (vm->copy_seq[b] > np->seq)
			FAIL("copy buffer stamped past the sequence",
			     NP_NO_FRAME);
		used++;
	}
	if (used != vm->held_copy)
		FAIL("held_copy differs from the copy buffers in use",
		     NP_NO_FRAME);
	if (vm->held_copy && !vm->copy_area)
		FAIL("copy buffers in use without a copy area", NP_NO_FRAME);
	if (vm->copy_area &&
	    np_pool_overlaps(np, vm->copy_area,
			     (uint64_t)vm->nr_slots * NET_COPY_BUF_SIZE))
		FAIL("copy area overlaps a pool frame", NP_NO_FRAME);
	return true;
}

/* Slots and holders agree: each slot of VM v points at a DELIVERED frame
 * holding v, no two of v's slots at one frame, and v holds as many
 * frames as it has slots in use (so each holder has exactly one slot).
 * held counts those and the copy buffers in use. Slots past nr_slots,
 * and a VM not present, hold nothing: delivery never looks there, so
 * they need no scan, only held == 0. */
static bool check_vm(const struct netpath *np, uint32_t v, uint32_t holding)
{
	const struct np_vm *vm = &np->vm[v];
	uint64_t seen[NP_MAX_FRAMES / 64] = { 0 };
	uint32_t used = 0;

	if (!check_copy(np, v))
		return false;

	for (uint32_t s = 0; vm->present && s < vm->nr_slots; s++) {
		uint32_t fi = vm->slot_frame[s];

		if (fi == NP_NO_FRAME)
			continue;
		if (fi >= np->nr_frames)
			FAIL("slot points past the pool", NP_NO_FRAME);
		/* So no POSTED (or FREE) frame is mapped anywhere. */
		if (np->frame[fi].state != FRAME_DELIVERED)
			FAIL("slot points at a frame not DELIVERED", fi);
		if (!(np->frame[fi].holders >> v & 1))
			FAIL("slot points at a frame its VM does not hold", fi);
		if (seen[fi / 64] >> (fi % 64) & 1)
			FAIL("two slots of one VM on one frame", fi);
		seen[fi / 64] |= 1ull << (fi % 64);
		used++;
	}
	if (used + vm->held_copy != vm->held || holding != used)
		FAIL("held differs from the slots in use", NP_NO_FRAME);
	if (vm->held > vm->quota)
		FAIL("VM holds more than its quota", NP_NO_FRAME);
	if (!vm->ring && vm->held)
		FAIL("VM without a ring holds frames", NP_NO_FRAME);
	return true;
}

/* The demux's view of the VMs is the VMs': each present VM's MAC finds
 * that VM, the index holds nothing else, and the group and promiscuous
 * masks name exactly the VMs with a ring and the promiscuous ones. */
static bool check_demux(const struct netpath *np)
{
	uint16_t ring = 0, promisc = 0;
	uint32_t entries = 0;

	for (uint32_t b = 0; b < NP_MAC_BUCKETS; b++)
		entries += np->mac_index[b] != 0;
	if (entries != np->nr_vms)
		FAIL("MAC index entries differ from the VMs present", NP_NO_FRAME);
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		const struct np_vm *vm = &np->vm[v];

		if (!vm->present)
			continue;
		if (np_mac_lookup(np, vm->mac) != v)
			FAIL("a VM's MAC does not find it in the index", NP_NO_FRAME);
		if (vm->ring)
			ring |= (uint16_t)(1u << v);
		if (vm->promiscuous)
			promisc |= (uint16_t)(1u << v);
	}
	if (ring != np->ring_mask || promisc != np->promisc_mask)
		FAIL("group or promiscuous mask differs from the VMs", NP_NO_FRAME);
	return true;
}

/* Cost: a pass over the frames (with an hpa lookup each) and over the
 * present VMs' slots. */
bool np_check(const struct netpath *np)
{
	uint32_t holding[NP_MAX_VMS] = { 0 };
	uint32_t present = 0;

	if (!check_frames(np, holding) || !check_free_list(np))
		return false;
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		if (!check_vm(np, v, holding[v]))
			return false;
		present += np->vm[v].present;
	}
	if (present != np->nr_vms)
		FAIL("nr_vms differs from the VMs present", NP_NO_FRAME);
	return check_demux(np);
}
