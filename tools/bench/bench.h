/* The host benchmark of the receive path (docs/performance.md): the
 * hypervisor's own netpath and EPT files, built for the host, driven by
 * a simulated NIC, simulated guests and real EPTs in host memory. */
#ifndef TOOLS_BENCH_BENCH_H
#define TOOLS_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/vmx/ept.h"
#include "tests/unit/netpath_fakes.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

#define BENCH_NIC_DESCS  128    /* vmm/net/net_start.c NIC_RX_DESCS */
#define BENCH_SLOTS      64     /* config rx_slots default */
#define BENCH_QUOTA      32     /* config quota_frames default */
#define BENCH_THRESHOLD  2048   /* BK_HFIX: copy_threshold as before auto */
#define BENCH_RAM        (32ull << 20)  /* guest RAM in each EPT, 2 MiB pages */
#define BENCH_HDR        64     /* bytes of each frame a guest reads */
#define BENCH_BATCH_MAX  32
#define BENCH_SIZE_MAX   9000   /* jumbo: config mtu 9000 (frame_max 9018) */

/* What a cell measures. The first three are np->mode, hybrid with the
 * config's default copy_threshold = auto (its timed first reads real,
 * dma_load_ticks). BK_XCHG is page exchange (vmm/net/xchg.c) in flip
 * mode: the guest posts pages of its RAM, each frame's pool page is
 * mapped at a posted GPA. BK_HFIX is hybrid with copy_threshold =
 * BENCH_THRESHOLD, the default before auto. BK_HBEHIND is BK_HYBRID
 * without the look ahead at the next descriptor (np_rx_ahead), as
 * net_poll was before it. Every window guest's copy buffers follow its
 * ring (NET_COPY_RING), as guest-stub's do, but BK_HRELEASE's: it is
 * BK_HYBRID with the guest releasing them (HC_NET_RELEASE), as before
 * copy rings. */
enum bench_kind { BK_FLIP, BK_COPY, BK_HYBRID, BK_MEMCPY, BK_XCHG, BK_HFIX,
		  BK_HBEHIND, BK_HRELEASE, BK_NR };

/* Which copy, memcpy/memset/memcmp the netpath files call
 * (bench_string.c). BS_HV is flipvisor as linked: lib/copy.c's copy,
 * chosen from this CPU's CPUID as at boot, and lib/string.c. */
enum bench_string { BS_HV, BS_LOOP8, BS_LIBC, BS_EFI, BS_NR };
extern int bench_string;
void bench_string_init(void);
void bench_copy(void *dst, const void *src, size_t n);
void *bench_memcpy(void *dst, const void *src, size_t n);
void *bench_memset(void *dst, int c, size_t n);

/* Where the simulated DMA leaves a frame (bench_dma.c). */
enum bench_dma {
	DMA_HOT,        /* written by this CPU: in its L1/L2 */
	DMA_WARM,       /* then pushed out of L2 into the LLC: DDIO-like */
	DMA_COLD,       /* then flushed out of every cache: no DDIO */
	DMA_NR
};
/* Once per pass, after the NIC wrote the pass's 'n' buffers: leave
 * them where 'dma' says. */
void dma_settle(enum bench_dma dma, uint8_t *const *buf, const uint32_t *len,
		uint32_t n);
/* Sizes the L2 eviction from this CPU's caches; false when it cannot
 * (then warm is reported as not measured). Needs CLFLUSH or CLFLUSHOPT. */
bool dma_init(void);
extern const char *const DMA_NAME[DMA_NR];
/* ops.load_ticks on this CPU: one load timed, its line flushed first
 * with 'evict' (arch/x86/cpu.h, as the hypervisor's). */
uint32_t dma_load_ticks(void *ctx, const uint8_t *p, bool evict);
/* ns to read a 1514-byte frame after each kind of DMA. */
void dma_read_cost(double ns[DMA_NR], double tsc_ghz);
struct bench_probe {
	uint64_t bytes, vec;    /* ticks of its byte-loop and libc parts */
};
void bench_probe(struct bench_probe *p);

/* --- clock (bench_clock.c) ------------------------------------------- */
struct bench_clock {
	double   tsc_ghz;       /* TSC ticks per ns, against CLOCK_MONOTONIC */
	double   core_ghz;      /* a dependent add chain: core cycles per ns */
	bool     tsc_is_core;   /* within 3 %: TSC ticks can be called cycles */
	uint64_t overhead;      /* ticks of an empty timed region */
};

void clock_calibrate(struct bench_clock *c);
double now_ns(void);

