/* The network path's own header: the state its files share, and the
 * helpers they call one another by. Only vmm/net/ and the tests and
 * bench that look inside the path include it; everyone else has
 * netpath.h. */
#ifndef VMM_NET_NETPATH_INTERNAL_H
#define VMM_NET_NETPATH_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"
#include "vmm/net/dma_sense.h"
#include "vmm/net/netpath.h"

#define NP_HIST_NONE    0xff    /* a hist byte not written yet */
#define NP_NO_FRAME     0xffff
#define NP_NO_VM        0xff
#define NP_NO_POST      (~0ull)  /* post_gpa[] of a post slot with no page */
#define NP_HPA_BUCKETS  (2 * NP_MAX_FRAMES)     /* hpa index: power of two */
#define NP_FRAME_WORDS  (NP_MAX_FRAMES / 64)    /* free_bits */
#define NP_MAC_BITS     5                       /* mac index: 2^5 buckets, */
#define NP_MAC_BUCKETS  (1u << NP_MAC_BITS)     /*   twice NP_MAX_VMS */
#define NP_SLOT_WORDS   (NET_RX_SLOTS_MAX / 64) /* a bit per slot, buffer, post */
#define NP_POST_BATCH   32      /* frames a refill hands ops.post at once */

/* The ring as the guest may change it: every access is a real load or
 * store, in program order with the others [C11 5.1.2.3]. x86 keeps
 * stores in order [SDM 3A 9.2.2], so an entry written before prod is
 * seen before prod, with no barrier instruction. */
#define RING(v) ((volatile struct net_rx_ring *)(v)->ring)

struct np_frame {
	uint64_t         hpa;
	/* The last NP_HIST states, for panic reports: one a byte, the
	 * newest in the low byte, NP_HIST_NONE where none was yet. A shift
	 * and an OR a change: a frame changes state several times on its
	 * way (the fixed cost per frame). */
	uint64_t         hist;
	uint8_t          state;         /* enum frame_state */
	uint16_t         holders;       /* bit v: VM v has it in a slot */
	uint16_t         len;           /* bytes of frame data in the page */
	uint16_t         scrub_len;     /* bytes that may be non-zero: past
					 * them the page is all zero */
	uint16_t         seen;          /* bit v: VM v has seen every byte of
					 * [len, scrub_len), the stale tail */
	uint16_t         next;          /* reclaim list link */
};

struct np_vm_stats {
	uint64_t rx_frames, rx_bytes, rx_bcast, released, revoked;
	uint64_t rx_copied;             /* of rx_frames, into a copy buffer */
	uint64_t rx_drop_quota, rx_drop_ring, rx_drop_nosetup;
	uint64_t tx_frames, tx_bytes, tx_drop, tx_spoofed, tx_local;
	uint64_t tx_link_local;         /* of tx_drop: to 01-80-C2-00-00-0x */
	uint64_t release_errors;
	uint64_t reclaim_extended;      /* deadline moved: it was reading its ring */
	uint64_t rx_drop_map;           /* ops->map failed */
	uint64_t rx_drop_nopost;        /* exchange: no page posted */
	uint64_t posted;                /* exchange: pages posted */
	uint64_t post_errors;           /* exchange: HC_NET_POST refused */
};

/* What every frame touches comes first, so that a delivery reads one or
 * two cache lines of its VM rather than lines 9 KiB apart past the slot
 * arrays: in the bench, copy at 64 B took 79 ns with these fields spread,
 * 58 with them together (docs/performance.md). */
