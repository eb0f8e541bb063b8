/* Host tests for lib/fmt.c: every conversion, flag and length against the
 * host's snprintf where the behaviour is standard, literal strings where
 * it is flipvisor's own (%p, NULL %s, unknown conversions), the
 * truncation rules of fmt_snprintf at every buffer size, and the count
 * fmt_vprint returns against what its sink was given. */
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/fmt.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Room for the widest row below (a 200-character field) and then some. */
#define OUT_MAX 512

/* A sink that keeps everything it is given and counts it. Like fmt_raw
 * below, record_print has no format attribute. */
struct record {
	char   text[OUT_MAX];
	size_t chars;           /* sum of every n passed to the sink */
	size_t calls;
};

static void record_put(void *ctx, const char *s, size_t n)
{
	struct record *r = ctx;

	assert_true(r->chars + n <= sizeof(r->text));
	memcpy(r->text + r->chars, s, n);
	r->chars += n;
	r->calls++;
}

static size_t record_print(struct record *r, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	memset(r, 0, sizeof(*r));
	va_start(ap, fmt);
	n = fmt_vprint(record_put, r, fmt, ap);
	va_end(ap);
	return n;
}

/* fmt_vsnprintf without the format attribute, so formats the compiler
 * rejects on sight ("%q", a lone '%', "%05s") can still be fed in. */
static size_t fmt_raw(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* Format into a buffer of exactly 'size' bytes, pre-filled with 'X' so a
 * stray write shows, and check the result is 'want'. */
#define assert_fmt(want, ...) do {                                        \
	char buf_[OUT_MAX];                                               \
	size_t n_;                                                        \
	memset(buf_, 'X', sizeof(buf_));                                  \
	n_ = fmt_snprintf(buf_, sizeof(buf_), __VA_ARGS__);               \
	assert_string_equal(buf_, want);                                  \
	assert_int_equal(n_, strlen(want));                               \
} while (0)

#define assert_raw(want, ...) do {                                        \
	char buf_[OUT_MAX];                                               \
	struct record rec_;                                               \
	size_t n_;                                                        \
	memset(buf_, 'X', sizeof(buf_));                                  \
	n_ = fmt_raw(buf_, sizeof(buf_), __VA_ARGS__);                    \
	assert_string_equal(buf_, want);                                  \
	assert_int_equal(n_, strlen(want));                               \
	assert_int_equal(record_print(&rec_, __VA_ARGS__), strlen(want));   \
	assert_int_equal(rec_.chars, strlen(want));                       \
} while (0)

/* --- against the host's snprintf ------------------------------------- */

enum arg_kind {
	ARG_NONE,
	ARG_INT,
	ARG_LONG,
	ARG_LLONG,
	ARG_UINT,
	ARG_ULONG,
	ARG_ULLONG,
	ARG_STR,
	ARG_CHAR,
};

struct row {
	const char        *fmt;
	enum arg_kind      kind;
	long long          i;
	unsigned long long u;
	const char        *s;
};

#define I(f, v)   { f, ARG_INT, (v), 0, NULL }
#define L(f, v)   { f, ARG_LONG, (v), 0, NULL }
#define LL(f, v)  { f, ARG_LLONG, (v), 0, NULL }
#define U(f, v)   { f, ARG_UINT, 0, (v), NULL }
#define UL(f, v)  { f, ARG_ULONG, 0, (v), NULL }
#define ULL(f, v) { f, ARG_ULLONG, 0, (v), NULL }
#define S(f, v)   { f, ARG_STR, 0, 0, (v) }
#define C(f, v)   { f, ARG_CHAR, (v), 0, NULL }
#define N(f)      { f, ARG_NONE, 0, 0, NULL }

