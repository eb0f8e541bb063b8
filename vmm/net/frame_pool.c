/* The frame pool: N pinned host pages, each in exactly one state
 * (docs/datapath.md, "The pool"), the hpa -> frame index the receive
 * path looks completions up in, the scrub, and the NIC refill. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

_Static_assert((NP_HPA_BUCKETS & (NP_HPA_BUCKETS - 1)) == 0,
	       "the hpa index masks with NP_HPA_BUCKETS - 1");
_Static_assert(NP_HPA_BUCKETS >= 2 * NP_MAX_FRAMES,
	       "the hpa index stays at most half full");
_Static_assert(NP_MAX_FRAMES < NP_NO_FRAME, "frame indices fit a u16");
_Static_assert(NP_MAX_VMS <= 16, "holders is a u16 bit set");
_Static_assert(FRAME_NR_STATES < NP_HIST_NONE, "a hist byte holds a state");
_Static_assert(NP_HIST == sizeof(((struct np_frame *)0)->hist),
	       "hist holds NP_HIST states, a byte each");

/* false if 'hpa' is already in the index. */
static bool hpa_insert(struct netpath *np, uint64_t hpa, uint16_t fi)
{
	uint32_t b = np_hpa_bucket(hpa);

	for (uint32_t i = 0; i < NP_HPA_BUCKETS; i++) {
		uint16_t *e = &np->hpa_index[(b + i) & (NP_HPA_BUCKETS - 1)];

		if (*e == NP_NO_FRAME) {
			*e = fi;
			return true;
		}
		if (np->frame[*e].hpa == hpa)
			return false;
	}
	return false;
}

/* Take 'hpa' out of the index. Linear probing: each entry after the
 * hole that could have sat in it moves back, so no lookup stops early
 * at the hole [Knuth TAOCP 6.4, Algorithm R]. */
static void hpa_remove(struct netpath *np, uint64_t hpa)
{
	const uint32_t mask = NP_HPA_BUCKETS - 1;
	uint32_t hole = np_hpa_bucket(hpa), j;

	while (np->hpa_index[hole] != NP_NO_FRAME &&
	       np->frame[np->hpa_index[hole]].hpa != hpa)
		hole = (hole + 1) & mask;
	if (np->hpa_index[hole] == NP_NO_FRAME)
		return;
	np->hpa_index[hole] = NP_NO_FRAME;
	for (j = (hole + 1) & mask; np->hpa_index[j] != NP_NO_FRAME;
	     j = (j + 1) & mask) {
		uint16_t fi = np->hpa_index[j];
		uint32_t home = np_hpa_bucket(np->frame[fi].hpa);

		/* It may move if the hole lies on its probe path [home, j). */
		if (((j - home) & mask) >= ((j - hole) & mask)) {
			np->hpa_index[hole] = fi;
			np->hpa_index[j] = NP_NO_FRAME;
			hole = j;
		}
	}
}

/* Frame fi's page, for its hpa now, kept (np->page) and inside the
 * pool's bounds: at np_init, and at each rekey. The bounds only ever
 * widen: np_pool_overlaps looks at every page inside them anyway. */
static uint8_t *frame_page(struct netpath *np, uint32_t fi)
{
	uint8_t *page = np->ops.page(np->ops.ctx, np->frame[fi].hpa);

	np->page[fi] = page;
	if ((uintptr_t)page < np->pool_lo)
		np->pool_lo = (uintptr_t)page;
	if ((uintptr_t)page + NET_SLOT_SIZE > np->pool_hi)
		np->pool_hi = (uintptr_t)page + NET_SLOT_SIZE;
	return page;
}

void np_frame_rekey(struct netpath *np, uint32_t fi, uint64_t hpa)
{
	struct np_frame *f = &np->frame[fi];

	hpa_remove(np, f->hpa);
	f->hpa = hpa;
	frame_page(np, fi);
	if (!hpa_insert(np, hpa, (uint16_t)fi))
		np->ops.panic(np->ops.ctx, "rekey: hpa already a pool frame", fi);
}

