/* The receive path, as pure C: the frame pool (frame_pool.c), the demux
 * by destination MAC (demux.c), delivery into a VM's receive window or
 * copy area (rx_deliver.c), release (rx_release.c), reclaim and revocation
 * (reclaim.c), transmit and VM to VM (net_tx.c), and the invariants
 * (netpath_check.c). It touches page tables, the NIC and the guests only
 * through struct netpath_ops, so the same files run in the hypervisor and
 * under cmocka (tests/unit/test_netpath.c). docs/datapath.md tells a
 * frame's life.
 *
 * Not re-entrant: one CPU calls these, never from inside an op. */
#ifndef VMM_NET_NETPATH_H
#define VMM_NET_NETPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"

#define NP_MAX_VMS      16
#define NP_MAX_FRAMES   4096
#define NP_HIST         8       /* transitions remembered per frame */
#define NP_HIST_NONE    0xff    /* a hist[] entry not written yet */
#define NP_NO_FRAME     0xffff
#define NP_NO_VM        0xff
#define NP_HPA_BUCKETS  (2 * NP_MAX_FRAMES)     /* hpa index: power of two */
#define NP_MAC_BITS     5                       /* mac index: 2^5 buckets, */
#define NP_MAC_BUCKETS  (1u << NP_MAC_BITS)     /*   twice NP_MAX_VMS */

/* What np_rx accepts as a frame's length: the NIC's 2048-byte receive
 * buffer (RCTL.BSIZE) [8254x 13.4.22]. */
#define NP_RX_LEN_MAX   2048
/* The length the driver passes for a descriptor that holds no good frame
 * (error bits, or no EOP): np_rx drops it and scrubs the whole page. */
#define NP_RX_LEN_BAD   0xffff

enum frame_state {
	FRAME_FREE,             /* in the pool, zero but for nothing */
	FRAME_POSTED,           /* in a NIC receive descriptor, mapped nowhere */
	FRAME_DELIVERED,        /* mapped into one or more VMs' windows */
	FRAME_RECLAIMING,       /* unmapped, waiting for INVEPT and scrub */
	FRAME_NR_STATES
};

/* When np_check runs (config 'invariants'; docs/datapath.md). The full
 * check walks the whole pool: after every frame it is most of a frame's
 * cost, after every batch a thirty-second of it at batch 32. */
enum np_check_mode {
	NP_CHECK_OFF,           /* never: benchmarks of the bare path */
	NP_CHECK_EVERY,         /* after every transition, every frame too */
	NP_CHECK_BATCH,         /* after every call but np_rx, whose frames
				 * np_rx_end checks once per batch */
};

/* How a frame reaches a VM (config 'delivery'). */
enum np_mode {
	NP_FLIP,                /* remap the pool frame into the VM's window */
	NP_COPY,                /* copy into the VM's copy area, frame back at once */
	NP_HYBRID,              /* copy up to copy_threshold bytes, flip larger */
};

struct np_frame {
	uint64_t         hpa;
	uint8_t          state;         /* enum frame_state */
	uint16_t         holders;       /* bit v: VM v has it in a slot */
	uint16_t         len;           /* bytes of frame data in the page */
	uint16_t         scrub_len;     /* bytes that may be non-zero */
	uint8_t          hist[NP_HIST]; /* last states, for panic reports */
	uint8_t          hist_pos;      /* next hist[] to write: the oldest */
	bool             writable;      /* mapped writable since its last scrub */
	uint16_t         next;          /* free list, or reclaim list, link */
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
};

struct np_vm {
	bool              present;
	bool              promiscuous;
	uint8_t           mac[6];
	uint16_t          nr_slots;     /* rx_slots: the window's size */
	uint16_t          quota;        /* quota_frames: of held */
	uint16_t          held;         /* window slots + copy buffers in use */
	uint16_t          held_copy;    /* of held, copy buffers */
	uint16_t          slot_frame[NET_RX_SLOTS_MAX]; /* NP_NO_FRAME or index */
	uint64_t          slot_seq[NET_RX_SLOTS_MAX];   /* delivery order */
	/* Copy buffer b is filled while copy_seq[b] != 0: its delivery
	 * order, from the same counter as slot_seq, so revocation takes the
	 * oldest of both kinds. */
	uint64_t          copy_seq[NET_RX_SLOTS_MAX];
	uint8_t          *copy_area;    /* nr_slots buffers in its RAM, or NULL */
	struct net_rx_ring *ring;       /* NULL until HC_NET_SETUP */
	uint32_t          prod;         /* our ring->prod: the guest's is never read */
	bool              rx_pending;   /* owes the guest one HC_VEC_NET_RX */
	bool              at_quota;     /* a frame was dropped over its quota */
	/* In the VM's own time (ops.vm_clock); 0: no reclaim outstanding. */
	uint64_t          reclaim_deadline;
	uint32_t          reclaim_cons;       /* ring cons when asked or extended */
	uint8_t           reclaim_grace;      /* extensions left for this request */
	struct np_vm_stats st;
};

