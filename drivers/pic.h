/* The 8259A pair as the PC wires it: slave on the master's IRQ 2, and
 * the PIIX's edge/level control registers (ELCR) at 0x4D0/0x4D1. The
 * I/O APIC is the preferred route; this one is the fallback. */
#ifndef DRIVERS_PIC_H
#define DRIVERS_PIC_H

#include <stdint.h>

/* Where pic_init() puts the 16 IRQs: IRQ n is vector PIC_VEC_BASE + n,
 * just below the LAPIC timer (drivers/lapic.h). */
#define PIC_VEC_BASE 0xe0

/* Mask every IRQ on both controllers. */
void pic_mask_all(void);

/* Re-initialise both controllers with IRQ n at PIC_VEC_BASE + n, all
 * masked, and take their spurious vectors (IRQ 7 and 15). */
void pic_init(void);

/* Make 'irq' level-triggered in the ELCR (shared PCI INTx must be). */
void pic_set_level(uint8_t irq);

/* Unmask 'irq' (and the cascade, for a slave IRQ). */
void pic_unmask(uint8_t irq);

/* End of interrupt for 'irq': slave then master for IRQs 8-15. */
void pic_eoi(uint8_t irq);

#endif
