/* 16550 UART on COM1, polled, 115200 8N1 [PC16550D datasheet, Table II]. */
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "drivers/uart.h"
#include "lib/console.h"

#define COM1            0x3f8
#define UART_THR        0       /* transmit holding (DLAB=0) */
#define UART_DLL        0       /* divisor latch low (DLAB=1) */
#define UART_IER        1
#define UART_DLM        1       /* divisor latch high (DLAB=1) */
#define UART_FCR        2
#define UART_IIR        2       /* read */
#define UART_LCR        3
#define UART_MCR        4
#define UART_LSR        5
#define   LCR_8N1       0x03
#define   LCR_DLAB      0x80
#define   FCR_ENABLE    0x07    /* enable and clear both FIFOs */
#define   MCR_DTR_RTS   0x03
#define   LSR_THRE      0x20    /* transmit holding register empty */
#define   LSR_TEMT      0x40    /* transmitter completely empty */
#define   IIR_FIFO_ON   0xc0    /* both bits: the FIFOs are enabled */
#define UART_FIFO_BYTES 16      /* 16550A transmit FIFO [PC16550D 8.0] */
#define UART_BAUD       115200
#define UART_BITS       10      /* start, 8 data, stop: 8N1 */

#define UART_SPIN_LIMIT 1000000 /* give up on a missing or stuck UART */

/* Bytes THR takes at once when LSR.THRE says it is empty: the whole
 * FIFO on a 16550A, one on a part without FIFO (an 8250, a 16450). */
static uint32_t tx_burst = 1;

static const struct console_port uart_port;

void uart_init(void)
{
	outb(COM1 + UART_IER, 0);               /* polled: no interrupts */
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);               /* 115200 = 1.8432 MHz / 16 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, FCR_ENABLE);
	outb(COM1 + UART_MCR, MCR_DTR_RTS);
	/* The FIFO took only if IIR says so [PC16550D Table IV]. */
	tx_burst = (inb(COM1 + UART_IIR) & IIR_FIFO_ON) == IIR_FIFO_ON ?
		   UART_FIFO_BYTES : 1;
	console_attach(&uart_port);
}

static void uart_wait(uint8_t bit)
{
	for (unsigned i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(COM1 + UART_LSR) & bit)
			return;
		cpu_pause();
	}
}

void uart_drain(void)
{
	uart_wait(LSR_TEMT);
}

/* The console's transmitter (lib/console.h). In FIFO mode THRE is set
 * when the transmit FIFO is empty [PC16550D 8.0]: then a whole burst
 * fits. */
static uint32_t tx_room(bool wait)
{
	if (wait)
		uart_wait(LSR_THRE);    /* a stuck UART: send anyway */
	else if (!(inb(COM1 + UART_LSR) & LSR_THRE))
		return 0;
	return tx_burst;
}

static void tx_send(const char *s, uint32_t n)
{
	while (n--)
		outb(COM1 + UART_THR, (uint8_t)*s++);
}

static uint32_t tx_burst_us(void)
{
	return (tx_burst * UART_BITS * 1000000 + UART_BAUD - 1) / UART_BAUD;
}

static const struct console_port uart_port = {
	.room = tx_room, .send = tx_send, .burst_us = tx_burst_us,
};
