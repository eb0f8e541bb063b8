/* The hypervisor's printf. Small on purpose: integers, strings, chars and
 * pointers, which is all a hypervisor log needs. Unknown conversions are
 * printed verbatim so a bad format string is visible, never fatal. */
#include <stdbool.h>
#include <stdint.h>

#include "lib/fmt.h"

struct spec {
	unsigned width;
	bool     zero;     /* pad with '0' instead of ' ' */
	bool     left;     /* '-': pad on the right */
};

static size_t emit_padded(fmt_sink sink, void *ctx, const struct spec *sp,
			  const char *s, size_t n, const char *prefix)
{
	size_t plen = 0, pad, out = 0;
	char c;

	while (prefix && prefix[plen])
		plen++;
	pad = sp->width > n + plen ? sp->width - n - plen : 0;
	c = sp->zero && !sp->left ? '0' : ' ';

	/* A sign or "0x" goes before zero padding but after space padding. */
	if (c == '0' && plen) {
		sink(ctx, prefix, plen);
		out += plen;
		plen = 0;
	}
	for (; !sp->left && pad; pad--, out++)
		sink(ctx, &c, 1);
	if (plen)
		sink(ctx, prefix, plen);
	sink(ctx, s, n);
	for (; sp->left && pad; pad--, out++)
		sink(ctx, " ", 1);
	return out + plen + n;
}

/* Digits of 'v' in 'base', written backwards from the end of 'buf'. */
static size_t utoa(uint64_t v, unsigned base, bool upper, char *buf,
		   size_t size, const char **start)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = buf + size;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v);
	*start = p;
	return (size_t)(buf + size - p);
}

size_t fmt_vprint(fmt_sink sink, void *ctx, const char *fmt, va_list ap)
{
	size_t out = 0;

	while (*fmt) {
		const char *lit = fmt;
		struct spec sp = { 0, false, false };
		char buf[24];
		const char *s, *prefix = NULL;
		size_t n;
		int lng = 0;
		uint64_t u;

		while (*fmt && *fmt != '%')
			fmt++;
		if (fmt != lit) {
			sink(ctx, lit, (size_t)(fmt - lit));
			out += (size_t)(fmt - lit);
		}
		if (!*fmt)
			break;
		lit = fmt++;    /* the '%', kept for printing unknown conversions */

		for (;; fmt++) {
			if (*fmt == '0')
				sp.zero = true;
			else if (*fmt == '-')
				sp.left = true;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9' && sp.width < 1000)
			sp.width = sp.width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l' && lng < 2) {
			lng++;
			fmt++;
		}

		switch (*fmt) {
		case 'd':
		case 'i': {
			int64_t v = lng ? (lng == 1 ? va_arg(ap, long)
						     : va_arg(ap, long long))
					: va_arg(ap, int);
			/* Negate in unsigned arithmetic: INT64_MIN has no positive twin. */
			u = v < 0 ? -(uint64_t)v : (uint64_t)v;
			prefix = v < 0 ? "-" : NULL;
			n = utoa(u, 10, false, buf, sizeof(buf), &s);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
			u = lng ? (lng == 1 ? va_arg(ap, unsigned long)
					    : va_arg(ap, unsigned long long))
				: va_arg(ap, unsigned int);
			n = utoa(u, *fmt == 'u' ? 10 : 16, *fmt == 'X', buf,
				 sizeof(buf), &s);
			break;
		case 'p':
			u = (uintptr_t)va_arg(ap, void *);
			prefix = "0x";
			n = utoa(u, 16, false, buf, sizeof(buf), &s);
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (n = 0; s[n]; n++)
				;
			sp.zero = false;
			break;
		case 'c':
			buf[0] = (char)va_arg(ap, int);
			s = buf;
			n = 1;
			sp.zero = false;
			break;
		case '%':
			s = "%";
			n = 1;
			break;
		default:
			/* Unknown or truncated conversion: show it as written. */
			if (*fmt)
				fmt++;
			sink(ctx, lit, (size_t)(fmt - lit));
			out += (size_t)(fmt - lit);
			continue;
		}
		fmt++;
		out += emit_padded(sink, ctx, &sp, s, n, prefix);
	}
	return out;
}

struct bufsink {
	char  *buf;
	size_t size;
	size_t len;
};

static void buf_put(void *ctx, const char *s, size_t n)
{
	struct bufsink *b = ctx;

	for (; n; n--, s++, b->len++)
		if (b->len + 1 < b->size)
			b->buf[b->len] = *s;
}

size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct bufsink b = { buf, size, 0 };
	size_t n = fmt_vprint(buf_put, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
}

size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
