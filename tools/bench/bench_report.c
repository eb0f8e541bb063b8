/* The tables on stdout, the CSV files and the plot's data
 * (docs/performance.md shows them). */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/copy.h"
#include "tools/bench/bench_cells.h"

#define GHZ_NOMINAL     3.0     /* the cycle figures assume 3 GHz */

/* Line rates [IEEE 802.3]: a 64-byte frame takes 84 bytes of wire time
 * with preamble and gap, a 1518-byte one 1538. */
#define NS_10G_64       (84 * 8 / 10.0)         /* 67.2 ns: 14.88 Mpps */
#define NS_1G_64        (84 * 8 / 1.0)          /* 672 ns: 1.488 Mpps */
#define NS_1G_1518      (1538 * 8 / 1.0)        /* 12304 ns: 81,274 fps */
#define NS_10G_1518     (1538 * 8 / 10.0)       /* 1230 ns: 812,744 fps */

static const char *const COMP_NAME[] = {
	"EPT map + unmap of a window slot, by its entry (npt_window_map)",
	"the same by the generic walk (pt_map/pt_unmap, tables kept)",
	"the same by the walk, window tables freed and re-zeroed",
	"memset (the scrub),   64 B", "memset (the scrub), 1514 B",
	"the frame copy,       64 B", "the frame copy,     1514 B",
	"the frame copy,     9000 B",
};

/* a/b, or a/min(b, c), of the medians. */
static double ratio(const struct cell *a, const struct cell *b,
		    const struct cell *c)
{
	return a->med / (c ? fmin(b->med, c->med) : b->med);
}

/* A cell's median, "*" after it when too few of its slices were quiet. */
const char *ns_str(const struct cell *c, int width)
{
	static char buf[8][32];
	static uint32_t next;
	char *b = buf[next++ % 8];

	snprintf(b, sizeof(buf[0]), "%*.1f%s", width - 1, c->med,
		 c->nquiet < MIN_QUIET ? "*" : " ");
	return b;
}

static void print_components(void)
{
	printf("\nComponents alone, ns per operation (tight loops, warm caches, "
	       "best of %u):\n", COMP_REPS);
	printf("  %-58s %8s %8s %8s %8s\n", "", "hv", "loop8", "efi", "libc");
	for (uint32_t k = 0; k < COMP_NR; k++)
		printf("  %-58s %8.1f %8.1f %8.1f %8.1f\n", COMP_NAME[k],
		       bench_opts.comp[k][BS_HV], bench_opts.comp[k][BS_LOOP8],
		       bench_opts.comp[k][BS_EFI], bench_opts.comp[k][BS_LIBC]);
	printf("  (hv: the frame copy as linked, %s here; loop8: lib/string.c's "
	       "8-byte loop; the scrub is lib/string.c's memset in both)\n",
	       copy_name(copy_current()));
	printf("  reading a 1514 B frame after the DMA: hot %.0f ns, warm %.0f, "
	       "cold %.0f%s\n", bench_opts.dma_read[DMA_HOT],
	       bench_opts.dma_read[DMA_WARM], bench_opts.dma_read[DMA_COLD],
	       bench_opts.dma_read[DMA_HOT] < bench_opts.dma_read[DMA_WARM] &&
	       bench_opts.dma_read[DMA_WARM] < bench_opts.dma_read[DMA_COLD] ?
	       " (warm lies between: the LLC approximation holds here)" :
	       " (warm is NOT between hot and cold here: its column is suspect)");
}

static double cycles(double ns)
{
	return ns * (bench_clk.tsc_is_core ? bench_clk.tsc_ghz : GHZ_NOMINAL);
}

static const char *cycles_unit(void)
{
	return bench_clk.tsc_is_core ? "cycles" : "cyc@3GHz";
}

static const char *side(const struct cell *h)
{
	if (!h->per.frames)
		return "?";
	return h->per.copied == h->per.frames ? "copy" :
	       h->per.copied == 0 ? "flip" : "mixed";
}

static struct cell *main_cell(uint8_t kind, uint8_t string, uint32_t nvms,
			      uint32_t batch, uint16_t size)
{
	return find(kind, string, NP_CHECK_OFF, DMA_HOT, POOL_MAIN, nvms, batch,
		    size);
}

