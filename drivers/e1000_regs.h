/* Intel 8254x registers and descriptors, named as in the PCI/PCI-X Family
 * of Gigabit Ethernet Controllers Software Developer's Manual (317453),
 * cited as [8254x section]. Register offsets are in bytes from BAR0;
 * the fields of each register follow it. */
#ifndef DRIVERS_E1000_REGS_H
#define DRIVERS_E1000_REGS_H

#include <stdint.h>

#define E1000_BAR_SIZE         0x20000  /* 128 KiB of registers */

/* --- general [8254x 13.4] ---------------------------------------------- */
#define E1000_CTRL             0x0000   /* device control [13.4.1] */
#define   E1000_CTRL_FD          (1u << 0)
#define   E1000_CTRL_LRST        (1u << 3)
#define   E1000_CTRL_ASDE        (1u << 5)
#define   E1000_CTRL_SLU         (1u << 6)
#define   E1000_CTRL_RST         (1u << 26)     /* self-clearing */
#define   E1000_CTRL_VME         (1u << 30)
#define   E1000_CTRL_PHY_RST     (1u << 31)
#define E1000_STATUS           0x0008   /* device status [13.4.2] */
#define   E1000_STATUS_FD        (1u << 0)
#define   E1000_STATUS_LU        (1u << 1)
#define   E1000_STATUS_FUNC_ID(s) (((s) >> 2) & 3)
#define   E1000_STATUS_SPEED(s)  (((s) >> 6) & 3)  /* 0: 10, 1: 100, 2/3: 1000 */
#define E1000_EECD             0x0010   /* EEPROM control [13.4.3] */
#define E1000_EERD             0x0014   /* EEPROM read [13.4.4] */
#define   E1000_EERD_START       (1u << 0)
#define   E1000_EERD_DONE        (1u << 4)       /* 82540/5/6 layout */
#define   E1000_EERD_ADDR_SHIFT  8
#define   E1000_EERD_DATA(v)     ((uint16_t)((v) >> 16))
#define E1000_CTRL_EXT         0x0018   /* [13.4.6] */
#define E1000_MDIC             0x0020
#define E1000_FCAL             0x0028   /* flow control, unused: 0 [14.3] */
#define E1000_FCAH             0x002c
#define E1000_FCT              0x0030
#define E1000_FCTTV            0x0170

/* --- interrupts [8254x 13.4.17-21] -------------------------------------- */
#define E1000_ICR              0x00c0   /* cause read; reading clears it */
#define E1000_ITR              0x00c4   /* throttling */
#define E1000_ICS              0x00c8   /* cause set */
#define E1000_IMS              0x00d0   /* mask set/read */
#define E1000_IMC              0x00d8   /* mask clear */
#define   E1000_ICR_TXDW         (1u << 0)      /* descriptor written back */
#define   E1000_ICR_TXQE         (1u << 1)      /* transmit queue empty */
#define   E1000_ICR_LSC          (1u << 2)      /* link status change */
#define   E1000_ICR_RXSEQ        (1u << 3)
#define   E1000_ICR_RXDMT0       (1u << 4)      /* descriptors below minimum */
#define   E1000_ICR_RXO          (1u << 6)      /* receiver overrun */
#define   E1000_ICR_RXT0         (1u << 7)      /* receive timer */
#define   E1000_ICR_INT_ASSERTED (1u << 31)
#define   E1000_IMS_ALL          0xffffffffu

/* --- receive [8254x 13.4.22-32] ------------------------------------------ */
#define E1000_RCTL             0x0100   /* receive control [13.4.22] */
#define   E1000_RCTL_EN          (1u << 1)
#define   E1000_RCTL_SBP         (1u << 2)      /* store bad packets */
#define   E1000_RCTL_UPE         (1u << 3)      /* unicast promiscuous */
#define   E1000_RCTL_MPE         (1u << 4)      /* multicast promiscuous */
#define   E1000_RCTL_LPE         (1u << 5)      /* long packets */
#define   E1000_RCTL_LBM_MASK    (3u << 6)
#define   E1000_RCTL_RDMTS_HALF  (0u << 8)      /* RXDMT0 at 1/2 of the ring */
#define   E1000_RCTL_MO_MASK     (3u << 12)
#define   E1000_RCTL_BAM         (1u << 15)     /* accept broadcast */
#define   E1000_RCTL_BSIZE_2048  (0u << 16)     /* with BSEX = 0 */
#define   E1000_RCTL_BSIZE_4096  (3u << 16)     /* with BSEX = 1 (11b: 256 or 4096) */
#define   E1000_RCTL_BSEX        (1u << 25)
#define   E1000_RCTL_SECRC       (1u << 26)     /* strip the CRC */
#define E1000_RDBAL            0x2800   /* ring base, low [13.4.25] */
#define E1000_RDBAH            0x2804
#define E1000_RDLEN            0x2808   /* bytes, multiple of 128 */
#define E1000_RDH              0x2810   /* head: next the NIC fills */
#define E1000_RDT              0x2818   /* tail: first the NIC may not fill */
#define E1000_RDTR             0x2820   /* receive delay timer */
#define E1000_RADV             0x282c
#define E1000_RXCSUM           0x5000   /* receive checksum offload */

