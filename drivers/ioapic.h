/* The I/O APIC: routes a device's interrupt pin to a vector on a local
 * APIC [82093AA 3.2.4]. Without ACPI tables (Bochs + OVMF publish none)
 * it sits at the PC default address, with ISA IRQ n on pin n. */
#ifndef DRIVERS_IOAPIC_H
#define DRIVERS_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_DEFAULT_BASE 0xfec00000ull

/* Redirection entry flags [82093AA 3.2.4] */
#define IOAPIC_ACTIVE_LOW   (1u << 13)  /* polarity: 1 = low active */
#define IOAPIC_LEVEL        (1u << 15)  /* trigger mode: 1 = level */
#define IOAPIC_NMI          (4u << 8)   /* delivery mode NMI: the vector is ignored */

/* Use the I/O APIC at 'base' and mask all its pins. -1 when nothing
 * answers there. */
int ioapic_init(uint64_t base);

/* Deliver 'pin' as 'vector' (fixed delivery, or NMI with IOAPIC_NMI;
 * physical destination) to the local APIC 'apic_id', with IOAPIC_*
 * 'flags', unmasked. -1 before
 * ioapic_init() or for a pin the I/O APIC does not have. */
int ioapic_route(uint8_t pin, uint8_t vector, uint32_t flags,
		 uint8_t apic_id);

void ioapic_mask(uint8_t pin);

/* Whether ioapic_init() found one. */
bool ioapic_present(void);

/* IOAPIC_LEVEL/IOAPIC_ACTIVE_LOW for the MPS INTI flags of an ACPI
 * interrupt source override; a field that "conforms to the bus" keeps
 * its value in 'dflt' [ACPI 6.4 Table 5.26]. */
uint32_t ioapic_flags_from_inti(uint16_t inti, uint32_t dflt);

#endif
