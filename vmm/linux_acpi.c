/* A Linux VM's ACPI tables (vmm/linux_acpi.h), laid out by the ACPI
 * specification 6.4, chapter 5.2: RSDP -> XSDT -> MADT and FADT; the
 * FADT -> FACS and DSDT. Every table but the FACS sums to 0 over its
 * length. */
#include "lib/string.h"
#include "vmm/dev/vpm.h"
#include "vmm/linux_acpi.h"

#define XSDT_GPA        (LA_RSDP_GPA + 0x40)
#define MADT_GPA        (LA_RSDP_GPA + 0x100)
#define FADT_GPA        (LA_RSDP_GPA + 0x200)
#define FACS_GPA        (LA_RSDP_GPA + 0x340)   /* 64-byte aligned [5.2.10] */
#define DSDT_GPA        (LA_RSDP_GPA + 0x400)

#define RSDP_LEN        36      /* revision 2 [ACPI 5.2.5.3] */
#define RSDP_V1_LEN     20      /* what the first checksum covers */
#define HDR_LEN         36      /* the System Description Table Header [5.2.6] */
#define XSDT_ENTRIES    2       /* MADT, FADT */
#define XSDT_LEN        (HDR_LEN + 8 * XSDT_ENTRIES)
#define MADT_LEN        (HDR_LEN + 8 + LAPIC_LEN)
#define LAPIC_LEN       8       /* Processor Local APIC structure [5.2.12.2] */

#define MADT_PCAT_COMPAT 1u     /* an 8259 pair is there too [Table 5.44] */
#define MADT_TYPE_LAPIC  0
#define LAPIC_ENABLED    1u
#define XAPIC_BASE       0xFEE00000u

/* --- FADT [ACPI 6.4 5.2.9, Table 5.9]: offsets of the fields set ------ */
#define FADT_LEN        276     /* revision 6: up to Hypervisor Vendor Identity */
#define FADT_REVISION   6
#define FADT_MINOR      4       /* ACPI 6.4 */
#define F_DSDT          40
#define F_SCI_INT       46
#define F_PM1A_EVT_BLK  56
#define F_PM1A_CNT_BLK  64
#define F_PM1_EVT_LEN   88
#define F_PM1_CNT_LEN   89
#define F_P_LVL2_LAT    96
#define F_P_LVL3_LAT    98
#define F_CENTURY       108
#define F_IAPC_BOOT_ARCH 109
#define F_FLAGS         112
#define F_MINOR_VERSION 131
#define F_X_FIRMWARE_CTRL 132
#define F_X_DSDT        140
#define F_X_PM1A_EVT_BLK 148
#define F_X_PM1A_CNT_BLK 172

/* The SCI: IRQ 9 on the 8259 pair, as on a PC. Nothing raises it (vpm.h:
 * no event source); Linux installs its handler there and it stays quiet. */
#define SCI_IRQ         9
/* C2 and C3 latencies above 100 and 1000 us: neither state exists
 * [Table 5.9]; the VM idles with HLT (C1). */
#define NO_C2_LAT       101
#define NO_C3_LAT       1001
#define CMOS_CENTURY    0x32    /* vmm/dev/vrtc.c keeps the century there */

/* IA-PC boot architecture flags [Table 5.10]: ISA devices (the UART, the
 * 8259s, the CMOS clock) exist; no 8042 (only its reset line, for
 * reboot=k), no VGA, no MSI (no PCI at all). */
#define BOOT_LEGACY_DEVICES 1u
#define BOOT_VGA_NOT_PRESENT (1u << 2)
#define BOOT_MSI_NOT_SUPPORTED (1u << 3)
#define BOOT_ARCH (BOOT_LEGACY_DEVICES | BOOT_VGA_NOT_PRESENT | \
		   BOOT_MSI_NOT_SUPPORTED)

/* Fixed feature flags [Table 5.11]: WBINVD works; C1 is HLT; no fixed
 * power or sleep button; the RTC cannot wake the VM. HW_REDUCED_ACPI
 * (bit 20) is clear on purpose: Linux on x86 then drops the 8259 pair
 * (vpm.h). */
#define FF_WBINVD       (1u << 0)
#define FF_PROC_C1      (1u << 2)
#define FF_PWR_BUTTON   (1u << 4)
#define FF_SLP_BUTTON   (1u << 5)
#define FF_FIX_RTC      (1u << 6)
#define FADT_FLAGS      (FF_WBINVD | FF_PROC_C1 | FF_PWR_BUTTON | \
			 FF_SLP_BUTTON | FF_FIX_RTC)

/* Generic Address Structure [5.2.3.2] */
#define GAS_SYSTEM_IO   1
#define GAS_ACCESS_WORD 2

/* --- FACS [ACPI 6.4 5.2.10, Table 5.14] -------------------------------- */
#define FACS_LEN        64
#define FACS_VERSION    2
#define FACS_O_LENGTH   4
#define FACS_O_VERSION  32