struct np_stats {
	uint64_t rx_frames, rx_drop_unknown, rx_drop_bad_len, rx_drop_no_vm;
	uint64_t rx_drop_link_local;    /* to 01-80-C2-00-00-0x: not bridged */
	uint64_t reclaim_events, revocations, invepts, bytes_scrubbed;
	uint64_t tx_wire, tx_local;
	/* Ring entries written, wire and VM to VM: by remap, by copy. Their
	 * sum is the sum of the VMs' rx_frames. */
	uint64_t rx_flipped, rx_copied;
};

/* Everything the path needs from the outside world. */
struct netpath_ops {
	void *ctx;
	/* Map window 'slot' of VM 'vm' read-only onto 'hpa'. 0, or <0 (then
	 * nothing was mapped). Needs no invalidation. */
	int (*map)(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa);
	/* Remove that mapping. The caller runs flush() before the frame is
	 * reused. 0, or <0 if it was not mapped (a bug: panics upstream). */
	int (*unmap)(void *ctx, uint32_t vm, uint16_t slot);
	/* INVEPT for VM 'vm' (single context). */
	void (*flush)(void *ctx, uint32_t vm);
	/* Make 'vector' pending for VM 'vm'. */
	void (*notify)(void *ctx, uint32_t vm, uint8_t vector);
	/* The page at 'hpa' as a pointer. */
	uint8_t *(*page)(void *ctx, uint64_t hpa);
	/* Hand a free frame to the NIC's receive ring; false when it is full. */
	bool (*post)(void *ctx, uint64_t hpa);
	/* Put 'len' bytes at 'data' on the wire; false when the NIC is busy. */
	bool (*wire_tx)(void *ctx, const uint8_t *data, uint16_t len);
	/* A broken invariant: report and stop. */
	void (*panic)(void *ctx, const char *msg, uint32_t frame);
	/* VM 'vm''s own time at hypervisor time 'now', in the same ticks:
	 * it advances while the VM is in guest mode or asleep in HLT (its
	 * own choice), and stands still while the VM waits for the CPU
	 * (another VM runs, or the hypervisor works: prints, polls, handles
	 * exits). Reclaim deadlines run on it (reclaim.c). Never goes back. */
	uint64_t (*vm_clock)(void *ctx, uint32_t vm, uint64_t now);
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
	uint16_t           copy_threshold;      /* NP_HYBRID: copy frames up to this long */
	uintptr_t          pool_lo, pool_hi;    /* the pool's pages lie in [lo, hi) */
	uint64_t           seq;
	uint32_t           nr_vms;
	uint16_t           ring_mask;           /* bit v: VM v has a ring: group targets */
	uint16_t           promisc_mask;        /* bit v: VM v is promiscuous */
	uint16_t           free_head;           /* FREE frames, linked by 'next' */
	/* Destination MAC -> VM, open addressing: an entry is 0 (empty) or
	 * the MAC as a 48-bit number with (VM + 1) above it, so a lookup
	 * reads only this array, one cache line in four. */
	uint64_t           mac_index[NP_MAC_BUCKETS];
	struct np_vm       vm[NP_MAX_VMS];
	struct np_stats    st;
	struct np_frame    frame[NP_MAX_FRAMES];
	uint16_t           hpa_index[NP_HPA_BUCKETS];   /* hpa -> frame, open addressing */
};

/* --- setup ------------------------------------------------------------- */

/* Take over 'n' (1..NP_MAX_FRAMES) distinct page-aligned frames, zero
 * them, all FREE. Every op must be set. tx_reserve, check, mode and
 * copy_threshold start at 0, NP_CHECK_OFF, NP_FLIP and 0: set them
 * before the first transition. 0, or -1 (bad arguments; then *np is zeroed). */
int np_init(struct netpath *np, const struct netpath_ops *ops,
	    const uint64_t *frame_hpas, uint32_t n, uint32_t low_watermark,
	    uint64_t reclaim_ticks);

/* A VM: id < NP_MAX_VMS and not yet added, a unicast MAC no other VM
 * has, nr_slots 1..NET_RX_SLOTS_MAX, quota 1..nr_slots. 0, or -1. */
int np_add_vm(struct netpath *np, uint32_t vm, const uint8_t mac[6],
	      uint16_t nr_slots, uint16_t quota, bool promiscuous);

/* HC_NET_SETUP: 'ring' is the VM's ring page, already checked to be in
 * its RAM and translated. 'copy_area' (nr_slots buffers of
 * NET_COPY_BUF_SIZE in the guest's RAM, checked and translated by the
 * caller too) may be NULL: then the VM gets every frame by flip, whatever
 * np->mode says. Again only while the VM holds no slot and no copy
 * buffer. 0, -HC_E_INVAL (no such VM, no ring, a copy area over the
 * ring or a pool frame) or -HC_E_STATE (holds slots or buffers). */
int np_setup(struct netpath *np, uint32_t vm, struct net_rx_ring *ring,
	     uint8_t *copy_area);

/* --- receive ----------------------------------------------------------- */

/* Post FREE frames to the NIC until it is full or only tx_reserve are
 * left. Returns how many were posted. */
uint32_t np_refill(struct netpath *np);

