/* The data path's world on the host, shared by the network path's unit
 * tests, the fuzz harnesses in tests/fuzz/ and make bench
 * (tools/bench/bench_world.c): struct netpath_ops over fakes of a NIC
 * receive ring with a capacity, one EPT per VM (slot -> hpa), exchange
 * VMs' RAM (gpa -> hpa), pool pages sized at set-up and each VM's copy
 * area on the heap, with a log of every map, unmap, flush, notify, post,
 * wire send and RAM map and unmap.
 *
 * Each struct fake is one world, passed to the ops as their context; the
 * tests use the one named fk (MAXF pages), over the netpath np.
 *
 * With 'checks' on (the default) the fakes check the safety rules on
 * every call: a frame is posted only when no EPT maps it and no guest
 * TLB may still hold it; a frame is mapped only when no TLB may still
 * hold it and it is not posted; a VM is given a page (window map, or a
 * pool frame into its RAM) only when every non-zero byte past the
 * frame's length is one it has seen before, as the fakes themselves
 * recorded it (the scrub rule, checked byte by byte: 'shadow' and
 * 'seen_by' below); at each flush every frame
 * that VM unmapped is still DELIVERED (to others) or RECLAIMING with its
 * data: nothing is scrubbed or freed before the INVEPT; every RAM page
 * it unmapped is posted or back in its RAM, and none goes into another
 * VM's RAM, a window or the NIC before that VM's INVEPT. A broken rule
 * calls fk_fail(), which each user defines: a cmocka failure in the unit
 * tests, an abort under libFuzzer, an exit in the bench. The bench turns
 * them off for timing: they scan pages and tables on every call.
 *
 * The fake EPT counts the INVEPTs npt_sync would run: a flush is one only
 * when an unmap since the last one needs it (arch/x86/npt.c), a window
 * slot's or a RAM page's (ram_unmap); a map, into a window or RAM, makes
 * none due (VT-x's rule; AMD-V's flush_on_fill is the backend's own). */
#ifndef TESTS_UNIT_NETPATH_FAKES_H
#define TESTS_UNIT_NETPATH_FAKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/net/netpath_internal.h"

