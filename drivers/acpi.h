/* Finding the ACPI root (RSDP) [ACPI 6.4 5.2.5]. */
#ifndef DRIVERS_ACPI_H
#define DRIVERS_ACPI_H

#include <stdint.h>

/* Whether 'p' points at a well-formed RSDP (signature and checksums). */
int acpi_rsdp_valid(const void *p);

/* Search the BIOS area 0xE0000-0xFFFFF on 16-byte boundaries, as legacy
 * firmware publishes it [ACPI 6.4 5.2.5.1]. Returns 0 when absent. */
uint64_t acpi_rsdp_scan_bios(void);

/* One line about the RSDP at 'rsdp', or about its absence. */
void acpi_report(uint64_t rsdp);

#endif
