/* The guest's own formatter: it shares no code with the hypervisor's
 * lib/fmt.c, since the guest is a separate program. Unknown conversions
 * are printed as they stand. */
#include <stdarg.h>
#include <stdint.h>

#include "guest-stub/print.h"
#include "guest-stub/uart.h"

#define NUM_MAX 20      /* digits in 2^64 - 1 */

static void print_num(uint64_t v, unsigned base, int neg, char pad,
		      unsigned width)
{
	char buf[NUM_MAX];
	unsigned n = 0;

	do {
		buf[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	/* The sign goes before zero padding but after space padding. */
	if (neg && pad == '0')
		uart_putc('-');
	for (unsigned len = n + (neg ? 1 : 0); len < width; len++)
		uart_putc(pad);
	if (neg && pad != '0')
		uart_putc('-');
	while (n)
		uart_putc(buf[--n]);
}

void print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			uart_putc(*fmt);
			continue;
		}
		const char *start = fmt++;
		char pad = ' ';
		unsigned width = 0;
		int longs = 0;

		if (*fmt == '0')
			pad = *fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l') {
			longs++;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);

			for (s = s ? s : "(null)"; *s; s++)
				uart_putc(*s);
			break;
		}
		case 'c':
			uart_putc((char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
			uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;

			print_num(mag, 10, v < 0, pad, width);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = longs ? va_arg(ap, uint64_t)
					   : va_arg(ap, unsigned);

			print_num(v, *fmt == 'x' ? 16 : 10, 0, pad, width);
			break;
		}
		case '%':
			uart_putc('%');
			break;
		default:
			/* Echo what was not understood; stop at the end. */
			while (start <= fmt && *start)
				uart_putc(*start++);
			if (!*fmt)
				fmt--;
			break;
		}
	}
	va_end(ap);
}
