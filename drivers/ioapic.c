/* I/O APIC: two memory-mapped dwords, a register select and a window
 * onto the selected register [82093AA 3.1]. */
#include <stdint.h>

#include "drivers/acpi.h"
#include "drivers/ioapic.h"
#include "lib/console.h"

#define IOAPIC_IOREGSEL  0x00
#define IOAPIC_IOWIN     0x10

#define IOAPIC_ID        0x00   /* [82093AA 3.2.1] */
#define IOAPIC_VER       0x01   /* [82093AA 3.2.2] */
#define   VER_MAX_REDIR(v) (((v) >> 16) & 0xff)
#define IOAPIC_REDTBL(n) (0x10 + 2 * (n))   /* low dword; high at +1 */
#define   REDIR_MASKED   (1u << 16)
#define   REDIR_DEST_SHIFT 24               /* in the high dword */

static volatile uint32_t *ioapic;
static uint8_t npins;

static uint32_t ioapic_read(uint8_t reg)
{
	ioapic[IOAPIC_IOREGSEL / 4] = reg;
	return ioapic[IOAPIC_IOWIN / 4];
}

static void ioapic_write(uint8_t reg, uint32_t v)
{
	ioapic[IOAPIC_IOREGSEL / 4] = reg;
	ioapic[IOAPIC_IOWIN / 4] = v;
}

int ioapic_init(uint64_t base)
{
	uint32_t ver;

	ioapic = (volatile uint32_t *)(uintptr_t)base;
	ver = ioapic_read(IOAPIC_VER);
	/* Nothing decodes the address: reads float to all ones. */
	if (ver == 0xffffffffu || VER_MAX_REDIR(ver) == 0) {
		LOG("ioapic", "none at 0x%lx (version register 0x%x)",
		    (unsigned long)base, ver);
		ioapic = NULL;
		return -1;
	}
	npins = (uint8_t)(VER_MAX_REDIR(ver) + 1);
	for (uint8_t pin = 0; pin < npins; pin++)
		ioapic_mask(pin);
	LOG("ioapic", "at 0x%lx, id %u, version 0x%x, %u pins, all masked",
	    (unsigned long)base, ioapic_read(IOAPIC_ID) >> 24 & 0xf, ver & 0xff,
	    npins);
	return 0;
}

int ioapic_route(uint8_t pin, uint8_t vector, uint32_t flags,
		 uint8_t apic_id)
{
	if (!ioapic || pin >= npins)
		return -1;
	/* Masked while the halves disagree, destination first. */
	ioapic_write((uint8_t)IOAPIC_REDTBL(pin), REDIR_MASKED);
	ioapic_write((uint8_t)(IOAPIC_REDTBL(pin) + 1),
		     (uint32_t)apic_id << REDIR_DEST_SHIFT);
	ioapic_write((uint8_t)IOAPIC_REDTBL(pin),
		     vector | (flags & (IOAPIC_ACTIVE_LOW | IOAPIC_LEVEL |
					IOAPIC_NMI)));
	return 0;
}

bool ioapic_present(void)
{
	return ioapic != NULL;
}

void ioapic_mask(uint8_t pin)
{
	if (!ioapic || pin >= npins)
		return;
	ioapic_write((uint8_t)IOAPIC_REDTBL(pin), REDIR_MASKED);
}

uint32_t ioapic_flags_from_inti(uint16_t inti, uint32_t dflt)
{
	uint32_t f = dflt;

	switch (inti & ACPI_INTI_POLARITY_MASK) {
	case ACPI_INTI_ACTIVE_HIGH:
		f &= ~IOAPIC_ACTIVE_LOW;
		break;
	case ACPI_INTI_ACTIVE_LOW:
		f |= IOAPIC_ACTIVE_LOW;
		break;
	}
	switch (inti & ACPI_INTI_TRIGGER_MASK) {
	case ACPI_INTI_EDGE:
		f &= ~IOAPIC_LEVEL;
		break;
	case ACPI_INTI_LEVEL:
		f |= IOAPIC_LEVEL;
		break;
	}
	return f;
}
