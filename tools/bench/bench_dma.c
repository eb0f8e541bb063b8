/* Where the simulated DMA leaves a frame (bench.h enum bench_dma).
 *
 * The bench writes each "DMA'd" frame with the CPU, which leaves it
 * modified in this core's L1 and L2: hotter than any NIC leaves it.
 *  - cold: every line of the buffer is flushed out of the whole cache
 *    hierarchy (CLFLUSHOPT, or CLFLUSH where there is none [SDM 2A
 *    CLFLUSHOPT: CPUID.(EAX=7,ECX=0):EBX[23]; CLFLUSH: CPUID.1:EDX[19]]),
 *    as a NIC that writes to memory (no DDIO) leaves it: the first read
 *    misses to DRAM.
 *  - warm: this core's L2 is emptied by reading four times its reported
 *    size of other memory (a VM may report less than the core has: KVM
 *    reports 512 KiB on this Zen 4, which has 1 MiB), so the frame's lines leave L1 and L2 for the LLC: as Intel's
 *    DDIO leaves a frame, in the LLC and in no core's cache. On AMD Zen
 *    the L3 is a victim cache filled by L2 evictions, and on Intel's
 *    non-inclusive L3 (Skylake-SP and later) an evicted line goes there
 *    too; on an inclusive L3 it was there all along.
 * What warm cannot capture: DDIO allocates in only a few LLC ways
 * (2 of 11 by default), so under load frames are evicted before the CPU
 * reads them ("leaky DMA"); the NIC's writes do not pass through the
 * L2; and the eviction read also pushes the hypervisor's own state
 * (pool books, rings, EPT tables) out of L2, so warm and cold both pay
 * for metadata misses that a real receive path, between two batches,
 * may not. dma_read_cost() shows on the machine whether warm lands
 * between hot and cold. */
#include <cpuid.h>
#include <stdlib.h>
#include <unistd.h>

#include "arch/x86/cpu.h"
#include "tools/bench/bench.h"

#define LINE            64
#define CPUID_1_EDX_CLFSH       (1u << 19)
#define CPUID_7_EBX_CLFLUSHOPT  (1u << 23)

const char *const DMA_NAME[DMA_NR] = { "hot", "warm", "cold" };

static uint8_t *evict_buf;
static size_t evict_len;
static bool have_clflushopt;
static volatile uint64_t evict_sink;

bool dma_init(void)
{
	unsigned a, b, c, d;
	long l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);

	if (__get_cpuid_count(7, 0, &a, &b, &c, &d))
		have_clflushopt = b & CPUID_7_EBX_CLFLUSHOPT;
	if (!__get_cpuid(1, &a, &b, &c, &d) || !(d & CPUID_1_EDX_CLFSH))
		return false;
	if (l2 <= 0)
		l2 = 1 << 20;           /* not reported: assume a large L2 */
	evict_len = 4 * (size_t)l2;
	evict_buf = aligned_alloc(4096, evict_len);
	if (!evict_buf)
		return false;
	for (size_t i = 0; i < evict_len; i++)
		evict_buf[i] = (uint8_t)i;
	return true;
}

static void flush_line(const void *p)
{
	if (have_clflushopt)
		__asm__ volatile("clflushopt %0" : "+m"(*(volatile uint8_t *)p));
	else
		__asm__ volatile("clflush %0" : "+m"(*(volatile uint8_t *)p));
}

/* One load per line of four times the reported L2: every earlier line of
 * L1 and L2 is replaced (an 8-way L2 with LRU-like replacement keeps none
 * of them), and the LLC, 32 MiB here, keeps them. */
static void evict_l2(void)
{
	uint64_t s = 0;

	for (size_t i = 0; i < evict_len; i += LINE)
		s += evict_buf[i];
	evict_sink += s;
}

void dma_settle(enum bench_dma dma, uint8_t *const *buf, const uint32_t *len,
		uint32_t n)
{
	if (dma == DMA_HOT)
		return;
	evict_l2();
	if (dma != DMA_COLD)
		return;
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t o = 0; o < len[i]; o += LINE)
			flush_line(buf[i] + o);
	/* CLFLUSHOPT is ordered by a fence; MFENCE orders CLFLUSH too. */
	__asm__ volatile("mfence" ::: "memory");
}

uint32_t dma_load_ticks(void *ctx, const uint8_t *p, bool evict)
{
	if (evict)
		cpu_clflush(p);
	return cpu_timed_load(p);
}

void dma_read_cost(double ns[DMA_NR], double tsc_ghz)
{
	static uint8_t frame[NET_SLOT_SIZE] __attribute__((aligned(4096)));
	uint8_t *buf = frame;
	uint32_t len = 1514;

	for (int d = 0; d < DMA_NR; d++) {
		uint64_t best = UINT64_MAX;

		for (int r = 0; r < 50; r++) {
			uint64_t s = 0, t0, t1;

			for (uint32_t i = 0; i < len; i++)
				frame[i] = (uint8_t)(i + r);
			dma_settle((enum bench_dma)d, &buf, &len, 1);
			/* One load per line: the line's latency, not the
			 * load ports, is what differs. */
			t0 = tsc_begin();
			for (uint32_t i = 0; i < len; i += LINE)
				s += *(volatile uint64_t *)(frame + i);
			t1 = tsc_end();
			evict_sink += s;
			if (t1 - t0 < best)
				best = t1 - t0;
		}
		ns[d] = best / tsc_ghz;
	}
}
