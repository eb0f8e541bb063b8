/* A write-mostly 16550: bytes written to THR are collected into lines and
 * printed on the real console as "NAME: line". Reads of LSR say the
 * transmitter is always empty, so a polling driver never waits. Guest
 * bytes are untrusted: anything but printable ASCII is shown as '?', so
 * no guest can move the cursor or forge a line of another VM. A line
 * goes into the VM's share of the console queue and costs no time of
 * anyone's; one that does not fit is dropped and counted, and the next
 * line that fits is preceded by a note of how many went missing. */
#include "lib/console.h"
#include "vmm/vuart.h"

/* Register offsets [PC16550D datasheet, Table II]. */
#define REG_THR     0   /* DLAB=0 write; RBR on read */
#define REG_IER     1
#define REG_IIR     2   /* read; FCR on write */
#define REG_LCR     3
#define REG_MCR     4
#define REG_LSR     5
#define REG_MSR     6
#define REG_SCR     7
#define LCR_DLAB    0x80
#define IIR_NONE    0x01
#define LSR_THRE    0x20
#define LSR_TEMT    0x40

_Static_assert(VUART_LINE <= CONSOLE_LINE_MAX, "a line fits the console's");

void vuart_init(struct vuart *u, const char *name, uint32_t vm)
{
	*u = (struct vuart){ .name = name, .vm = vm };
}

bool vuart_claims(uint16_t port)
{
	return port >= VUART_BASE && port < VUART_BASE + VUART_PORTS;
}

static void flush(struct vuart *u)
{
	u->line[u->len] = '\0';
	u->len = 0;
	if (console_guest_line(u->vm, u->name, u->line, u->unreported)) {
		u->unreported = 0;
		return;
	}
	u->dropped++;
	u->unreported++;
}

static void put(struct vuart *u, char c)
{
	if (c == '\r')
		return;
	if (c == '\n') {
		flush(u);
		return;
	}
	u->line[u->len++] = c >= 0x20 && c < 0x7f ? c : '?';
	if (u->len == VUART_LINE)
		flush(u);
}

uint8_t vuart_io(struct vuart *u, uint16_t port, bool in, uint8_t v)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (port - VUART_BASE) {
	case REG_THR:
		if (!in && !dlab)
			put(u, (char)v);
		return 0;               /* no receive data, ever */
	case REG_IER:
		if (dlab)
			return 0;       /* divisor latch: accepted, ignored */
		if (!in)
			u->ier = v;
		return u->ier;
	case REG_IIR:
		return IIR_NONE;        /* FCR writes are accepted, ignored */
	case REG_LCR:
		if (!in)
			u->lcr = v;
		return u->lcr;
	case REG_LSR:
		return LSR_THRE | LSR_TEMT;
	case REG_SCR:
		if (!in)
			u->scratch = v;
		return u->scratch;
	default:                        /* MCR, MSR */
		return 0;
	}
}

void vuart_write(struct vuart *u, const char *s, uint64_t n)
{
	while (n--)
		put(u, *s++);
}
