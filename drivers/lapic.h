/* The local APIC: end-of-interrupt and a one-shot timer that wakes the
 * CPU from an idle HLT. */
#ifndef DRIVERS_LAPIC_H
#define DRIVERS_LAPIC_H

#include <stdint.h>

#define LAPIC_VEC_TIMER    0xf0
#define LAPIC_VEC_SPURIOUS 0xff

/* Enable the LAPIC and measure its timer against the TSC. */
void lapic_init(uint64_t tsc_per_ms);
void lapic_eoi(void);
/* Fire LAPIC_VEC_TIMER once, 'tsc_ticks' from now; 0 stops the timer. */
void lapic_timer_oneshot(uint64_t tsc_ticks);

#endif
