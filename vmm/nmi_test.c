/* A host NMI on demand, for tests: PIT channel 0 as a one-shot, its
 * output (ISA IRQ 0) delivered by the I/O APIC in NMI delivery mode
 * [82093AA 3.2.4]. The NMI comes while whatever runs then runs, so a
 * guest that spins right after asking gets it in guest mode. The PIT is
 * programmed before the pin is routed, so a periodic mode the firmware
 * left cannot send NMIs; after its one rising edge OUT0 stays high, and
 * the next arming drives it low again. */
#include "arch/x86/cpu.h"
#include "drivers/acpi.h"
#include "drivers/ioapic.h"
#include "drivers/pit.h"
#include "vmm/nmi_test.h"

/* ISA IRQ 0 without a MADT override (Bochs has no ACPI tables): the PIT
 * is on I/O APIC pin 2 on PC chipsets, the 8259's output on pin 0. */
#define PIT_PIN_DEFAULT 2
#define NMI_VECTOR      2       /* ignored in NMI delivery mode */

int nmi_test_arm(uint32_t ms)
{
	uint32_t gsi = PIT_PIN_DEFAULT;
	uint16_t inti;
	uint8_t apic_id = (uint8_t)(cpuid(1, 0).ebx >> 24);

	if (!acpi_irq_override(0, &gsi, &inti))
		gsi = PIT_PIN_DEFAULT;
	/* Without a NIC nobody has set the I/O APIC up yet. */
	if (!ioapic_present() && ioapic_init(IOAPIC_DEFAULT_BASE))
		return -1;
	pit_ch0_oneshot(ms);
	return gsi > 0xff ? -1 : ioapic_route((uint8_t)gsi, NMI_VECTOR,
					      IOAPIC_NMI, apic_id);
}
