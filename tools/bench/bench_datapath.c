/* make bench: the receive path's cost per frame on one host core, flip,
 * copy and hybrid delivery and a plain memcpy side by side
 * (docs/performance.md). This file lists the cells and runs the whole;
 * bench_measure.c measures, bench_report.c prints. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/copy.h"
#include "tools/bench/bench_cells.h"

#define MAX_WORLDS      64
#define WARM_PASSES     64      /* a new hybrid world's, before any cell */

struct cell bench_cells[MAX_CELLS];
uint32_t bench_ncells;
struct bench_clock bench_clk;
struct bench_run bench_opts = { .rounds = 31, .slice_ns = 1e6, .extra_s = 30 };
static struct bench_world *worlds[MAX_WORLDS];
static uint32_t nworlds;

/* A world per kind and DMA placement: a machine's NIC leaves frames in
 * its LLC or not, the same for every batch, and hybrid's sensing
 * follows that (it would relearn at every switch of cells interleaved
 * slice by slice: 16 samples, dma_sense.h). Every kind alike, so that
 * hybrid and the modes it is held against run the same way. Not one
 * world for flip, copy and hybrid: a page a copy gave back is unseen by
 * every VM, so the next flip of it zeroes its stale tail (the scrub
 * rule), and flip's cells would pay for copy's (64 B hot: 192 -> 210-250
 * ns); hybrid's own world pays for its own mix, as it would for real. */
struct bench_world *world_get(uint8_t kind, uint32_t nvms, uint32_t pool,
			      uint8_t check, uint8_t dma)
{
	struct bench_world *w;

	for (uint32_t i = 0; i < nworlds; i++) {
		w = worlds[i];
		if (w->kind == kind && w->nvms == nvms && w->pool == pool &&
		    w->check == check && w->dma == dma)
			return w;
	}
	if (nworlds == MAX_WORLDS)
		exit(1);
	w = world_new(kind, nvms, pool, check, bench_opts.fake_checks);
	w->dma = dma;
	/* A host has run a while before anyone measures it: auto's state
	 * settles first (from memory after 9 timed reads, 1152 frames),
	 * not in the first cells of a --quick run. */
	for (uint32_t i = 0; (kind == BK_HYBRID || kind == BK_HBEHIND ||
			      kind == BK_HRELEASE) && i < WARM_PASSES; i++)
		world_pass(w, 32, 1514, dma);
	world_drain(w);
	return worlds[nworlds++] = w;
}

struct cell *find(uint8_t kind, uint8_t string, uint8_t check, uint8_t dma,
		  uint32_t pool, uint32_t nvms, uint32_t batch, uint16_t size)
{
	for (uint32_t i = 0; i < bench_ncells; i++) {
		struct cell *c = &bench_cells[i];

		if (c->kind == kind && c->string == string && c->check == check &&
		    c->dma == dma && c->pool == pool && c->nvms == nvms &&
		    c->batch == batch && c->size == size)
			return c;
	}
	return NULL;
}

static void add(uint8_t kind, uint8_t string, uint8_t check, uint8_t dma,
		uint32_t pool, uint32_t nvms, uint32_t batch, uint16_t size)
{
	struct cell *c;

	if (find(kind, string, check, dma, pool, nvms, batch, size))
		return;
	if (bench_ncells == MAX_CELLS)
		exit(1);
	c = &bench_cells[bench_ncells++];
	*c = (struct cell){ .kind = kind, .string = string, .check = check,
			    .dma = dma, .size = size, .batch = batch,
			    .nvms = nvms, .pool = pool };
	c->w = world_get(kind, nvms, pool, kind == BK_MEMCPY ? NP_CHECK_OFF : check,
			 dma);
	c->ns = calloc(MAX_ROUNDS, sizeof(double));
	c->probe = calloc(MAX_ROUNDS, sizeof(c->probe[0]));
}

