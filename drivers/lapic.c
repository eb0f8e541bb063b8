/* Local APIC in xAPIC (MMIO) mode [SDM 3A 11.4, 11.5.4]. */
#include "arch/x86/cpu.h"
#include "arch/x86/msr.h"
#include "drivers/lapic.h"
#include "drivers/pit.h"
#include "lib/console.h"

#define APIC_BASE_ADDR_MASK 0xffffff000ull
#define APIC_BASE_ENABLE    (1ull << 11)

#define LAPIC_TPR           0x080
#define LAPIC_EOI           0x0b0
#define LAPIC_SVR           0x0f0
#define   SVR_ENABLE        (1u << 8)
#define LAPIC_LVT_TIMER     0x320
#define   LVT_MASKED        (1u << 16)
#define LAPIC_TIMER_INIT    0x380
#define LAPIC_TIMER_CUR     0x390
#define LAPIC_TIMER_DIV     0x3e0
#define   DIV_BY_16         0x3

#define CALIBRATE_MS        10

static volatile uint32_t *lapic;
static uint64_t lapic_per_ms, tsc_ms;

static uint32_t lapic_read(uint32_t reg)
{
	return lapic[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

void lapic_init(uint64_t tsc_per_ms)
{
	uint64_t base = rdmsr(MSR_IA32_APIC_BASE);
	uint32_t left;

	wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	lapic = (volatile uint32_t *)(uintptr_t)(base & APIC_BASE_ADDR_MASK);
	lapic_write(LAPIC_SVR, SVR_ENABLE | LAPIC_VEC_SPURIOUS);
	lapic_write(LAPIC_TPR, 0);

	/* Count the timer down over a PIT-timed interval to learn its rate. */
	lapic_write(LAPIC_TIMER_DIV, DIV_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | LAPIC_VEC_TIMER);
	lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
	pit_measure_tsc(CALIBRATE_MS);
	left = lapic_read(LAPIC_TIMER_CUR);
	lapic_write(LAPIC_TIMER_INIT, 0);
	lapic_per_ms = (0xffffffffull - left) / CALIBRATE_MS;
	if (!lapic_per_ms)
		lapic_per_ms = 1;
	tsc_ms = tsc_per_ms ? tsc_per_ms : 1;
	/* One-shot mode, unmasked from now on. */
	lapic_write(LAPIC_LVT_TIMER, LAPIC_VEC_TIMER);
	LOG("lapic", "at 0x%lx, timer %lu ticks/ms (divide by 16)",
	    (unsigned long)(base & APIC_BASE_ADDR_MASK),
	    (unsigned long)lapic_per_ms);
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

void lapic_timer_oneshot(uint64_t tsc_ticks)
{
	uint64_t n;

	if (!tsc_ticks) {
		lapic_write(LAPIC_TIMER_INIT, 0);
		return;
	}
	/* ticks * lapic/tsc without overflow for any sane delay */
	n = tsc_ticks / tsc_ms * lapic_per_ms +
	    tsc_ticks % tsc_ms * lapic_per_ms / tsc_ms;
	lapic_write(LAPIC_TIMER_INIT, n < 1 ? 1 : n > 0xffffffffu ?
		    0xffffffffu : (uint32_t)n);
}
