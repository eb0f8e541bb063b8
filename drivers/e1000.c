/* Intel 8254x (e1000) driver: legacy descriptors, one receive and one
 * transmit ring, INTx through the I/O APIC or the 8259, polling always
 * possible. Citations: [8254x section] of the Software Developer's Manual
 * 317453. The rings follow iPXE's intel.c: free-running prod/cons
 * counters, refill then one barrier then one tail write. */
#include <stdint.h>

#include "arch/x86/arch.h"
#include "arch/x86/cpu.h"
#include "drivers/e1000.h"
#include "drivers/intx.h"
#include "drivers/pci.h"
#include "drivers/pit.h"
#include "lib/console.h"
#include "lib/string.h"

/* Descriptor stores must reach memory before the tail write that hands
 * them to the NIC: only the compiler has to be stopped from reordering
 * (compiler_barrier). */
#define barrier() compiler_barrier()

#define EERD_SPINS      100000
#define RESET_WAIT_MS   10
#define FOUR_GIB        (1ull << 32)
#define IMS_USED        (E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0 | \
			 E1000_ICR_LSC | E1000_ICR_TXDW)
#define ICR_RX_WORK     (E1000_ICR_RXT0 | E1000_ICR_RXO | E1000_ICR_RXDMT0)

/* The 8254x parts with the 82540's register set, legacy descriptors and
 * EERD layout (DONE in bit 4, address in bits 15:8), copper only: the
 * 82541/82547 move EERD's fields, the 82543/82544 have no EERD, fibre
 * and SerDes parts need a different link setup. */
static const struct pci_id e1000_ids[] = {
	{ 0x8086, 0x100e, "82540EM" },          /* what Bochs and QEMU emulate */
	{ 0x8086, 0x1015, "82540EM (LOM)" },
	{ 0x8086, 0x1016, "82540EP (LOM)" },
	{ 0x8086, 0x1017, "82540EP" },
	{ 0x8086, 0x101e, "82540EP (mobile)" },
	{ 0x8086, 0x100f, "82545EM (copper)" },
	{ 0x8086, 0x1026, "82545GM (copper)" },
	{ 0x8086, 0x1010, "82546EB (copper)" },
	{ 0x8086, 0x101d, "82546EB (quad copper)" },
	{ 0x8086, 0x1079, "82546GB (copper)" },
};
#define NR_IDS (sizeof(e1000_ids) / sizeof(e1000_ids[0]))

struct ring_mem {
	uint64_t addr, pages;
};

static struct e1000_nic {
	bool            up;
	volatile uint8_t *regs;
	struct pci_dev  pci;
	uint8_t         mac[6];
	struct page_alloc *pa;
	uint32_t        rctl;           /* as last written, EN aside */
	bool            rx_enabled;     /* RCTL.EN: set by the first flush */

	volatile struct e1000_rx_desc *rx;
	uint64_t        *rx_hpa;        /* per descriptor: the posted page */
	uint32_t        rx_n, rx_prod, rx_cons, rx_flushed;

	volatile struct e1000_tx_desc *tx;
	uint64_t        tx_buf;         /* tx_n buffers of E1000_TX_BUF_SIZE */
	uint32_t        tx_n, tx_prod, tx_cons;

	struct ring_mem mem[4];         /* rx ring, rx_hpa, tx ring, tx buffers */

	struct intx     intx;           /* how the interrupt line is routed */
	volatile bool   irq_rx;         /* receive work reported */
	volatile bool   link_changed;

	struct e1000_stats st;
} nic;

static uint32_t rd(uint32_t reg)
{
	return *(volatile uint32_t *)(nic.regs + reg);
}