static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;

	/* lfence first: earlier work finishes before the read [APM 3 LFENCE]. */
	__asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi, aux;

	/* rdtscp waits for the timed work; lfence keeps later work out. */
	__asm__ volatile("rdtscp\n\tlfence" : "=a"(lo), "=d"(hi), "=c"(aux)
			 :: "memory");
	return (uint64_t)hi << 32 | lo;
}

/* --- the simulated machine (bench_world.c) ---------------------------- */
struct bench_counts {
	uint64_t frames;        /* frames read by a guest (runs of ring entries) */
	uint64_t copied;        /* of those, by NET_RX_F_COPY into a copy buffer */
	uint64_t invepts, notifies, reclaims, table_allocs, releases;
};

struct bench_guest {
	struct pt           ept;        /* beneath the fake's EPT: real tables */
	struct pt_window    win;        /* its receive window's entries */
	uint32_t            irqs;       /* fake rx_irq[] seen so far */
	struct net_rx_ring *ring;
	uint8_t            *copy_area;  /* BENCH_SLOTS * NET_COPY_BUF_SIZE */
	uint32_t            cons;
	uint16_t            done[HC_NET_BATCH];     /* read, not yet released */
	uint32_t            ndone;
	/* BK_XCHG: BENCH_SLOTS RAM pages at XRAM_GPA (bench_world.c), the
	 * host page behind each (0 while posted), and pages to post again. */
	uint64_t            xram[BENCH_SLOTS];
	uint64_t            post[HC_NET_BATCH];
	uint32_t            npost;
	uint32_t            nframes;    /* frames read since the last release */
	bool                in_run;     /* the last entry read had NET_RX_F_MORE */
};

struct bench_world {
	struct netpath     *np;         /* NULL for BK_MEMCPY */
	/* The unit tests' fakes (tests/unit/netpath_fakes.c) are the ops,
	 * over the pool's pages, the NIC ring and real EPTs beneath. */
	struct fake         fk;
	struct fake_under   under;
	enum bench_kind     kind;
	bool                ahead;      /* np_rx_ahead the next descriptor */
	uint8_t             dma;        /* the one DMA it sees (world_get) */
	uint32_t            nvms, pool;
	uint8_t             check;      /* enum np_check_mode */
	uint8_t            *tables;     /* EPT table pages */
	uint64_t           *table_free;
	uint32_t            ntables, ntable_free;
	struct bench_guest  g[NP_MAX_VMS];
	uint32_t            release_at; /* a guest releases this many at once */
	uint32_t            rr;         /* next VM to send to */
	uint32_t            memcpy_next;            /* BK_MEMCPY: next page */
	uint32_t            dma_off;
	uint64_t            now;
	struct bench_counts c;
	uint64_t            sink;       /* what the guests read */
};

/* 'fake_checks': the fakes check the safety rules on every call (too
 * slow to time; a run with them proves the bench's world sound). */
struct bench_world *world_new(enum bench_kind kind, uint32_t nvms,
			      uint32_t pool, uint8_t check, bool fake_checks);
/* The world runs with config mtu 9000: a frame longer than a page (a
 * jumbo frame) arrives in world_descs() pool pages of NP_RX_LEN_MAX, as
 * the e1000 with LPE hands it over, np_rx_part for each but the last
 * and np_rx for the last (vmm/net/net.c net_poll). A pass is
 * world_frames() frames: 'batch' up to 2048 B, as many as fit in 'batch'
 * 2048-byte copy buffers above (at least one), so that a guest's share
 * of a pass stays under its quota in copy mode too. */
uint32_t world_descs(uint16_t size);
uint32_t world_frames(uint32_t batch, uint16_t size);
/* One receive pass of world_frames() frames of 'size' bytes,
 * round-robin over the VMs, each guest releasing a pass's worth per
 * call. Returns the TSC ticks of the data path, the simulated DMA not
 * included. */
uint64_t world_pass(struct bench_world *w, uint32_t batch, uint16_t size,
		    enum bench_dma dma);
/* TSC ticks per EPT map + unmap of one window slot (bench_world.c). */
/* How world_ept_pair maps and unmaps a slot. */
enum ept_pair { EPT_PAIR_WINDOW, EPT_PAIR_WALK, EPT_PAIR_CHURN };
double world_ept_pair(struct bench_world *w, enum ept_pair how, uint32_t n);
/* The counts so far, the fakes' INVEPTs and interrupts included. */
struct bench_counts world_counts(const struct bench_world *w);
/* Every guest releases what it still holds; the world is at rest. */
void world_drain(struct bench_world *w);
/* Panics unless the books say: no frame lost, none held, no drop. */
void world_audit(struct bench_world *w);

#endif
