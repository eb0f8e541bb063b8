/* fk_fail for the harnesses that use the data path's fakes
 * (tests/unit/netpath_fakes.h): a broken rule of the fakes aborts, so
 * libFuzzer keeps the input as a crash. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/unit/netpath_fakes.h"

void fk_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}