static void print_side(uint8_t string)
{
	static const char *const what[] = {
		[BS_HV] = "As flipvisor links it (lib/copy.c, lib/string.c)",
		[BS_LOOP8] = "With the frame copy an 8-byte loop (lib/string.c's "
			     "memcpy, flipvisor before lib/copy.c)",
		[BS_EFI] = "With gnu-efi's byte-loop memcpy/memset (flipvisor "
			   "before lib/string.c had its own)",
		[BS_LIBC] = "With libc memcpy/memset/memcmp",
	};

	printf("\n%s, DMA hot, batch 32, 1 VM, pool %u, check off\n",
	       what[string], POOL_MAIN);
	printf("  size hybrid |          ns per frame           |  Mpps on one core   |"
	       " copy/  hybrid/ | best\n"
	       "       takes  |    flip    copy  hybrid  memcpy |  flip   copy hybrid |"
	       "  flip  min     | %s\n", cycles_unit());
	for (uint32_t s = 0; s < ARRAY_SIZE(SIZES); s++) {
		struct cell *f = main_cell(BK_FLIP, string, 1, 32, SIZES[s]);
		struct cell *c = main_cell(BK_COPY, string, 1, 32, SIZES[s]);
		struct cell *h = main_cell(BK_HYBRID, string, 1, 32, SIZES[s]);
		struct cell *m = main_cell(BK_MEMCPY, string, 1, 32, SIZES[s]);

		printf("  %4u %-6s | %s%s%s%s| %5.2f %6.2f %6.2f |"
		       " %5.2f  %5.2f   | %5.0f\n",
		       SIZES[s], side(h), ns_str(f, 8), ns_str(c, 8), ns_str(h, 8),
		       ns_str(m, 8), 1e3 / f->med, 1e3 / c->med, 1e3 / h->med,
		       ratio(c, f, NULL), ratio(h, f, c),
		       cycles(fmin(f->med, fmin(c->med, h->med))));
	}
}

static void print_matrix(void)
{
	printf("\nFull matrix, as flipvisor links it: ns per frame (DMA hot, pool "
	       "%u, check off; memcpy at batch 32 only)\n", POOL_MAIN);
	printf("  VMs batch  size |    flip    copy  hybrid  memcpy | copy/flip |"
	       " flip: INVEPT  tables  notify /frame\n");
	for (uint32_t v = 0; v < ARRAY_SIZE(VMS); v++) {
		for (uint32_t b = 0; b < ARRAY_SIZE(BATCHES); b++) {
			for (uint32_t s = 0; s < ARRAY_SIZE(SIZES); s++) {
				struct cell *f = main_cell(BK_FLIP, BS_HV, VMS[v], BATCHES[b], SIZES[s]);
				struct cell *c = main_cell(BK_COPY, BS_HV, VMS[v], BATCHES[b], SIZES[s]);
				struct cell *h = main_cell(BK_HYBRID, BS_HV, VMS[v], BATCHES[b], SIZES[s]);
				struct cell *m = main_cell(BK_MEMCPY, BS_HV, VMS[v], BATCHES[b], SIZES[s]);
				double fr = (double)f->per.frames;

				printf("  %3u %5u %5u | %s%s%s%s|   %5.2f   |"
				       "       %5.3f   %5.3f   %5.3f\n",
				       VMS[v], BATCHES[b], SIZES[s], ns_str(f, 8),
				       ns_str(c, 8), ns_str(h, 8),
				       m ? ns_str(m, 8) : "      - ",
				       ratio(c, f, NULL), f->per.invepts / fr,
				       f->per.table_allocs / fr, f->per.notifies / fr);
			}
		}
	}
}

