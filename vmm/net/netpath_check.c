/* The data path's invariants (issue 4, part 10; docs/datapath.md, "The
 * pool"), checked at the end of every transition when np->check is set:
 * in debug builds and in every test. The first broken one goes to
 * ops->panic with the frame, whose history the panic can print. A
 * transition may break them in passing (a frame taken for a VM-to-VM
 * copy, a RECLAIMING frame between unmap and the INVEPT); none may between
 * two transitions. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

#define FAIL(msg, fi) \
	do { np->ops.panic(np->ops.ctx, (msg), (fi)); return false; } while (0)

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
		if (np->page[i] != np->ops.page(np->ops.ctx, f->hpa))
			FAIL("frame's page pointer is not its hpa's page", i);
		if (f->state == FRAME_DELIVERED) {
			if (!f->holders)
				FAIL("delivered frame with no holder", i);
		} else if (f->holders) {
			FAIL("undelivered frame with holders", i);
		}
		/* The scrub rule: whoever maps it saw its stale bytes. */
		if (f->holders & ~f->seen)
			FAIL("frame mapped by a VM that did not see its "
			     "stale bytes", i);
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
	/* Between transitions every unmapped frame is FREE again. */
	if (np->count[FRAME_RECLAIMING])
		FAIL("a frame left RECLAIMING", NP_NO_FRAME);
	return true;
}

/* The pages of the frame the NIC is part way through are exactly the
 * RECEIVED ones, each once, fewer than a frame's most; a frame being
 * discarded keeps none. */
static bool check_part(const struct netpath *np)
{
	if (np->rx_part_n >= NP_RX_PAGES_MAX ||
	    np->rx_part_n != np->count[FRAME_RECEIVED])
		FAIL("partial frame differs from the RECEIVED count", NP_NO_FRAME);
	if (np->rx_discard && np->rx_part_n)
		FAIL("a discarded frame kept pages", NP_NO_FRAME);
	for (uint32_t j = 0; j < np->rx_part_n; j++) {
		uint32_t fi = np->rx_part[j];

		if (fi >= np->nr_frames || np->frame[fi].state != FRAME_RECEIVED)
			FAIL("partial frame page not RECEIVED", fi);
		if (np->frame[fi].len != NET_SLOT_SIZE)
			FAIL("partial frame page not full", fi);
		for (uint32_t k = 0; k < j; k++)
			if (np->rx_part[k] == fi)
				FAIL("partial frame holds a page twice", fi);
	}
	return true;
}

/* The free bitmap holds exactly the FREE frames: no bit past the pool,
 * every bit on a FREE frame, as many bits as FREE frames; and none below
 * free_word, where the search for the lowest starts (frame_pool.c). */
static bool check_free_bits(const struct netpath *np)
{
	uint32_t n = 0;

	for (uint32_t w = 0; w < NP_FRAME_WORDS; w++) {
		for (uint64_t m = np->free_bits[w]; m; m &= m - 1) {
			uint32_t fi = w * 64 + (uint32_t)__builtin_ctzll(m);

			if (fi >= np->nr_frames)
				FAIL("free bit past the pool", fi);
			if (w < np->free_word)
				FAIL("free bit below free_word", fi);
			if (np->frame[fi].state != FRAME_FREE)
				FAIL("free bit on a frame not FREE", fi);
			n++;
		}
	}
	if (n != np->count[FRAME_FREE])
		FAIL("free bits differ from the FREE count", NP_NO_FRAME);
	return true;
}

/* Copy buffers: in use only with a copy area, which no pool page
 * overlaps (so a copy never lands on, and a buffer never names, a pool
 * frame), each stamped from the delivery sequence; held_copy counts
 * them. A copy ring holds none (its buffers follow the ring), has a
 * copy area, and uses a power of two of at most nr_slots buffers. */
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
	if (vm->copy_ring && (vm->held_copy || !vm->copy_area))
		FAIL("copy ring holding buffers, or without a copy area",
		     NP_NO_FRAME);
	if (vm->copy_ring && (vm->copy_mask & (vm->copy_mask + 1u) ||
			      vm->copy_mask >= vm->nr_slots))
		FAIL("copy ring's buffers not a power of two within its slots",
		     NP_NO_FRAME);
	if (vm->copy_area &&
	    np_pool_overlaps(np, vm->copy_area,
			     (uint64_t)vm->nr_slots * NET_COPY_BUF_SIZE))
		FAIL("copy area overlaps a pool frame", NP_NO_FRAME);
	return true;
}