static void wr(uint32_t reg, uint32_t v)
{
	*(volatile uint32_t *)(nic.regs + reg) = v;
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* --- bring-up -------------------------------------------------------- */

/* Quiesce, then CTRL.RST: the MAC, FIFOs and registers go back to their
 * defaults; PCI configuration stays [8254x 13.4.1]. */
static int e1000_reset(void)
{
	wr(E1000_IMC, E1000_IMS_ALL);
	wr(E1000_RCTL, 0);
	wr(E1000_TCTL, 0);
	(void)rd(E1000_STATUS);                 /* flush the posted writes */
	pit_measure_tsc(RESET_WAIT_MS);         /* let DMA in progress end */
	wr(E1000_CTRL, rd(E1000_CTRL) | E1000_CTRL_RST);
	pit_measure_tsc(RESET_WAIT_MS);
	if (rd(E1000_CTRL) & E1000_CTRL_RST)
		return -1;
	wr(E1000_IMC, E1000_IMS_ALL);
	(void)rd(E1000_ICR);
	return 0;
}

static int eeprom_read(uint8_t word, uint16_t *out)
{
	wr(E1000_EERD, E1000_EERD_START | (uint32_t)word << E1000_EERD_ADDR_SHIFT);
	for (unsigned i = 0; i < EERD_SPINS; i++) {
		uint32_t v = rd(E1000_EERD);

		if (v & E1000_EERD_DONE) {
			*out = E1000_EERD_DATA(v);
			return 0;
		}
		cpu_pause();
	}
	return -1;
}

/* RAL/RAH[0] as the EEPROM loaded them after reset; Bochs leaves them 0,
 * so then words 0-2 of the EEPROM itself [8254x 5.6.1]. */
static int read_mac(const char **from)
{
	uint32_t ral = rd(E1000_RAL(0)), rah = rd(E1000_RAH(0));

	if ((rah & E1000_RAH_AV) && (ral || (rah & 0xffff))) {
		for (int i = 0; i < 4; i++)
			nic.mac[i] = (uint8_t)(ral >> 8 * i);
		nic.mac[4] = (uint8_t)rah;
		nic.mac[5] = (uint8_t)(rah >> 8);
		*from = "RAL/RAH";
		return 0;
	}
	for (uint8_t w = 0; w < 3; w++) {
		uint16_t v;

		if (eeprom_read(E1000_EEPROM_MAC_WORD + w, &v))
			return -1;
		nic.mac[2 * w] = (uint8_t)v;
		nic.mac[2 * w + 1] = (uint8_t)(v >> 8);
	}
	/* The 82546's second port has the first port's MAC with the last
	 * bit flipped; its EEPROM holds only the first. */
	if ((nic.pci.device & 0xfff0) == 0x1010 || nic.pci.device == 0x1079)
		if (E1000_STATUS_FUNC_ID(rd(E1000_STATUS)) == 1)
			nic.mac[5] ^= 1;
	*from = "the EEPROM (EERD)";
	return 0;
}

static uint64_t ring_alloc(int slot, uint64_t bytes)
{
	uint64_t pages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
	uint64_t a = page_alloc(nic.pa, pages, PAGE_SIZE);

	if (a)
		nic.mem[slot] = (struct ring_mem){ a, pages };
	return a;
}

static void rings_free(void)
{
	for (int i = 0; i < 4; i++) {
		if (nic.mem[i].addr)
			page_free(nic.pa, nic.mem[i].addr, nic.mem[i].pages);
		nic.mem[i] = (struct ring_mem){ 0, 0 };
	}
}

/* [8254x 14.4] Receive ring, filters cleared but for the NIC's own MAC.
 * RCTL.EN waits for the first flush: Bochs takes RDH == RDT right after
 * an RDT write for a full ring, not an empty one. */
static int rx_setup(uint32_t count)
{
	uint64_t ring = ring_alloc(0, count * sizeof(struct e1000_rx_desc));
	uint64_t hpa = ring ? ring_alloc(1, count * sizeof(uint64_t)) : 0;

	if (!hpa)
		return -1;
	nic.rx = (volatile struct e1000_rx_desc *)(uintptr_t)ring;
	nic.rx_hpa = (uint64_t *)(uintptr_t)hpa;
	nic.rx_n = count;
	nic.rx_prod = nic.rx_cons = nic.rx_flushed = 0;
	nic.rx_enabled = false;

	for (unsigned i = 0; i < E1000_MTA_COUNT; i++)
		wr(E1000_MTA(i), 0);
	for (unsigned i = 1; i < E1000_RA_COUNT; i++) {
		wr(E1000_RAH(i), 0);
		wr(E1000_RAL(i), 0);
	}
	wr(E1000_RAL(0), nic.mac[0] | nic.mac[1] << 8 | nic.mac[2] << 16 |
	   (uint32_t)nic.mac[3] << 24);
	wr(E1000_RAH(0), nic.mac[4] | nic.mac[5] << 8 | E1000_RAH_AV);

	wr(E1000_RDBAL, (uint32_t)ring);
	wr(E1000_RDBAH, (uint32_t)(ring >> 32));
	wr(E1000_RDLEN, count * (uint32_t)sizeof(struct e1000_rx_desc));
	wr(E1000_RDH, 0);
	wr(E1000_RDT, 0);
	wr(E1000_RDTR, 0);                      /* interrupt without delay */
	wr(E1000_RADV, 0);
	wr(E1000_RXCSUM, 0);                    /* no offload: errors are frame errors */
	/* 4096-byte buffers, a pool page each, and long packets: a jumbo
	 * frame spans descriptors; the path drops what passes the mtu. */
	nic.rctl = E1000_RCTL_BAM | E1000_RCTL_MPE | E1000_RCTL_SECRC |
		   E1000_RCTL_LPE | E1000_RCTL_BSIZE_4096 | E1000_RCTL_BSEX |
		   E1000_RCTL_RDMTS_HALF;
	wr(E1000_RCTL, nic.rctl);
	LOG("e1000", "receive ring: %u descriptors at 0x%lx, %u-byte buffers, "
	    "RCTL 0x%x (EN at the first post)", count, (unsigned long)ring,
	    E1000_RX_BUF_SIZE, nic.rctl | E1000_RCTL_EN);
	return 0;
}

/* [8254x 14.5] Transmit ring and its buffers. */
static int tx_setup(uint32_t count)
{
	uint64_t ring = ring_alloc(2, count * sizeof(struct e1000_tx_desc));
	uint64_t bufs = ring ? ring_alloc(3, (uint64_t)count * E1000_TX_BUF_SIZE) : 0;
	uint32_t tctl, tipg;

	if (!bufs)
		return -1;
	nic.tx = (volatile struct e1000_tx_desc *)(uintptr_t)ring;
	nic.tx_buf = bufs;
	nic.tx_n = count;
	nic.tx_prod = nic.tx_cons = 0;

	wr(E1000_TDBAL, (uint32_t)ring);
	wr(E1000_TDBAH, (uint32_t)(ring >> 32));
	wr(E1000_TDLEN, count * (uint32_t)sizeof(struct e1000_tx_desc));
	wr(E1000_TDH, 0);
	wr(E1000_TDT, 0);
	wr(E1000_TIDV, 0);
	tipg = E1000_TIPG_IPGT_COPPER | E1000_TIPG_IPGR1 << E1000_TIPG_IPGR1_SHIFT |
	       E1000_TIPG_IPGR2 << E1000_TIPG_IPGR2_SHIFT;
	wr(E1000_TIPG, tipg);
	tctl = E1000_TCTL_EN | E1000_TCTL_PSP | E1000_TCTL_RTLC |
	       E1000_TCTL_CT_DEFAULT << E1000_TCTL_CT_SHIFT |
	       E1000_TCTL_COLD_FD << E1000_TCTL_COLD_SHIFT;
	wr(E1000_TCTL, tctl);
	LOG("e1000", "transmit ring: %u descriptors at 0x%lx, buffers at 0x%lx, "
	    "TCTL 0x%x, TIPG 0x%x", count, (unsigned long)ring,
	    (unsigned long)bufs, tctl, tipg);
	return 0;
}

bool e1000_link(uint32_t *mbps, bool *full_duplex)
{
	static const uint32_t speeds[4] = { 10, 100, 1000, 1000 };
	uint32_t s;

	if (!nic.up)
		return false;
	s = rd(E1000_STATUS);
	if (mbps)
		*mbps = speeds[E1000_STATUS_SPEED(s)];
	if (full_duplex)
		*full_duplex = s & E1000_STATUS_FD;
	return s & E1000_STATUS_LU;
}

static void log_link(void)
{
	uint32_t mbps;
	bool fd;

	if (e1000_link(&mbps, &fd))
		LOG("e1000", "link up, %u Mb/s, %s duplex", mbps, fd ? "full" : "half");
	else
		LOG("e1000", "link down");
}

/* Reset the NIC and give the rings back: nothing DMAs any more. */
static void e1000_stop(void)
{
	e1000_reset();
	rings_free();
	nic.up = false;
}

int e1000_init(struct page_alloc *pa, uint32_t rx_count, uint32_t tx_count)
{
	const char *mac_from;
	uint64_t bar;

	if (nic.up) {
		LOG("e1000", "re-initialising: posted receive buffers are dropped");
		e1000_stop();
	}
	nic = (struct e1000_nic){ .pa = pa };
	if (!is_pow2(rx_count) || !is_pow2(tx_count) ||
	    rx_count < E1000_RING_MIN || rx_count > E1000_RING_MAX ||
	    tx_count < E1000_RING_MIN || tx_count > E1000_RING_MAX) {
		LOG("e1000", "ring sizes %u/%u: each must be a power of two in %u..%u",
		    rx_count, tx_count, E1000_RING_MIN, E1000_RING_MAX);
		return -1;
	}
	if (pci_find(e1000_ids, NR_IDS, &nic.pci)) {
		LOG("e1000", "no e1000 found (%u device IDs, buses 0-%u): "
		    "running without a network", (unsigned)NR_IDS, PCI_SCAN_BUSES - 1);
		return -1;
	}
	bar = pci_bar_mem(&nic.pci, 0);
	LOG("e1000", "%s %04x:%04x at %02x:%02x.%x, BAR0 0x%lx, INT%c# line %u",
	    nic.pci.id->name, nic.pci.vendor, nic.pci.device, nic.pci.bus,
	    nic.pci.dev, nic.pci.fn, (unsigned long)bar,
	    nic.pci.irq_pin ? 'A' + nic.pci.irq_pin - 1 : '-', nic.pci.irq_line);
	/* Our identity map makes only the low 4 GiB uncached for MMIO. */
	if (!bar || bar + E1000_BAR_SIZE > FOUR_GIB) {
		LOG("e1000", "BAR0 unassigned, I/O or above 4 GiB: not usable");
		return -1;
	}
	pci_enable(&nic.pci);
	nic.regs = (volatile uint8_t *)(uintptr_t)bar;

	if (e1000_reset()) {
		LOG("e1000", "reset: CTRL.RST still set after %u ms", RESET_WAIT_MS);
		return -1;
	}
	/* Link set up by the PHY's autonegotiation [8254x 14.3]. */
	wr(E1000_CTRL, (rd(E1000_CTRL) | E1000_CTRL_SLU | E1000_CTRL_ASDE) &
	   ~(E1000_CTRL_LRST | E1000_CTRL_PHY_RST | E1000_CTRL_VME));
	wr(E1000_FCAL, 0);
	wr(E1000_FCAH, 0);
	wr(E1000_FCT, 0);
	wr(E1000_FCTTV, 0);
	LOG("e1000", "reset done, interrupts masked, link up forced (SLU, ASDE)");

	if (read_mac(&mac_from)) {
		LOG("e1000", "EEPROM read timed out: no MAC");
		return -1;
	}
	LOG("e1000", "MAC %02x:%02x:%02x:%02x:%02x:%02x from %s", nic.mac[0],
	    nic.mac[1], nic.mac[2], nic.mac[3], nic.mac[4], nic.mac[5], mac_from);
	if ((nic.mac[0] & 1) || !(nic.mac[0] | nic.mac[1] | nic.mac[2] |
				  nic.mac[3] | nic.mac[4] | nic.mac[5])) {
		LOG("e1000", "MAC is zero or multicast: not usable");
		return -1;
	}

	if (rx_setup(rx_count) || tx_setup(tx_count)) {
		LOG("e1000", "no memory for the rings (%u + %u descriptors)",
		    rx_count, tx_count);
		e1000_reset();
		rings_free();
		return -1;
	}
	nic.up = true;
	log_link();
	return 0;
}

bool e1000_present(void)
{
	return nic.up;
}

void e1000_mac(uint8_t mac[6])
{
	memcpy(mac, nic.mac, 6);
}

/* --- receive --------------------------------------------------------- */

uint32_t e1000_rx_room(void)
{
	/* One descriptor stays empty: RDH == RDT means the ring is empty
	 * to the NIC, never full [8254x 3.2.6]. */
	return nic.up ? nic.rx_n - 1 - (nic.rx_prod - nic.rx_cons) : 0;
}

uint32_t e1000_rx_post(const uint64_t *hpa, uint32_t n)
{
	uint32_t room = e1000_rx_room();

	if (n > room)
		n = room;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = nic.rx_prod % nic.rx_n;
		volatile struct e1000_rx_desc *d = &nic.rx[i];

		if (hpa[k] & (PAGE_SIZE - 1) || !hpa[k])
			panic("e1000_rx_post: 0x%lx is not a page",
			      (unsigned long)hpa[k]);
		nic.rx_hpa[i] = hpa[k];
		d->addr = hpa[k];
		d->length = 0;
		d->csum = 0;
		d->errors = 0;
		d->special = 0;
		d->status = 0;          /* the NIC ORs DD in */
		nic.rx_prod++;
	}
	return n;
}

