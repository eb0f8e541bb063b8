/* Host tests for vmm/linux_acpi.c, read as an OS reads them: from the
 * RSDP through the XSDT to the MADT and the FADT, and from the FADT to
 * the FACS and the DSDT. Every checksum holds; every table lies in the
 * reserved range; the FADT is a full (not hardware-reduced) one whose
 * PM1a blocks are vmm/dev/vpm.h's; and the DSDT's \_S5, decoded from its
 * AML, gives the SLP_TYP that the hypervisor takes as power-off. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/dev/vpm.h"
#include "vmm/linux_acpi.h"

static uint8_t ram[LA_TABLES_END];

static uint64_t rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum(const uint8_t *p, unsigned n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* The table at 'gpa' with signature 'sig': in range, its checksum right
 * (the FACS has none). */
static const uint8_t *table(uint64_t gpa, const char *sig)
{
	const uint8_t *t;
	uint32_t len;

	assert_true(gpa >= LA_RSDP_GPA && gpa + 8 <= LA_TABLES_END);
	t = ram + gpa;
	assert_memory_equal(t, sig, 4);
	len = (uint32_t)rd(t + 4, 4);
	assert_true(gpa + len <= LA_TABLES_END);
	if (strcmp(sig, "FACS"))
		assert_int_equal(sum(t, len), 0);
	return t;
}

static const uint8_t *xsdt_entry(const char *sig)
{
	uint64_t rsdp = linux_acpi_build(ram);
	const uint8_t *r = ram + rsdp, *x;
	uint32_t n;

	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(sum(r, 20), 0);
	assert_int_equal(sum(r, 36), 0);
	x = table(rd(r + 24, 8), "XSDT");
	n = ((uint32_t)rd(x + 4, 4) - 36) / 8;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t a = rd(x + 36 + 8 * i, 8);

		if (!memcmp(ram + a, sig, 4))
			return table(a, sig);
	}
	fail_msg("no %s in the XSDT", sig);
	return NULL;
}

static void test_madt(void **state)
{
	const uint8_t *m = xsdt_entry("APIC");

	(void)state;
	assert_int_equal(rd(m + 40, 4) & 1, 1);         /* PCAT_COMPAT */
	assert_int_equal(m[44], 0);                     /* a local APIC */
	assert_int_equal(m[47], 0);                     /* APIC ID 0 */
}

static void test_fadt(void **state)
{
	const uint8_t *f = xsdt_entry("FACP"), *facs;
	uint64_t facs_gpa;

	(void)state;
	assert_int_equal(rd(f + 4, 4), 276);
	assert_int_equal(f[8], 6);
	assert_int_equal(rd(f + 112, 4) & (1u << 20), 0);       /* not HW-reduced */
	assert_int_equal(rd(f + 48, 4), 0);                     /* no SMI_CMD */
	assert_int_equal(rd(f + 56, 4), VPM_PM1A_EVT_PORT);
	assert_int_equal(rd(f + 64, 4), VPM_PM1A_CNT_PORT);
	assert_int_equal(f[88], VPM_PM1_EVT_LEN);
	assert_int_equal(f[89], VPM_PM1_CNT_LEN);
	assert_int_equal(f[91], 0);                             /* no PM timer */
	assert_int_equal(f[92] + f[93], 0);                     /* no GPEs */
	/* The 64-bit blocks say the same: system I/O, the same ports. */
	assert_int_equal(f[148], 1);
	assert_int_equal(rd(f + 152, 8), VPM_PM1A_EVT_PORT);
	assert_int_equal(f[149], 8 * VPM_PM1_EVT_LEN);
	assert_int_equal(f[172], 1);
	assert_int_equal(rd(f + 176, 8), VPM_PM1A_CNT_PORT);
	assert_int_equal(f[173], 8 * VPM_PM1_CNT_LEN);
	assert_int_equal(rd(f + 40, 4), rd(f + 140, 8));        /* DSDT = X_DSDT */
	/* The FACS once, in X_FIRMWARE_CTRL, 64-byte aligned. */
	assert_int_equal(rd(f + 36, 4), 0);
	facs_gpa = rd(f + 132, 8);
	assert_int_equal(facs_gpa % 64, 0);
	facs = table(facs_gpa, "FACS");
	assert_int_equal(rd(facs + 4, 4), 64);
	assert_int_equal(rd(facs + 16, 4), 0);                  /* lock free */
}

/* Decode `Name (_S5, Package () {a, b, ...})` from the DSDT's AML and
 * return its first element, SLP_TYPa: the only AML this DSDT may hold. */
static void test_dsdt_s5_is_the_power_off(void **state)
{
	const uint8_t *f = xsdt_entry("FACP");
	const uint8_t *d = table(rd(f + 140, 8), "DSDT"), *a = d + 36;
	uint32_t len = (uint32_t)rd(d + 4, 4);
	unsigned typ;

	(void)state;
	assert_int_equal(d[8], 2);
	assert_int_equal(a[0], 0x08);                   /* NameOp */
	assert_memory_equal(a + 1, "_S5_", 4);
	assert_int_equal(a[5], 0x12);                   /* PackageOp */
	assert_true(a[6] < 0x40);                      /* one-byte PkgLength */
	assert_int_equal(36 + 6 + a[6], len);           /* the package ends it */
	assert_true(a[7] >= 1);
	if (a[8] == 0x0A)                               /* BytePrefix */
		typ = a[9];
	else
		typ = a[8] == 0x01 ? 1 : 0;             /* OneOp, ZeroOp */
	assert_true(vpm_s5_request((uint16_t)rd(f + 64, 4), f[89],
				   typ << 10 | 1u << 13));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_dsdt_s5_is_the_power_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
