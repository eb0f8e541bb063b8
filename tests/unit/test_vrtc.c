/* Host tests for vmm/dev/vrtc.c: the date in BCD and binary, 24- and
 * 12-hour, the seconds following the TSC, registers A-D, NMI bit
 * ignored, and the guest unable to set the host's time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/dev/vrtc.h"

#define HZ 1000ull
static struct vrtc r;

static uint8_t rd(uint8_t reg, uint64_t now)
{
	vrtc_io(&r, 0x70, false, reg, now);
	return vrtc_io(&r, 0x71, true, 0, now);
}

static void wr(uint8_t reg, uint8_t v)
{
	vrtc_io(&r, 0x70, false, reg, 0);
	vrtc_io(&r, 0x71, false, v, 0);
}

static int setup(void **state)
{
	/* 2024-02-29 23:59:58 UTC, a Thursday, at TSC 5000. */
	vrtc_init(&r, vrtc_unix_time(2024, 2, 29, 23, 59, 58), 5000, HZ);
	return 0;
}

static void test_unix_time(void **state)
{
	assert_int_equal(vrtc_unix_time(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(vrtc_unix_time(2000, 3, 1, 0, 0, 0), 951868800);
	assert_int_equal(vrtc_unix_time(2024, 2, 29, 23, 59, 58), 1709251198);
}

static void test_bcd_date(void **state)
{
	assert_int_equal(rd(0x00, 5000), 0x58);
	assert_int_equal(rd(0x02, 5000), 0x59);
	assert_int_equal(rd(0x04, 5000), 0x23);
	assert_int_equal(rd(0x06, 5000), 5);    /* Thursday; Sunday = 1 */
	assert_int_equal(rd(0x07, 5000), 0x29);
	assert_int_equal(rd(0x08, 5000), 0x02);
	assert_int_equal(rd(0x09, 5000), 0x24);
	assert_int_equal(rd(0x32, 5000), 0x20);
	/* Two seconds on: the first of March. */
	assert_int_equal(rd(0x07, 5000 + 2 * HZ), 0x01);
	assert_int_equal(rd(0x08, 5000 + 2 * HZ), 0x03);
	assert_int_equal(rd(0x00 | 0x80, 5000 + 2 * HZ), 0x00); /* NMI bit ignored */
}

static void test_binary_12h(void **state)
{
	wr(0x0b, 0x04);                 /* binary, 12-hour */
	assert_int_equal(rd(0x04, 5000), 11 | 0x80);    /* 11 PM */
	assert_int_equal(rd(0x09, 5000), 24);
	assert_int_equal(rd(0x04, 5000 + 2 * HZ), 12);  /* 12 AM */
}

static void test_status_registers(void **state)
{
	assert_int_equal(rd(0x0a, 0) & 0x80, 0);        /* never UIP */
	assert_int_equal(rd(0x0a, 0) & 0x70, 0x20);
	assert_int_equal(rd(0x0d, 0), 0x80);            /* valid RAM and time */
	assert_int_equal(rd(0x0c, 5000), 0x10);         /* an update happened */
	assert_int_equal(rd(0x0c, 5000), 0);            /* read clears it */
	assert_int_equal(rd(0x0c, 5000 + HZ), 0x10);
}

static void test_time_not_settable(void **state)
{
	wr(0x00, 0x11);
	wr(0x09, 0x99);
	wr(0x0d, 0x00);
	assert_int_equal(r.refused, 3);
	assert_int_equal(rd(0x00, 5000), 0x58);
	assert_int_equal(rd(0x0d, 5000), 0x80);
	wr(0x40, 0x77);                 /* plain CMOS RAM keeps a byte */
	assert_int_equal(rd(0x40, 0), 0x77);
	assert_int_equal(vrtc_io(&r, 0x70, true, 0, 0), 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unix_time),
		cmocka_unit_test_setup(test_bcd_date, setup),
		cmocka_unit_test_setup(test_binary_12h, setup),
		cmocka_unit_test_setup(test_status_registers, setup),
		cmocka_unit_test_setup(test_time_not_settable, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