void e1000_rx_flush(void)
{
	if (!nic.up || nic.rx_prod == nic.rx_flushed)
		return;
	barrier();
	/* The NIC owns [RDH, RDT) [8254x 3.2.6]. */
	wr(E1000_RDT, nic.rx_prod % nic.rx_n);
	nic.rx_flushed = nic.rx_prod;
	if (!nic.rx_enabled) {
		nic.rx_enabled = true;
		wr(E1000_RCTL, nic.rctl | E1000_RCTL_EN);
	}
}

uint32_t e1000_rx_in_flight(void)
{
	return nic.rx_prod - nic.rx_cons;
}

/* The ring index of the next descriptor in ring order, if the NIC is
 * done with it [8254x 3.2.3.1, DD], and its status. */
static bool rx_done(uint32_t *i, uint8_t *status)
{
	if (nic.rx_cons == nic.rx_flushed)
		return false;
	*i = nic.rx_cons % nic.rx_n;
	*status = nic.rx[*i].status;
	return *status & E1000_RXD_STAT_DD;
}

bool e1000_rx_next(struct e1000_rx_done *out)
{
	uint32_t i;
	volatile struct e1000_rx_desc *d;
	uint8_t status;

	if (!nic.up)
		return false;
	if (nic.link_changed) {
		nic.link_changed = false;
		log_link();
	}
	if (!rx_done(&i, &status))
		return false;
	barrier();
	d = &nic.rx[i];
	out->len = d->length;
	out->errors = d->errors;
	out->hpa = nic.rx_hpa[i];
	/* A frame larger than a buffer spans descriptors, each handed back
	 * as it is: the caller joins them (np_rx_part). */
	out->status = status;

	d->addr = 0;
	d->status = 0;
	nic.rx_hpa[i] = 0;
	nic.rx_cons++;
	nic.st.rx_frames++;
	if ((status & E1000_RXD_STAT_EOP) &&
	    !e1000_rx_good(out->status, out->errors))
		nic.st.rx_errors++;
	return true;
}