static void add_all(void)
{
	/* The matrix, as the hypervisor links it, DMA hot. memcpy at
	 * batch 32 only: timed per batch, one copy is below the timer's
	 * grain. */
	for (uint32_t k = 0; k < BK_XCHG; k++)
		for (uint32_t v = 0; v < ARRAY_SIZE(VMS); v++)
			for (uint32_t b = 0; b < ARRAY_SIZE(BATCHES); b++)
				for (uint32_t s = 0; s < ARRAY_SIZE(SIZES); s++)
					if (k != BK_MEMCPY || BATCHES[b] == 32)
						add(k, BS_HV, NP_CHECK_OFF, DMA_HOT,
						    POOL_MAIN, VMS[v], BATCHES[b],
						    SIZES[s]);
	/* Batch 32, 1 VM, 64 B to jumbo: hot, warm and cold as linked, and
	 * with the 8-byte loop and libc's copy; gnu-efi's byte loops hot,
	 * at Ethernet sizes. Exchange and hybrid2048 as linked only. */
	for (uint32_t k = 0; k < BK_NR; k++)
		for (uint32_t s = 0; s < ARRAY_SIZE(DMA_SIZES); s++) {
			for (uint8_t d = 0; d < DMA_NR; d++)
				for (uint8_t str = BS_HV; str <= BS_LIBC; str++)
					if ((d != DMA_WARM && k < BK_XCHG) ||
					    str == BS_HV)
						add(k, str, NP_CHECK_OFF, d, POOL_MAIN,
						    1, 32, DMA_SIZES[s]);
			if (DMA_SIZES[s] <= 1514 && k < BK_XCHG)
				add(k, BS_EFI, NP_CHECK_OFF, DMA_HOT, POOL_MAIN, 1,
				    32, DMA_SIZES[s]);
		}
	for (uint32_t k = BK_FLIP; k <= BK_COPY; k++) {
		for (uint32_t s = 0; s < ARRAY_SIZE(SCALE_SIZES); s++) {
			for (uint32_t p = 0; p < ARRAY_SIZE(SCALE_POOLS); p++)
				add(k, BS_HV, NP_CHECK_OFF, DMA_HOT, SCALE_POOLS[p],
				    1, 32, SCALE_SIZES[s]);
			for (uint32_t v = 0; v < ARRAY_SIZE(SCALE_VMS); v++)
				add(k, BS_HV, NP_CHECK_OFF, DMA_HOT, POOL_MAIN,
				    SCALE_VMS[v], 32, SCALE_SIZES[s]);
		}
	}
	for (uint32_t k = BK_FLIP; k <= BK_HYBRID; k++)
		for (uint32_t s = 0; s < ARRAY_SIZE(SCALE_SIZES); s++)
			for (uint8_t m = NP_CHECK_OFF; m <= NP_CHECK_BATCH; m++)
				add(k, BS_HV, m, DMA_HOT, POOL_CHECK, 1, 32,
				    SCALE_SIZES[s]);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_datapath [--quick] [--rounds N] "
		"[--extra-s S] [--slice-ms MS] [--fake-checks] [--out DIR]\n"
		"       bench_datapath --loop KIND SIZE SECONDS   (for perf)\n");
	exit(2);
}

/* One cell alone (batch 32, 1 VM, pool 1024, DMA hot, as linked) for
 * 'secs', for a profiler to sample: prints its mean ns per frame. */
static int loop_one(const char *kind, const char *size, const char *secs)
{
	uint32_t k = 0;
	uint16_t sz = (uint16_t)atoi(size);
	double t0, t_end, frames = 0, ticks = 0, best = 1e300;
	struct bench_world *w;

	while (k < BK_NR && strcmp(KIND_NAME[k], kind))
		k++;
	if (k == BK_NR || !sz || sz > BENCH_SIZE_MAX)
		usage();
	clock_calibrate(&bench_clk);
	bench_string_init();
	if (!dma_init())
		return 1;
	w = world_get((uint8_t)k, 1, POOL_MAIN, NP_CHECK_OFF, DMA_HOT);
	t0 = now_ns();
	t_end = t0 + atof(secs) * 1e9;
	while (now_ns() < t_end) {
		double win = 0;

		for (uint32_t i = 0; i < 1000; i++)
			win += (double)world_pass(w, 32, sz, DMA_HOT);
		ticks += win;
		frames += 1000.0 * world_frames(32, sz);
		if (win < best)
			best = win;
	}
	world_drain(w);
	world_audit(w);
	/* The best window of 1000 passes: what a quiet core gives, where
	 * the mean takes in whatever else ran (a shared core's neighbour). */
	printf("%s %u B: %.1f ns per frame (mean over %.0f frames; best "
	       "window of 1000 passes %.1f; guests read %llx)\n", kind, sz,
	       ticks / bench_clk.tsc_ghz / frames, frames,
	       best / bench_clk.tsc_ghz / (1000.0 * world_frames(32, sz)),
	       (unsigned long long)(w->sink & 0xffff));
	return 0;
}

