/* COM1, transmit only, polled [PC16550D datasheet, Table II]. The
 * hypervisor's virtual UART gathers bytes into lines, ends a line at '\n'
 * and drops '\r', so bytes go out exactly as given. No setup is needed:
 * the line settings mean nothing to a virtual port. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/uart.h"

#define COM1            0x3f8
#define UART_THR        0       /* transmit holding */
#define UART_LSR        5       /* line status */
#define   LSR_THRE      0x20    /* transmit holding register empty */

#define UART_SPIN_LIMIT 100000  /* a stuck port must not hang the guest */

void uart_putc(char c)
{
	for (unsigned i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & LSR_THRE)
			break;
		cpu_pause();
	}
	outb(COM1 + UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
	while (n--)
		uart_putc(*s++);
}
