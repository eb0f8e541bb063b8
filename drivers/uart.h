/* The hypervisor's serial console: a 16550 at COM1. */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stddef.h>
#include <stdint.h>

void uart_init(void);
/* Wait until the transmitter is empty, so nothing is lost at shutdown. */
void uart_drain(void);

/* Transmitting without waiting (lib/console.c): how many bytes THR takes
 * now (0 while it is still sending), the same after waiting until it
 * can take some, and the bytes themselves, at most what a room call
 * returned. Nothing is translated: '\n' goes out as it is. */
uint32_t uart_tx_room(void);
uint32_t uart_tx_room_wait(void);
void uart_send(const char *s, uint32_t n);
/* How long the UART takes to send one full burst, in microseconds. */
uint32_t uart_burst_us(void);

#endif
