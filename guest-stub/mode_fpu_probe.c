/* HC_MODE_FPU_PROBE: keep a value unique to this VM in two SSE registers
 * while never halting, so the hypervisor preempts us mid-loop and runs
 * other VMs in between. If it did not switch x87/SSE state between VMs,
 * we would find another VM's value (or garbage) there. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define CHECK_MS       100
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

/* The compiler never uses SSE here (-mgeneral-regs-only): only these
 * statements touch xmm0 and xmm7, so their values must survive. */
static void sse_set(uint64_t a, uint64_t b)
{
	__asm__ volatile("movq %0, %%xmm0\n\tmovq %1, %%xmm7" : : "r"(a), "r"(b));
}

static void sse_get(uint64_t *a, uint64_t *b)
{
	__asm__ volatile("movq %%xmm0, %0\n\tmovq %%xmm7, %1" : "=r"(*a), "=r"(*b));
}

void mode_fpu_probe(const struct hc_identity *id)
{
	uint64_t want = 0x5a5a000000000000ull | (id->vm_id + 1) * 0x0101010101ull;
	uint64_t period = id->tsc_per_ms * CHECK_MS, next, cr4, a, b;

	/* SSE needs CR4.OSFXSR [SDM 3A 13.1.3]; both bits are the guest's. */
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");

	sse_set(want, ~want);
	cpu_sti();
	next = rdtsc() + period;
	for (uint64_t n = 1;;) {
		if ((int64_t)(rdtsc() - next) < 0) {
			cpu_pause();
			continue;
		}
		sse_get(&a, &b);
		if (a != want || b != ~want) {
			print("fpu CORRUPTED: xmm0 %lx xmm7 %lx, want %lx %lx\n",
			      a, b, want, ~want);
			sse_set(want, ~want);
		} else {
			print("fpu ok %lu\n", n);
		}
		n++;
		next = rdtsc() + period;
	}
}