/* One axis of the scaling table; true when no step is worse than linear. */
static bool print_scaling(FILE *csv, const char *axis, const uint32_t *val,
			  uint32_t n)
{
	bool pool = axis[0] == 'p';
	double worst = 0, spread = 0;

	printf("\nCost against %s (batch 32, %s): ns per frame, and each step's "
	       "ratio to the one before\n", pool ? "pool size" : "VMs",
	       pool ? "1 VM" : "pool 1024");
	printf("  %5s |", pool ? "pool" : "VMs");
	for (uint32_t k = BK_FLIP; k <= BK_COPY; k++)
		for (uint32_t s = 0; s < ARRAY_SIZE(SCALE_SIZES); s++)
			printf(" %s %4u B  step |", KIND_NAME[k], SCALE_SIZES[s]);
	printf("\n");
	for (uint32_t i = 0; i < n; i++) {
		printf("  %5u |", val[i]);
		for (uint32_t k = BK_FLIP; k <= BK_COPY; k++) {
			for (uint32_t s = 0; s < ARRAY_SIZE(SCALE_SIZES); s++) {
				struct cell *c = find(k, BS_HV, NP_CHECK_OFF, DMA_HOT,
						      pool ? val[i] : POOL_MAIN,
						      pool ? 1 : val[i], 32, SCALE_SIZES[s]);
				struct cell *p = !i ? NULL :
					find(k, BS_HV, NP_CHECK_OFF, DMA_HOT,
					     pool ? val[i - 1] : POOL_MAIN,
					     pool ? 1 : val[i - 1], 32, SCALE_SIZES[s]);
				struct cell *first = find(k, BS_HV, NP_CHECK_OFF, DMA_HOT,
							  pool ? val[0] : POOL_MAIN,
							  pool ? 1 : val[0], 32,
							  SCALE_SIZES[s]);
				double step = p ? ratio(c, p, NULL) : 1;
				double lin = p ? (double)val[i] / val[i - 1] : 1;

				if (p && step / lin > worst)
					worst = step / lin;
				if (c->med / first->med > spread)
					spread = c->med / first->med;
				if (p)
					printf(" %s %5.2f |", ns_str(c, 9), step);
				else
					printf(" %s     - |", ns_str(c, 9));
				fprintf(csv, "%s,%u,%s,%u,32,%u,%u,%.2f,%.4f,%.1f\n",
					axis, val[i], KIND_NAME[k], SCALE_SIZES[s],
					pool ? 1 : val[i], pool ? val[i] : POOL_MAIN,
					c->med, step, lin);
			}
		}
		printf("\n");
	}
	printf("  worst step: %.2f of linear (a step is x%u); largest cost over "
	       "the first row: x%.2f -> %s\n", worst, pool ? 4 : 2, spread,
	       worst > 1 ? "a step WORSE than linear" :
	       spread < 1.25 ? "flat, no step worse than linear" :
	       "grows, but no step worse than linear");
	return worst <= 1;
}

static void print_check(void)
{
	printf("\nThe invariant checker (np->check; config 'invariants', "
	       "default batch): pool %u, batch 32, 1 VM\n", POOL_CHECK);
	printf("  mode     size |  check off      batch      every | "
	       "batch/off every/off\n");
	for (uint32_t k = BK_FLIP; k <= BK_HYBRID; k++) {
		for (uint32_t s = 0; s < ARRAY_SIZE(SCALE_SIZES); s++) {
			struct cell *c[3];

			for (uint8_t m = NP_CHECK_OFF; m <= NP_CHECK_BATCH; m++)
				c[m] = find(k, BS_HV, m, DMA_HOT, POOL_CHECK, 1,
					    32, SCALE_SIZES[s]);
			printf("  %-6s  %4u | %s %s %s | %9.2f %9.1f\n",
			       KIND_NAME[k], SCALE_SIZES[s],
			       ns_str(c[NP_CHECK_OFF], 10),
			       ns_str(c[NP_CHECK_BATCH], 10),
			       ns_str(c[NP_CHECK_EVERY], 10),
			       ratio(c[NP_CHECK_BATCH], c[NP_CHECK_OFF], NULL),
			       ratio(c[NP_CHECK_EVERY], c[NP_CHECK_OFF], NULL));
		}
	}
}

/* The targets, from the numbers above. */
/* For the copy threshold: from which size up flip costs less than copy,
 * per batch, 1 VM, as linked. */