uint64_t e1000_rx_peek(void)
{
	uint32_t i;
	uint8_t status;

	if (!nic.up || !rx_done(&i, &status))
		return 0;
	/* rx_hpa is ours, not the NIC's: no barrier needed before it. */
	return nic.rx_hpa[i];
}

/* --- transmit -------------------------------------------------------- */

/* [8254x 3.3.3.2] DD on a descriptor sent with RS: its buffer is free. */
static void tx_reclaim(void)
{
	while (nic.tx_cons != nic.tx_prod &&
	       (nic.tx[nic.tx_cons % nic.tx_n].status & E1000_TXD_STAT_DD))
		nic.tx_cons++;
}

bool e1000_tx(const uint8_t *data, uint16_t len)
{
	volatile struct e1000_tx_desc *d;
	uint8_t *buf;
	uint32_t i;

	if (!len || len > E1000_TX_MAX_LEN)
		panic("e1000_tx: length %u outside 1..%u", len, E1000_TX_MAX_LEN);
	if (!nic.up)
		return false;
	tx_reclaim();
	if (nic.tx_prod - nic.tx_cons >= nic.tx_n - 1) {
		nic.st.tx_ring_full++;
		return false;
	}
	i = nic.tx_prod % nic.tx_n;
	buf = (uint8_t *)(uintptr_t)(nic.tx_buf + (uint64_t)i * E1000_TX_BUF_SIZE);
	memcpy(buf, data, len);
	/* Padded here rather than by TCTL.PSP alone, so no stale bytes of
	 * an earlier frame in this buffer can ever go out. */
	if (len < E1000_ETH_ZLEN) {
		memset(buf + len, 0, E1000_ETH_ZLEN - len);
		len = E1000_ETH_ZLEN;
	}
	d = &nic.tx[i];
	d->addr = (uint64_t)(uintptr_t)buf;
	d->length = len;
	d->cso = 0;
	d->css = 0;
	d->special = 0;
	d->status = 0;
	d->cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	nic.tx_prod++;
	barrier();
	wr(E1000_TDT, nic.tx_prod % nic.tx_n);
	nic.st.tx_frames++;
	return true;
}