/* What ram_each finds in an exchange VM's RAM. */
struct ram_walk {
	const struct netpath *np;
	uint64_t pages;
	uint32_t pool_frame;    /* a pool frame mapped in RAM, or NP_NO_FRAME */
};

/* A 2 MiB mapping is as the VM was built: none of its pages was ever
 * posted (posting splits it), so none can be a pool frame. A 4 KiB one
 * may hold a page that came from the pool: it must have left the pool. */
static void ram_page(void *arg, uint64_t gpa, uint64_t hpa, uint64_t size)
{
	struct ram_walk *w = arg;

	w->pages += size / NET_SLOT_SIZE;
	if (size == NET_SLOT_SIZE && w->pool_frame == NP_NO_FRAME)
		w->pool_frame = np_frame_find(w->np, hpa);
}

/* Posted pages: counted right, inside the VM's RAM and not its ring, not
 * present in its nested table, never a pool frame; and with the pages
 * it maps they make up all its RAM (conservation by exchange). A VM not
 * set up for exchange has none. */
static bool check_xchg(const struct netpath *np, uint32_t v, bool walk)
{
	const struct np_vm *vm = &np->vm[v];
	struct ram_walk w = { np, 0, NP_NO_FRAME };
	uint32_t posted = 0;
	uint64_t hpa;

	for (uint32_t s = 0; vm->present && s < vm->nr_slots; s++) {
		uint64_t gpa = vm->post_gpa[s];

		if (gpa == NP_NO_POST)
			continue;
		posted++;
		if (!vm->xchg)
			FAIL("posted page without exchange", NP_NO_FRAME);
		if (gpa % NET_SLOT_SIZE || gpa >= vm->ram_bytes ||
		    gpa == vm->ring_gpa)
			FAIL("posted GPA outside RAM or the ring page", NP_NO_FRAME);
		if (np_frame_find(np, vm->post_hpa[s]) != NP_NO_FRAME)
			FAIL("a posted page is also a pool frame",
			     np_frame_find(np, vm->post_hpa[s]));
		if (np->ops.ram_lookup(np->ops.ctx, v, gpa, &hpa) == 0)
			FAIL("a posted GPA is present in its VM", NP_NO_FRAME);
	}
	if (posted != vm->posted)
		FAIL("posted differs from the post slots in use", NP_NO_FRAME);
	if (!vm->xchg)
		return true;
	if (vm->held)
		FAIL("exchange VM holds window slots or buffers", NP_NO_FRAME);
	if (!walk)
		return true;
	np->ops.ram_each(np->ops.ctx, v, ram_page, &w);
	if (w.pool_frame != NP_NO_FRAME)
		FAIL("a pool frame is mapped in a VM's RAM", w.pool_frame);
	if (w.pages + posted != vm->ram_bytes / NET_SLOT_SIZE)
		FAIL("posted plus mapped pages differ from the VM's RAM",
		     NP_NO_FRAME);
	return true;
}

/* No host page sits in two post slots, of one VM or of two: a set of
 * the posted pages' hpas, open addressing. Static: np_check is not
 * re-entrant (netpath.h), and this is too big for a stack. */
#define POST_SET (2 * NP_MAX_VMS * NET_RX_SLOTS_MAX)    /* a power of two */
static uint64_t post_set[POST_SET];

static bool check_posted_once(const struct netpath *np)
{
	bool any = false;

	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		any |= np->vm[v].posted != 0;
	if (!any)
		return true;
	memset(post_set, 0, sizeof(post_set));
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		const struct np_vm *vm = &np->vm[v];

		for (uint32_t s = 0; vm->posted && s < vm->nr_slots; s++) {
			uint64_t h = vm->post_hpa[s];
			uint32_t b;

			if (vm->post_gpa[s] == NP_NO_POST)
				continue;
			b = (uint32_t)((h >> 12) * 0x9e3779b97f4a7c15ull >> 40);
			while (post_set[b % POST_SET] &&
			       post_set[b % POST_SET] != h + 1)
				b++;
			if (post_set[b % POST_SET] == h + 1)
				FAIL("a host page posted twice", NP_NO_FRAME);
			post_set[b % POST_SET] = h + 1;
		}
	}
	return true;
}