int main(int argc, char **argv)
{
	const char *out = "build/bench";
	double t0 = now_ns();
	struct cpu_times ct0, ct1;
	uint64_t sink = 0;

	if (argc == 5 && !strcmp(argv[1], "--loop"))
		return loop_one(argv[2], argv[3], argv[4]);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--quick")) {
			bench_opts.rounds = 3;
			bench_opts.extra_s = 0;
			bench_opts.slice_ns = 0.1e6;
		} else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
			bench_opts.rounds = (uint32_t)atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--extra-s") && i + 1 < argc) {
			bench_opts.extra_s = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--slice-ms") && i + 1 < argc) {
			bench_opts.slice_ns = atof(argv[++i]) * 1e6;
		} else if (!strcmp(argv[i], "--fake-checks")) {
			bench_opts.fake_checks = true;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			out = argv[++i];
		} else {
			usage();
		}
	}
	if (bench_opts.rounds < 1 || bench_opts.rounds > MAX_ROUNDS || bench_opts.slice_ns <= 0 ||
	    bench_opts.extra_s < 0)
		usage();
	if (mkdir(out, 0777) && errno != EEXIST) {
		fprintf(stderr, "bench: cannot create %s: %s\n", out, strerror(errno));
		return 1;
	}
	clock_calibrate(&bench_clk);
	bench_string_init();
	if (!dma_init()) {
		fprintf(stderr, "bench: no CLFLUSH, or no memory for the L2 "
			"eviction: cannot leave frames warm or cold\n");
		return 1;
	}
	probe_calibrate();
	add_all();
	printf("flipvisor data path, host benchmark: %u cells x at least %u "
	       "rounds, slices of %.1f ms, interleaved in random order\n",
	       bench_ncells, bench_opts.rounds, bench_opts.slice_ns / 1e6);
	printf("TSC %.3f GHz; core clock by a dependent-add chain %.3f GHz: %s\n",
	       bench_clk.tsc_ghz, bench_clk.core_ghz, bench_clk.tsc_is_core ?
	       "TSC ticks are core cycles" :
	       "TSC is not the core clock: cycles below are ns x 3 GHz");
	printf("empty timed region %llu ticks, subtracted; NIC ring %u, rx_slots "
	       "%u, quota %u, guests read %u B of each frame\n",
	       (unsigned long long)bench_clk.overhead, BENCH_NIC_DESCS, BENCH_SLOTS,
	       BENCH_QUOTA, BENCH_HDR);
	printf("frame copy as flipvisor would pick it here: %s; the fakes' "
	       "safety checks %s\n", copy_name(copy_current()),
	       bench_opts.fake_checks ? "ON (--fake-checks: figures are not "
	       "the path's)" : "off while timing");
	fflush(stdout);
	cpu_times(&ct0);
	measure();
	measure_components();
	cpu_times(&ct1);
	bench_opts.others = others_busy(&ct0, &ct1);
	report(out);
	/* What the guests read, so no compiler can drop the reading. */
	for (uint32_t i = 0; i < nworlds; i++)
		sink += worlds[i]->sink;
	printf("\nwrote %s/datapath.csv, %s/scaling.csv, %s/ns_per_frame.dat; "
	       "run time %.1f s (guests read %llx)\n", out, out, out,
	       (now_ns() - t0) / 1e9, (unsigned long long)(sink & 0xffff));
	return 0;
}
