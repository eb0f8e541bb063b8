/* flipnet: the network device of a Linux VM on flipvisor. One netdev,
 * eth0, whose frames go through the hypervisor: receive by page exchange
 * (docs/hypercalls.md, HC_NET_SETUP_XCHG / HC_NET_POST), transmit by
 * HC_NET_SEND. Pieces: hc.c (detection, the hypercall instruction),
 * rx.c (ring, posting, NAPI), rx_frame.c (entries to skbs: a frame of
 * one page or a run of pages), tx.c, stats.c (ndo_get_stats64,
 * ethtool), main.c (the netdev, open/stop, the module). */
#ifndef FLIPNET_H
#define FLIPNET_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
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
	u64 frag;           /* payload attached as page fragments */
	u64 multi;          /* frames of several pages (a run of entries) */
	u64 frag_pages;     /* pages attached as fragments, all frames */
	u64 payload_copied; /* payload bytes copied into the skb head */
	u64 hv_copied;      /* frames with NET_RX_F_COPY: the hypervisor copied */
	u64 wire_copied;    /* of those, unicast from the wire (not BCAST, not
			     * LOCAL): 0 under delivery = flip */
	u64 bad_entry;      /* ring entries that name no page we posted */
	u64 bad_frame;      /* frames refused: a length out of range, more
			     * pages than fragments, a bad entry in the run */
	u64 cut;            /* runs the hypervisor cut (NET_RX_F_CUT) */
	u64 nomem;          /* no skb: frame dropped, page recycled */
	u64 posted_total;   /* pages handed over with HC_NET_POST */
	u64 post_refused;   /* HC_NET_POST calls that failed */
	u64 nopage;         /* refills cut short: no page from the pool */
	u64 reclaim_irqs;   /* HC_IRQ_NET_RECLAIM: "post pages" */
	struct u64_stats_sync syncp;
};

/* The pages of the frame being received: a frame is one ring entry, or
 * a run of entries with NET_RX_F_MORE on all but the last (jumbo
 * frames), each its own page. Each page becomes at most one fragment. */
#define FLIPNET_RUN_MAX MAX_SKB_FRAGS

struct flipnet_run {
	struct page *page[FLIPNET_RUN_MAX];
	u16 len[FLIPNET_RUN_MAX];
	u32 n;              /* pages held */
	u32 entries;        /* entries of the run seen so far */
	u32 bytes;          /* the held pages' bytes */
	u16 flags;          /* the entries' flags, OR'd */
	bool bad;           /* refused: its pages go back as they come */
};

/* Each receive buffer is an order-1 block from the page_pool, and only
 * its second page is posted: the first is a guard that stays ours and
 * mapped. Linux reads up to 7 bytes past the end of a range on purpose
 * (load_unaligned_zeropad in csum_partial's tail, word-at-a-time string
 * and hash code), counting on a #PF fixup should that cross into an
 * unmapped page; a posted page is not a #PF but an EPT/NPT violation
 * that stops the VM. A frame's fragment that ends at its page's end (a
 * full page of a jumbo frame: the first run seen stopped the VM in
 * csum_partial reading 8 bytes across into the next page, posted) would
 * otherwise reach the page after it, and that may be posted; with the
 * guard, the page before any posted page is always a guard. */
#define FLIPNET_POOL_ORDER 1
#define FLIPNET_RX_OFF     PAGE_SIZE             /* the posted page, in the block */
#define FLIPNET_TRUESIZE   (PAGE_SIZE << FLIPNET_POOL_ORDER)

static inline void *flipnet_rx_va(struct page *block)
{
	return page_address(block) + FLIPNET_RX_OFF;
}

static inline phys_addr_t flipnet_rx_phys(struct page *block)
{
	return page_to_phys(block) + FLIPNET_RX_OFF;
}

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
	struct flipnet_run run;        /* the frame being received (rx_frame.c) */
	struct flipnet_rx_stats rx;

	/* The longest frame either way: the identity's mtu + NET_ETH_OVERHEAD
	 * (HC_NET_SEND takes no more; the hypervisor delivers no more). */
	u32 frame_max;

	/* transmit (tx.c) */
	void *tx_bounce;               /* frame_max bytes, kmalloc'd: contiguous */
	struct flipnet_tx_stats tx;
};

static inline void flipnet_rx_count(struct flipnet *fn, u64 *field, u64 n)
{
	u64_stats_update_begin(&fn->rx.syncp);
	*field += n;
	u64_stats_update_end(&fn->rx.syncp);
}

/* rx_frame.c */
struct sk_buff *flipnet_rx_piece(struct flipnet *fn, struct page *page,
				 u32 len, u16 flags);
void flipnet_run_drop(struct flipnet *fn, bool in_napi);

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
