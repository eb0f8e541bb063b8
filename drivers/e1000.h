/* The 8254x gigabit NIC (e1000), owned by the hypervisor: its registers
 * are never mapped into a VM.
 *
 * Receive buffers belong to the caller: it posts page-aligned 4 KiB
 * frames by physical address, the NIC DMAs at most E1000_RX_BUF_SIZE
 * bytes into each, and e1000_rx_next() hands every one back exactly once,
 * in ring order. Transmit buffers belong to the driver: e1000_tx()
 * copies the frame in. Both rings count with free-running producer and
 * consumer indices; a ring of n descriptors holds at most n - 1.
 *
 * One NIC, one CPU: no call may race another (the interrupt handler
 * only reads ICR and sets a flag). */
#ifndef DRIVERS_E1000_H
#define DRIVERS_E1000_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/e1000_regs.h"
#include "drivers/intx.h"
#include "mm/page_alloc.h"

#define E1000_RX_BUF_SIZE   4096     /* RCTL.BSIZE: the most DMA'd per descriptor */
#define E1000_TX_BUF_SIZE   9216     /* driver-owned, one per descriptor: a jumbo frame */
#define E1000_RING_MIN      8        /* RDLEN/TDLEN: multiples of 128 bytes */
#define E1000_RING_MAX      4096     /* ring sizes: a power of two in between */
#define E1000_ETH_ZLEN      60       /* shortest frame on the wire, no FCS */
#define E1000_TX_MAX_LEN    9018     /* NET_JUMBO_MAX: a 9000-byte MTU, header and
					* 802.1Q tag; one legacy descriptor carries
					* up to 16288 bytes [8254x 3.3.3] */

/* A receive buffer handed back: the posted page at 'hpa', 'len' bytes
 * DMA'd into it, 'status' and 'errors' as the descriptor had them
 * [8254x 3.2.3] (use e1000_rx_good()). */
struct e1000_rx_done {
	uint64_t hpa;
	uint16_t len;
	uint8_t  status, errors;
};

/* The last piece of a frame (EOP) and the frame without errors, which
 * the NIC reports on that piece only [8254x 3.2.3.2]. A frame longer
 * than a buffer spans descriptors, EOP on the last [8254x 3.2.3]. */
static inline bool e1000_rx_good(uint8_t status, uint8_t errors)
{
	return (status & E1000_RXD_STAT_EOP) && !errors;
}

struct e1000_stats {
	/* the NIC's own counters, accumulated (they clear on read) */
	uint64_t crcerrs;       /* CRC errors */
	uint64_t mpc;           /* missed: receive FIFO full */
	uint64_t rnbc;          /* no receive descriptor free */
	uint64_t rlec;          /* length errors */
	uint64_t gprc, gptc;    /* good frames received / transmitted */
	/* the driver's */
	uint64_t rx_frames;     /* descriptors handed back by e1000_rx_next */
	uint64_t rx_errors;     /* ... of which not e1000_rx_good() */
	uint64_t rx_overruns;   /* ICR.RXO seen */
	uint64_t tx_frames;
	uint64_t tx_ring_full;  /* e1000_tx() refused: no descriptor free */
	uint64_t irqs;          /* interrupts with a cause of ours */
	uint64_t link_changes;  /* ICR.LSC seen */
};

/* Find the first supported NIC, reset it, read its MAC, set up a receive
 * ring of 'rx_count' and a transmit ring of 'tx_count' descriptors
 * (powers of two, E1000_RING_MIN..E1000_RING_MAX) and enable both units:
 * broadcast and multicast accepted, unicast to the NIC's own MAC only
 * until e1000_set_filter(). Nothing is posted yet. One log line per step.
 * 0, or -1 with the reason logged ("no e1000 found" included: the
 * hypervisor then runs without a network). */
int e1000_init(struct page_alloc *pa, uint32_t rx_count, uint32_t tx_count);

/* Whether e1000_init() succeeded. */
bool e1000_present(void);

/* The MAC from RAL/RAH[0], or else the EEPROM. */
void e1000_mac(uint8_t mac[6]);

/* Queue the 'n' pages at hpa[] (each 4 KiB aligned) for receive, in
 * order; the NIC sees them after e1000_rx_flush(). Returns how many, the
 * first that many: no more than keep rx_count - 1 in flight. */
uint32_t e1000_rx_post(const uint64_t *hpa, uint32_t n);

/* How many pages e1000_rx_post would take now. */
uint32_t e1000_rx_room(void);

/* Hand everything posted since the last flush to the NIC: one barrier,
 * one tail write [8254x 3.2.6]. */
void e1000_rx_flush(void);

/* Buffers posted and not yet handed back. */
uint32_t e1000_rx_in_flight(void);

/* The next completed buffer in ring order, iPXE-style: the caller loops
 * until false (nothing completed) or its budget is spent. The descriptor
 * is cleared and the buffer is the caller's again. */
bool e1000_rx_next(struct e1000_rx_done *out);

/* The buffer e1000_rx_next would hand back next, if the NIC is done with
 * it [8254x 3.2.3.1, DD], else 0. Reads the descriptor's status and
 * changes nothing: a look ahead, so the caller can start loading that
 * buffer while it handles the one it has (net_poll). */
uint64_t e1000_rx_peek(void);

/* Copy a 'len'-byte frame (1..E1000_TX_MAX_LEN, no FCS: the NIC appends
 * it) into the next transmit buffer, zero-padded to E1000_ETH_ZLEN, and
 * start it. false when the ring is still full after reclaiming finished
 * descriptors. A bad 'len' is a caller bug and panics. */
bool e1000_tx(const uint8_t *data, uint16_t len);

/* Accept unicast for 'macs' (n of them) through the receive address
 * registers, each written and read back. When an entry does not stick
 * (Bochs keeps only RAL/RAH[0..3]), n > E1000_RA_COUNT or 'promisc' is
 * set, the NIC goes unicast promiscuous (RCTL.UPE) instead and the
 * reason is logged. Broadcast (BAM) and all multicast (MPE) always pass:
 * the software demux sorts them. true when the hardware filter is exact,
 * false when unicast promiscuous. */
bool e1000_set_filter(const uint8_t (*macs)[6], uint32_t n, bool promisc);

/* Route the NIC's INTx to 'vector' (drivers/intx.h) and unmask RXT0, RXO, RXDMT0, LSC and
 * TXDW. The handler reads ICR (which clears it and lowers the line),
 * notes receive work for e1000_irq_pending() and sends the EOI (so
 * lapic_init() must have run). Interrupts reach the handler while the
 * CPU has IF set or through a VM exit (irq_dispatch). Returns
 * the vector in use (with the 8259 it is PIC_VEC_BASE + line, whatever
 * 'vector' says), or -1: then keep polling, which always works. */
int e1000_irq_enable(uint8_t vector, enum intx_mode mode);

/* Mask the NIC's interrupts again (IMC). */
void e1000_irq_disable(void);

/* Test and clear: an interrupt reported receive work (RXT0, RXO or
 * RXDMT0) since the last call. */
bool e1000_irq_pending(void);

/* Link up, speed in Mb/s and duplex from STATUS [8254x 13.4.2]. */
bool e1000_link(uint32_t *mbps, bool *full_duplex);

/* Fold the NIC's clear-on-read counters into the running totals and
 * copy them out. */
void e1000_stats(struct e1000_stats *out);

#endif
