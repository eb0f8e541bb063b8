/* The network path as a module (vmm/net/): what its users see. The
 * hypervisor's glue (net_*.c, net.h) drives it; so do the unit tests,
 * the fuzz harnesses and the bench, through the same calls. Inside: the
 * frame pool (frame_pool.c), the demux by destination MAC (demux.c),
 * delivery into a VM's receive window or copy area (rx_deliver.c),
 * release (rx_release.c), taking slots back (take_back.c), reclaim and
 * revocation (reclaim.c), transmit and VM to VM (net_tx.c), and the
 * invariants (netpath_check.c); their shared state and helpers are in
 * netpath_internal.h. The path touches page tables, the NIC and the
 * guests only through struct netpath_ops, so the same files run in the
 * hypervisor and under cmocka. docs/datapath.md tells a frame's life.
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

/* What one receive descriptor may hold: a pool page, the NIC's 4096-byte
 * receive buffer (RCTL.BSIZE with BSEX) [8254x 13.4.22]. A longer frame
 * spans descriptors (np_rx_part), up to NP_RX_PAGES_MAX pages: enough for
 * the longest the config allows, NET_JUMBO_MAX. */
#define NP_RX_LEN_MAX   NET_SLOT_SIZE
#define NP_RX_PAGES_MAX ((NET_JUMBO_MAX + NET_SLOT_SIZE - 1) / NET_SLOT_SIZE)
/* The length the driver passes for a descriptor that holds no good frame
 * (error bits, or no EOP): np_rx drops it, and the whole page counts as
 * stale bytes no VM has seen (np_frame_expose zeroes them). */
#define NP_RX_LEN_BAD   0xffff
/* copy_threshold 'auto' (config; np_params): hybrid follows where the
 * DMA leaves frames (dma_sense.c). A number is used as it is. */
#define NP_COPY_AUTO    0xffff

enum frame_state {
	FRAME_FREE,             /* in the pool, zero past scrub_len */
	FRAME_POSTED,           /* in a NIC receive descriptor, mapped nowhere */
	FRAME_DELIVERED,        /* mapped into one or more VMs' windows */
	FRAME_RECLAIMING,       /* unmapped, waiting for the INVEPT */
	FRAME_RECEIVED,         /* written by the NIC, not the frame's last page:
				 * waits in np->rx_part for the rest (np_rx_part) */
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

/* How a frame reaches a VM: one list, X(NAME, name), from which this
 * enum, the config's 'delivery' names (vmm/config.c) and the stats'
 * names (net_stats.c) are made.
 *   flip:   remap the pool frame into the VM's window
 *   copy:   copy into the VM's copy area, the frame back at once
 *   hybrid: copy up to copy_threshold bytes, flip larger; with
 *           copy_threshold NP_COPY_AUTO, as where the NIC's DMA leaves
 *           the frames says (dma_sense.c) */
#define NP_MODES(X) \
	X(FLIP, flip) \
	X(COPY, copy) \
	X(HYBRID, hybrid)

enum np_mode {
#define NP_MODE_ENUM(N, n) NP_##N,
	NP_MODES(NP_MODE_ENUM)
#undef NP_MODE_ENUM
	NP_MODE_NR
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
	/* Hand 'n' free frames to the NIC's receive ring, in order: how
	 * many it took, the first that many (fewer than n when the ring is
	 * full). One call a refill, not one a frame. */
	uint32_t (*post)(void *ctx, const uint64_t *hpa, uint32_t n);
	/* How many frames post would take now: the refill offers no more,
	 * so a full ring costs one call, not a search of the free frames. */
	uint32_t (*post_room)(void *ctx);
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

	/* Page exchange (xchg.c) reaches into a VM's RAM: all four set, or
	 * all NULL and then no VM may receive by exchange (np_setup_xchg:
	 * -HC_E_NOSYS). Pages are 4 KiB; a gpa is below the VM's RAM size.
	 * The host page behind RAM page 'gpa', which must be present and
	 * writable: 0 and *hpa, or <0. */
	int (*ram_lookup)(void *ctx, uint32_t vm, uint64_t gpa, uint64_t *hpa);
	/* Map RAM page 'gpa', not present now, read-write onto 'hpa'. Needs
	 * no invalidation from the caller [SDM 3C 29.4.3.4; on AMD-V npt_map
	 * flushes itself: flush_on_fill]. 0, or <0 (nothing mapped). */
	int (*ram_map)(void *ctx, uint32_t vm, uint64_t gpa, uint64_t hpa);
	/* Make RAM page 'gpa' not present; the caller runs flush() before
	 * anyone else touches the page. It must keep what it needs to map
	 * the page again, so a later ram_map of it cannot fail. 0, or <0
	 * (nothing changed: no memory for a page table). */
	int (*ram_unmap)(void *ctx, uint32_t vm, uint64_t gpa);
	/* Call fn for every mapping of the VM's RAM (gpa below its RAM
	 * size), 4 KiB or larger, for np_check. */
	void (*ram_each)(void *ctx, uint32_t vm,
			 void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				    uint64_t size),
			 void *arg);

