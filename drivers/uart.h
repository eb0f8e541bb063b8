/* The hypervisor's serial console: a 16550 at COM1. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stddef.h>

void uart_init(void);
void uart_write(const char *s, size_t n);
/* Wait until the transmitter is empty, so nothing is lost at shutdown. */
void uart_drain(void);

#endif