static void print_crossover(void)
{
	printf("\nWhere flip gets cheaper than copy (1 VM, DMA hot, as flipvisor "
	       "links it):");
	for (uint32_t b = 0; b < ARRAY_SIZE(BATCHES); b++) {
		uint32_t from = 0;

		for (uint32_t s = ARRAY_SIZE(SIZES); s-- > 0;) {
			struct cell *f = main_cell(BK_FLIP, BS_HV, 1, BATCHES[b], SIZES[s]);
			struct cell *c = main_cell(BK_COPY, BS_HV, 1, BATCHES[b], SIZES[s]);

			if (f->med >= c->med)
				break;
			from = SIZES[s];
		}
		if (from)
			printf(" batch %u: from %u B up;", BATCHES[b], from);
		else
			printf(" batch %u: at no size up to 1514 B;", BATCHES[b]);
	}
	printf("\n");
}

static void print_targets(bool flat_pool, bool flat_vms)
{
	printf("\nLine rates, per frame on one core: 10GbE 64 B %.1f ns (14.88 Mpps, "
	       "201 cycles at 3 GHz);\n  10GbE 1518 B %.0f ns (812,744 fps); "
	       "GbE 64 B %.0f ns (1.488 Mpps, 2016 cycles at 3 GHz); "
	       "GbE 1518 B %.0f ns (81,274 fps)\n",
	       NS_10G_64, NS_10G_1518, NS_1G_64, NS_1G_1518);
	printf("\nTargets\n");
	for (uint8_t str = BS_HV; str <= BS_LIBC; str++) {
		struct cell *best = NULL, *f, *c, *h;

		if (str == BS_LOOP8)
			continue;
		uint32_t right = 0;

		for (uint32_t k = BK_FLIP; k <= BK_HYBRID; k++) {
			struct cell *x = main_cell(k, str, 1, 32, 64);

			if (!best || x->med < best->med)
				best = x;
		}
		printf("  [%s] 10GbE at 64 B, best mode (%s) at batch 32: %.1f ns = "
		       "%.2f Mpps, %.0f %s: %s\n", STRING_NAME[str],
		       KIND_NAME[best->kind], best->med, 1e3 / best->med,
		       cycles(best->med), cycles_unit(),
		       best->med <= NS_10G_64 ? "MET" : "NOT MET");
		f = main_cell(BK_FLIP, str, 1, 32, 1514);
		c = main_cell(BK_COPY, str, 1, 32, 1514);
		printf("  [%s] flip at 1514 B at most half of copy: flip %.1f, copy "
		       "%.1f ns, copy/flip %.2f: %s\n", STRING_NAME[str], f->med,
		       c->med, ratio(c, f, NULL),
		       ratio(c, f, NULL) >= 2 ? "MET" : "NOT MET");
		printf("  [%s] hybrid (copy_threshold auto) takes the cheaper side at:",
		       STRING_NAME[str]);
		for (uint32_t s = 0; s < ARRAY_SIZE(SIZES); s++) {
			bool ok;

			f = main_cell(BK_FLIP, str, 1, 32, SIZES[s]);
			c = main_cell(BK_COPY, str, 1, 32, SIZES[s]);
			h = main_cell(BK_HYBRID, str, 1, 32, SIZES[s]);
			ok = (h->per.copied == h->per.frames) == (c->med <= f->med);
			right += ok;
			printf(" %u%s", SIZES[s], ok ? "" : "(no)");
		}
		printf(": %u of %zu sizes\n", right, ARRAY_SIZE(SIZES));
	}
	printf("  per-frame cost flat from 64 to 4096 pool frames: %s; from 1 to 16 "
	       "VMs: %s\n", flat_pool ? "no step worse than linear" : "NOT MET",
	       flat_vms ? "no step worse than linear" : "NOT MET");
	print_crossover();
}

static FILE *open_out(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "bench: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return f;
}