/* One DMA-completed receive descriptor: the NIC wrote 'len' bytes at
 * 'hpa', a POSTED frame. Demultiplex and deliver it, to each VM by flip
 * or by copy (np->mode); a drop is counted. A frame no VM maps (every
 * target copied, or none took it) is scrubbed and FREE on return.
 * Returns how many VMs it was delivered to. */
uint32_t np_rx(struct netpath *np, uint64_t hpa, uint16_t len, uint64_t now);

/* End of a receive batch: one HC_VEC_NET_RX per VM that got frames,
 * refill, and HC_VEC_NET_RECLAIM to the heaviest holders when the pool
 * runs low. */
void np_rx_end(struct netpath *np, uint64_t now);

/* --- release and revocation ------------------------------------------- */

/* HC_NET_RELEASE, with the slot list already copied out of the guest:
 * window slots, and copy buffers as (index | NET_SLOT_COPY), mixed as
 * the guest likes. The number released, or -HC_E_INVAL (count, slot or
 * buffer index out of range), -HC_E_STATE (a slot or buffer not
 * delivered to this VM, or listed twice); a refused batch is counted and
 * changes nothing. One flush if the batch had window slots, none if it
 * had only copy buffers. */
int np_release(struct netpath *np, uint32_t vm, const uint16_t *slots,
	       uint32_t n, uint64_t now);

/* Revoke the oldest slots and copy buffers of every VM whose reclaim
 * deadline has come on its own clock (ops.vm_clock at 'now'): a VM that
 * was not given the CPU has not had its reclaim_ticks to answer. Returns
 * how many were revoked. */
uint32_t np_tick(struct netpath *np, uint64_t now);

/* VM 'vm' has stopped for good: take back everything it holds (counted
 * as revoked) and deliver nothing more to it; frames for it become
 * counted drops (rx_drop_nosetup). Returns how many slots and copy
 * buffers it held; 0 for a VM not present. */
uint32_t np_vm_stop(struct netpath *np, uint32_t vm);

/* --- transmit ---------------------------------------------------------- */

/* HC_NET_SEND, with the frame already copied into hypervisor memory. 0,
 * or -HC_E_INVAL (no such VM, bad length, spoofed source, sent to
 * itself) or -HC_E_STATE (it went nowhere: NIC busy, no FREE frame). */
int np_tx(struct netpath *np, uint32_t vm, const uint8_t *frame,
	  uint16_t len, uint64_t now);

/* --- invariants and accessors ----------------------------------------- */

/* Every invariant (docs/datapath.md); ops->panic on the first broken
 * one. true when all hold. */
bool np_check(const struct netpath *np);

/* Window slots plus copy buffers the VM holds: what its quota limits. */
uint32_t np_vm_held(const struct netpath *np, uint32_t vm);
void np_counts(const struct netpath *np, uint32_t counts[FRAME_NR_STATES]);
/* HC_NET_STATS for one VM. 0, or -HC_E_INVAL. */
int np_vm_stats(const struct netpath *np, uint32_t vm,
		struct hc_net_stats *out);
/* A frame's last states, oldest first; returns how many (<= NP_HIST). */
uint32_t np_frame_history(const struct netpath *np, uint32_t frame,
			  uint8_t out[NP_HIST]);

/* --- between the netpath files only ------------------------------------ */

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

void np_demux(const struct netpath *np, const uint8_t dst[6],
	      struct np_dest *d);
/* The VM whose MAC is 'mac', or NP_NO_VM. */
uint32_t np_mac_lookup(const struct netpath *np, const uint8_t mac[6]);
/* EtherType 0x8808, MAC Control: not bridged either, like the IEEE
 * 802.1 reserved groups. 'frame' holds at least 14 bytes. */
bool np_mac_control(const uint8_t *frame);
uint16_t np_deliver(struct netpath *np, uint32_t fi, uint16_t targets,
		    uint16_t flags);
void np_batch_end(struct netpath *np, uint64_t now);
void np_reclaim_ask(struct netpath *np, uint64_t now);
void np_slot_unmap(struct netpath *np, uint32_t vm, uint16_t slot,
		   uint16_t *reclaim);
void np_copy_put(struct netpath *np, uint32_t vm, uint16_t buf);
void np_reclaim_finish(struct netpath *np, uint32_t vm, uint16_t reclaim);

void np_frame_set(struct netpath *np, uint32_t fi, enum frame_state s);
uint32_t np_frame_find(const struct netpath *np, uint64_t hpa);
uint32_t np_pool_take(struct netpath *np);
void np_pool_put(struct netpath *np, uint32_t fi);
uint32_t np_pool_refill(struct netpath *np);
bool np_pool_overlaps(const struct netpath *np, const uint8_t *p,
		      uint64_t len);

/* At the end of a transition: the full check, unless it is off. */
static inline void np_checked(const struct netpath *np)
{
	if (np->check != NP_CHECK_OFF)
		np_check(np);
}

/* At the end of one frame of a batch (np_rx): np_rx_end checks the
 * batch, so only NP_CHECK_EVERY checks each frame. */
static inline void np_checked_frame(const struct netpath *np)
{
	if (np->check == NP_CHECK_EVERY)
		np_check(np);
}

#endif
