/* The virtual 16550 on COM1, polled. */
#ifndef GUEST_UART_H
#define GUEST_UART_H

#include <stddef.h>

void uart_putc(char c);
void uart_write(const char *s, size_t n);

#endif
