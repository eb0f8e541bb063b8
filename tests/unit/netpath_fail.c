/* fk_fail (netpath_fakes.h) for the cmocka tests: a broken rule in the
 * fakes fails the running test. The fuzz harnesses have their own
 * (tests/fuzz/fuzz_fail.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/unit/netpath_fakes.h"

void fk_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fail_msg("%s", msg);
	abort();        /* fail_msg does not return: for the compiler */
}