/* The bitmaps delivery and exchange search agree with what they stand
 * for, slot by slot: a slot maps a frame, a buffer is filled, a post
 * slot holds a page. Past nr_slots (and in a VM not present) nothing is
 * in use, as check_vm says of the slots: there the words need only be
 * zero, so the check costs a VM's window, not NET_RX_SLOTS_MAX. */
static bool check_bits(const struct netpath *np, uint32_t v)
{
	const struct np_vm *vm = &np->vm[v];
	uint32_t n = vm->present ? vm->nr_slots : 0;

	for (uint32_t s = 0; s < n; s++) {
		bool slot = vm->slot_used[s / 64] >> (s % 64) & 1;
		bool buf = vm->buf_used[s / 64] >> (s % 64) & 1;
		bool post = vm->post_used[s / 64] >> (s % 64) & 1;

		if (slot != (vm->slot_frame[s] != NP_NO_FRAME) ||
		    buf != (vm->copy_seq[s] != 0) ||
		    post != (vm->post_gpa[s] != NP_NO_POST))
			FAIL("a slot, buffer or post bitmap disagrees", NP_NO_FRAME);
	}
	for (uint32_t w = n / 64; w < NP_SLOT_WORDS; w++) {
		/* Bits at n and above in word w. */
		uint64_t past = w == n / 64 && n % 64 ? ~0ull << (n % 64) : ~0ull;

		if ((vm->slot_used[w] | vm->buf_used[w] | vm->post_used[w]) & past)
			FAIL("a slot, buffer or post bit past the window",
			     NP_NO_FRAME);
	}
	return true;
}

/* Slots and holders agree: each slot of VM v points at a DELIVERED frame
 * holding v, no two of v's slots at one frame, and v holds as many
 * frames as it has slots in use (so each holder has exactly one slot).
 * held counts those and the copy buffers in use. Slots past nr_slots,
 * and a VM not present, hold nothing: delivery never looks there, so
 * they need no scan, only held == 0. */
static bool check_vm(const struct netpath *np, uint32_t v, uint32_t holding,
		     bool walk)
{
	const struct np_vm *vm = &np->vm[v];
	uint64_t seen[NP_MAX_FRAMES / 64] = { 0 };
	uint32_t used = 0;

	if (!check_copy(np, v) || !check_xchg(np, v, walk))
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
 * that VM, the index holds nothing else, the group and promiscuous
 * masks name exactly the VMs with a ring and the promiscuous ones, and
 * the last hit np_rx_demux keeps is one of the index's entries. */
static bool check_demux(const struct netpath *np)
{
	uint16_t ring = 0, promisc = 0;
	uint32_t entries = 0, b;

	for (b = 0; b < NP_MAC_BUCKETS; b++)
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
	for (b = 0; np->mac_last && b < NP_MAC_BUCKETS; b++)
		if (np->mac_index[b] == np->mac_last)
			break;
	if (b == NP_MAC_BUCKETS)
		FAIL("the last demux hit is no entry of the index", NP_NO_FRAME);
	return true;
}

/* Cost: a pass over the frames (with an hpa lookup each) and over the
 * present VMs' slots; for an exchange VM in 'walk', a walk of its RAM's
 * mappings with an hpa lookup per 4 KiB one. That walk is most of it
 * once a guest has posted pages all over its RAM (each post splits a
 * 2 MiB mapping into 512): a 256 MiB Linux VM's took about a
 * millisecond under QEMU TCG, so np_checked walks only the VMs a
 * transition remapped. */
bool np_check_walking(const struct netpath *np, uint16_t walk)
{
	uint32_t holding[NP_MAX_VMS] = { 0 };
	uint32_t present = 0;

	if (!check_frames(np, holding) || !check_free_bits(np) ||
	    !check_part(np))
		return false;
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		if (!check_vm(np, v, holding[v], walk >> v & 1) ||
		    !check_bits(np, v))
			return false;
		present += np->vm[v].present;
		if (np->vm[v].present != (np->vm_mask >> v & 1))
			FAIL("vm_mask differs from the VMs present", NP_NO_FRAME);
	}
	if (present != np->nr_vms)
		FAIL("nr_vms differs from the VMs present", NP_NO_FRAME);
	return check_posted_once(np) && check_demux(np);
}

bool np_check(const struct netpath *np)
{
	return np_check_walking(np, (uint16_t)((1u << NP_MAX_VMS) - 1));
}
