/* Host tests for vmm/dev/vpm.c: the ACPI PM1a registers a Linux VM
 * powers off through. The S5 request is recognised exactly (port, width,
 * SLP_EN, SLP_TYP); the enable bits stick as ACPICA checks; the status
 * register has nothing to report; a wrong width or a sleep state the VM
 * lacks is refused, counted, and changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/dev/vpm.h"

#define STS   VPM_PM1A_EVT_PORT
#define EN    (VPM_PM1A_EVT_PORT + 2)
#define CNT   VPM_PM1A_CNT_PORT
#define SLP_EN      (1u << 13)
#define SLP_TYP(t)  ((uint32_t)(t) << 10)
#define SCI_EN      1u
#define GBL_EN      (1u << 5)

static struct vpm pm;

static int setup(void **state)
{
	(void)state;
	vpm_init(&pm);
	return 0;
}

static void test_claims(void **state)
{
	(void)state;
	assert_false(vpm_claims(VPM_PM1A_EVT_PORT - 1));
	for (uint16_t p = VPM_PM1A_EVT_PORT; p < VPM_PM1A_CNT_PORT + 2; p++)
		assert_true(vpm_claims(p));
	assert_false(vpm_claims(VPM_PM1A_CNT_PORT + 2));
}

/* What Linux writes to power off (acpi_hw_legacy_sleep): SLP_TYP alone,
 * then SLP_TYP | SLP_EN, both keeping what it read (SCI_EN). */
static void test_s5_request(void **state)
{
	uint32_t v = SLP_TYP(VPM_SLP_TYP_S5) | SLP_EN;

	(void)state;
	assert_true(vpm_s5_request(CNT, 2, v));
	assert_true(vpm_s5_request(CNT, 2, v | SCI_EN));
	assert_false(vpm_s5_request(CNT, 2, SLP_TYP(VPM_SLP_TYP_S5)));
	for (unsigned t = 0; t < 8; t++)
		if (t != VPM_SLP_TYP_S5)
			assert_false(vpm_s5_request(CNT, 2, SLP_TYP(t) | SLP_EN));
	assert_false(vpm_s5_request(CNT, 1, v));
	assert_false(vpm_s5_request(CNT, 4, v));
	assert_false(vpm_s5_request(CNT + 1, 2, v));
	assert_false(vpm_s5_request(STS, 2, v));
	assert_false(vpm_s5_request(EN, 2, v));
}

static void test_control(void **state)
{
	(void)state;
	/* ACPI mode for good: SCI_EN reads 1 before any write. */
	assert_int_equal(vpm_io(&pm, CNT, 2, true, 0), SCI_EN);
	vpm_io(&pm, CNT, 2, false, SLP_TYP(VPM_SLP_TYP_S5));
	assert_int_equal(vpm_io(&pm, CNT, 2, true, 0),
			 SLP_TYP(VPM_SLP_TYP_S5) | SCI_EN);
	/* Write-only and ignored bits read 0; SCI_EN cannot be cleared. */
	vpm_io(&pm, CNT, 2, false, 0xC3FC & ~SLP_EN);
	assert_int_equal(vpm_io(&pm, CNT, 2, true, 0) & ~(SLP_TYP(7) | 2u),
			 SCI_EN);
	assert_int_equal(pm.refused, 0);
}

static void test_other_sleep_state_refused(void **state)
{
	(void)state;
	vpm_io(&pm, CNT, 2, false, SLP_TYP(2));
	vpm_io(&pm, CNT, 2, false, SLP_TYP(3) | SLP_EN);
	assert_int_equal(pm.refused, 1);
	assert_int_equal(vpm_io(&pm, CNT, 2, true, 0), SLP_TYP(2) | SCI_EN);
}

static void test_enable_sticks_status_empty(void **state)
{
	(void)state;
	vpm_io(&pm, EN, 2, false, 0xFFFF);
	/* TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN, PCIEXP_WAKE_DIS */
	assert_int_equal(vpm_io(&pm, EN, 2, true, 0), 0x4721);
	vpm_io(&pm, EN, 2, false, GBL_EN);
	assert_int_equal(vpm_io(&pm, EN, 2, true, 0), GBL_EN);
	vpm_io(&pm, STS, 2, false, 0xFFFF);
	assert_int_equal(vpm_io(&pm, STS, 2, true, 0), 0);
	assert_int_equal(pm.refused, 0);
}

static void test_width_refused(void **state)
{
	(void)state;
	vpm_io(&pm, EN, 2, false, GBL_EN);
	assert_int_equal(vpm_io(&pm, EN, 1, true, 0), 0xffffffffu);
	assert_int_equal(vpm_io(&pm, STS, 4, true, 0), 0xffffffffu);
	vpm_io(&pm, EN, 1, false, 0);
	vpm_io(&pm, EN + 1, 2, false, 0);
	vpm_io(&pm, CNT + 1, 1, false, 0xFF);
	assert_int_equal(pm.refused, 5);
	assert_int_equal(vpm_io(&pm, EN, 2, true, 0), GBL_EN);
	assert_int_equal(vpm_io(&pm, CNT, 2, true, 0), SCI_EN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_claims, setup),
		cmocka_unit_test_setup(test_s5_request, setup),
		cmocka_unit_test_setup(test_control, setup),
		cmocka_unit_test_setup(test_other_sleep_state_refused, setup),
		cmocka_unit_test_setup(test_enable_sticks_status_empty, setup),
		cmocka_unit_test_setup(test_width_refused, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
