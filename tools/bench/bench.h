/* The host benchmark of the receive path (docs/performance.md): the
 * hypervisor's own netpath and EPT files, built for the host, driven by
 * a simulated NIC, simulated guests and real EPTs in host memory. */
#ifndef TOOLS_BENCH_BENCH_H
#define TOOLS_BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/vmx/ept.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

#define BENCH_NIC_DESCS  128    /* vmm/net/net_start.c NIC_RX_DESCS */
#define BENCH_SLOTS      64     /* config rx_slots default */
#define BENCH_QUOTA      32     /* config quota_frames default */
#define BENCH_THRESHOLD  2048   /* config copy_threshold default */
#define BENCH_RAM        (32ull << 20)  /* guest RAM in each EPT, 2 MiB pages */
#define BENCH_HDR        64     /* bytes of each frame a guest reads */
#define BENCH_BATCH_MAX  32

/* What a cell measures. The first three are np->mode. */
enum bench_kind { BK_FLIP, BK_COPY, BK_HYBRID, BK_MEMCPY, BK_NR };

/* Which memcpy/memset/memcmp the netpath files call (bench_string.c). */
enum bench_string { BS_HV, BS_LIBC, BS_EFI, BS_NR };
extern int bench_string;
void *bench_memcpy(void *dst, const void *src, size_t n);
void *bench_memset(void *dst, int c, size_t n);
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
	uint64_t frames;        /* delivered to a guest */
	uint64_t copied;        /* of those, NET_RX_F_COPY */
	uint64_t invepts, notifies, reclaims, table_allocs, releases;
};

struct bench_guest {
	struct pt           ept;
	bool                flush_due;  /* an unmap awaits INVEPT (npt_sync) */
	uint8_t            *tlb[NET_RX_SLOTS_MAX];  /* slot -> page it maps */
	struct net_rx_ring *ring;
	uint8_t            *copy_area;  /* BENCH_SLOTS * NET_COPY_BUF_SIZE */
	uint32_t            cons;
	uint16_t            done[HC_NET_BATCH];     /* read, not yet released */
	uint32_t            ndone;
	bool                kicked;     /* HC_VEC_NET_RX pending */
};

struct bench_world {
	struct netpath     *np;         /* NULL for BK_MEMCPY */
	enum bench_kind     kind;
	uint32_t            nvms, pool;
	uint8_t             check;      /* enum np_check_mode */
	uint8_t            *pages;      /* the pool's pages */
	uint64_t            nic[BENCH_NIC_DESCS];   /* posted buffers, FIFO */
	uint32_t            nic_head, nic_n;
	uint8_t            *tables;     /* EPT table pages */
	uint64_t           *table_free;
	uint32_t            ntables, ntable_free;
	struct bench_guest  g[NP_MAX_VMS];
	uint8_t             kicked[NP_MAX_VMS];     /* order of HC_VEC_NET_RX */
	uint32_t            nkicked;
	uint32_t            rr;         /* next VM to send to */
	uint32_t            memcpy_next;            /* BK_MEMCPY: next page */
	uint32_t            dma_off;
	uint64_t            now;
	struct bench_counts c;
	uint64_t            sink;       /* what the guests read */
};

struct bench_world *world_new(enum bench_kind kind, uint32_t nvms,
			      uint32_t pool, uint8_t check);
/* One receive pass: 'batch' frames of 'size' bytes, round-robin over the
 * VMs, each guest releasing 'batch' slots per call. Returns the TSC
 * ticks of the data path, the simulated DMA not included. */
uint64_t world_pass(struct bench_world *w, uint32_t batch, uint16_t size,
		    bool dma_cold);
/* TSC ticks per EPT map + unmap of one window slot (bench_world.c). */
double world_ept_pair(struct bench_world *w, bool churn, uint32_t n);
/* Every guest releases what it still holds; the world is at rest. */
void world_drain(struct bench_world *w);
/* Panics unless the books say: no frame lost, none held, no drop. */
void world_audit(struct bench_world *w);

#endif
