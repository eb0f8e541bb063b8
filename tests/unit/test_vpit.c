/* Host tests for vmm/dev/vpit.c: channel 2 counts down at 1.193182 MHz
 * of the TSC while port 0x61's gate is high; LSB/MSB order, the counter
 * latch, modes 0 and 2, OUT2 in port 0x61; and what quick_pit_calibrate
 * does (arch/x86/kernel/tsc.c) sees the MSB step down, so that it ends;
 * channels 0 and 1, read-back, BCD and other modes refused and counted. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/dev/vpit.h"

/* A TSC of exactly 1000 PIT clocks per tick would hide rounding: take
 * the 8254's rate times 1000, so one PIT clock is 1000 TSC ticks. */
#define TSC_HZ  (VPIT_HZ * 1000ull)
#define CLK     1000ull
static struct vpit p;

static int setup(void **state)
{
	(void)state;
	vpit_init(&p, TSC_HZ);
	return 0;
}

static uint8_t in(uint16_t port, uint64_t now)
{
	return vpit_io(&p, port, true, 0, now);
}

static void out(uint16_t port, uint8_t v, uint64_t now)
{
	vpit_io(&p, port, false, v, now);
}

static uint16_t read16(uint64_t now)
{
	uint16_t lo = in(0x42, now);

	return (uint16_t)(lo | in(0x42, now) << 8);
}

/* quick_pit_calibrate's set-up: gate high, speaker off, channel 2 mode 0
 * LSB then MSB, count 0xFFFF. */
static void calib_setup(uint64_t now)
{
	out(0x61, (uint8_t)((in(0x61, now) & ~0x02) | 0x01), now);
	out(0x43, 0xB0, now);
	out(0x42, 0xFF, now);
	out(0x42, 0xFF, now);
}

static void test_mode0_counts_with_the_tsc(void **state)
{
	(void)state;
	calib_setup(0);
	assert_int_equal(read16(0), 0xFFFF);
	assert_int_equal(read16(10 * CLK), 0xFFFF - 10);
	assert_int_equal(read16(10 * CLK + 999), 0xFFFF - 10);
	/* OUT2 low until the count reaches 0, then high; it wraps on. */
	assert_int_equal(in(0x61, 100 * CLK) & 0x20, 0);
	assert_int_equal(in(0x61, 0xFFFF * CLK) & 0x20, 0x20);
	assert_int_equal(read16(0x10000 * CLK), 0xFFFF);
	assert_int_equal(p.refused, 0);
}

/* The loop of quick_pit_calibrate: it reads LSB and MSB and waits for
 * the MSB to step down by one every 256 clocks. */
static void test_quick_pit_calibrate_sees_the_msb_move(void **state)
{
	uint64_t t = 0;

	(void)state;
	calib_setup(0);
	for (unsigned i = 0; i < 200; i++) {
		in(0x42, t);
		assert_int_equal(in(0x42, t), 0xFF - i);
		t += 256 * CLK;
	}
}

static void test_gate_stops_counting(void **state)
{
	(void)state;
	calib_setup(0);
	out(0x61, 0x00, 100 * CLK);                     /* gate low */
	assert_int_equal(read16(5000 * CLK), 0xFFFF - 100);
	out(0x61, 0x01, 5000 * CLK);                    /* high again */
	assert_int_equal(read16(5050 * CLK), 0xFFFF - 150);
	assert_int_equal(in(0x61, 5050 * CLK) & 0x0F, 0x01);
}

static void test_latch(void **state)
{
	(void)state;
	calib_setup(0);
	out(0x43, 0x80, 20 * CLK);                      /* latch channel 2 */
	out(0x43, 0x80, 30 * CLK);                      /* ignored: latched */
	assert_int_equal(read16(40 * CLK), 0xFFFF - 20);
	assert_int_equal(read16(40 * CLK), 0xFFFF - 40); /* latch released */
}

static void test_lsb_msb_only_and_mode2(void **state)
{
	(void)state;
	out(0x61, 0x01, 0);
	out(0x43, 0x94, 0);                     /* mode 2, LSB only */
	out(0x42, 100, 0);
	assert_int_equal(in(0x42, 30 * CLK), 70);
	assert_int_equal(in(0x42, 130 * CLK), 70);      /* reloaded at 1 */
	assert_int_equal(in(0x61, 99 * CLK) & 0x20, 0);   /* count 1: OUT low */
	assert_int_equal(in(0x61, 98 * CLK) & 0x20, 0x20);
	out(0x43, 0xA0, 0);                     /* mode 0, MSB only */
	out(0x42, 0x02, 0);
	assert_int_equal(in(0x42, 0x100 * CLK), 0x01);
	out(0x43, 0xBC, 0);                     /* mode 6 = mode 2 */
	assert_int_equal(p.mode, 2);
	assert_int_equal(p.refused, 0);
}

static void test_refused(void **state)
{
	(void)state;
	calib_setup(0);
	out(0x43, 0x30, 0);                     /* channel 0 */
	out(0x43, 0x70, 0);                     /* channel 1 */
	out(0x43, 0xE8, 0);                     /* read-back */
	out(0x43, 0xB1, 0);                     /* BCD */
	out(0x43, 0xB2, 0);                     /* mode 1 */
	out(0x43, 0xB6, 0);                     /* mode 3 */
	out(0x40, 0, 0);
	assert_int_equal(in(0x41, 0), 0xFF);
	assert_int_equal(in(0x43, 0), 0xFF);
	assert_int_equal(p.refused, 9);
	/* None of it touched channel 2. */
	assert_int_equal(p.mode, 0);
	assert_int_equal(read16(3 * CLK), 0xFFFF - 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mode0_counts_with_the_tsc, setup),
		cmocka_unit_test_setup(test_quick_pit_calibrate_sees_the_msb_move, setup),
		cmocka_unit_test_setup(test_gate_stops_counting, setup),
		cmocka_unit_test_setup(test_latch, setup),
		cmocka_unit_test_setup(test_lsb_msb_only_and_mode2, setup),
		cmocka_unit_test_setup(test_refused, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