struct np_vm {
	bool              present;
	bool              promiscuous;
	bool              xchg;         /* receives by page exchange (xchg.c) */
	bool              rx_pending;   /* owes the guest one HC_VEC_NET_RX */
	bool              at_quota;     /* a frame was dropped over its quota */
	uint8_t           mac[6];
	uint16_t          nr_slots;     /* rx_slots: the window's size */
	uint16_t          quota;        /* quota_frames: of held */
	uint16_t          held;         /* window slots + copy buffers in use */
	uint16_t          held_copy;    /* of held, copy buffers */
	uint16_t          posted;       /* exchange: post slots holding a page */
	uint32_t          prod;         /* our ring->prod: the guest's is never read */
	uint8_t          *copy_area;    /* nr_slots buffers in its RAM, or NULL */
	/* NET_COPY_RING: the copy for ring entry p goes into buffer
	 * p & copy_mask, free again once the guest's cons passes p. The
	 * most buffers that rule can use, copy_mask + 1, is a power of two
	 * (so p & copy_mask runs on across prod's wrap) of at most nr_slots. */
	bool              copy_ring;
	uint16_t          copy_mask;
	struct net_rx_ring *ring;       /* NULL until HC_NET_SETUP */
	struct np_vm_stats st;
	/* Bit n: slot_frame[n], copy_seq[n], post_gpa[n] in use: the
	 * lowest free one is a find-first-set, not a scan (np_bit_*). */
	uint64_t          slot_used[NP_SLOT_WORDS];
	uint64_t          buf_used[NP_SLOT_WORDS];
	uint64_t          post_used[NP_SLOT_WORDS];
	uint16_t          slot_frame[NET_RX_SLOTS_MAX]; /* NP_NO_FRAME or index */
	uint64_t          slot_seq[NET_RX_SLOTS_MAX];   /* delivery order */
	/* Copy buffer b is filled while copy_seq[b] != 0: its delivery
	 * order, from the same counter as slot_seq, so revocation takes the
	 * oldest of both kinds. */
	uint64_t          copy_seq[NET_RX_SLOTS_MAX];
	/* In the VM's own time (ops.vm_clock); 0: no reclaim outstanding. */
	uint64_t          reclaim_deadline;
	uint32_t          reclaim_cons;       /* ring cons when asked or extended */
	uint8_t           reclaim_grace;      /* extensions left for this request */
	/* Page exchange (xchg.c): set up by np_setup_xchg. Post slot n
	 * holds the page at post_gpa[n] (NP_NO_POST: none), host page
	 * post_hpa[n], not present in the VM's RAM while posted. */
	bool              post_ask;           /* owes one HC_VEC_NET_RECLAIM */
	bool              post_asked;         /* raised; not again until it posts */
	uint64_t          ram_bytes;          /* its RAM, for np_post's checks */
	uint64_t          ring_gpa;
	uint64_t          post_gpa[NET_RX_SLOTS_MAX];
	uint64_t          post_hpa[NET_RX_SLOTS_MAX];
};

struct np_stats {
	uint64_t rx_frames, rx_drop_unknown, rx_drop_bad_len, rx_drop_no_vm;
	uint64_t rx_drop_link_local;    /* to 01-80-C2-00-00-0x: not bridged */
	uint64_t reclaim_events, revocations, invepts, bytes_scrubbed;
	uint64_t tx_wire, tx_local;
	/* Ring entries written, wire and VM to VM: by remap, by copy. Their
	 * sum is the sum of the VMs' rx_frames. */
	uint64_t rx_flipped, rx_copied;
	uint64_t rx_exchanged;          /* of rx_flipped: a pool frame for a posted page */
	uint64_t rx_copy_one;           /* of rx_copied: by np_deliver's shortcut */
	uint64_t rx_drop_oversize;      /* longer than mtu + NET_ETH_OVERHEAD */
	uint64_t rx_multi;              /* of rx_frames: more than one page long */
};

