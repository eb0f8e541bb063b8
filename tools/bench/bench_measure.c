/* Measuring the cells: each round, every cell runs a short slice, the
 * cells in a new random order, so a drift of the machine's speed hits
 * them all alike; the median over rounds is what counts. This machine is
 * a shared cloud core whose speed halves while a neighbour's thread runs
 * on the same physical core, so a probe before and after each slice
 * tells whether it ran on a quiet core, and only quiet slices count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tools/bench/bench_cells.h"

#define MAX_CHUNKS      100000  /* per slice */
#define SAMPLE          64      /* chunks sampled for the typical one */
#define TRIES           3       /* slices per cell per round to find a quiet one */
#define WANT_QUIET      9       /* extra rounds until each cell has this many */

static uint64_t chunk_ticks[MAX_CHUNKS];
static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rand64(void)
{
	rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
	return rng;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* 'warm' chunks untimed, then 'chunks' timed; a chunk is one batch per
 * VM, so each guest ends it having released all it got, and every chunk
 * does the same work. A chunk that took more than TRIM times the
 * slice's typical one was preempted (this machine is shared): it is
 * dropped and counted. ns per frame over the chunks kept. */
static double slice(struct cell *c, uint32_t chunks, uint32_t warm,
		    struct bench_probe *probe)
{
	struct bench_world *w = c->w;
	uint32_t passes = w->nvms, kept = 0;
	uint32_t frames = world_frames(c->batch, c->size);
	uint64_t sum = 0, scrub0, typical, sample[SAMPLE];
	struct bench_probe after;
	struct bench_counts c0, c1;

	bench_string = c->string;
	for (uint32_t i = 0; i < warm * passes; i++)
		world_pass(w, c->batch, c->size, c->dma);
	c0 = world_counts(w);
	scrub0 = w->np ? w->np->st.bytes_scrubbed : 0;
	bench_probe(probe);
	for (uint32_t i = 0; i < chunks; i++) {
		uint64_t t = 0;

		for (uint32_t p = 0; p < passes; p++) {
			uint64_t d = world_pass(w, c->batch, c->size, c->dma);

			t += d > bench_clk.overhead ? d - bench_clk.overhead : 0;
		}
		chunk_ticks[i] = t;
	}
	bench_probe(&after);
	probe->bytes = after.bytes > probe->bytes ? after.bytes : probe->bytes;
	probe->vec = after.vec > probe->vec ? after.vec : probe->vec;
	c1 = world_counts(w);
	c->per = (struct bench_counts){
		.frames = c1.frames - c0.frames,
		.copied = c1.copied - c0.copied,
		.invepts = c1.invepts - c0.invepts,
		.notifies = c1.notifies - c0.notifies,
		.table_allocs = c1.table_allocs - c0.table_allocs,
		.releases = c1.releases - c0.releases,
	};
	c->scrubbed = w->np ? w->np->st.bytes_scrubbed - scrub0 : 0;
	world_drain(w);
	world_audit(w);
	if (c->per.frames != (uint64_t)chunks * passes * frames) {
		fprintf(stderr, "bench: %s %u B: %llu frames reached the guests\n",
			KIND_NAME[c->kind], c->size,
			(unsigned long long)c->per.frames);
		exit(1);
	}
	/* The typical chunk: the median of up to SAMPLE spread over the slice. */
	for (uint32_t i = 0; i < SAMPLE; i++)
		sample[i] = chunk_ticks[(uint64_t)i * chunks / SAMPLE];
	qsort(sample, SAMPLE, sizeof(sample[0]), cmp_u64);
	typical = sample[SAMPLE / 2];
	for (uint32_t i = 0; i < chunks; i++) {
		if (chunk_ticks[i] > TRIM * typical)
			continue;
		sum += chunk_ticks[i];
		kept++;
	}
	c->chunks_run += chunks;
	c->chunks_dropped += chunks - kept;
	return sum / bench_clk.tsc_ghz / ((double)kept * passes * frames);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double quantile(const double *v, uint32_t n, double q)
{
	double s[n];

	memcpy(s, v, n * sizeof(double));
	qsort(s, n, sizeof(double), cmp_double);
	return s[(uint32_t)lround(q * (n - 1))];
}

/* How much slower than on a quiet core the probes around a slice ran. */
static double contention(const struct bench_probe *p)
{
	return fmax((double)p->bytes / bench_opts.probe_ref.bytes,
		    (double)p->vec / bench_opts.probe_ref.vec);
}

static bool quiet(const struct bench_probe *p)
{
	return contention(p) <= QUIET;
}

static void probe_learn(const struct bench_probe *p)
{
	if (p->bytes < bench_opts.probe_ref.bytes)
		bench_opts.probe_ref.bytes = p->bytes;
	if (p->vec < bench_opts.probe_ref.vec)
		bench_opts.probe_ref.vec = p->vec;
}

/* The fastest of many probes over ~0.3 s: what each part takes with the
 * physical core to ourselves. Faster ones later lower it. */
void probe_calibrate(void)
{
	double t0 = now_ns();

	bench_opts.probe_ref = (struct bench_probe){ UINT64_MAX, UINT64_MAX };
	while (now_ns() - t0 < 3e8) {
		struct bench_probe p;

		bench_probe(&p);
		probe_learn(&p);
	}
}

/* One round's slice of a cell: up to TRIES, until one is quiet. */
static void sample(struct cell *c)
{
	uint32_t r = c->nsamples++;

	for (uint32_t t = 0; t < TRIES; t++) {
		struct bench_probe probe;
		double ns = slice(c, c->chunks, c->warm, &probe);

		bench_opts.slices_run++;
		probe_learn(&probe);
		if (!t || quiet(&probe) ||
		    contention(&probe) < contention(&c->probe[r])) {
			c->ns[r] = ns;
			c->probe[r] = probe;
		}
		if (quiet(&probe)) {
			c->nquiet++;
			break;
		}
	}
}

void measure(void)
{
	uint32_t order[MAX_CELLS];
	double t_end = 0;

	/* Round zero sizes the slices and is thrown away. */
	for (uint32_t i = 0; i < bench_ncells; i++) {
		struct cell *c = &bench_cells[i];
		struct bench_probe probe;
		double est = slice(c, 2, 1, &probe);
		double n = ceil(bench_opts.slice_ns /
				(est * world_frames(c->batch, c->size) * c->nvms));

		c->chunks = n < 2 ? 2 : n > MAX_CHUNKS ? MAX_CHUNKS : (uint32_t)n;
		c->warm = c->chunks / 8 ? c->chunks / 8 : 1;
		c->chunks_run = c->chunks_dropped = 0;
		order[i] = i;
	}
	/* Every cell each round; then, on a shared machine, extra rounds of
	 * the cells that have too few quiet slices, for extra_s at most. */
	for (uint32_t r = 0; r < MAX_ROUNDS; r++) {
		uint32_t n = 0;

		if (r == bench_opts.rounds)
			t_end = now_ns() + bench_opts.extra_s * 1e9;
		if (r >= bench_opts.rounds && now_ns() > t_end)
			break;
		for (uint32_t i = 0; i < bench_ncells; i++)
			if (r < bench_opts.rounds || bench_cells[i].nquiet < WANT_QUIET)
				order[n++] = i;
		if (!n)
			break;
		if (isatty(2))
			fprintf(stderr, "\rbench: round %u, %u cells   ", r + 1, n);
		for (uint32_t i = n - 1; i > 0; i--) {
			uint32_t j = (uint32_t)(rand64() % (i + 1)), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		for (uint32_t i = 0; i < n; i++)
			sample(&bench_cells[order[i]]);
		bench_opts.rounds_run = r + 1;
	}
	if (isatty(2))
		fprintf(stderr, "\n");
	/* Judged again against the fastest probe of the whole run. */
	for (uint32_t i = 0; i < bench_ncells; i++) {
		struct cell *c = &bench_cells[i];
		double q[MAX_ROUNDS];
		uint32_t n = 0;

		for (uint32_t r = 0; r < c->nsamples; r++)
			if (quiet(&c->probe[r]))
				q[n++] = c->ns[r];
		c->nquiet = n;
		bench_opts.slices_quiet += n;
		bench_opts.slices_total += c->nsamples;
		c->med_all = quantile(c->ns, c->nsamples, 0.5);
		if (n < MIN_QUIET) {
			memcpy(q, c->ns, c->nsamples * sizeof(double));
			n = c->nsamples;
		}
		c->med = quantile(q, n, 0.5);
		c->p25 = quantile(q, n, 0.25);
		c->p75 = quantile(q, n, 0.75);
	}
}

/* --- components: the pieces of a frame's cost, alone ------------------ */

#define COMP_ITERS 2000

static double comp_once(uint32_t k, struct bench_world *w)
{
	static uint8_t src[BENCH_SIZE_MAX], dst[BENCH_SIZE_MAX];
	uint32_t n = k == COMP_SET64 || k == COMP_CPY64 ? 64 :
		     k == COMP_CPY9000 ? 9000 : 1514;
	uint64_t t0, t1;

	if (k <= COMP_EPT_CHURN)
		return world_ept_pair(w, k == COMP_EPT_WINDOW ? EPT_PAIR_WINDOW :
				      k == COMP_EPT_KEEP ? EPT_PAIR_WALK :
				      EPT_PAIR_CHURN, COMP_ITERS) / bench_clk.tsc_ghz;
	memset(src, 0x5a, sizeof(src));
	t0 = tsc_begin();
	for (uint32_t i = 0; i < COMP_ITERS; i++) {
		if (k == COMP_SET64 || k == COMP_SET1514)
			bench_memset(dst, 0, n);
		else
			bench_copy(dst, src, n);
		__asm__ volatile("" ::: "memory");
	}
	t1 = tsc_end();
	return (double)(t1 - t0) / bench_clk.tsc_ghz / COMP_ITERS;
}

void measure_components(void)
{
	struct bench_world *w = world_get(BK_FLIP, 1, POOL_MAIN, NP_CHECK_OFF, DMA_HOT);
	double v[COMP_NR][BS_NR][COMP_REPS];

	for (uint32_t r = 0; r < COMP_REPS; r++)
		for (uint32_t k = 0; k < COMP_NR; k++)
			for (uint8_t str = 0; str < BS_NR; str++) {
				bench_string = str;
				v[k][str][r] = comp_once(k, w);
			}
	for (uint32_t k = 0; k < COMP_NR; k++)
		for (uint8_t str = 0; str < BS_NR; str++)
			bench_opts.comp[k][str] = quantile(v[k][str], COMP_REPS, 0);
	dma_read_cost(bench_opts.dma_read, bench_clk.tsc_ghz);
}

/* The machine's busy and total (/proc/stat, first line) and this
 * process's own (/proc/self/stat, utime + stime). */
void cpu_times(struct cpu_times *t)
{
	unsigned long long v[8] = { 0 }, ut = 0, st = 0;
	FILE *f = fopen("/proc/stat", "r");

	*t = (struct cpu_times){ 0 };
	if (f) {
		if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8) {
			t->busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
			t->total = t->busy + v[3] + v[4];
		}
		fclose(f);
	}
	f = fopen("/proc/self/stat", "r");
	if (f) {
		/* Fields 14 and 15; the command name (2) has no blank here. */
		if (fscanf(f, "%*d %*s %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			   "%llu %llu", &ut, &st) == 2)
			t->self = ut + st;
		fclose(f);
	}
}

/* Cores' worth of CPU that other processes of this machine used between
 * a and b: they share the caches, and preempt us. (A neighbour on the
 * physical core, outside this VM, shows only in the probes.) */
double others_busy(const struct cpu_times *a, const struct cpu_times *b)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double d = (double)(b->total - a->total);

	if (d <= 0)
		return -1;
	return ((double)(b->busy - a->busy) - (double)(b->self - a->self)) / d * ncpu;
}
