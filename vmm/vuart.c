/* The guest's serial line: bytes the 16550 (vmm/dev/uart16550.c)
 * transmits are collected into lines and printed on the real console as
 * "NAME: line". Its LSR says the transmitter is always empty, so a
 * polling driver never waits. Guest
 * bytes are untrusted: anything but printable ASCII is shown as '?', so
 * no guest can move the cursor or forge a line of another VM. A line
 * goes into the VM's share of the console queue and costs no time of
 * anyone's; one that does not fit is dropped and counted, and the next
 * line that fits is preceded by a note of how many went missing. */
#include <stddef.h>

#include "lib/console.h"
#include "vmm/vuart.h"

static void put(struct vuart *u, char c);

static void transmitted(struct uart16550 *hw, uint8_t byte)
{
	put((struct vuart *)((char *)hw - offsetof(struct vuart, hw)), (char)byte);
}

_Static_assert(VUART_LINE <= CONSOLE_LINE_MAX, "a line fits the console's");

void vuart_init(struct vuart *u, const char *name, uint32_t vm)
{
	*u = (struct vuart){ .name = name, .vm = vm };
	uart16550_init(&u->hw, transmitted);
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
	return uart16550_io(&u->hw, port - VUART_BASE, in, v);
}

void vuart_write(struct vuart *u, const char *s, uint64_t n)
{
	while (n--)
		put(u, *s++);
}