struct netpath {
	struct netpath_ops ops;
	uint8_t            check;               /* enum np_check_mode */
	uint32_t           nr_frames;
	uint32_t           count[FRAME_NR_STATES];
	uint32_t           low_watermark;       /* free + posted below: reclaim */
	uint64_t           reclaim_ticks;       /* grace before revocation */
	uint32_t           tx_reserve;          /* FREE frames np_refill keeps for VM-to-VM */
	uint8_t            mode;                /* enum np_mode, for every VM */
	uint16_t           copy_threshold;      /* NP_HYBRID: copy frames up to this
						 * long now (auto: sense decides) */
	uint16_t           frame_max;           /* mtu + NET_ETH_OVERHEAD */
	/* The frame the NIC is part way through: its pages so far, each
	 * FRAME_RECEIVED (np_rx_part); or, with rx_discard, one dropped
	 * until its last descriptor. */
	uint16_t           rx_part[NP_RX_PAGES_MAX];
	uint8_t            rx_part_n;
	bool               rx_discard;
	/* copy_threshold auto (dma_sense.c): after the fields above, so
	 * that none of them moved. */
	struct np_sense    sense;
	uintptr_t          pool_lo, pool_hi;    /* the pool's pages lie in [lo, hi) */
	uint64_t           hpa_base;            /* frame 0's page (np_frame_find) */
	uint64_t           seq;
	uint32_t           nr_vms;
	/* Bit v: VM v is present (np_add_vm; never cleared). The loops
	 * over VMs that run once a batch walk these bits, not every VM id:
	 * each VM's state is its own lines, 17 KiB apart. */
	uint16_t           vm_mask;
	uint16_t           ring_mask;           /* bit v: VM v has a ring: group targets */
	uint16_t           promisc_mask;        /* bit v: VM v is promiscuous */
	/* No free bit lies below word free_word of free_bits: the search
	 * for the lowest FREE frame starts there (frame_pool.c). */
	uint16_t           free_word;
	/* Bit v: VM v's RAM mappings changed (np_ram_map, np_ram_unmap)
	 * since the last check: np_checked walks those VMs' RAM only. */
	uint16_t           ram_changed;
	/* Destination MAC -> VM, open addressing: an entry is 0 (empty) or
	 * the MAC as a 48-bit number with (VM + 1) above it, so a lookup
	 * reads only this array, one cache line in four. */
	uint64_t           mac_index[NP_MAC_BUCKETS];
	/* The index entry np_rx_demux last found, or 0: checked first
	 * (demux.c). An entry never goes stale: VMs and their MACs are
	 * never removed. */
	uint64_t           mac_last;
	/* Bit i: frame i is FREE. Refill and np_pool_take take the lowest
	 * (frame_pool.c, "lowest first"). */
	uint64_t           free_bits[NP_FRAME_WORDS];
	struct np_vm       vm[NP_MAX_VMS];
	struct np_stats    st;
	struct np_frame    frame[NP_MAX_FRAMES];
	/* Frame i's page as ops.page gave it for frame[i].hpa (np_init,
	 * np_frame_rekey): the receive path reads, copies and scrubs pool
	 * pages by a load, not by an op call each frame (docs/performance.md,
	 * "The fixed cost, a fourth pass"). */
	uint8_t           *page[NP_MAX_FRAMES];
	uint16_t           hpa_index[NP_HPA_BUCKETS];   /* hpa -> frame, open addressing */
};

/* Where a frame goes, as the demux decided. */
enum np_dest_kind {
	NP_DEST_VM,             /* unicast to a VM's MAC: 'vm' */
	NP_DEST_GROUP,          /* broadcast or multicast */
	NP_DEST_UNKNOWN,        /* unicast to no VM's MAC */
	NP_DEST_LINK_LOCAL,     /* IEEE 802.1 reserved group: to nobody */
};

struct np_dest {
	uint8_t  kind;          /* enum np_dest_kind */
	uint8_t  vm;            /* NP_DEST_VM only */
	uint16_t targets;       /* bit v: VM v should get it */
	uint16_t flags;         /* NET_RX_F_* for the ring entries */
};

/* A frame in one or more pool pages, in order: every page but the last
 * holds NET_SLOT_SIZE bytes of it (np_frame.len). */
struct np_chain {
	uint16_t fi[NP_RX_PAGES_MAX];
	uint8_t  n;             /* 1..NP_RX_PAGES_MAX */
	uint16_t len;           /* the frame's length: the pages' lens summed */
};

/* Where a frame to 'dst' goes; changes nothing (the transmit path's). */
void np_demux(const struct netpath *np, const uint8_t dst[6],
	      struct np_dest *d);
/* The same for a received frame, the VM of the last unicast hit tried
 * first (mac_last, which it keeps). */
void np_rx_demux(struct netpath *np, const uint8_t dst[6],
		 struct np_dest *d);
/* The VM whose MAC is 'mac', or NP_NO_VM. */
uint32_t np_mac_lookup(const struct netpath *np, const uint8_t mac[6]);
/* EtherType 0x8808, MAC Control (PAUSE and the rest), whatever the
 * destination: PAUSE may also go to a station's own address; the MAC
 * consumes these and never passes them up [IEEE 802.3 31.5, 31B.1], so
 * they are not bridged either, like the IEEE 802.1 reserved groups.
 * 'frame' holds at least the 14-byte header. Inline: asked of every
 * frame. */
static inline bool np_mac_control(const uint8_t *frame)
{
	return frame[12] == 0x88 && frame[13] == 0x08;
}
uint16_t np_deliver(struct netpath *np, const struct np_chain *c,
		    uint16_t targets, uint16_t flags);
/* np_deliver without its shortcut for a unicast one-buffer copy: every
 * target, every page, any mode. np_deliver's answer for any frame; the
 * unit tests hold the shortcut to it. */
uint16_t np_deliver_each(struct netpath *np, const struct np_chain *c,
			 uint16_t targets, uint16_t flags);
void np_batch_end(struct netpath *np, uint64_t now);
void np_reclaim_ask(struct netpath *np, uint64_t now);

