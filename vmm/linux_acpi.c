/* A Linux VM's ACPI tables (vmm/linux_acpi.h), laid out by the ACPI
 * specification 6.4, chapter 5.2: RSDP -> XSDT -> MADT. Every table
 * sums to 0 over its length. */
#include "lib/string.h"
#include "vmm/linux_acpi.h"

#define XSDT_GPA        (LA_RSDP_GPA + 0x40)
#define MADT_GPA        (LA_RSDP_GPA + 0x100)

#define RSDP_LEN        36      /* revision 2 [ACPI 5.2.5.3] */
#define RSDP_V1_LEN     20      /* what the first checksum covers */
#define HDR_LEN         36      /* the System Description Table Header [5.2.6] */
#define XSDT_LEN        (HDR_LEN + 8)
#define MADT_LEN        (HDR_LEN + 8 + LAPIC_LEN)
#define LAPIC_LEN       8       /* Processor Local APIC structure [5.2.12.2] */

#define MADT_PCAT_COMPAT 1u     /* an 8259 pair is there too [Table 5.44] */
#define MADT_TYPE_LAPIC  0
#define LAPIC_ENABLED    1u
#define XAPIC_BASE       0xFEE00000u

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)v);
	wr16(p + 2, (uint16_t)(v >> 16));
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t checksum(const uint8_t *p, unsigned n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return (uint8_t)-s;
}

/* The common header; the checksum is set once the body is written. */
static void header(uint8_t *t, const char sig[4], uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	wr32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "FLIPVS", 6);            /* OEM ID */
	memcpy(t + 16, "FLIPVISR", 8);          /* OEM table ID */
	wr32(t + 24, 1);                        /* OEM revision */
	memcpy(t + 28, "FLPV", 4);              /* creator ID */
	wr32(t + 32, 1);                        /* creator revision */
}

uint64_t linux_acpi_build(uint8_t *ram)
{
	uint8_t *rsdp = ram + LA_RSDP_GPA, *xsdt = ram + XSDT_GPA;
	uint8_t *madt = ram + MADT_GPA, *lapic = madt + HDR_LEN + 8;

	memset(rsdp, 0, LA_TABLES_END - LA_RSDP_GPA);

	header(madt, "APIC", MADT_LEN, 5);
	wr32(madt + HDR_LEN, XAPIC_BASE);       /* unused in x2APIC mode */
	wr32(madt + HDR_LEN + 4, MADT_PCAT_COMPAT);
	lapic[0] = MADT_TYPE_LAPIC;
	lapic[1] = LAPIC_LEN;
	lapic[2] = 0;                           /* ACPI processor UID */
	lapic[3] = 0;                           /* APIC ID: the one vCPU's */
	wr32(lapic + 4, LAPIC_ENABLED);
	madt[9] = checksum(madt, MADT_LEN);

	header(xsdt, "XSDT", XSDT_LEN, 1);
	wr64(xsdt + HDR_LEN, MADT_GPA);
	xsdt[9] = checksum(xsdt, XSDT_LEN);

	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "FLIPVS", 6);
	rsdp[15] = 2;                           /* revision: XSDT follows */
	wr32(rsdp + 20, RSDP_LEN);
	wr64(rsdp + 24, XSDT_GPA);
	rsdp[8] = checksum(rsdp, RSDP_V1_LEN);
	rsdp[32] = checksum(rsdp, RSDP_LEN);
	return LA_RSDP_GPA;
}
