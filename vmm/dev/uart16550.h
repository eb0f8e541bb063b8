/* The registers of a 16550A UART [PC16550D data sheet, National
 * Semiconductor, June 1995]: what Linux's 8250 driver probes and drives.
 * Transmission is instant: a byte written to THR goes to 'tx' at once,
 * so THR and the shift register are always empty again. Pure C. */
#ifndef VMM_DEV_UART16550_H
#define VMM_DEV_UART16550_H

#include <stdbool.h>
#include <stdint.h>

#define UART_FIFO 16

/* Register offsets from the base port [PC16550D Table II]. */
#define UART_RBR 0      /* read, DLAB=0; THR on write */
#define UART_IER 1      /* DLAB=0; DLM with DLAB=1 */
#define UART_IIR 2      /* read; FCR on write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_MSR 6
#define UART_SCR 7
#define UART_REGS 8

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	uint8_t lsr_err;                /* OE, latched until LSR is read */
	bool    thre_ip;                /* THR-empty interrupt pending */
	uint8_t rx[UART_FIFO];
	uint8_t rx_head, rx_count;
	/* Where a transmitted byte goes; the owner finds itself from 's'. */
	void  (*tx)(struct uart16550 *s, uint8_t byte);
};

void uart16550_init(struct uart16550 *s,
		    void (*tx)(struct uart16550 *, uint8_t));
/* One byte-wide access to register 'reg' (0-7). */
uint8_t uart16550_io(struct uart16550 *s, unsigned reg, bool in, uint8_t v);
/* A byte arrives on the serial line; false when the FIFO was full (an
 * overrun, as LSR then says). */
bool uart16550_receive(struct uart16550 *s, uint8_t byte);
/* The level of the interrupt output as a PC wires it: INTR gated by
 * MCR OUT2, and never in loopback [PC16550D "Modem Control Register"]. */
bool uart16550_irq(const struct uart16550 *s);

#endif
