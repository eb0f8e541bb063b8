#include <stdarg.h>

#include "drivers/uart.h"
#include "lib/console.h"
#include "lib/fmt.h"

static console_sink early_sink;
static bool serial_off;

void console_set_early_sink(console_sink sink, bool replaces_serial)
{
	early_sink = sink;
	serial_off = sink && replaces_serial;
}

static void console_put(void *ctx, const char *s, size_t n)
{
	if (!serial_off)
		uart_write(s, n);
	if (early_sink)
		early_sink(s, n);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vprint(console_put, NULL, fmt, ap);
	va_end(ap);
}

void log_line(const char *tag, const char *fmt, ...)
{
	va_list ap;

	kprintf("[%s] ", tag);
	va_start(ap, fmt);
	fmt_vprint(console_put, NULL, fmt, ap);
	va_end(ap);
	console_put(NULL, "\n", 1);
}
