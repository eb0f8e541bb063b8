/* flipnet: the network device of a Linux VM on flipvisor. One netdev,
 * eth0, whose frames go through the hypervisor: receive by page exchange
 * (docs/hypercalls.md, HC_NET_SETUP_XCHG / HC_NET_POST), transmit by
 * HC_NET_SEND. Pieces: hc.c (detection, the hypercall instruction),
 * rx.c (ring, posting, NAPI), tx.c, stats.c (ndo_get_stats64, ethtool),
 * main.c (the netdev, open/stop, the module). */
#ifndef FLIPNET_H
#define FLIPNET_H

#include <linux/netdevice.h>
#include <linux/u64_stats_sync.h>
#include "hypercall_abi.h"

#define FLIPNET_NAME "flipnet"

/* hc.c */
bool flipnet_hc_detect(void);
long flipnet_hc(unsigned long nr, unsigned long a0, unsigned long a1);

/* The driver's own counters (ethtool -S). Receive side: written in NAPI
 * context only; transmit side: under the queue's xmit lock. */
struct flipnet_rx_stats {
	u64 packets, bytes;
	u64 frag;           /* payload attached as a page fragment */
	u64 payload_copied; /* payload bytes copied into the skb head */
	u64 hv_copied;      /* entries with NET_RX_F_COPY: the hypervisor copied */
	u64 wire_copied;    /* of those, unicast from the wire (not BCAST, not
			     * LOCAL): 0 under delivery = flip */
	u64 bad_entry;      /* ring entries that name no page we posted */
	u64 nomem;          /* no skb: frame dropped, page recycled */
	u64 posted_total;   /* pages handed over with HC_NET_POST */
	u64 post_refused;   /* HC_NET_POST calls that failed */
	u64 nopage;         /* refills cut short: no page from the pool */
	u64 reclaim_irqs;   /* HC_IRQ_NET_RECLAIM: "post pages" */
	struct u64_stats_sync syncp;
};

struct flipnet_tx_stats {
	u64 packets, bytes;
	u64 bounced;        /* non-linear skbs gathered into the bounce buffer */
	u64 refused;        /* HC_NET_SEND refused the frame */
	struct u64_stats_sync syncp;
};

struct flipnet {
	struct net_device *dev;
	struct napi_struct napi;
	struct hc_identity *id;        /* from HC_GET_IDENTITY at load */

	/* receive (rx.c) */
	struct net_rx_ring *ring;      /* one page, registered by GPA */
	struct page_pool *pool;
	struct page **posted;          /* per post slot: the page, or NULL */
	u16 *free_slots;               /* stack of post slots holding no page */
	u32 nr_free;
	u32 nr_slots;                  /* the VM's rx_slots, from the ring */
	u32 nr_posted;
	u32 cons;                      /* our copy of ring->cons */
	u64 *post_batch;               /* HC_NET_POST's array (in RAM, by GPA) */
	bool attached;                 /* the hypervisor holds ring and pages */
	struct flipnet_rx_stats rx;

	/* transmit (tx.c) */
	void *tx_bounce;               /* NET_FRAME_MAX bytes, within one page */
	struct flipnet_tx_stats tx;
};

/* rx.c */
int flipnet_rx_attach(struct flipnet *fn);
void flipnet_rx_detach(struct flipnet *fn);
int flipnet_poll(struct napi_struct *napi, int budget);
irqreturn_t flipnet_irq_rx(int irq, void *data);
irqreturn_t flipnet_irq_reclaim(int irq, void *data);

/* tx.c */
netdev_tx_t flipnet_xmit(struct sk_buff *skb, struct net_device *dev);

/* stats.c */
void flipnet_get_stats64(struct net_device *dev,
			 struct rtnl_link_stats64 *s);
extern const struct ethtool_ops flipnet_ethtool_ops;

#endif
