/* The hypervisor's serial console: a 16550 at COM1. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stddef.h>
#include <stdint.h>

/* Program COM1 (115200 8N1, FIFO on if it has one) and attach it to the
 * console (lib/console.h) as its transmitter. */
void uart_init(void);
/* Wait until the transmitter is empty, so nothing is lost at shutdown. */
void uart_drain(void);

#endif