/* Ring entries: room for 'n' more with at most 'cap' (<= NET_RX_RING)
 * unconsumed (a lying cons reads as full), and one written, then
 * announced by prod unless it has NET_RX_F_MORE: a guest never sees part
 * of a frame (rx_deliver.c). */
bool np_ring_room(const struct np_vm *v, uint32_t n, uint32_t cap);
void np_ring_push(struct np_vm *v, uint16_t slot, uint16_t len,
		  uint16_t flags);

/* Exchange delivery of one page of a frame, pool frame 'fi' (its len
 * bytes at 'data'), to VM 'vm' (xchg.c): into its lowest
 * posted page, by flip when 'flip' (the frame's page becomes the guest's,
 * the posted page takes the frame's place in the pool, its bytes seen by
 * that VM alone), else by copy. The post slot, or NP_NO_FRAME: nothing posted
 * (counted, reclaim asked) or the map failed (counted). Adds
 * NET_RX_F_XCHG, and NET_RX_F_COPY when copied, to *flags. */
uint32_t np_xchg_deliver(struct netpath *np, uint32_t vm, uint32_t fi,
			 const uint8_t *data, bool flip, uint16_t *flags);
/* Whether exchange VM 'vm' has 'n' pages posted; if not, the drop is
 * counted and pages asked for. */
bool np_xchg_room(struct netpath *np, uint32_t vm, uint32_t n);
/* Every posted page of 'vm' mapped back at its GPA; returns how many. */
uint32_t np_xchg_return(struct netpath *np, uint32_t vm);
/* Nothing more for 'vm': posted pages back (np_xchg_return), ring and
 * copy area forgotten, either ABI. The caller took its window slots and
 * buffers back first. Returns the pages given back. */
uint32_t np_unplug(struct netpath *np, uint32_t vm);
/* End of a batch: HC_VEC_NET_RECLAIM to exchange VMs that owe one. */
void np_xchg_ask(struct netpath *np);

/* Frame 'fi' lives in host page 'hpa' from now on (exchange): the hpa
 * index follows. */
void np_frame_rekey(struct netpath *np, uint32_t fi, uint64_t hpa);
uint32_t np_pool_take(struct netpath *np);
void np_pool_put(struct netpath *np, uint32_t fi);
/* The scrub rule (frame_pool.c; docs/datapath.md, "Scrub rule"): 'n'
 * fresh bytes, nobody's yet, were written at the start of frame fi's
 * page, by the NIC or a VM-to-VM copy (np_frame_wrote, below); before
 * VM 'vm' may map the page, np_frame_expose zeroes the stale tail past
 * len unless 'vm' saw it; after a delivery np_frame_seen records which
 * VMs map it now. */
void np_frame_expose(struct netpath *np, uint32_t fi, uint32_t vm);
uint32_t np_pool_refill(struct netpath *np);
bool np_pool_overlaps(const struct netpath *np, const uint8_t *p,
		      uint64_t len);

/* Take back the 'n' entries of 'list' from VM 'vm': window slots, and
 * copy buffers as (index | NET_SLOT_COPY), each held by it and listed
 * once (the caller checked). Each window slot is unmapped, then one
 * INVEPT if there was any, then the frames nobody holds any more are
 * FREE; a copy buffer is simply free again. Counted as
 * released, or as revoked when 'revoked'. Returns n. */
uint32_t np_take_back(struct netpath *np, uint32_t vm, const uint16_t *list,
		      uint32_t n, bool revoked);

/* np_check, with the walk of an exchange VM's RAM mappings (posted +
 * mapped = RAM, no pool frame in RAM) only for the VMs in 'walk': the
 * one part whose cost grows with the VM's RAM (netpath_check.c). */
bool np_check_walking(const struct netpath *np, uint16_t walk);

/* The slot, buffer and post bitmaps of struct np_vm, the pool's free_bits. */
static inline void np_bit_set(uint64_t *bits, uint32_t n)
{
	bits[n / 64] |= 1ull << (n % 64);
}

static inline void np_bit_clear(uint64_t *bits, uint32_t n)
{
	bits[n / 64] &= ~(1ull << (n % 64));
}

/* The lowest n < limit whose bit equals 'want', or NP_NO_FRAME. */
static inline uint32_t np_bit_first(const uint64_t *bits, bool want,
				    uint32_t limit)
{
	for (uint32_t w = 0; w * 64 < limit; w++) {
		uint64_t m = want ? bits[w] : ~bits[w];

		if (m) {
			uint32_t n = w * 64 + (uint32_t)__builtin_ctzll(m);

			return n < limit ? n : NP_NO_FRAME;
		}
	}
	return NP_NO_FRAME;
}

