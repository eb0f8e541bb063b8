/* Finding the ACPI root (RSDP) [ACPI 6.4 5.2.5], and the one thing
 * flipvisor reads from the tables: the MADT's interrupt source overrides
 * [ACPI 6.4 5.2.12.5]. */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdbool.h>
#include <stdint.h>

/* MPS INTI flags of an interrupt source override [ACPI 6.4 Table 5.26]. */
#define ACPI_INTI_POLARITY_MASK  0x3u
#define   ACPI_INTI_ACTIVE_HIGH  0x1u
#define   ACPI_INTI_ACTIVE_LOW   0x3u
#define ACPI_INTI_TRIGGER_MASK   0xcu
#define   ACPI_INTI_EDGE         0x4u
#define   ACPI_INTI_LEVEL        0xcu

/* Whether 'p' points at a well-formed RSDP (signature and checksums). */
int acpi_rsdp_valid(const void *p);

/* Search the BIOS area 0xE0000-0xFFFFF on 16-byte boundaries, as legacy
 * firmware publishes it [ACPI 6.4 5.2.5.1]. Returns 0 when absent. */
uint64_t acpi_rsdp_scan_bios(void);

/* One line about the RSDP at 'rsdp', or about its absence; the tables
 * under it are the ones acpi_irq_override() reads from then on. */
void acpi_report(uint64_t rsdp);

/* The MADT's override for ISA IRQ 'irq': true with the GSI it is wired to
 * and its MPS INTI flags; false without ACPI, without a MADT (or one that
 * fails its checksum) or without an override for 'irq'. */
bool acpi_irq_override(uint8_t irq, uint32_t *gsi, uint16_t *flags);

#endif
