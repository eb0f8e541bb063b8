#include <stdint.h>

#include "drivers/acpi.h"
#include "lib/console.h"
#include "lib/string.h"

#define RSDP_SIG      "RSD PTR "
#define RSDP_V1_LEN   20
#define BIOS_AREA     0xe0000u
#define BIOS_AREA_END 0x100000u

struct __attribute__((packed)) rsdp {
	char     signature[8];
	uint8_t  checksum;      /* over the first 20 bytes */
	char     oem_id[6];
	uint8_t  revision;      /* 0: ACPI 1.0; 2: ACPI 2.0 and later */
	uint32_t rsdt;
	uint32_t length;        /* ACPI 2.0+: whole structure */
	uint64_t xsdt;
	uint8_t  ext_checksum;
	uint8_t  reserved[3];
};

static uint8_t sum8(const void *p, uint32_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

int acpi_rsdp_valid(const void *p)
{
	const struct rsdp *r = p;

	if (memcmp(r->signature, RSDP_SIG, 8) || sum8(r, RSDP_V1_LEN))
		return 0;
	if (r->revision < 2)
		return 1;
	return r->length >= sizeof(*r) && r->length <= 4096 &&
	       !sum8(r, r->length);
}

uint64_t acpi_rsdp_scan_bios(void)
{
	for (uintptr_t a = BIOS_AREA; a < BIOS_AREA_END; a += 16)
		if (acpi_rsdp_valid((const void *)a))
			return a;
	return 0;
}

void acpi_report(uint64_t rsdp)
{
	const struct rsdp *r = (const void *)(uintptr_t)rsdp;

	if (!r) {
		/* OVMF under Bochs publishes no tables at all (TESTBED.md):
		 * later issues fall back to the fixed PC layout there. */
		LOG("acpi", "no RSDP: firmware published no ACPI tables; "
		    "assuming PC defaults (I/O APIC 0xfec00000, ISA IRQs "
		    "identity-mapped)");
		return;
	}
	LOG("acpi", "RSDP at %p: ACPI %s, OEM '%c%c%c%c%c%c'", (void *)r,
	    r->revision >= 2 ? "2.0+" : "1.0", r->oem_id[0], r->oem_id[1],
	    r->oem_id[2], r->oem_id[3], r->oem_id[4], r->oem_id[5]);
}
