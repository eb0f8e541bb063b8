/* 8259A programmable interrupt controllers [8259A datasheet, ICW1-4,
 * OCW1-3] and the PIIX edge/level control registers. Interrupts from
 * the 8259 reach the CPU through the LAPIC's LINT0 in ExtINT mode, which
 * OVMF leaves enabled; they take an 8259 EOI, never a LAPIC EOI. */
#include <stdint.h>

#include "arch/x86/arch.h"
#include "arch/x86/cpu.h"
#include "drivers/pic.h"
#include "lib/console.h"

#define PIC1_CMD     0x20
#define PIC1_DATA    0x21
#define PIC2_CMD     0xa0
#define PIC2_DATA    0xa1
#define ELCR1        0x4d0      /* IRQ 0-7; 1 = level */
#define ELCR2        0x4d1      /* IRQ 8-15 */

#define ICW1_INIT    0x10
#define ICW1_ICW4    0x01       /* ICW4 follows */
#define ICW3_MASTER  0x04       /* slave on IRQ 2 */
#define ICW3_SLAVE   0x02       /* its cascade identity */
#define ICW4_8086    0x01
#define OCW2_EOI     0x20       /* non-specific EOI */
#define OCW3_READ_ISR 0x0b

#define IRQ_CASCADE  2
#define IRQ_SPURIOUS 7          /* per controller: 7 and 15 */

void pic_mask_all(void)
{
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

static uint8_t pic_isr(uint16_t cmd)
{
	outb(cmd, OCW3_READ_ISR);
	return inb(cmd);
}

/* A request that went away before the acknowledge comes in as IRQ 7 of
 * its controller with the ISR bit clear; it takes no EOI from that
 * controller, but a spurious slave IRQ still owes the master one for
 * the cascade. */
static void pic_spurious(uint8_t vector)
{
	uint8_t irq = (uint8_t)(vector - PIC_VEC_BASE);

	if (irq < 8) {
		if (pic_isr(PIC1_CMD) & (1u << IRQ_SPURIOUS))
			pic_eoi(irq);
		return;
	}
	if (pic_isr(PIC2_CMD) & (1u << IRQ_SPURIOUS))
		pic_eoi(irq);
	else
		outb(PIC1_CMD, OCW2_EOI);
}

void pic_init(void)
{
	outb(PIC1_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC2_CMD, ICW1_INIT | ICW1_ICW4);
	outb(PIC1_DATA, PIC_VEC_BASE);
	outb(PIC2_DATA, PIC_VEC_BASE + 8);
	outb(PIC1_DATA, ICW3_MASTER);
	outb(PIC2_DATA, ICW3_SLAVE);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	pic_mask_all();
	irq_set_handler(PIC_VEC_BASE + IRQ_SPURIOUS, pic_spurious);
	irq_set_handler(PIC_VEC_BASE + 8 + IRQ_SPURIOUS, pic_spurious);
	LOG("pic", "8259s at vectors 0x%x-0x%x, all masked", PIC_VEC_BASE,
	    PIC_VEC_BASE + 15);
}

/* IRQ 0, 1, 2, 8 and 13 are the PIIX's own and must stay edge-triggered. */
#define ELCR_EDGE_ONLY ((1u << 0) | (1u << 1) | (1u << 2) | (1u << 8) | (1u << 13))

void pic_set_level(uint8_t irq)
{
	uint16_t port = irq < 8 ? ELCR1 : ELCR2;

	if (irq >= 16 || ELCR_EDGE_ONLY & (1u << irq))
		return;
	outb(port, (uint8_t)(inb(port) | 1u << (irq & 7)));
}

void pic_unmask(uint8_t irq)
{
	if (irq >= 8) {
		outb(PIC2_DATA, (uint8_t)(inb(PIC2_DATA) & ~(1u << (irq - 8))));
		irq = IRQ_CASCADE;
	}
	outb(PIC1_DATA, (uint8_t)(inb(PIC1_DATA) & ~(1u << irq)));
}

void pic_eoi(uint8_t irq)
{
	if (irq >= 8)
		outb(PIC2_CMD, OCW2_EOI);
	outb(PIC1_CMD, OCW2_EOI);
}
