/* Host tests for lib/copy.c: the choice from CPUID's bits, and the copy
 * itself, both kinds, at every length from 0 to past a jumbo frame's
 * worth of pages and at every alignment of either end: exactly the n
 * bytes change, the bytes around them do not. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "lib/copy.h"

#define GUARD   64
#define LEN_MAX 9100

static uint8_t src[LEN_MAX + 2 * GUARD], dst[LEN_MAX + 2 * GUARD];

static void test_pick(void **state)
{
	(void)state;
	assert_int_equal(copy_pick(0, 0), COPY_LOOP8);
	assert_int_equal(copy_pick(~CPUID_7_EBX_ERMS, ~CPUID_7_EDX_FSRM),
			 COPY_LOOP8);
	assert_int_equal(copy_pick(CPUID_7_EBX_ERMS, 0), COPY_REP_MOVSB);
	assert_int_equal(copy_pick(0, CPUID_7_EDX_FSRM), COPY_REP_MOVSB);
	assert_int_equal(copy_pick(CPUID_7_EBX_ERMS, CPUID_7_EDX_FSRM),
			 COPY_REP_MOVSB);
	/* The SDM's and APM's bits: EBX[9], EDX[4]. */
	assert_int_equal(CPUID_7_EBX_ERMS, 1u << 9);
	assert_int_equal(CPUID_7_EDX_FSRM, 1u << 4);
	/* An unknown kind falls back to the loop. */
	copy_use(COPY_NR);
	assert_int_equal(copy_current(), COPY_LOOP8);
	assert_string_equal(copy_name(COPY_NR), "?");
}

static void check_copy(size_t n, size_t so, size_t doff)
{
	for (size_t i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 7 + n + 1);
	memset(dst, 0xa5, sizeof(dst));
	copy_fast(dst + GUARD + doff, src + GUARD + so, n);
	for (size_t i = 0; i < sizeof(dst); i++) {
		size_t at = GUARD + doff;
		uint8_t want = i >= at && i < at + n ?
			       src[GUARD + so + (i - at)] : 0xa5;

		if (dst[i] != want)
			fail_msg("n %zu src+%zu dst+%zu: byte %zu is %#x, not %#x",
				 n, so, doff, i, dst[i], want);
	}
}

static void copies(enum copy_kind k)
{
	copy_use(k);
	assert_int_equal(copy_current(), k);
	for (size_t n = 0; n <= 2 * COPY_REP_MIN; n++)
		for (size_t a = 0; a < 8; a++)
			check_copy(n, a, (a * 3) % 8);
	for (size_t n = 2 * COPY_REP_MIN; n <= LEN_MAX - GUARD; n += 509)
		for (size_t a = 0; a < 8; a++)
			check_copy(n, a, 7 - a);
	check_copy(9000, 0, 0);
	check_copy(LEN_MAX - GUARD, 6, 1);
}

static void test_loop8(void **state)
{
	(void)state;
	copies(COPY_LOOP8);
}

/* rep movsb from COPY_REP_MIN, the loop below it: both sides of the
 * line. Every x86-64 CPU runs rep movsb; the flags only say it is fast. */
static void test_rep_movsb(void **state)
{
	(void)state;
	copies(COPY_REP_MOVSB);
	copy_use(COPY_LOOP8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pick),
		cmocka_unit_test(test_loop8),
		cmocka_unit_test(test_rep_movsb),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
