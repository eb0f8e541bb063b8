/* The virtual 16550 at 0x3F8 each guest prints through: its registers
 * (vmm/dev/uart16550.c) and the line discipline to the console. */
#ifndef VMM_VUART_H
#define VMM_VUART_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/dev/uart16550.h"

#define VUART_BASE  0x3f8
#define VUART_PORTS 8
#define VUART_LINE  120

struct vuart {
	const char *name;               /* the VM's, prefixed to each line */
	struct uart16550 hw;            /* the registers (vmm/dev/uart16550.c) */
	uint16_t    len;
	char        line[VUART_LINE + 1];
};

void vuart_init(struct vuart *u, const char *name);
bool vuart_claims(uint16_t port);
/* One byte-wide access at 'port'; a read returns the value. A Linux VM's
 * interrupt line is uart16550_irq(&u->hw) (vmm/dev/vdev.c). */
uint8_t vuart_io(struct vuart *u, uint16_t port, bool in, uint8_t value);
/* Text from the console hypercall, through the same line discipline. */
void vuart_write(struct vuart *u, const char *s, uint64_t n);

#endif
