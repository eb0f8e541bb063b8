/* PCI configuration space, mechanism #1 [PCI 3.0 3.2.2.3.2]: a dword
 * address written to CONFIG_ADDRESS selects bus, device, function and
 * register; CONFIG_DATA then reads or writes that dword. */
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "drivers/pci.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA    0xcfc
#define   PCI_ADDR_ENABLE  (1u << 31)

static uint32_t config_address(uint8_t bus, uint8_t dev, uint8_t fn,
			       uint8_t off)
{
	return PCI_ADDR_ENABLE | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
	       (uint32_t)(fn & 7) << 8 | (off & 0xfc);
}

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	return inl(PCI_CONFIG_DATA);
}

void pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
		 uint32_t v)
{
	outl(PCI_CONFIG_ADDRESS, config_address(bus, dev, fn, off));
	outl(PCI_CONFIG_DATA, v);
}

uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return (uint16_t)(pci_read32(bus, dev, fn, off) >> (off & 2) * 8);
}

uint8_t pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return (uint8_t)(pci_read32(bus, dev, fn, off) >> (off & 3) * 8);
}

static const struct pci_id *match(const struct pci_id *ids, size_t n,
				  uint16_t vendor, uint16_t device)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i].vendor == vendor && ids[i].device == device)
			return &ids[i];
	return NULL;
}

int pci_find(const struct pci_id *ids, size_t n, struct pci_dev *out)
{
	for (unsigned bus = 0; bus < PCI_SCAN_BUSES; bus++) {
		for (uint8_t dev = 0; dev < 32; dev++) {
			uint8_t nfn;

			if (pci_read16(bus, dev, 0, PCI_VENDOR_ID) == PCI_VENDOR_NONE)
				continue;
			/* Functions 1-7 exist only behind a multi-function
			 * header [PCI 3.0 6.2.1]. */
			nfn = pci_read8(bus, dev, 0, PCI_HEADER_TYPE) &
			      PCI_HDR_MULTIFN ? 8 : 1;

			for (uint8_t fn = 0; fn < nfn; fn++) {
				uint32_t id = pci_read32(bus, dev, fn, PCI_VENDOR_ID);
				uint16_t vendor = (uint16_t)id, device = (uint16_t)(id >> 16);
				const struct pci_id *m;

				if (vendor == PCI_VENDOR_NONE)
					continue;
				m = match(ids, n, vendor, device);
				if (!m)
					continue;
				*out = (struct pci_dev){
					.bus = (uint8_t)bus, .dev = dev, .fn = fn,
					.vendor = vendor, .device = device,
					.irq_line = pci_read8(bus, dev, fn, PCI_INTERRUPT_LINE),
					.irq_pin = pci_read8(bus, dev, fn, PCI_INTERRUPT_PIN),
					.id = m,
				};
				return 0;
			}
		}
	}
	return -1;
}

uint64_t pci_bar_mem(const struct pci_dev *d, unsigned bar)
{
	uint8_t off = (uint8_t)(PCI_BAR0 + bar * 4);
	uint32_t lo;
	uint64_t base;

	if (bar > 5)
		return 0;
	lo = pci_read32(d->bus, d->dev, d->fn, off);
	base = lo & PCI_BAR_MEM_MASK;
	if (lo & PCI_BAR_IO)
		return 0;
	if ((lo & PCI_BAR_TYPE_MASK) == PCI_BAR_TYPE_64) {
		if (bar == 5)
			return 0;
		base |= (uint64_t)pci_read32(d->bus, d->dev, d->fn,
					     (uint8_t)(off + 4)) << 32;
	}
	return base;
}

void pci_enable(const struct pci_dev *d)
{
	uint16_t cmd = pci_read16(d->bus, d->dev, d->fn, PCI_COMMAND);

	cmd |= PCI_CMD_MEM | PCI_CMD_MASTER;
	cmd &= (uint16_t)~PCI_CMD_INTX_DIS;
	/* The whole dword with status = 0: the status register's error bits
	 * are write-one-to-clear [PCI 3.0 6.2.3], so zeros change nothing. */
	pci_write32(d->bus, d->dev, d->fn, PCI_COMMAND, cmd);
}
