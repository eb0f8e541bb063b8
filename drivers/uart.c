/* 16550 UART on COM1, polled, 115200 8N1 [PC16550D datasheet, Table II]. */
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "drivers/uart.h"

#define COM1            0x3f8
#define UART_THR        0       /* transmit holding (DLAB=0) */
#define UART_DLL        0       /* divisor latch low (DLAB=1) */
#define UART_IER        1
#define UART_DLM        1       /* divisor latch high (DLAB=1) */
#define UART_FCR        2
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define   LCR_8N1       0x03
#define   LCR_DLAB      0x80
#define   FCR_ENABLE    0x07    /* enable and clear both FIFOs */
#define   MCR_DTR_RTS   0x03
#define   LSR_THRE      0x20    /* transmit holding register empty */
#define   LSR_TEMT      0x40    /* transmitter completely empty */

#define UART_SPIN_LIMIT 1000000 /* give up on a missing or stuck UART */

void uart_init(void)
{
	outb(COM1 + UART_IER, 0);               /* polled: no interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);               /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
}

static void uart_wait(uint8_t bit)
{
	for (unsigned i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & bit)
			return;
		cpu_pause();
	}
}

static void uart_putc(char c)
{
	uart_wait(LSR_THRE);
	outb(COM1 + UART_THR, (uint8_t)c);
}

void uart_write(const char *s, size_t n)
{
	for (; n; n--, s++) {
		if (*s == '\n')
			uart_putc('\r');
		uart_putc(*s);
	}
}

void uart_drain(void)
{
	uart_wait(LSR_TEMT);
}