static const struct row rows[] = {
	/* signed */
	I("%d", 0), I("%d", 1), I("%d", -1), I("%d", 42), I("%d", -42),
	I("%d", INT_MAX), I("%d", INT_MIN), I("%i", 12345), I("%i", -7),
	I("%5d", 42), I("%5d", -42), I("%-5d|", 42), I("%-5d|", -42),
	I("%05d", 42), I("%05d", -42), I("%05d", 0), I("%-05d|", -42),
	I("%0-5d|", 42), I("%2d", 12345), I("%2d", -12345), I("%1d", 0),
	I("%0d", 5), I("%0d", -5), I("%0d", 0), I("%3d", -12), I("%03d", -12),
	I("%12d", INT_MIN), I("%015d", INT_MIN), I("%-15d|", INT_MIN),
	I("%40d", -1), I("%040d", -1),
	L("%ld", 0), L("%ld", LONG_MIN), L("%ld", LONG_MAX), L("%li", -1),
	L("%020ld", LONG_MIN),
	LL("%lld", 0), LL("%lld", LLONG_MIN), LL("%lld", LLONG_MAX),
	LL("%lli", -1000000000000LL), LL("%25lld", LLONG_MIN),
	LL("%025lld", LLONG_MIN), LL("%-25lld|", LLONG_MIN),

	/* unsigned, decimal and hex */
	U("%u", 0), U("%u", 3000000000u), U("%u", UINT_MAX), U("%5u", 7),
	U("%-40u|", 7), U("%05u", 7),
	U("%x", 0), U("%X", 0), U("%x", 0xdeadbeef), U("%X", 0xdeadbeef),
	U("%x", UINT_MAX), U("%08x", 0xbeef), U("%8x", 0xbeef),
	U("%-8x|", 0xbeef), U("%2x", 0x12345), U("%05x", 0), U("%0x", 0xa),
	/* an int's bits, read as unsigned */
	U("%x", (unsigned)-2), U("%u", (unsigned)-2),
	UL("%lu", 0), UL("%lu", ULONG_MAX), UL("%lx", 0xfffff000ul),
	UL("%016lx", 0x1234), UL("%lX", ULONG_MAX),
	ULL("%llu", 0), ULL("%llu", ULLONG_MAX), ULL("%llx", ULLONG_MAX),
	ULL("%llX", 0x0123456789abcdefull), ULL("%016llx", 0xabcull),
	ULL("%0200llu", ULLONG_MAX), ULL("%-200llx|", ULLONG_MAX),

	/* strings and characters */
	S("%s", "hello"), S("%s", ""), S("[%s]", "a b"), S("%8s", "hello"),
	S("%-8s|", "hello"), S("%2s", "hello"), S("%5s", ""), S("%-3s|", ""),
	S("%s%%", "50"),
	C("%c", 'A'), C("%c", '%'), C("%3c", 'x'), C("%-3c|", 'x'),
	C("[%c]", ' '), C("%1c", 'z'),

	/* no conversion at all */
	N(""), N("plain text"), N("%%"), N("100%%"), N("%%d"), N("a%%b%%c"),
};

static size_t row_fmt(char *buf, size_t size, const struct row *r)
{
	switch (r->kind) {
	case ARG_INT:    return fmt_snprintf(buf, size, r->fmt, (int)r->i);
	case ARG_LONG:   return fmt_snprintf(buf, size, r->fmt, (long)r->i);
	case ARG_LLONG:  return fmt_snprintf(buf, size, r->fmt, r->i);
	case ARG_UINT:   return fmt_snprintf(buf, size, r->fmt, (unsigned)r->u);
	case ARG_ULONG:  return fmt_snprintf(buf, size, r->fmt,
					     (unsigned long)r->u);
	case ARG_ULLONG: return fmt_snprintf(buf, size, r->fmt, r->u);
	case ARG_STR:    return fmt_snprintf(buf, size, r->fmt, r->s);
	case ARG_CHAR:   return fmt_snprintf(buf, size, r->fmt, (int)r->i);
	case ARG_NONE:   return fmt_snprintf(buf, size, r->fmt, 0);
	}
	fail();
	return 0;
}