/* --- receive filter [8254x 13.5] -------------------------------------- */

bool e1000_set_filter(const uint8_t (*macs)[6], uint32_t n, bool promisc)
{
	uint32_t stuck = E1000_RA_COUNT;

	if (!nic.up)
		return false;
	for (uint32_t i = 0; i < E1000_RA_COUNT; i++) {
		uint32_t ral = 0, rah = 0;

		if (i < n) {
			const uint8_t *m = macs[i];

			ral = m[0] | m[1] << 8 | m[2] << 16 | (uint32_t)m[3] << 24;
			rah = m[4] | m[5] << 8 | E1000_RAH_AV;
		}
		wr(E1000_RAH(i), 0);            /* invalid while half written */
		wr(E1000_RAL(i), ral);
		wr(E1000_RAH(i), rah);
		if (i < n && stuck == E1000_RA_COUNT &&
		    (rd(E1000_RAL(i)) != ral || rd(E1000_RAH(i)) != rah))
			stuck = i;
	}
	nic.rctl &= ~E1000_RCTL_UPE;
	if (promisc)
		LOG("e1000", "receive filter: unicast promiscuous (asked for)");
	else if (n > E1000_RA_COUNT)
		LOG("e1000", "receive filter: unicast promiscuous (%u MACs, %u "
		    "receive address registers)", n, E1000_RA_COUNT);
	else if (stuck < E1000_RA_COUNT)
		LOG("e1000", "receive filter: unicast promiscuous (receive "
		    "address %u reads back 0x%x/0x%x)", stuck,
		    rd(E1000_RAL(stuck)), rd(E1000_RAH(stuck)));
	else
		LOG("e1000", "receive filter: %u unicast MAC(s) exact", n);
	if (promisc || n > E1000_RA_COUNT || stuck < E1000_RA_COUNT)
		nic.rctl |= E1000_RCTL_UPE;
	nic.rctl |= E1000_RCTL_BAM | E1000_RCTL_MPE;
	wr(E1000_RCTL, nic.rctl | (nic.rx_enabled ? E1000_RCTL_EN : 0));
	return !(nic.rctl & E1000_RCTL_UPE);
}