	/* Optional (NULL: hybrid's auto threshold is fixed, dma_sense.c).
	 * The TSC ticks one load of the byte at 'p' takes, timed alone;
	 * with 'evict', its line flushed from every cache first. */
	uint32_t (*load_ticks)(void *ctx, const uint8_t *p, bool evict);
};

/* The path's state: netpath_internal.h. Its users allocate it
 * (sizeof in the module's own files: net_start.c) and pass it back. */
struct netpath;

/* --- setup ------------------------------------------------------------- */

/* Everything the path is told once, at set-up: np_init copies it, and
 * nothing changes it afterwards. */
struct np_params {
	const struct netpath_ops *ops;  /* every op set */
	const uint64_t *frame_hpas;     /* the pool: distinct page-aligned frames */
	uint32_t        nr_frames;      /* 1..NP_MAX_FRAMES */
	uint32_t        low_watermark;  /* free + posted below: reclaim */
	uint64_t        reclaim_ticks;  /* grace before revocation (VM's own time) */
	uint32_t        tx_reserve;     /* FREE frames np_refill keeps for VM to VM */
	uint8_t         check;          /* enum np_check_mode */
	uint8_t         mode;           /* enum np_mode, for every VM */
	uint16_t        copy_threshold; /* NP_HYBRID: copy frames up to this
					 * long, 0..NET_JUMBO_MAX; or NP_COPY_AUTO */
	uint16_t        mtu;            /* NET_MTU_MIN..NET_MTU_MAX; 0: NET_MTU_DEFAULT.
					 * Longer frames: rx_drop_oversize */
};

/* Take over the pool's frames, zero them, all FREE. 0, or -1 (bad
 * parameters: an op missing (the ram_* ops: some but not all), no frames or too many, an hpa not page
 * aligned or listed twice, tx_reserve over the pool, an unknown check
 * or delivery mode, an mtu or copy_threshold out of range; then *np is
 * zeroed). copy_threshold NP_COPY_AUTO calibrates (dma_sense.c). */
int np_init(struct netpath *np, const struct np_params *p);

/* A VM: id < NP_MAX_VMS and not yet added, a unicast MAC no other VM
 * has, nr_slots 1..NET_RX_SLOTS_MAX, quota 1..nr_slots. 0, or -1. */
int np_add_vm(struct netpath *np, uint32_t vm, const uint8_t mac[6],
	      uint16_t nr_slots, uint16_t quota, bool promiscuous);

/* HC_NET_SETUP: 'ring' is the VM's ring page, already checked to be in
 * its RAM and translated. 'copy_area' (nr_slots buffers of
 * NET_COPY_BUF_SIZE in the guest's RAM, checked and translated by the
 * caller too) may be NULL: then the VM gets every frame by flip, whatever
 * np->mode says. 'flags': 0 or NET_COPY_RING (copy buffers come back as
 * the guest's cons passes their entries, not by np_release; needs a copy
 * area). Again only while the VM holds no slot and no copy buffer. 0,
 * -HC_E_INVAL (no such VM, no ring, a copy area over the ring or a pool
 * frame, an unknown flag, a copy ring without a copy area) or
 * -HC_E_STATE (holds slots or buffers). */
int np_setup_flags(struct netpath *np, uint32_t vm, struct net_rx_ring *ring,
		   uint8_t *copy_area, uint32_t flags);

/* np_setup_flags with no flag: copy buffers come back by np_release. */
static inline int np_setup(struct netpath *np, uint32_t vm,
			   struct net_rx_ring *ring, uint8_t *copy_area)
{
	return np_setup_flags(np, vm, ring, copy_area, 0);
}

/* --- receive by page exchange (xchg.c) -------------------------------- */

