/* The guest's serial line: bytes the 16550 (vmm/dev/uart16550.c)
 * transmits are collected into lines and printed on the real console as
 * "NAME: line". Its LSR says the transmitter is always empty, so a
 * polling driver never waits. Guest
 * bytes are untrusted: anything but printable ASCII is shown as '?', so
 * no guest can move the cursor or forge a line of another VM. */
#include <stddef.h>

#include "lib/console.h"
#include "vmm/vuart.h"

static void put(struct vuart *u, char c);

static void transmitted(struct uart16550 *hw, uint8_t byte)
{
	put((struct vuart *)((char *)hw - offsetof(struct vuart, hw)), (char)byte);
}

void vuart_init(struct vuart *u, const char *name)
{
	*u = (struct vuart){ .name = name };
	uart16550_init(&u->hw, transmitted);
}

bool vuart_claims(uint16_t port)
{
	return port >= VUART_BASE && port < VUART_BASE + VUART_PORTS;
}

static void flush(struct vuart *u)
{
	u->line[u->len] = '\0';
	kprintf("%s: %s\n", u->name, u->line);
	u->len = 0;
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