static int row_host(char *buf, size_t size, const struct row *r)
{
	switch (r->kind) {
	case ARG_INT:    return snprintf(buf, size, r->fmt, (int)r->i);
	case ARG_LONG:   return snprintf(buf, size, r->fmt, (long)r->i);
	case ARG_LLONG:  return snprintf(buf, size, r->fmt, r->i);
	case ARG_UINT:   return snprintf(buf, size, r->fmt, (unsigned)r->u);
	case ARG_ULONG:  return snprintf(buf, size, r->fmt, (unsigned long)r->u);
	case ARG_ULLONG: return snprintf(buf, size, r->fmt, r->u);
	case ARG_STR:    return snprintf(buf, size, r->fmt, r->s);
	case ARG_CHAR:   return snprintf(buf, size, r->fmt, (int)r->i);
	case ARG_NONE:   return snprintf(buf, size, r->fmt, 0);
	}
	fail();
	return 0;
}

static size_t row_record(struct record *rec, const struct row *r)
{
	switch (r->kind) {
	case ARG_INT:    return record_print(rec, r->fmt, (int)r->i);
	case ARG_LONG:   return record_print(rec, r->fmt, (long)r->i);
	case ARG_LLONG:  return record_print(rec, r->fmt, r->i);
	case ARG_UINT:   return record_print(rec, r->fmt, (unsigned)r->u);
	case ARG_ULONG:  return record_print(rec, r->fmt, (unsigned long)r->u);
	case ARG_ULLONG: return record_print(rec, r->fmt, r->u);
	case ARG_STR:    return record_print(rec, r->fmt, r->s);
	case ARG_CHAR:   return record_print(rec, r->fmt, (int)r->i);
	case ARG_NONE:   return record_print(rec, r->fmt, 0);
	}
	fail();
	return 0;
}

/* One row: the same text and length as the host, at full size. */
static void test_row_matches_host(void **state)
{
	const struct row *r = *state;
	char want[OUT_MAX], got[OUT_MAX];
	int hn = row_host(want, sizeof(want), r);
	size_t n;

	assert_true(hn >= 0 && (size_t)hn < sizeof(want));
	memset(got, 'X', sizeof(got));
	n = row_fmt(got, sizeof(got), r);
	assert_string_equal(got, want);
	assert_int_equal(n, (size_t)hn);
}

/* Every row at every buffer size from 0 to one past the fit: the same
 * prefix, the same terminator, the same return, and not a byte written
 * past 'size'. */
static void test_rows_truncated(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char want[OUT_MAX + 1], got[OUT_MAX + 1];
		size_t len = (size_t)row_host(want, sizeof(want), &rows[i]);

		for (size_t size = 0; size <= len + 1; size++) {
			int hn;
			size_t n;

			memset(want, 'X', sizeof(want));
			memset(got, 'X', sizeof(got));
			hn = row_host(want, size, &rows[i]);
			n = row_fmt(got, size, &rows[i]);
			if (memcmp(got, want, sizeof(got)) || n != (size_t)hn)
				fail_msg("\"%s\" at size %zu: got \"%.*s\" (%zu), "
					 "host \"%.*s\" (%d)", rows[i].fmt, size,
					 (int)size, got, n, (int)size, want, hn);
		}
	}
}

/* fmt_vprint returns exactly what it handed to the sink. */
static void test_rows_vprint_count(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		char want[OUT_MAX];
		struct record rec;
		size_t len = (size_t)row_host(want, sizeof(want), &rows[i]);
		size_t n = row_record(&rec, &rows[i]);

		if (n != rec.chars || rec.chars != len ||
		    memcmp(rec.text, want, len))
			fail_msg("\"%s\": returned %zu, sink got %zu \"%.*s\", "
				 "want %zu \"%s\"", rows[i].fmt, n, rec.chars,
				 (int)rec.chars, rec.text, len, want);
	}
}

/* --- flipvisor's own behaviour ---------------------------------------- */

static void test_mixed(void **state)
{
	assert_fmt("a=-3 b=str c=Z d=ff e=FF 100%",
		   "a=%d b=%s c=%c d=%x e=%X 100%%", -3, "str", 'Z', 255u, 255u);
	assert_fmt("[  7|7  |007]", "[%3d|%-3d|%03d]", 7, 7, 7);
	assert_fmt("0x10 -1 18446744073709551615", "%p %lld %llu",
		   (void *)0x10, -1LL, ULLONG_MAX);
}

