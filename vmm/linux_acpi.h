/* The ACPI tables a Linux VM boots with (docs/linux.md, "Platform
 * tables"): an RSDP, an XSDT, a MADT naming the one local APIC, and a
 * FADT with its FACS and a DSDT that holds only \_S5, read by Linux's
 * full ACPI. Debian's kernel has no MP-table parser, and without a MADT
 * its x2APIC start-up reads the APIC ID through the xAPIC's MMIO page
 * (init_apic_mappings on 6.1): the MADT picks the x2APIC driver first.
 * The FADT and \_S5 give Linux its power-off method: the PM1a control
 * register of vmm/dev/vpm.h. Pure C, unit-tested (test_linux_acpi). */
#ifndef VMM_LINUX_ACPI_H
#define VMM_LINUX_ACPI_H

#include <stdint.h>

/* Below 1 MiB, outside the e820 RAM (vmm/linux_boot.c), in the BIOS
 * area [ACPI 6.4 5.2.5.1] where a kernel may also look for the RSDP. */
#define LA_RSDP_GPA   0xE0000ull
#define LA_TABLES_END 0xE1000ull

/* Write the tables into 'ram' (GPA 0 at ram[0]; at least LA_TABLES_END
 * long) and return the RSDP's GPA. */
uint64_t linux_acpi_build(uint8_t *ram);

#endif
