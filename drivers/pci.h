/* PCI configuration space through configuration mechanism #1 (ports
 * 0xCF8/0xCFC) [PCI 3.0 3.2.2.3.2], a scan of buses 0..PCI_SCAN_BUSES-1,
 * and the few header fields a driver needs [PCI 3.0 6.1, 6.2]. */
#ifndef DRIVERS_PCI_H
#define DRIVERS_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCI_SCAN_BUSES     8

/* Type 0 header offsets [PCI 3.0 6.1, Figure 6-1] */
#define PCI_VENDOR_ID      0x00
#define PCI_DEVICE_ID      0x02
#define PCI_COMMAND        0x04
#define   PCI_CMD_IO        (1u << 0)
#define   PCI_CMD_MEM       (1u << 1)
#define   PCI_CMD_MASTER    (1u << 2)
#define   PCI_CMD_INTX_DIS  (1u << 10)
#define PCI_STATUS         0x06
#define PCI_CLASS_REV      0x08        /* class [31:8], revision [7:0] */
#define PCI_HEADER_TYPE    0x0e
#define   PCI_HDR_MULTIFN   0x80
#define PCI_BAR0           0x10
#define   PCI_BAR_IO        (1u << 0)
#define   PCI_BAR_TYPE_MASK (3u << 1)
#define   PCI_BAR_TYPE_64   (2u << 1)
#define   PCI_BAR_MEM_MASK  0xfffffff0u
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN  0x3d        /* 0: none, 1..4: INTA#..INTD# */

#define PCI_VENDOR_NONE    0xffff      /* no function answers here */

struct pci_id {
	uint16_t    vendor, device;
	const char *name;
};

struct pci_dev {
	uint8_t  bus, dev, fn;
	uint16_t vendor, device;
	uint8_t  irq_line;      /* as the firmware programmed it; 0xff: none */
	uint8_t  irq_pin;       /* 1..4 = INTA#..INTD#, 0: no INTx */
	const struct pci_id *id;        /* the table entry that matched */
};

uint32_t pci_read32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint16_t pci_read16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
uint8_t  pci_read8(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off);
void     pci_write32(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off,
		     uint32_t v);

/* The first function, in bus/device/function order, whose vendor:device
 * is in 'ids'. Fills 'out' and returns 0, or returns -1. */
int pci_find(const struct pci_id *ids, size_t n, struct pci_dev *out);

/* Base address of memory BAR 'bar' (32- or 64-bit) [PCI 3.0 6.2.5.1];
 * 0 when it is an I/O BAR or unassigned. */
uint64_t pci_bar_mem(const struct pci_dev *d, unsigned bar);

/* Memory decoding and bus mastering on, INTx not disabled
 * [PCI 3.0 6.2.2]. */
void pci_enable(const struct pci_dev *d);

#endif