/* Report a broken rule and end the test (never returns). */
void fk_fail(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#define FK_ASSERT(c) \
	do { \
		if (!(c)) \
			fk_fail("%s:%d: %s", __FILE__, __LINE__, #c); \
	} while (0)

#define MAXF       384                  /* fake pages: the pool's, then RAM */
#define RAM_FIRST  320                  /* fake page of exchange RAM: after the pool's */
#define RAM_PAGES  16                   /* an exchange VM's RAM, pages */
#define RAM_VMS    ((MAXF - RAM_FIRST) / RAM_PAGES)     /* VMs 0..3 */
#define RING_GPA   ((uint64_t)(RAM_PAGES - 1) * NET_SLOT_SIZE) /* its ring page */
#define RAM_FILL(v) ((uint8_t)(0x40 + (v))) /* what VM v's RAM holds at first */
#define FAKE_BASE  0x40000000ull        /* hpa of fake page 0 */
#define LOG_MAX    8192
#define WIRE_MAX   64
#define SENTINEL   0x5a
#define CA_FILL    0xc3                 /* what a guest left in its copy area */
#define COPY(b)    ((uint16_t)((b) | NET_SLOT_COPY))

enum { OP_MAP = 1, OP_UNMAP, OP_FLUSH, OP_NOTIFY, OP_POST, OP_WIRE,
       OP_RAM_MAP, OP_RAM_UNMAP };

struct op_rec {
	uint8_t  op, vm, vec;
	uint16_t slot;
	uint64_t hpa;
};

/* Real page tables beneath the fake EPT (the bench's): each map and unmap
 * is done there too; unmap says whether an INVEPT is due. */
struct fake_under {
	void *ctx;
	int (*map)(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa);
	int (*unmap)(void *ctx, uint32_t vm, uint16_t slot, bool *flush);
};

struct fake {
	struct netpath *np;                     /* the path these ops serve */
	struct netpath_ops ops;                 /* fake_ops, ctx this fake */
	uint32_t maxf;                          /* pages: fake page i at fhpa(i) */
	bool     checks;                        /* the safety rules, every call */
	const struct fake_under *under;         /* NULL: the EPT is only ept[] */
	uint8_t  (*page)[NET_SLOT_SIZE];        /* maxf pages, page aligned */
	uint8_t  scratch[NET_SLOT_SIZE];        /* page() of hpas past maxf */
	bool     allow_scratch;
	uint64_t ept[NP_MAX_VMS][NET_RX_SLOTS_MAX];     /* 0: not mapped */
	uint16_t *stale;                        /* per page, bit v: VM v unmapped
						 * it, not flushed yet */
	bool     *had_data;                     /* not all zero when last mapped */
	/* Per page and byte, what the fakes last showed a VM (shadow), and
	 * bit v: VM v has seen that value there (seen_by). A byte that
	 * differs from its shadow is new: seen by nobody yet. */
	uint8_t  (*shadow)[NET_SLOT_SIZE];
	uint16_t (*seen_by)[NET_SLOT_SIZE];
	bool     flush_due[NP_MAX_VMS];         /* an unmap awaits the INVEPT */
	uint64_t invepts;                       /* flushes that were INVEPTs */
	uint64_t *nic;                          /* posted buffers, FIFO of maxf */
	uint32_t nic_head, nic_n, nic_cap;
	uint32_t post_calls;                    /* ops.post calls */
	uint32_t post_refused;                  /* pages they did not take */
	uint32_t room_lie;                      /* post_room claims this more */
	uint32_t page_calls;                    /* ops.page calls */
	struct op_rec log[LOG_MAX];
	uint32_t nlog;
	uint32_t rx_irq[NP_MAX_VMS], reclaim_irq[NP_MAX_VMS];
	uint32_t prod_at_map[NP_MAX_VMS];       /* ring prod when a slot was mapped */
	uint8_t  wire[WIRE_MAX][NET_JUMBO_MAX];
	uint16_t wire_len[WIRE_MAX];
	uint32_t nwire;
	bool     wire_busy;
	int      map_fail_vm;                   /* map() refuses this VM */
	uint32_t map_ok_first;                  /* ... after this many more maps */
	bool     expect_panic;
	uint32_t panics;
	char     panic_msg[128];
	uint32_t panic_frame;
	bool     corrupted;                     /* skip the end-of-test checks */
	/* Ticks of 'now' VM v spent waiting for the CPU: its own clock
	 * (ops.vm_clock) is now - waited[v]. */
	uint64_t waited[NP_MAX_VMS];
	struct net_rx_ring ring[NP_MAX_VMS];
	/* Exchange VMs' RAM (ram_* ops; fk's pages RAM_FIRST.. only): the
	 * hpa behind each page, 0 while not present; per page, bit v: VM v
	 * unmapped it from its RAM, not flushed yet; ram_unmap fails on the
	 * call that brings this count to 0 (never while it is 0). */
	bool     ram_given[RAM_VMS];            /* add_vm_xchg made its RAM */
	uint64_t ram[RAM_VMS][RAM_PAGES];
	uint16_t *ram_stale;
	uint32_t ram_unmap_fail_in;
	/* What world() passes np_init besides the fake pool and fake_ops:
	 * set tx_reserve, check, mode and copy_threshold here before
	 * world(). fk_reset() leaves check at NP_CHECK_EVERY, the rest 0. */
	struct np_params setup;
	/* ops.load_ticks (dma_sense.c), scripted: the calibration's loads
	 * of its own line, flushed (lat_far) and not (lat_near); and the
	 * first read of a received frame (lat_rx), which really reads the
	 * byte after calling on_probe (if set). All 0 after fk_reset: no
	 * gap, so copy_threshold auto is NP_COPY_DEFAULT. */
	uint32_t lat_far, lat_near, lat_rx;
	uint32_t probes;                        /* frames' first reads timed */
	uint32_t probe_page;                    /* the last one's page */
	void   (*on_probe)(const uint8_t *p);
};

extern struct fake fk;
/* Calls of fk's ram_each per VM, and of its ram_lookup (np_check makes
 * one per posted page): outside struct fake, whose bytes the refusal
 * tests compare. */
extern uint32_t fk_ram_walks[RAM_VMS];
extern uint32_t fk_ram_lookups;
extern struct netpath np;
/* Bytes of fk's pages. */
#define FK_PAGES_BYTES  ((size_t)MAXF * NET_SLOT_SIZE)
extern uint64_t now;
/* Each VM's copy area, nr_slots buffers, when the test gives it one. */
extern uint8_t *carea[NP_MAX_VMS];
extern size_t carea_len[NP_MAX_VMS];
extern const struct netpath_ops fake_ops;

/* VM v's MAC: 02:00:00:00:00:v+1. */
const uint8_t *mac(uint32_t v);
/* Fake page i's hpa, and back (fails on an hpa that is no fake page). */
uint64_t fhpa(uint32_t i);
uint32_t pidx(uint64_t hpa);
/* Bytes [from, to) of fake page p are all zero. */
bool page_zero(uint32_t p, uint32_t from, uint32_t to);

/* np_init over fake pages 0..frames-1 with fk.setup. */
void world(uint32_t frames, uint32_t nic_cap, uint32_t low_wm,
	   uint64_t reclaim_ticks);
/* A VM, with its ring registered when 'ring'. */
void add_vm(uint32_t v, uint16_t slots, uint16_t quota, bool promisc,
	    bool ring);
/* VM v's copy area, as big as its window, filled with CA_FILL: made on
 * first use, kept until fk_reset(). */
uint8_t *area_for(uint32_t v);
uint8_t *cbuf(uint32_t v, uint16_t b);
/* A VM with a ring and a copy area. */
void add_vm_copy(uint32_t v, uint16_t slots, uint16_t quota, bool promisc);
/* fk.setup's delivery mode, before world(). */
void set_mode(uint8_t mode, uint16_t threshold);
/* VM v (< RAM_VMS) receiving by exchange: RAM_PAGES of RAM, each page
 * filled with RAM_FILL(v), its ring at RING_GPA. */
void add_vm_xchg(uint32_t v, uint16_t slots, bool promisc);
/* The fake page behind RAM page 'page' of VM v, or NULL when not present. */
uint8_t *ram_page(uint32_t v, uint32_t page);
/* An HC_NET_POST entry. */
uint64_t post_ent(uint32_t page, uint32_t slot);
/* The fakes agree with the books for exchange: each posted page is not
 * present and no VM maps it, every other RAM page is, no pool frame is
 * mapped in any VM's RAM, and no host page is in two VMs' RAM. */
void assert_xchg_mirror(void);

/* The guest reads its ring up to prod. */
uint32_t consume(uint32_t v, struct net_rx_entry *out, uint32_t max);
/* The fakes agree with the books: each VM's EPT maps exactly its
 * delivered slots onto their frames, and the NIC holds exactly the
 * POSTED frames. */
void assert_mirror(void);
/* FREE and POSTED frames are all zero past their scrub_len. */
void assert_idle_pages_clean(void);
/* Forget everything: the fakes, the netpath, the copy areas. */
void fk_reset(void);

/* A world of its own: 'maxf' zeroed pages (up to NP_MAX_FRAMES), checks
 * on, serving 'np'; fk_free gives its memory back. */
void fk_init(struct fake *f, struct netpath *np, uint32_t maxf);
void fk_free(struct fake *f);
/* The NIC fills its oldest posted buffer: its hpa, 0 when none is. */
uint64_t fk_nic_take(struct fake *f);
/* The page of 'hpa' in f (fails on an hpa that is none of its pages). */
uint8_t *fk_page(struct fake *f, uint64_t hpa);

#endif