/* --- transmit [8254x 13.4.33-41] ----------------------------------------- */
#define E1000_TCTL             0x0400   /* transmit control [13.4.33] */
#define   E1000_TCTL_EN          (1u << 1)
#define   E1000_TCTL_PSP         (1u << 3)      /* pad short packets */
#define   E1000_TCTL_CT_SHIFT    4              /* collision threshold */
#define   E1000_TCTL_COLD_SHIFT  12             /* collision distance */
#define   E1000_TCTL_CT_DEFAULT  0x0f           /* 15, as 802.3 retries */
#define   E1000_TCTL_COLD_FD     0x40           /* 64 byte times, full duplex */
#define   E1000_TCTL_COLD_HD     0x200          /* 512 byte times, half duplex */
#define   E1000_TCTL_RTLC        (1u << 24)
#define E1000_TIPG             0x0410   /* inter-packet gap [13.4.34] */
#define   E1000_TIPG_IPGT_COPPER 10
#define   E1000_TIPG_IPGR1       8
#define   E1000_TIPG_IPGR2       6
#define   E1000_TIPG_IPGR1_SHIFT 10
#define   E1000_TIPG_IPGR2_SHIFT 20
#define E1000_TDBAL            0x3800   /* ring base, low [13.4.36] */
#define E1000_TDBAH            0x3804
#define E1000_TDLEN            0x3808
#define E1000_TDH              0x3810
#define E1000_TDT              0x3818
#define E1000_TIDV             0x3820

/* --- receive filters [8254x 13.5] ---------------------------------------- */
#define E1000_MTA(n)           (0x5200 + 4 * (n))   /* multicast table, 128 */
#define E1000_MTA_COUNT        128
#define E1000_RAL(n)           (0x5400 + 8 * (n))   /* MAC bytes 0-3 */
#define E1000_RAH(n)           (0x5404 + 8 * (n))   /* MAC bytes 4-5 */
#define   E1000_RAH_AV           (1u << 31)         /* address valid */
#define E1000_RA_COUNT         16

/* --- statistics, all clear on read [8254x 13.7] -------------------------- */
#define E1000_CRCERRS          0x4000   /* CRC errors */
#define E1000_RXERRC           0x400c   /* receive errors */
#define E1000_MPC              0x4010   /* missed: no room in the FIFO */
#define E1000_RLEC             0x4040   /* receive length errors */
#define E1000_GPRC             0x4074   /* good packets received */
#define E1000_GPTC             0x4080   /* good packets transmitted */
#define E1000_RNBC             0x40a0   /* no receive descriptors free */
#define E1000_TPR              0x40d0   /* total packets received */

/* --- EEPROM words [8254x 5.6] -------------------------------------------- */
#define E1000_EEPROM_MAC_WORD  0        /* words 0-2: the MAC, low byte first */

/* --- legacy receive descriptor [8254x 3.2.3] ----------------------------- */
struct e1000_rx_desc {
	uint64_t addr;          /* buffer, physical */
	uint16_t length;        /* bytes written into the buffer */
	uint16_t csum;          /* packet checksum */
	uint8_t  status;
	uint8_t  errors;        /* valid when EOP is set */
	uint16_t special;       /* VLAN tag */
} __attribute__((packed));

#define E1000_RXD_STAT_DD      (1u << 0)        /* done [3.2.3.1] */
#define E1000_RXD_STAT_EOP     (1u << 1)        /* last descriptor of a frame */
#define E1000_RXD_STAT_IXSM    (1u << 2)        /* checksum indication ignored */
#define E1000_RXD_STAT_VP      (1u << 3)        /* 802.1Q tagged */
#define E1000_RXD_ERR_CE       (1u << 0)        /* CRC or alignment [3.2.3.2] */
#define E1000_RXD_ERR_SE       (1u << 1)        /* symbol error */
#define E1000_RXD_ERR_SEQ      (1u << 2)        /* sequence error */
#define E1000_RXD_ERR_CXE      (1u << 4)        /* carrier extension error */
#define E1000_RXD_ERR_TCPE     (1u << 5)        /* TCP/UDP checksum */
#define E1000_RXD_ERR_IPE      (1u << 6)        /* IP checksum */
#define E1000_RXD_ERR_RXE      (1u << 7)        /* data error */

/* --- legacy transmit descriptor [8254x 3.3.3] ---------------------------- */
struct e1000_tx_desc {
	uint64_t addr;
	uint16_t length;
	uint8_t  cso;           /* checksum offset */
	uint8_t  cmd;
	uint8_t  status;
	uint8_t  css;           /* checksum start */
	uint16_t special;
} __attribute__((packed));

#define E1000_TXD_CMD_EOP      (1u << 0)        /* end of packet [3.3.3.1] */
#define E1000_TXD_CMD_IFCS     (1u << 1)        /* insert the FCS */
#define E1000_TXD_CMD_RS       (1u << 3)        /* report status (DD) */
#define E1000_TXD_CMD_DEXT     (1u << 5)        /* 0: legacy layout */
#define E1000_TXD_STAT_DD      (1u << 0)        /* done [3.3.3.2] */

_Static_assert(sizeof(struct e1000_rx_desc) == 16, "legacy rx descriptor");
_Static_assert(sizeof(struct e1000_tx_desc) == 16, "legacy tx descriptor");

#endif
