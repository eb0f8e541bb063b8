/* The console (console.h): every line goes through one transmit queue
 * (console_queue.c), in order, with '\n' sent as CR LF. Until the guests
 * start, and again once the hypervisor halts or panics, each write is
 * sent before it returns. In between the queue is drained only as fast
 * as the UART takes bytes, at every VM exit and while the CPU idles, so
 * no VM waits for another's printing (docs/security.md, "The console"). */
#include <stdarg.h>

#include "lib/console.h"
#include "lib/console_queue.h"
#include "lib/fmt.h"

#define PIECE_MAX  256          /* hypervisor text is queued in pieces */
/* A guest line as sent: an optional drop note, then "NAME: text" CR LF. */
#define GUEST_OUT_MAX  (2 * CONSOLE_NAME_MAX + CONSOLE_LINE_MAX + 64)

static const struct console_port *port;
static console_sink early_sink;
static bool serial_off;
static bool buffered;
static struct console_queue queue;

void console_attach(const struct console_port *p)
{
	port = p;
}

void console_set_early_sink(console_sink sink, bool replaces_serial)
{
	early_sink = sink;
	serial_off = sink && replaces_serial;
}

/* One burst, if the UART is ready for it ('wait': wait until it is). */
static void send_burst(bool wait)
{
	char b[64];
	uint32_t room;

	if (!port) {            /* nowhere to send it yet: it is lost */
		cq_take(&queue, b, sizeof(b));
		return;
	}
	room = port->room(wait);
	if (room > sizeof(b))
		room = sizeof(b);
	port->send(b, cq_take(&queue, b, room));
}

static void send_all(void)
{
	while (cq_len(&queue))
		send_burst(true);
}

/* The hypervisor's own text is never dropped: while the queue has no
 * room it waits for the UART, its own time, which no VM's reclaim
 * clock counts (vm_own_time). */
static void put_hv(const char *s, uint32_t n)
{
	while (!cq_put(&queue, CQ_HV, s, n))
		send_burst(true);
}

static void console_put(void *ctx, const char *s, size_t n)
{
	if (early_sink)
		early_sink(s, n);
	if (serial_off)
		return;
	while (n) {
		size_t k = 0;

		while (k < n && k < PIECE_MAX && s[k] != '\n')
			k++;
		if (k)
			put_hv(s, (uint32_t)k);
		if (k < n && s[k] == '\n') {
			put_hv("\r\n", 2);
			k++;
		}
		s += k;
		n -= k;
	}
	if (!buffered)
		send_all();
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vprint(console_put, NULL, fmt, ap);
	va_end(ap);
}

void log_line(const char *tag, const char *fmt, ...)
{
	va_list ap;

	kprintf("[%s] ", tag);
	va_start(ap, fmt);
	fmt_vprint(console_put, NULL, fmt, ap);
	va_end(ap);
	console_put(NULL, "\n", 1);
}

bool console_guest_line(uint32_t vm, const char *name, const char *text,
			uint64_t unreported)
{
	char out[GUEST_OUT_MAX];
	size_t n = 0;

	if (vm + 1 >= CQ_SOURCES)
		return false;
	/* The note goes in the guest's own share, in its place in the
	 * order: a flood cannot use it to fill the hypervisor's room. */
	if (unreported)
		n = fmt_snprintf(out, sizeof(out), "[console] %s: %lu line(s) "
				 "dropped (console share full)\r\n", name,
				 (unsigned long)unreported);
	if (n < sizeof(out))
		n += fmt_snprintf(out + n, sizeof(out) - n, "%s: %s\r\n", name,
				  text);
	if (n >= sizeof(out))
		return false;           /* cannot happen: lines are bounded */
	if (serial_off || !cq_put(&queue, (uint8_t)(vm + 1), out, (uint32_t)n))
		return false;
	if (!buffered)
		send_all();
	return true;
}

void console_buffer(void)
{
	buffered = true;
}

void console_pump(void)
{
	if (cq_len(&queue))
		send_burst(false);
}

bool console_pending(void)
{
	return cq_len(&queue) != 0;
}

uint32_t console_pump_us(void)
{
	return port ? port->burst_us() : 0;
}

uint32_t console_queued(void)
{
	return cq_len(&queue);
}

void console_flush(void)
{
	buffered = false;
	send_all();
}
