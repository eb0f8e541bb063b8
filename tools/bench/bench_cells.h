/* The cells of make bench and what the run found: bench_datapath.c
 * builds the cells, bench_measure.c measures them, bench_report.c
 * prints the tables and writes the CSV files. A cell is one
 * configuration: mode, string functions, frame size, batch, VMs, pool
 * size, invariant checker, where the DMA left the frame (hot, warm,
 * cold). */
#ifndef TOOLS_BENCH_BENCH_CELLS_H
#define TOOLS_BENCH_BENCH_CELLS_H

#include <stdio.h>

#include "tools/bench/bench.h"

#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define MAX_CELLS       640
#define MAX_ROUNDS      400
#define POOL_MAIN       1024    /* room for 16 VMs x 32 held + the NIC's 128 */
#define POOL_CHECK      256     /* the config default: np_check is O(pool) */
#define TRIM            8       /* a chunk over TRIM x typical was preempted */
#define QUIET           1.15    /* probes within this of the fastest: quiet core */
#define MIN_QUIET       3       /* fewer quiet slices: report all, marked '*' */

/* The matrix: Ethernet sizes. The DMA table: up to jumbo frames
 * (world_descs: config mtu 9000, 4096-byte pages). */
static const uint16_t SIZES[] = { 64, 128, 256, 512, 1024, 1514 };
static const uint16_t DMA_SIZES[] = { 64, 128, 256, 512, 1024, 1514, 2048,
				      4096, 9000 };
static const uint32_t BATCHES[] = { 1, 8, 32 };
static const uint32_t VMS[] = { 1, 4, 16 };
static const uint32_t SCALE_POOLS[] = { 64, 256, 1024, 4096 };
static const uint32_t SCALE_VMS[] = { 1, 2, 4, 8, 16 };
static const uint16_t SCALE_SIZES[] = { 64, 1514 };
static const char *const KIND_NAME[] = { "flip", "copy", "hybrid", "memcpy",
					  "xchg", "hybrid2048", "hybrid-behind",
					  "hybrid-release" };
static const char *const STRING_NAME[] = { "hv", "loop8", "libc", "efi" };
static const char *const CHECK_NAME[] = {       /* enum np_check_mode */
	[NP_CHECK_OFF] = "off", [NP_CHECK_EVERY] = "every",
	[NP_CHECK_BATCH] = "batch",
};

struct cell {
	uint8_t              kind, string;      /* enum bench_kind, bench_string */
	uint8_t              check;     /* enum np_check_mode */
	uint8_t              dma;       /* enum bench_dma */
	uint16_t             size;
	uint32_t             batch, nvms, pool;
	struct bench_world  *w;
	uint32_t             chunks, warm;      /* per slice, B x VMs frames each */
	double              *ns;                /* ns per frame, one per round */
	struct bench_probe  *probe;             /* around its slice, the slower */
	uint32_t             nsamples;          /* rounds it took part in */
	uint32_t             nquiet;            /* of those, quiet ones */
	double               med_all;           /* median over every round */
	double               med, p25, p75;     /* over the quiet rounds */
	struct bench_counts  per;               /* the last slice's counts */
	uint64_t             scrubbed;          /* the last slice's bytes */
	uint64_t             chunks_run, chunks_dropped;
};

/* The pieces of a frame's cost, each alone in a tight loop. */
enum { COMP_EPT_WINDOW, COMP_EPT_KEEP, COMP_EPT_CHURN, COMP_SET64, COMP_SET1514, COMP_CPY64,
       COMP_CPY1514, COMP_CPY9000, COMP_NR };
#define COMP_REPS       15

/* CPU time in clock ticks: the machine's busy and total, and ours. */
struct cpu_times {
	unsigned long long busy, total, self;
};

struct bench_run {
	/* settings */
	uint32_t            rounds;     /* every cell, each round */
	double              slice_ns;
	double              extra_s;    /* then extra rounds, this long at most */
	/* results */
	uint32_t            rounds_run;
	struct bench_probe  probe_ref;  /* fastest probes seen: a quiet core */
	uint64_t            slices_run, slices_quiet, slices_total;
	double              comp[COMP_NR][BS_NR];   /* ns, by enum bench_string */
	double              others;     /* cores other processes used */
	double              dma_read[DMA_NR];       /* ns to read 1514 B */
	bool                fake_checks;            /* the fakes' checks on */
};

extern struct cell bench_cells[MAX_CELLS];
extern uint32_t bench_ncells;
extern struct bench_clock bench_clk;
extern struct bench_run bench_opts;

/* bench_datapath.c */
struct bench_world *world_get(uint8_t kind, uint32_t nvms, uint32_t pool,
			      uint8_t check, uint8_t dma);
struct cell *find(uint8_t kind, uint8_t string, uint8_t check, uint8_t dma,
		  uint32_t pool, uint32_t nvms, uint32_t batch, uint16_t size);

/* bench_measure.c */
void probe_calibrate(void);
void measure(void);
void measure_components(void);
double quantile(const double *v, uint32_t n, double q);   /* q 0..1 */
void cpu_times(struct cpu_times *t);
double others_busy(const struct cpu_times *a, const struct cpu_times *b);

/* bench_report.c */
void report(const char *out);
const char *ns_str(const struct cell *c, int width);
/* bench_report_dma.c: hot, warm and cold side by side, the crossovers. */
void print_dma(void);

#endif