/* Every op is set, the counts fit, the modes are known, the pool's
 * frames are page aligned (distinct: hpa_insert). */
static bool params_ok(const struct np_params *p)
{
	const struct netpath_ops *ops = p->ops;
	unsigned ram_ops;

	if (!ops || !p->frame_hpas || !p->nr_frames ||
	    p->nr_frames > NP_MAX_FRAMES || p->tx_reserve > p->nr_frames ||
	    p->check > NP_CHECK_BATCH || p->mode > NP_HYBRID)
		return false;
	if (p->mtu && (p->mtu < NET_MTU_MIN || p->mtu > NET_MTU_MAX))
		return false;
	if (p->copy_threshold > NET_JUMBO_MAX &&
	    p->copy_threshold != NP_COPY_AUTO)
		return false;
	if (!ops->map || !ops->unmap || !ops->flush || !ops->notify ||
	    !ops->page || !ops->post || !ops->post_room || !ops->wire_tx ||
	    !ops->panic ||
	    !ops->vm_clock)
		return false;
	/* Exchange needs all four ram ops, or none. */
	ram_ops = !!ops->ram_lookup + !!ops->ram_map + !!ops->ram_unmap +
		  !!ops->ram_each;
	if (ram_ops != 0 && ram_ops != 4)
		return false;
	for (uint32_t i = 0; i < p->nr_frames; i++)
		if (p->frame_hpas[i] % NET_SLOT_SIZE)
			return false;
	return true;
}

int np_init(struct netpath *np, const struct np_params *p)
{
	uint32_t n;

	if (!np || !p || !params_ok(p))
		return -1;
	n = p->nr_frames;

	memset(np, 0, sizeof(*np));
	memset(np->hpa_index, 0xff, sizeof(np->hpa_index));
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		memset(np->vm[v].slot_frame, 0xff,
		       sizeof(np->vm[v].slot_frame));
		for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++)
			np->vm[v].post_gpa[s] = NP_NO_POST;
	}
	np->ops = *p->ops;
	np->nr_frames = n;
	np->low_watermark = p->low_watermark;
	np->reclaim_ticks = p->reclaim_ticks;
	np->tx_reserve = p->tx_reserve;
	np->check = p->check;
	np->mode = p->mode;
	np_sense_init(np, p->copy_threshold);
	np->frame_max = (uint16_t)((p->mtu ? p->mtu : NET_MTU_DEFAULT) +
				   NET_ETH_OVERHEAD);
	np->hpa_base = p->frame_hpas[0];
	for (uint32_t i = 0; i < n; i++) {
		struct np_frame *f = &np->frame[i];

		f->hpa = p->frame_hpas[i];
		if (!hpa_insert(np, f->hpa, (uint16_t)i)) {
			memset(np, 0, sizeof(*np));
			return -1;
		}
	}

	/* FREE means zero: whatever the allocator left in the pages, no
	 * guest will ever see it. */
	np->pool_lo = UINTPTR_MAX;
	for (uint32_t i = 0; i < n; i++) {
		struct np_frame *f = &np->frame[i];

		memset(frame_page(np, i), 0, NET_SLOT_SIZE);
		f->state = FRAME_FREE;
		f->hist = ~0ull << 8 | FRAME_FREE;      /* the rest NONE */
		f->next = NP_NO_FRAME;
		np_bit_set(np->free_bits, i);
	}
	np->count[FRAME_FREE] = n;
	np_checked(np);
	return 0;
}

/* Lowest first. Frame i is FREE while free_bits has bit i, and refill
 * and np_pool_take take the lowest such i. The frames are indexed in the
 * order np_params lists their pages, ascending host addresses at boot
 * (net_start.c), so the NIC gets the free pages in ascending address
 * order at every pass, whatever order the guests gave them back in. The
 * NIC fills them in the order refill posts them, and pages filled one
 * after the other, ascending, are what the CPU's prefetcher follows:
 * np_rx finds a frame's first lines loaded. In an order that changes at
 * every pass (the order flips and copies left the pages in, pushed on a
 * list) it does not: make bench's cold copy at 64 B cost about twice as
 * much (docs/datapath.md, "The pool"). The cost is the search below,
 * from free_word on, and a large pool works mostly in its low frames. */