static void write_csv(const char *dir)
{
	FILE *f = open_out(dir, "datapath.csv");
	FILE *p = open_out(dir, "ns_per_frame.dat");

	fprintf(f, "mode,string,dma,check,pool,vms,batch,size,ns_median,ns_p25,"
		"ns_p75,mpps,%s,rounds,frames_per_slice,invept_per_frame,"
		"table_allocs_per_frame,notify_per_frame,release_calls_per_frame,"
		"copied_fraction,scrub_bytes_per_frame,chunks_dropped_fraction,"
		"quiet_rounds,ns_median_all_rounds\n",
		bench_clk.tsc_is_core ? "cycles" : "cycles_at_3ghz");
	for (uint32_t i = 0; i < bench_ncells; i++) {
		struct cell *c = &bench_cells[i];
		double fr = (double)c->per.frames;

		fprintf(f, "%s,%s,%s,%s,%u,%u,%u,%u,%.2f,%.2f,%.2f,%.3f,%.0f,%u,%u,"
			"%.4f,%.4f,%.4f,%.4f,%.3f,%.1f,%.4f,%u,%.2f\n",
			KIND_NAME[c->kind], STRING_NAME[c->string],
			DMA_NAME[c->dma], CHECK_NAME[c->check], c->pool,
			c->nvms, c->batch, c->size, c->med, c->p25, c->p75,
			1e3 / c->med, cycles(c->med), c->nsamples,
			c->chunks * c->batch * c->nvms, c->per.invepts / fr,
			c->per.table_allocs / fr, c->per.notifies / fr,
			c->per.releases / fr, c->per.copied / fr, c->scrubbed / fr,
			(double)c->chunks_dropped / (double)c->chunks_run,
			c->nquiet, c->med_all);
	}
	fclose(f);
	fprintf(p, "# size, then ns/frame at batch 32, 1 VM: flip copy hybrid "
		"memcpy (hv string), flip copy hybrid memcpy (libc)\n");
	for (uint32_t s = 0; s < ARRAY_SIZE(SIZES); s++) {
		static const uint8_t str[] = { BS_HV, BS_LIBC };

		fprintf(p, "%u", SIZES[s]);
		for (uint32_t i = 0; i < ARRAY_SIZE(str); i++)
			for (uint32_t k = 0; k < BK_XCHG; k++)
				fprintf(p, " %.2f",
					main_cell(k, str[i], 1, 32, SIZES[s])->med);
		fprintf(p, "\n");
	}
	fclose(p);
}

void report(const char *out)
{
	uint64_t chunks = 0, dropped = 0;
	bool flat_pool, flat_vms;
	FILE *scsv;

	for (uint32_t i = 0; i < bench_ncells; i++) {
		chunks += bench_cells[i].chunks_run;
		dropped += bench_cells[i].chunks_dropped;
	}
	printf("other processes used %.2f cores during the run%s; %.3f%% of "
	       "timed chunks dropped as preempted (over %ux the slice's typical "
	       "chunk)\n", bench_opts.others, bench_opts.others > 0.1 ?
	       ": NOT A QUIET MACHINE, figures are noisy and slow" : " (quiet)",
	       100.0 * dropped / chunks, TRIM);
	printf("quiet-core probes at best %.0f ns (byte loops) and %.0f ns (libc "
	       "memcpy); %u rounds; %.0f%% of cell-rounds quiet (probes within "
	       "%.0f%% of best; %llu slices tried); medians are over quiet "
	       "rounds, '*' where fewer than %u were\n",
	       bench_opts.probe_ref.bytes / bench_clk.tsc_ghz, bench_opts.probe_ref.vec / bench_clk.tsc_ghz,
	       bench_opts.rounds_run, 100.0 * bench_opts.slices_quiet / (double)bench_opts.slices_total,
	       (QUIET - 1) * 100, (unsigned long long)bench_opts.slices_run, MIN_QUIET);

	print_side(BS_HV);
	print_side(BS_LOOP8);
	print_side(BS_LIBC);
	print_side(BS_EFI);
	print_components();
	print_matrix();
	scsv = open_out(out, "scaling.csv");
	fprintf(scsv, "axis,value,mode,size,batch,vms,pool,ns,step_ratio,"
		"linear_ratio\n");
	flat_pool = print_scaling(scsv, "pool", SCALE_POOLS, ARRAY_SIZE(SCALE_POOLS));
	flat_vms = print_scaling(scsv, "vms", SCALE_VMS, ARRAY_SIZE(SCALE_VMS));
	fclose(scsv);
	print_check();
	print_dma();
	print_targets(flat_pool, flat_vms);
	write_csv(out);
}