static void test_pointer(void **state)
{
	void *volatile null = NULL;

	assert_fmt("0x1234", "%p", (void *)0x1234);
	assert_fmt("0x0", "%p", null);
	assert_fmt("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	assert_fmt("0xdeadbeef", "%p", (void *)0xdeadbeefull);
	/* The "0x" counts toward the width and goes before zero padding. */
	assert_fmt("    0x1234", "%10p", (void *)0x1234);
	assert_fmt("0x1234    |", "%-10p|", (void *)0x1234);
	assert_raw("0x00001234", "%010p", (void *)0x1234);
	assert_raw("0x0000000000001234", "%018p", (void *)0x1234);
	assert_fmt("0x1234", "%3p", (void *)0x1234);
}

static void test_pointer_count(void **state)
{
	struct record rec;

	assert_int_equal(record_print(&rec, "%010p", (void *)0x1234), 10);
	assert_int_equal(rec.chars, 10);
	assert_int_equal(record_print(&rec, "%10p", (void *)0x1234), 10);
	assert_int_equal(rec.chars, 10);
}

static void test_null_string(void **state)
{
	const char *volatile null = NULL;

	assert_fmt("(null)", "%s", null);
	assert_fmt("[  (null)]", "[%8s]", null);
	assert_fmt("[(null)  ]", "[%-8s]", null);
	assert_fmt("(null)", "%2s", null);
}

/* '0' pads numbers only; strings and characters get blanks. */
static void test_zero_flag_ignored(void **state)
{
	assert_raw("   ab", "%05s", "ab");
	assert_raw("  x", "%03c", 'x');
	assert_raw("x  |", "%-03c|", 'x');
}

/* A NUL from %c is output like any other character. */
static void test_char_nul(void **state)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, sizeof(buf), "a%cb", 0), 3);
	assert_memory_equal(buf, "a\0b\0XXXX", 8);
}

static void test_unknown_verbatim(void **state)
{
	assert_raw("%q", "%q");
	assert_raw("a%qb", "a%qb");
	assert_raw("%", "%");
	assert_raw("ab%", "ab%");
	assert_raw("%5q", "%5q");
	assert_raw("%-08q|", "%-08q|");
	assert_raw("%-", "%-");
	assert_raw("%07", "%07");
	assert_raw("%l", "%l");
	assert_raw("%ll", "%ll");
	assert_raw("%lq", "%lq");
	assert_raw("%llld", "%llld");
	assert_raw("%hd", "%hd");
	assert_raw("%.3s", "%.3s");
	assert_raw("%zu", "%zu");
	assert_raw("%f", "%f");
}

/* An unknown conversion takes no argument: the next one gets it. */
static void test_unknown_takes_no_arg(void **state)
{
	assert_raw("%q 42", "%q %d", 42);
	assert_raw("%y-x-%w7", "%y-%s-%w%u", "x", 7u);
	assert_raw("9%", "%d%", 9);
}

/* A width past 999 is not a conversion either: out it goes as written,
 * never as a field of a billion blanks. */
static void test_width_bound(void **state)
{
	assert_raw("%99999999999d", "%99999999999d", 1);
	assert_raw("%10000d", "%10000d", 1);
}

static void test_width_1000(void **state)
{
	char want[1100], got[1100];

	memset(want, ' ', 999);
	want[999] = '5';
	want[1000] = '\0';
	assert_int_equal(fmt_snprintf(got, sizeof(got), "%1000d", 5), 1000);
	assert_string_equal(got, want);
}

/* --- truncation ------------------------------------------------------- */

static void test_size_zero(void **state)
{
	char buf[4] = { 'X', 'X', 'X', 'X' };

	assert_int_equal(fmt_snprintf(buf, 0, "hello"), 5);
	assert_memory_equal(buf, "XXXX", 4);
	/* With size 0 the buffer is never touched, so it may be NULL. */
	assert_int_equal(fmt_snprintf(NULL, 0, "%d-%s", 1234, "ab"), 7);
}

