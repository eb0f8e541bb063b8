/* A small printf for the hypervisor: %d %i %u %x %X %p %s %c %%, the 'l'
 * and 'll' length modifiers, a field width and '0' padding, '-' for left
 * alignment. Pure C, shared with the host unit tests. */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

/* Receives the formatted text piece by piece. */
typedef void (*fmt_sink)(void *ctx, const char *s, size_t n);

/* Format into 'sink'; returns the number of characters produced. */
size_t fmt_vprint(fmt_sink sink, void *ctx, const char *fmt, va_list ap);

/* snprintf semantics: always NUL terminates when size > 0; returns the
 * length the full output would have had. */
size_t fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
size_t fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
