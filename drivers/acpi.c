#include <stdint.h>

#include "drivers/acpi.h"
#include "lib/console.h"
#include "lib/string.h"

#define RSDP_SIG      "RSD PTR "
#define RSDP_V1_LEN   20
#define BIOS_AREA     0xe0000u
#define BIOS_AREA_END 0x100000u
#define SDT_MAX_LEN   (1u << 20)        /* no sane MADT or RSDT is larger */
#define MAP_LIMIT     (1ull << 32)      /* what paging_init maps for sure */
#define MADT_ENTRIES  44                /* header, LAPIC address, flags */
#define MADT_ISO      2                 /* interrupt source override */

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

/* Every ACPI table but the RSDP starts so [ACPI 6.4 5.2.6]. */
struct __attribute__((packed)) sdt {
	char     signature[4];
	uint32_t length;
	uint8_t  revision;
	uint8_t  checksum;
	char     oem_id[6];
	char     oem_table_id[8];
	uint32_t oem_revision;
	uint32_t creator_id;
	uint32_t creator_revision;
};

static const struct rsdp *root;

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

	root = r;
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

/* The table at 'pa' if it lies in mapped memory, has a sane length and
 * a zero checksum; the firmware's tables are read, never trusted. */
static const struct sdt *table_at(uint64_t pa)
{
	const struct sdt *t = (const void *)(uintptr_t)pa;

	if (!pa || pa >= MAP_LIMIT - sizeof(*t))
		return NULL;
	if (t->length < sizeof(*t) || t->length > SDT_MAX_LEN ||
	    pa + t->length > MAP_LIMIT || sum8(t, t->length))
		return NULL;
	return t;
}

/* The first valid table with signature 'sig' in the XSDT (ACPI 2.0+) or
 * the RSDT. */
static const struct sdt *find_table(const char *sig)
{
	bool x = root->revision >= 2 && root->xsdt;
	const struct sdt *rt = table_at(x ? root->xsdt : root->rsdt);
	uint32_t size = x ? 8 : 4, n;
	const uint8_t *e;

	if (!rt)
		return NULL;
	n = (rt->length - sizeof(*rt)) / size;
	e = (const uint8_t *)(rt + 1);
	for (uint32_t i = 0; i < n; i++, e += size) {
		uint64_t pa = 0;
		const struct sdt *t;

		memcpy(&pa, e, size);
		t = table_at(pa);
		if (t && !memcmp(t->signature, sig, 4))
			return t;
	}
	return NULL;
}

bool acpi_irq_override(uint8_t irq, uint32_t *gsi, uint16_t *flags)
{
	const struct sdt *madt = root ? find_table("APIC") : NULL;
	const uint8_t *p, *end;

	if (!madt || madt->length < MADT_ENTRIES)
		return false;
	p = (const uint8_t *)madt + MADT_ENTRIES;
	end = (const uint8_t *)madt + madt->length;
	/* Type, length, then the body [ACPI 6.4 5.2.12]; an override is
	 * bus 0 (ISA), source IRQ, GSI (4 bytes), flags (2 bytes). */
	while (end - p >= 2 && p[1] >= 2 && p[1] <= end - p) {
		if (p[0] == MADT_ISO && p[1] >= 10 && p[2] == 0 && p[3] == irq) {
			memcpy(gsi, p + 4, 4);
			memcpy(flags, p + 8, 2);
			return true;
		}
		p += p[1];
	}
	return false;
}