static uint32_t pool_first(struct netpath *np)
{
	uint32_t words = (np->nr_frames + 63) / 64;

	for (uint32_t w = np->free_word; w < words; w++)
		if (np->free_bits[w]) {
			np->free_word = (uint16_t)w;
			return w * 64 + (uint32_t)__builtin_ctzll(np->free_bits[w]);
		}
	np->free_word = (uint16_t)words;
	return NP_NO_FRAME;
}

/* The lowest FREE frame, off the free bitmap, for a VM-to-VM copy. It
 * stays FREE until np_deliver maps it or np_pool_put takes it back. */
uint32_t np_pool_take(struct netpath *np)
{
	uint32_t fi = pool_first(np);

	if (fi != NP_NO_FRAME)
		np_bit_clear(np->free_bits, fi);
	return fi;
}

/* A frame nobody maps any more back to the pool, unscrubbed: the NIC
 * only writes a posted frame, and whatever stale bytes it keeps are
 * zeroed when they could first reach a VM that has not seen them
 * (np_frame_expose). The caller has run the INVEPT that followed the
 * frame's last unmap: no guest can still read it. Where it goes in the
 * posting order is its index's business (pool_first), not the order of
 * the puts. */
void np_pool_put(struct netpath *np, uint32_t fi)
{
	struct np_frame *f = &np->frame[fi];

	if (f->holders) {
		np->ops.panic(np->ops.ctx, "pool_put: frame still held", fi);
		return;
	}
	f->len = 0;
	np_frame_set(np, fi, FRAME_FREE);
	np_bit_set(np->free_bits, fi);
	if (fi / 64 < np->free_word)
		np->free_word = (uint16_t)(fi / 64);
}

/* The scrub rule. A frame's page is all zero past scrub_len, and every
 * VM in 'seen' has seen every non-zero byte of it, but for the fresh
 * frame [0, len) it carries from its np_rx (or VM-to-VM copy) until its
 * delivery. A VM may map the page (read-only into its window, or into
 * its RAM by exchange) only when it has seen the stale tail [len,
 * scrub_len) before; otherwise the tail is zeroed first. Copy delivery
 * reads only [0, len) and exposes nothing. So a frame the NIC fills
 * again for the VM that last mapped it is never scrubbed, and one for
 * another VM loses only the bytes past its new length: the NIC wrote
 * the head [8254x 3.2.3: 'length' bytes into the buffer]. The
 * bookkeeping, np_frame_wrote and np_frame_seen, is inline in
 * netpath_internal.h. */
void np_frame_expose(struct netpath *np, uint32_t fi, uint32_t vm)
{
	struct np_frame *f = &np->frame[fi];
	uint32_t n;

	if (f->scrub_len <= f->len || f->seen >> vm & 1)
		return;
	n = f->scrub_len - f->len;
	memset(np->page[fi] + f->len, 0, n);
	np->st.bytes_scrubbed += n;
	f->scrub_len = f->len;
	f->seen = (uint16_t)~0u;
}

/* Does [p, p + len) touch a pool page? A copy area must not: the guest
 * writes its copy buffers. Pool pages are scattered, so the bounds only
 * answer "no" quickly; inside them every page is looked at. */
bool np_pool_overlaps(const struct netpath *np, const uint8_t *p,
		      uint64_t len)
{
	uintptr_t lo = (uintptr_t)p, hi = lo + len;

	if (hi <= np->pool_lo || lo >= np->pool_hi)
		return false;
	for (uint32_t i = 0; i < np->nr_frames; i++) {
		uintptr_t pg = (uintptr_t)np->page[i];

		if (lo < pg + NET_SLOT_SIZE && pg < hi)
			return true;
	}
	return false;
}

