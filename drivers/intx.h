/* A PCI device's INTx line to a vector of this CPU: through the I/O APIC
 * (with the MADT's interrupt source overrides, when ACPI has any) or the
 * 8259 pair. Which route a line takes is platform work, not the device
 * driver's: the driver asks for a vector and sends its EOI through here. */
#ifndef DRIVERS_INTX_H
#define DRIVERS_INTX_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/arch.h"

enum intx_mode {
	INTX_AUTO,              /* I/O APIC if one answers, else the 8259 */
	INTX_IOAPIC,            /* pin = PCI interrupt line, level, active low */
	INTX_8259,              /* IRQ = interrupt line, level in the ELCR */
};

/* A routed line: what intx_eoi() needs. */
struct intx {
	uint8_t line;           /* the PCI interrupt line (ISA IRQ) */
	bool    via_pic;
};

/* Route interrupt line 'line' (pin 'pin', 1 = INTA#) to 'fn', as 'vector'
 * through the I/O APIC or as PIC_VEC_BASE + line through the 8259, per
 * 'mode'. One log line names the route, prefixed 'who'. Returns the
 * vector in use, or -1 (nothing routed, the reason logged). */
int intx_route(const char *who, uint8_t line, uint8_t pin, uint8_t vector,
	       enum intx_mode mode, irq_handler fn, struct intx *out);

/* End of interrupt for a routed line: the 8259's, or the local APIC's. */
void intx_eoi(const struct intx *r);

#endif
