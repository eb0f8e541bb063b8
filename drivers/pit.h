/* The 8254 PIT, used once at boot to measure the TSC and LAPIC timer. */
#ifndef DRIVERS_PIT_H
#define DRIVERS_PIT_H

#include <stdint.h>

/* Busy-wait 'ms' milliseconds (1..50) on PIT channel 2; returns the TSC
 * ticks that passed. */
uint64_t pit_measure_tsc(uint32_t ms);

/* One rising edge on ISA IRQ 0, 'ms' milliseconds (1..54) from now. */
void pit_ch0_oneshot(uint32_t ms);

#endif