/* --- DSDT [ACPI 6.4 5.2.11.1]: revision 2, integers are 64 bits -------- */
#define DSDT_REVISION   2

/* The DSDT's whole AML body, `Name (_S5, Package () { S5, 0 })` [ACPI 6.4
 * 7.4.2: \_S5's package gives SLP_TYPa, then SLP_TYPb], by the grammar
 * of ACPI 6.4 chapter 20:
 *   08            NameOp                                     [20.2.5.1]
 *   5F 53 35 5F   NameSeg "_S5_" (trailing '_' pads to four) [20.2.2]
 *   12            PackageOp                                  [20.2.5.4]
 *   05            PkgLength, one byte: itself and the 4 below [20.2.4]
 *   02            NumElements
 *   0A 05         BytePrefix, 5: SLP_TYPa = VPM_SLP_TYP_S5   [20.2.3]
 *   00            ZeroOp: SLP_TYPb, unused (no PM1b block)  [20.2.3]
 */
static const uint8_t dsdt_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0A, VPM_SLP_TYP_S5, 0x00,
};
#define DSDT_LEN        (HDR_LEN + sizeof(dsdt_aml))

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

static void gas_io(uint8_t *g, uint8_t len, uint16_t port)
{
	g[0] = GAS_SYSTEM_IO;
	g[1] = (uint8_t)(len * 8);              /* register bit width */
	g[2] = 0;                               /* bit offset */
	g[3] = GAS_ACCESS_WORD;                 /* every register is 16 bits */
	wr64(g + 4, port);
}

/* The FADT: the PM1a blocks of vmm/dev/vpm.h and the DSDT, both as the
 * 32-bit fields and as the 64-bit X_ ones (ACPICA warns when they
 * differ). The FACS only in X_FIRMWARE_CTRL, FIRMWARE_CTRL 0 as the
 * specification asks: ACPICA installs each of the two it finds, and
 * Linux would list the FACS twice. No SMI_CMD:
 * the VM is in ACPI mode from the start. No PM timer (optional since
 * ACPI 5.0A; Linux keeps the TSC), no GPE blocks, no PM1b, no reset
 * register (Linux is told reboot=k). */
static void build_fadt(uint8_t *f)
{
	header(f, "FACP", FADT_LEN, FADT_REVISION);
	wr32(f + F_DSDT, DSDT_GPA);
	wr16(f + F_SCI_INT, SCI_IRQ);
	wr32(f + F_PM1A_EVT_BLK, VPM_PM1A_EVT_PORT);
	wr32(f + F_PM1A_CNT_BLK, VPM_PM1A_CNT_PORT);
	f[F_PM1_EVT_LEN] = VPM_PM1_EVT_LEN;
	f[F_PM1_CNT_LEN] = VPM_PM1_CNT_LEN;
	wr16(f + F_P_LVL2_LAT, NO_C2_LAT);
	wr16(f + F_P_LVL3_LAT, NO_C3_LAT);
	f[F_CENTURY] = CMOS_CENTURY;
	wr16(f + F_IAPC_BOOT_ARCH, BOOT_ARCH);
	wr32(f + F_FLAGS, FADT_FLAGS);
	f[F_MINOR_VERSION] = FADT_MINOR;
	wr64(f + F_X_FIRMWARE_CTRL, FACS_GPA);
	wr64(f + F_X_DSDT, DSDT_GPA);
	gas_io(f + F_X_PM1A_EVT_BLK, VPM_PM1_EVT_LEN, VPM_PM1A_EVT_PORT);
	gas_io(f + F_X_PM1A_CNT_BLK, VPM_PM1_CNT_LEN, VPM_PM1A_CNT_PORT);
	f[9] = checksum(f, FADT_LEN);
}

uint64_t linux_acpi_build(uint8_t *ram)
{
	uint8_t *rsdp = ram + LA_RSDP_GPA, *xsdt = ram + XSDT_GPA;
	uint8_t *madt = ram + MADT_GPA, *lapic = madt + HDR_LEN + 8;
	uint8_t *facs = ram + FACS_GPA, *dsdt = ram + DSDT_GPA;

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

	/* The global lock's word stays 0 (free): no firmware shares it. */
	memcpy(facs, "FACS", 4);
	wr32(facs + FACS_O_LENGTH, FACS_LEN);
	facs[FACS_O_VERSION] = FACS_VERSION;

	header(dsdt, "DSDT", DSDT_LEN, DSDT_REVISION);
	memcpy(dsdt + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	dsdt[9] = checksum(dsdt, DSDT_LEN);

	build_fadt(ram + FADT_GPA);

	header(xsdt, "XSDT", XSDT_LEN, 1);
	wr64(xsdt + HDR_LEN, MADT_GPA);
	wr64(xsdt + HDR_LEN + 8, FADT_GPA);
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
