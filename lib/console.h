/* Console output: every line goes to the serial port, and to the UEFI
 * console while boot services last. Log lines carry their subsystem:
 * LOG("vmx", "VMXON ok") prints "[vmx] VMXON ok".
 *
 * Output is written at once until console_buffer(); from then on it is
 * queued, in order, and sent as the UART takes it (console_pump), so
 * that no VM waits while another's lines go out at 115200 baud. A
 * guest's lines fit in its own share of the queue or are dropped and
 * counted; the hypervisor's are never dropped. console_flush() sends
 * everything and writes at once again: for halt, panic and faults. */
#ifndef LIB_CONSOLE_H
#define LIB_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*console_sink)(const char *s, size_t n);

/* The transmitter the console writes to (drivers/uart.c registers the
 * serial port's at boot: lib/ sits below the drivers). 'room': how many
 * bytes it takes now, or, with 'wait', once it can take some; 'send':
 * at most that many; 'burst_us': how long one full burst takes. Until
 * one is attached, only the early sink sees the output. */
struct console_port {
	uint32_t (*room)(bool wait);
	void (*send)(const char *s, uint32_t n);
	uint32_t (*burst_us)(void);
};
void console_attach(const struct console_port *port);

/* A second output beside the serial port, or NULL to drop it. When the
 * second output already reaches the serial port itself (a firmware console
 * on COM1), 'replaces_serial' stops the direct serial output meanwhile,
 * so no line appears twice. */
void console_set_early_sink(console_sink sink, bool replaces_serial);

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_line(const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG(tag, ...) log_line(tag, __VA_ARGS__)

#define CONSOLE_NAME_MAX  16    /* a guest's name, with its NUL */
#define CONSOLE_LINE_MAX  128   /* a guest's line, without its name */

/* The line 'text' of VM 'vm', printed as "name: text". 'unreported'
 * lines were dropped before it: a note says so first. false when it
 * did not fit in the VM's share: the caller counts it as dropped. */
bool console_guest_line(uint32_t vm, const char *name, const char *text,
			uint64_t unreported);
/* Queue from now on (the scheduler starts the guests). */
void console_buffer(void);
/* Send what the UART takes now; never waits. */
void console_pump(void);
/* Bytes wait to be sent; how many. */
bool console_pending(void);
uint32_t console_queued(void);
/* How long the UART takes to send what one console_pump gives it: the
 * longest a VM should run while bytes wait. */
uint32_t console_pump_us(void);
/* Send everything queued, and write at once from now on. */
void console_flush(void);

#endif
