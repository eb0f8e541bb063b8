#ifndef VMM_CPUID_H
#define VMM_CPUID_H

#include <stdint.h>

/* The guest's view of CPUID leaf/subleaf, written to eax..edx. */
void cpuid_guest(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* What a Linux VM sees on top of that: its local APIC (vmm/dev/), in
 * x2APIC mode, with the TSC-deadline timer. */
void cpuid_linux(uint32_t leaf, uint32_t out[4]);

#endif