/* --- interrupts ------------------------------------------------------ */

/* Reading ICR clears the causes and lowers the line [8254x 13.4.17]; it
 * must come before the EOI or Bochs's I/O APIC never interrupts again. */
static void e1000_irq(uint8_t vector)
{
	uint32_t icr = rd(E1000_ICR);

	if (icr & ~E1000_ICR_INT_ASSERTED) {     /* else: a line sharer's */
		nic.st.irqs++;
		if (icr & ICR_RX_WORK)
			nic.irq_rx = true;
		if (icr & E1000_ICR_RXO)
			nic.st.rx_overruns++;
		if (icr & E1000_ICR_LSC) {
			nic.st.link_changes++;
			nic.link_changed = true;
		}
	}
	intx_eoi(&nic.intx);
}

int e1000_irq_enable(uint8_t vector, enum intx_mode mode)
{
	int v;

	if (!nic.up)
		return -1;
	wr(E1000_IMC, E1000_IMS_ALL);
	v = intx_route("e1000", nic.pci.irq_line, nic.pci.irq_pin, vector, mode,
		       e1000_irq, &nic.intx);
	if (v < 0)
		return -1;
	(void)rd(E1000_ICR);                    /* nothing stale */
	wr(E1000_IMS, IMS_USED);
	return v;
}

void e1000_irq_disable(void)
{
	if (nic.up)
		wr(E1000_IMC, E1000_IMS_ALL);
}

bool e1000_irq_pending(void)
{
	bool p = nic.irq_rx;

	nic.irq_rx = false;
	return p;
}

/* --- counters [8254x 13.7] -------------------------------------------- */

void e1000_stats(struct e1000_stats *out)
{
	if (nic.up) {
		nic.st.crcerrs += rd(E1000_CRCERRS);
		nic.st.mpc += rd(E1000_MPC);
		nic.st.rnbc += rd(E1000_RNBC);
		nic.st.rlec += rd(E1000_RLEC);
		nic.st.gprc += rd(E1000_GPRC);
		nic.st.gptc += rd(E1000_GPTC);
	}
	*out = nic.st;
}