/* Every state change goes through here: the counts follow it and the
 * frame's history records it for a panic report. Inline, as a frame
 * changes state several times on its way (the fixed cost per frame). */
static inline void np_frame_set(struct netpath *np, uint32_t fi,
				enum frame_state s)
{
	struct np_frame *f = &np->frame[fi];

	if (f->state == s)
		return;
	np->count[f->state]--;
	np->count[s]++;
	f->state = (uint8_t)s;
	f->hist = f->hist << 8 | (uint8_t)s;
}

static inline uint32_t np_hpa_bucket(uint64_t hpa)
{
	/* Fibonacci hashing of the page number: frames are usually
	 * consecutive pages, which this spreads over the table. */
	return (uint32_t)(((hpa >> 12) * 0x9e3779b97f4a7c15ull) >> 32) &
	       (NP_HPA_BUCKETS - 1);
}

/* The pool frame in host page 'hpa', NP_NO_FRAME if none. Frame i is
 * first looked for where boot put it, i pages above frame 0's page
 * (hpa_base): one load of frame[i], which np_rx reads anyway, and no
 * probe of the index, whose buckets a pool's consecutive pages spread
 * over many cache lines (docs/performance.md, "The fixed cost, a third
 * pass"). A page exchange moves frames elsewhere; the index finds
 * those, and any page that is not a frame: it is at most half full, so
 * a probe ends at an empty bucket. */
static inline uint32_t np_frame_find(const struct netpath *np, uint64_t hpa)
{
	uint64_t guess = (hpa - np->hpa_base) / NET_SLOT_SIZE;
	uint32_t b;

	if (guess < np->nr_frames && np->frame[guess].hpa == hpa)
		return (uint32_t)guess;
	b = np_hpa_bucket(hpa);

	for (uint32_t i = 0; i < NP_HPA_BUCKETS; i++) {
		uint16_t fi = np->hpa_index[(b + i) & (NP_HPA_BUCKETS - 1)];

		if (fi == NP_NO_FRAME)
			return NP_NO_FRAME;
		if (np->frame[fi].hpa == hpa)
			return fi;
	}
	return NP_NO_FRAME;
}

/* The scrub rule's bookkeeping on every frame (frame_pool.c tells the
 * rule): 'n' fresh bytes written at the start of frame fi's page; after
 * a delivery, 'mappers' are the VMs that map it. */
static inline void np_frame_wrote(struct netpath *np, uint32_t fi, uint32_t n)
{
	struct np_frame *f = &np->frame[fi];

	if (n > NET_SLOT_SIZE)
		n = NET_SLOT_SIZE;
	/* Nothing stale left past the fresh bytes: no one is excluded. */
	if (n >= f->scrub_len) {
		f->scrub_len = (uint16_t)n;
		f->seen = (uint16_t)~0u;
	}
}

static inline void np_frame_seen(struct netpath *np, uint32_t fi,
				 uint16_t mappers)
{
	np->frame[fi].seen &= mappers;
}

/* At the end of a transition: the full check, unless it is off, with
 * the RAM walk of the VMs whose RAM the transition remapped. The walk
 * of a VM whose nested table did not change would find what the last
 * one found; np_check (tests, fuzzing) walks every VM. */
static inline void np_checked(struct netpath *np)
{
	if (np->check != NP_CHECK_OFF) {
		np_check_walking(np, np->ram_changed);
		np->ram_changed = 0;
	}
}

/* At the end of one frame of a batch (np_rx): np_rx_end checks the
 * batch, so only NP_CHECK_EVERY checks each frame. */
static inline void np_checked_frame(struct netpath *np)
{
	if (np->check == NP_CHECK_EVERY)
		np_checked(np);
}

/* The data path's only ways into an exchange VM's RAM mappings: each
 * marks the VM for the next check's RAM walk. */
static inline int np_ram_map(struct netpath *np, uint32_t vm, uint64_t gpa,
			     uint64_t hpa)
{
	np->ram_changed |= (uint16_t)(1u << vm);
	return np->ops.ram_map(np->ops.ctx, vm, gpa, hpa);
}

static inline int np_ram_unmap(struct netpath *np, uint32_t vm, uint64_t gpa)
{
	np->ram_changed |= (uint16_t)(1u << vm);
	return np->ops.ram_unmap(np->ops.ctx, vm, gpa);
}

#endif