static void test_size_one(void **state)
{
	char buf[4] = { 'X', 'X', 'X', 'X' };

	assert_int_equal(fmt_snprintf(buf, 1, "hello"), 5);
	assert_memory_equal(buf, "\0XXX", 4);
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_raw(buf, 1, ""), 0);
	assert_memory_equal(buf, "\0XXX", 4);
}

static void test_exact_fit(void **state)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 6, "hello"), 5);
	assert_memory_equal(buf, "hello\0XX", 8);
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 6, "%05d", -42), 5);
	assert_memory_equal(buf, "-0042\0XX", 8);
}

static void test_one_short(void **state)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "hello"), 5);
	assert_memory_equal(buf, "hell\0XXX", 8);
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 5, "%x", 0xabcdeu), 5);
	assert_memory_equal(buf, "abcd\0XXX", 8);
}

/* Truncation in the middle of padding and of a "0x" prefix. */
static void test_truncate_inside_field(void **state)
{
	char buf[8];

	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 4, "%8d", 1), 8);
	assert_memory_equal(buf, "   \0XXXX", 8);
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 2, "%p", (void *)0xab), 4);
	assert_memory_equal(buf, "0\0XXXXXX", 8);
	memset(buf, 'X', sizeof(buf));
	assert_int_equal(fmt_snprintf(buf, 4, "%-6s|", "ab"), 7);
	assert_memory_equal(buf, "ab \0XXXX", 8);
}

/* --- the sink --------------------------------------------------------- */

/* Every path through fmt_vprint: literal text, each conversion, padding
 * on both sides, prefixes before and after padding, unknown ones. */
static void test_vprint_count(void **state)
{
	static const char want[] =
		"lit -0042 0x00ff   0x1f x  |(null)%q%";
	const char *volatile null = NULL;
	struct record rec;
	size_t n;

	n = record_print(&rec, "lit %05d %06p %6p %-3c|%s%q%%", -42,
		       (void *)0xff, (void *)0x1f, 'x', null);
	assert_int_equal(rec.chars, strlen(want));
	assert_memory_equal(rec.text, want, rec.chars);
	assert_int_equal(n, rec.chars);
	/* "%%" counts once. */
	assert_int_equal(record_print(&rec, "%%"), 1);
	assert_int_equal(rec.chars, 1);
	assert_int_equal(record_print(&rec, ""), 0);
	assert_int_equal(rec.chars, 0);
}

static const struct CMUnitTest own_tests[] = {
	cmocka_unit_test(test_rows_truncated),
	cmocka_unit_test(test_rows_vprint_count),
	cmocka_unit_test(test_mixed),
	cmocka_unit_test(test_pointer),
	cmocka_unit_test(test_pointer_count),
	cmocka_unit_test(test_null_string),
	cmocka_unit_test(test_zero_flag_ignored),
	cmocka_unit_test(test_char_nul),
	cmocka_unit_test(test_unknown_verbatim),
	cmocka_unit_test(test_unknown_takes_no_arg),
	cmocka_unit_test(test_width_bound),
	cmocka_unit_test(test_width_1000),
	cmocka_unit_test(test_size_zero),
	cmocka_unit_test(test_size_one),
	cmocka_unit_test(test_exact_fit),
	cmocka_unit_test(test_one_short),
	cmocka_unit_test(test_truncate_inside_field),
	cmocka_unit_test(test_vprint_count),
};

/* One named test per row of rows[], so a failure names its format. */
static struct CMUnitTest row_tests[ARRAY_SIZE(rows)];
static char row_names[ARRAY_SIZE(rows)][48];

int main(void)
{
	int failed;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		snprintf(row_names[i], sizeof(row_names[i]), "%zu: \"%s\"", i,
			 rows[i].fmt);
		row_tests[i] = (struct CMUnitTest){
			.name          = row_names[i],
			.test_func     = test_row_matches_host,
			.initial_state = (void *)&rows[i],
		};
	}

	failed = cmocka_run_group_tests_name("fmt", own_tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("fmt vs host snprintf", row_tests,
					      NULL, NULL);
	return failed ? 1 : 0;
}