/* The lowest FREE frames, up to 'want', into fis[] and hpa[], their
 * bits cleared a word at a time (np_pool_refill sets back those the NIC
 * did not take): how many, each checked. A frame that fails the check
 * ends the gathering there, with a panic once those before it are
 * posted (*bad). */
static uint32_t refill_gather(struct netpath *np, uint16_t *fis,
			      uint64_t *hpa, uint32_t want, const char **bad,
			      uint32_t *bad_fi)
{
	uint32_t words = (np->nr_frames + 63) / 64, n = 0;

	pool_first(np);                 /* free_word: the first non-empty */
	for (uint32_t w = np->free_word; w < words && n < want; w++) {
		uint64_t m = np->free_bits[w];

		for (; m && n < want; m &= m - 1) {
			uint32_t fi = w * 64 + (uint32_t)__builtin_ctzll(m);
			const struct np_frame *f = &np->frame[fi];

			if (f->state != FRAME_FREE || f->holders) {
				*bad = "refill: free frame mapped or busy";
				*bad_fi = fi;
				want = n;       /* ends both loops */
				break;
			}
			fis[n] = (uint16_t)fi;
			hpa[n++] = f->hpa;
		}
		np->free_bits[w] = m;   /* the bits not gathered */
	}
	if (n < want) {
		*bad = "refill: fewer free frames than the FREE count";
		*bad_fi = NP_NO_FRAME;
	}
	return n;
}

/* The receive descriptors must only ever point at frames no EPT maps
 * [issue 4, part 2]: refill posts FREE frames only, and checks. As
 * many as the NIC has room for, up to NP_POST_BATCH a call of ops.post,
 * the lowest first; those it took are POSTED, the rest stay FREE. */
uint32_t np_pool_refill(struct netpath *np)
{
	uint32_t posted = 0, room;

	if (np->count[FRAME_FREE] <= np->tx_reserve)
		return 0;
	room = np->ops.post_room(np->ops.ctx);
	while (np->count[FRAME_FREE] > np->tx_reserve && room) {
		uint64_t hpa[NP_POST_BATCH];
		uint16_t fis[NP_POST_BATCH];
		uint32_t want = np->count[FRAME_FREE] - np->tx_reserve;
		const char *bad = NULL;
		uint32_t bad_fi = NP_NO_FRAME, n, took = 0;

		if (want > room)
			want = room;
		n = refill_gather(np, fis, hpa, want < NP_POST_BATCH ? want :
				  NP_POST_BATCH, &bad, &bad_fi);
		if (n)
			took = np->ops.post(np->ops.ctx, hpa, n);
		for (uint32_t i = 0; i < took; i++)
			np_frame_set(np, fis[i], FRAME_POSTED);
		for (uint32_t i = took; i < n; i++)     /* still FREE */
			np_bit_set(np->free_bits, fis[i]);
		posted += took;
		room -= took;
		if (bad) {
			np->ops.panic(np->ops.ctx, bad, bad_fi);
			break;
		}
		if (took < n)
			break;          /* the NIC's ring is full */
	}
	return posted;
}

uint32_t np_refill(struct netpath *np)
{
	uint32_t posted = np_pool_refill(np);

	np_checked(np);
	return posted;
}

void np_counts(const struct netpath *np, uint32_t counts[FRAME_NR_STATES])
{
	memcpy(counts, np->count, sizeof(np->count));
}

uint32_t np_frame_history(const struct netpath *np, uint32_t frame,
			  uint8_t out[NP_HIST])
{
	const struct np_frame *f;
	uint32_t n = 0;

	if (frame >= np->nr_frames)
		return 0;
	f = &np->frame[frame];
	for (uint32_t i = NP_HIST; i--; ) {             /* the oldest first */
		uint8_t s = (uint8_t)(f->hist >> (8 * i));

		if (s != NP_HIST_NONE)
			out[n++] = s;
	}
	return n;
}
