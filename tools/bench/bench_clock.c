/* Time: the TSC, its rate against CLOCK_MONOTONIC, whether it ticks at
 * the core clock (only then are its ticks "cycles"), and the cost of an
 * empty timed region, which every measurement has subtracted. */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "tools/bench/bench.h"

#define CAL_NS      150e6       /* TSC against the wall clock */
#define ADD_ITERS   20000u      /* 100 dependent adds each: ~0.6 ms */
#define ADD_REPS    31          /* the fastest is the unpreempted one */

double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double tsc_rate(void)
{
	double t0 = now_ns(), t1;
	uint64_t c0 = tsc_begin(), c1;

	do {
		t1 = now_ns();
		c1 = tsc_begin();
	} while (t1 - t0 < CAL_NS);
	return (double)(c1 - c0) / (t1 - t0);
}

/* One add depends on the one before: 1 cycle each on every x86 core
 * since the P6 [Intel opt. manual, Appendix D; AMD SOG 2.11], so adds
 * per ns is the core clock, whatever turbo does. */
static double core_rate(double tsc_ghz)
{
	double best = 0;

	for (int rep = 0; rep < ADD_REPS; rep++) {
		uint64_t x = 0, n = ADD_ITERS;
		uint64_t c0 = tsc_begin(), c1;

		__asm__ volatile("1:\n\t"
				 ".rept 100\n\t"
				 "add $1, %0\n\t"
				 ".endr\n\t"
				 "dec %1\n\t"
				 "jnz 1b"
				 : "+r"(x), "+r"(n));
		c1 = tsc_end();
		double ghz = 100.0 * ADD_ITERS / ((double)(c1 - c0) / tsc_ghz);

		if (ghz > best)
			best = ghz;
	}
	return best;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void clock_calibrate(struct bench_clock *c)
{
	uint64_t d[1001];

	c->tsc_ghz = tsc_rate();
	c->core_ghz = core_rate(c->tsc_ghz);
	c->tsc_is_core = c->core_ghz / c->tsc_ghz > 0.97 &&
			 c->core_ghz / c->tsc_ghz < 1.03;
	for (int i = 0; i < 1001; i++) {
		uint64_t t0 = tsc_begin();

		d[i] = tsc_end() - t0;
	}
	qsort(d, 1001, sizeof(d[0]), cmp_u64);
	c->overhead = d[500];
}
