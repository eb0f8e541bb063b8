/* PCI INTx routing (drivers/intx.h). */
#include "arch/x86/cpu.h"
#include "drivers/acpi.h"
#include "drivers/intx.h"
#include "drivers/ioapic.h"
#include "drivers/lapic.h"
#include "drivers/pic.h"
#include "lib/console.h"

/* The firmware's interrupt line names the ISA IRQ. Without ACPI (Bochs +
 * OVMF) ISA IRQ n is I/O APIC pin n, level and active low as PCI wants;
 * the MADT may say otherwise (QEMU's q35 and i440fx: IRQ 11, level,
 * active high). */
static int via_ioapic(const char *who, uint8_t line, uint8_t pin,
		      uint8_t vector, irq_handler fn)
{
	/* This CPU's initial APIC ID: CPUID.1:EBX[31:24] [SDM 2A CPUID]. */
	uint8_t apic_id = (uint8_t)(cpuid(1, 0).ebx >> 24);
	uint32_t gsi = line, flags = IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW;
	uint16_t inti;
	bool iso = acpi_irq_override(line, &gsi, &inti);

	if (iso)
		flags = ioapic_flags_from_inti(inti, flags);
	pic_mask_all();
	irq_set_handler(vector, fn);
	if (gsi > 0xff || ioapic_route((uint8_t)gsi, vector, flags, apic_id)) {
		LOG(who, "I/O APIC has no pin %u: polling only", gsi);
		irq_set_handler(vector, NULL);
		return -1;
	}
	LOG(who, "interrupts: INT%c# line %u -> I/O APIC pin %u%s, %s, "
	    "active %s -> vector 0x%x on APIC %u", 'A' + pin - 1, line, gsi,
	    iso ? " (MADT override)" : "",
	    flags & IOAPIC_LEVEL ? "level" : "edge",
	    flags & IOAPIC_ACTIVE_LOW ? "low" : "high", vector, apic_id);
	return vector;
}

/* PCI INTx is level-triggered and shareable: the ELCR must say level. */
static int via_pic(const char *who, uint8_t line, uint8_t pin, irq_handler fn)
{
	uint8_t vector = (uint8_t)(PIC_VEC_BASE + line);

	pic_init();
	pic_set_level(line);
	irq_set_handler(vector, fn);
	pic_unmask(line);
	LOG(who, "interrupts: INT%c# line %u -> 8259 IRQ %u (level in the "
	    "ELCR) -> vector 0x%x", 'A' + pin - 1, line, line, vector);
	return vector;
}

int intx_route(const char *who, uint8_t line, uint8_t pin, uint8_t vector,
	       enum intx_mode mode, irq_handler fn, struct intx *out)
{
	if (!pin || line >= 16) {
		LOG(who, "no INTx (pin %u, line %u): polling only", pin, line);
		return -1;
	}
	out->line = line;
	out->via_pic = false;
	if (mode != INTX_8259 && !ioapic_init(IOAPIC_DEFAULT_BASE))
		return via_ioapic(who, line, pin, vector, fn);
	if (mode == INTX_IOAPIC) {
		LOG(who, "no I/O APIC: polling only");
		return -1;
	}
	out->via_pic = true;
	return via_pic(who, line, pin, fn);
}

void intx_eoi(const struct intx *r)
{
	if (r->via_pic)
		pic_eoi(r->line);
	else
		lapic_eoi();
}
