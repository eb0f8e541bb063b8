/* Console output: every line goes to the serial port, and to the UEFI
 * console while boot services last. Log lines carry their subsystem:
 * LOG("vmx", "VMXON ok") prints "[vmx] VMXON ok". */
#ifndef LIB_CONSOLE_H
#define LIB_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

typedef void (*console_sink)(const char *s, size_t n);

/* A second output beside the serial port, or NULL to drop it. When the
 * second output already reaches the serial port itself (a firmware console
 * on COM1), 'replaces_serial' stops the direct serial output meanwhile,
 * so no line appears twice. */
void console_set_early_sink(console_sink sink, bool replaces_serial);

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_line(const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG(tag, ...) log_line(tag, __VA_ARGS__)

#endif
