/* PIT channel 2 as a stopwatch: its gate is software controlled through
 * port 0x61 and its output can be read back there, so no interrupt is
 * needed [8254 datasheet; IBM PC/AT port 61h]. Channel 0, whose output
 * is ISA IRQ 0, as a one-shot for the NMI test (vmm/nmi_test.c). */
#include "arch/x86/cpu.h"
#include "drivers/pit.h"

#define PIT_HZ          1193182u
#define PIT_CH0         0x40
#define PIT_CH2         0x42
#define PIT_CMD         0x43
#define   CMD_CH0_MODE0 0x30    /* channel 0, lobyte/hibyte, mode 0 */
#define   CMD_CH2_MODE0 0xb0    /* channel 2, lobyte/hibyte, mode 0 */
#define PORT_B          0x61
#define   B_GATE2       0x01
#define   B_SPEAKER     0x02
#define   B_OUT2        0x20

uint64_t pit_measure_tsc(uint32_t ms)
{
	uint32_t count = PIT_HZ / 1000 * ms;
	uint8_t b = (inb(PORT_B) & ~B_SPEAKER) & ~B_GATE2;
	uint64_t t0;

	outb(PORT_B, b);                        /* gate low: stop */
	outb(PIT_CMD, CMD_CH2_MODE0);
	outb(PIT_CH2, (uint8_t)count);
	outb(PIT_CH2, (uint8_t)(count >> 8));
	outb(PORT_B, b | B_GATE2);              /* gate high: count down */
	t0 = rdtsc();
	/* In mode 0 OUT2 goes high when the count reaches zero. Bound the
	 * wait in case there is no PIT at all. */
	for (uint64_t spins = 0; !(inb(PORT_B) & B_OUT2); spins++)
		if (spins > 100000000ull)
			break;
	return rdtsc() - t0;
}

/* Mode 0: OUT0 goes low when the command is written and rises once when
 * the count reaches zero, then stays high [8254 datasheet, mode 0]. */
void pit_ch0_oneshot(uint32_t ms)
{
	uint32_t count = PIT_HZ / 1000 * ms;

	outb(PIT_CMD, CMD_CH0_MODE0);
	outb(PIT_CH0, (uint8_t)count);
	outb(PIT_CH0, (uint8_t)(count >> 8));
}
