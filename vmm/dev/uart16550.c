/* A 16550A as Linux's 8250 driver sees it: the autoconfig probe (IER
 * readback, scratch, loopback MSR, IIR FIFO bits), the console's polled
 * writes (LSR THRE) and the tty's interrupt-driven transmit and receive.
 * The divisor latch is kept but has no effect: bytes take no time. */
#include "vmm/dev/uart16550.h"

#define IER_ERBFI 0x01          /* received data available */
#define IER_ETBEI 0x02          /* THR empty */
#define IER_ELSI  0x04          /* receiver line status */
#define IER_EDSSI 0x08          /* modem status */
#define IER_BITS  0x0f
#define IIR_NO_INT 0x01
#define IIR_RLS   0x06
#define IIR_RDA   0x04
#define IIR_CTI   0x0c
#define IIR_THRE  0x02
#define IIR_FIFO  0xc0
#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02
#define FCR_CLR_TX 0x04
#define FCR_TRIGGER(f) ((f) >> 6)
#define LCR_DLAB  0x80
#define MCR_DTR   0x01
#define MCR_RTS   0x02
#define MCR_OUT1  0x04
#define MCR_OUT2  0x08
#define MCR_LOOP  0x10
#define MCR_BITS  0x1f
#define LSR_DR    0x01
#define LSR_OE    0x02
#define LSR_THRE  0x20
#define LSR_TEMT  0x40
#define MSR_CTS   0x10
#define MSR_DSR   0x20
#define MSR_RI    0x40
#define MSR_DCD   0x80

static const uint8_t trigger_level[4] = { 1, 4, 8, 14 };   /* [PC16550D FCR] */

void uart16550_init(struct uart16550 *s,
		    void (*tx)(struct uart16550 *, uint8_t))
{
	*s = (struct uart16550){ .tx = tx };
}

bool uart16550_receive(struct uart16550 *s, uint8_t byte)
{
	unsigned cap = s->fcr & FCR_ENABLE ? UART_FIFO : 1;

	if (s->rx_count >= cap) {
		s->lsr_err |= LSR_OE;
		return false;
	}
	s->rx[(s->rx_head + s->rx_count) % UART_FIFO] = byte;
	s->rx_count++;
	return true;
}

static uint8_t rx_take(struct uart16550 *s)
{
	uint8_t b;

	if (!s->rx_count)
		return 0;
	b = s->rx[s->rx_head];
	s->rx_head = (s->rx_head + 1) % UART_FIFO;
	s->rx_count--;
	return b;
}

/* The highest-priority interrupt source that is enabled and pending
 * [PC16550D Table IV]. */
static uint8_t iir_source(const struct uart16550 *s)
{
	unsigned level = s->fcr & FCR_ENABLE ? trigger_level[FCR_TRIGGER(s->fcr)] : 1;

	if ((s->ier & IER_ELSI) && s->lsr_err)
		return IIR_RLS;
	if ((s->ier & IER_ERBFI) && s->rx_count)
		/* Below the trigger level the character timeout stands in:
		 * with no line timing here, it is due at once. */
		return s->rx_count >= level ? IIR_RDA : IIR_CTI;
	if ((s->ier & IER_ETBEI) && s->thre_ip)
		return IIR_THRE;
	return IIR_NO_INT;      /* modem status never changes by itself */
}

bool uart16550_irq(const struct uart16550 *s)
{
	return (s->mcr & MCR_OUT2) && !(s->mcr & MCR_LOOP) &&
	       iir_source(s) != IIR_NO_INT;
}

/* Loopback ties MSR's inputs to MCR's outputs [PC16550D MCR bit 4]. */
static uint8_t modem_status(const struct uart16550 *s)
{
	if (!(s->mcr & MCR_LOOP))
		return MSR_DCD | MSR_DSR | MSR_CTS;     /* a terminal is there */
	return (uint8_t)((s->mcr & MCR_RTS ? MSR_CTS : 0) |
			 (s->mcr & MCR_DTR ? MSR_DSR : 0) |
			 (s->mcr & MCR_OUT1 ? MSR_RI : 0) |
			 (s->mcr & MCR_OUT2 ? MSR_DCD : 0));
}

static void transmit(struct uart16550 *s, uint8_t b)
{
	if (s->mcr & MCR_LOOP)
		uart16550_receive(s, b);
	else if (s->tx)
		s->tx(s, b);
	/* Sent at once: THR is empty again, which is an interrupt. */
	s->thre_ip = true;
}

static uint8_t read_reg(struct uart16550 *s, unsigned reg)
{
	bool dlab = s->lcr & LCR_DLAB;
	uint8_t v;

	switch (reg) {
	case UART_RBR:
		return dlab ? s->dll : rx_take(s);
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		v = iir_source(s);
		if (v == IIR_THRE)      /* reading IIR clears this source */
			s->thre_ip = false;
		return (uint8_t)(v | (s->fcr & FCR_ENABLE ? IIR_FIFO : 0));
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		v = (uint8_t)(LSR_THRE | LSR_TEMT | s->lsr_err |
			      (s->rx_count ? LSR_DR : 0));
		s->lsr_err = 0;
		return v;
	case UART_MSR:
		return modem_status(s);
	default:
		return s->scr;
	}
}

static void write_reg(struct uart16550 *s, unsigned reg, uint8_t v)
{
	bool dlab = s->lcr & LCR_DLAB;

	switch (reg) {
	case UART_RBR:
		if (dlab)
			s->dll = v;
		else
			transmit(s, v);
		return;
	case UART_IER:
		if (dlab) {
			s->dlm = v;
			return;
		}
		/* Enabling ETBEI with THR empty interrupts at once. */
		if ((v & IER_ETBEI) && !(s->ier & IER_ETBEI))
			s->thre_ip = true;
		s->ier = v & IER_BITS;
		return;
	case UART_IIR:          /* FCR */
		if ((v & FCR_ENABLE) != (s->fcr & FCR_ENABLE) || (v & FCR_CLR_RX))
			s->rx_count = s->rx_head = 0;
		s->fcr = v & (FCR_ENABLE | 0xc0);
		return;
	case UART_LCR:
		s->lcr = v;
		return;
	case UART_MCR:
		s->mcr = v & MCR_BITS;
		return;
	case UART_LSR:
	case UART_MSR:
		return;         /* read-only here: factory test writes ignored */
	default:
		s->scr = v;
		return;
	}
}

uint8_t uart16550_io(struct uart16550 *s, unsigned reg, bool in, uint8_t v)
{
	reg &= UART_REGS - 1;
	if (in)
		return read_reg(s, reg);
	write_reg(s, reg, v);
	return 0;
}