/* HC_NET_SETUP_XCHG: like np_setup with no copy area, but the VM
 * receives into pages of its own RAM it posts (np_post). 'ring' is its
 * ring page, translated by the caller, at 'ring_gpa', inside its
 * 'ram_bytes' of RAM. Again only while it has no posted page. 0,
 * -HC_E_INVAL (no such VM, no ring, ring_gpa not a page of its RAM),
 * -HC_E_STATE (it holds window slots or copy buffers, or has posted
 * pages) or -HC_E_NOSYS (the ops cannot reach guest RAM). */
int np_setup_xchg(struct netpath *np, uint32_t vm, struct net_rx_ring *ring,
		  uint64_t ring_gpa, uint64_t ram_bytes);

/* HC_NET_POST, the array already copied out of the guest: 'n' entries of
 * (page GPA | post slot). All are checked before any changes; then each
 * page is made not present in the VM and recorded in its slot, and one
 * flush covers the batch. 'n', or -HC_E_INVAL (count, slot >= nr_slots,
 * a GPA outside its RAM, its ring page), -HC_E_STATE (not set up for
 * exchange, slot taken, a slot or GPA twice, a GPA posted already) or
 * -HC_E_NODEV (no memory for a page table: nothing changed). */
int np_post(struct netpath *np, uint32_t vm, const uint64_t *ents,
	    uint32_t n);

/* HC_NET_DETACH: no more delivery to the VM. Exchange: every posted page
 * is mapped back at its GPA; returns how many. Window: -HC_E_STATE while
 * it holds slots or buffers, else 0. -HC_E_INVAL for no such VM. */
int np_detach(struct netpath *np, uint32_t vm);

/* Pages VM 'vm' has posted and not yet been given back. */
uint32_t np_vm_posted(const struct netpath *np, uint32_t vm);

/* --- receive ----------------------------------------------------------- */

/* Post FREE frames to the NIC until it is full or only tx_reserve are
 * left. Returns how many were posted. */
uint32_t np_refill(struct netpath *np);

/* A DMA-completed receive descriptor without EOP: the NIC wrote 'len'
 * bytes at 'hpa', a POSTED frame, and the frame goes on in the next
 * descriptor [8254x 3.2.3]. The page waits (FRAME_RECEIVED) for np_rx,
 * which takes the frame's last page. A piece that is not a full page, or
 * a frame longer than the mtu allows, is dropped whole, every page of it
 * FREE and seen by no VM, up to and with its last page (counted once). */
void np_rx_part(struct netpath *np, uint64_t hpa, uint16_t len);

/* Before np_rx or np_rx_part of one descriptor, the driver may name the
 * next one the NIC has completed (e1000_rx_peek): the first line of that
 * page starts loading now, so its miss overlaps this frame's work
 * instead of stalling the next frame's demux (a NIC without DDIO leaves
 * frames in memory; docs/performance.md, "Loading the next frame
 * early"). Only a prefetch hint: nothing is read or changed. None for
 * an hpa that is not a POSTED frame, nor for a frame whose first read
 * the DMA sense may time (np_sense_soon): that read must find the line
 * where the DMA left it. Returns whether it prefetched. */
bool np_rx_ahead(struct netpath *np, uint64_t hpa);

/* The last (EOP) receive descriptor of a frame: the NIC wrote 'len'
 * bytes at 'hpa', a POSTED frame; any pages np_rx_part kept come first.
 * Demultiplex (by the first page) and deliver it, to each VM by flip
 * or by copy (np->mode); a drop is counted. A frame no VM maps (every
 * target copied, or none took it) is FREE on return.
 * Exchange VMs take it into a posted page: a sole unicast target by
 * flip (the pool frame becomes the guest's page, the posted page takes
 * its place in the pool) when the mode flips it, else by copy. A frame
 * of several pages takes as many slots, copy buffers or posted pages,
 * announced in one run of NET_RX_F_MORE entries; a VM without room for
 * all of them gets none of it (counted as for one page).
 * Returns how many VMs it was delivered to. */
uint32_t np_rx(struct netpath *np, uint64_t hpa, uint16_t len, uint64_t now);

/* The longest frame the path takes or sends: mtu + NET_ETH_OVERHEAD. */
uint16_t np_frame_max(const struct netpath *np);

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
 * counted drops (rx_drop_nosetup); posted pages are mapped back.
 * Returns how many slots, copy buffers and posted pages it held; 0 for
 * a VM not present. */
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

#endif
