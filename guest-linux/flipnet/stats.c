/* Statistics: the standard ones for `ip -s link` and
 * /sys/class/net/eth0/statistics (ndo_get_stats64), and the driver's
 * and the hypervisor's own counters for `ethtool -S` (ETHTOOL_GSTATS).
 * The hypervisor's (HC_NET_STATS) are read at the moment they are asked
 * for; "hv_" names them. rx_payload_copied must stay 0 unless the
 * copybreak parameter is set: received payload is never copied in the
 * guest. */
#include <linux/ethtool.h>
#include <linux/slab.h>
#include "flipnet.h"

void flipnet_get_stats64(struct net_device *dev, struct rtnl_link_stats64 *s)
{
	struct flipnet *fn = netdev_priv(dev);
	unsigned int start;

	do {
		start = u64_stats_fetch_begin(&fn->rx.syncp);
		s->rx_packets = fn->rx.packets;
		s->rx_bytes = fn->rx.bytes;
		s->rx_errors = fn->rx.bad_entry + fn->rx.bad_frame;
		s->rx_length_errors = fn->rx.bad_frame;
		s->rx_dropped = fn->rx.nomem + fn->rx.cut;
	} while (u64_stats_fetch_retry(&fn->rx.syncp, start));
	do {
		start = u64_stats_fetch_begin(&fn->tx.syncp);
		s->tx_packets = fn->tx.packets;
		s->tx_bytes = fn->tx.bytes;
		s->tx_dropped = fn->tx.refused;
	} while (u64_stats_fetch_retry(&fn->tx.syncp, start));
}

/* The ethtool -S list: X(name, where the value comes from). */
#define FLIPNET_RX_STATS(X) \
	X(rx_frames,         fn->rx.packets) \
	X(rx_frag,           fn->rx.frag) \
	X(rx_multi,          fn->rx.multi) \
	X(rx_frag_pages,     fn->rx.frag_pages) \
	X(rx_payload_copied, fn->rx.payload_copied) \
	X(rx_hv_copied,      fn->rx.hv_copied) \
	X(rx_wire_copied,    fn->rx.wire_copied) \
	X(rx_bad_entry,      fn->rx.bad_entry) \
	X(rx_bad_frame,      fn->rx.bad_frame) \
	X(rx_cut,            fn->rx.cut) \
	X(rx_nomem,          fn->rx.nomem) \
	X(posted_total,      fn->rx.posted_total) \
	X(post_refused,      fn->rx.post_refused) \
	X(post_nopage,       fn->rx.nopage) \
	X(reclaim_irqs,      fn->rx.reclaim_irqs)
#define FLIPNET_TX_STATS(X) \
	X(tx_frames,         fn->tx.packets) \
	X(tx_bounced,        fn->tx.bounced) \
	X(tx_refused,        fn->tx.refused)
#define FLIPNET_HV_STATS(X) \
	X(hv_rx_frames,      hv->rx_frames) \
	X(hv_rx_copied,      hv->rx_copied) \
	X(hv_rx_drop_nopost, hv->rx_drop_nopost) \
	X(hv_rx_drop_ring,   hv->rx_drop_ring) \
	X(hv_tx_frames,      hv->tx_frames) \
	X(hv_tx_drop,        hv->tx_drop) \
	X(hv_tx_spoofed,     hv->tx_spoofed)

#define NAME(n, v) #n,
static const char stat_names[][ETH_GSTRING_LEN] = {
	FLIPNET_RX_STATS(NAME) FLIPNET_TX_STATS(NAME)
	"posted",
	FLIPNET_HV_STATS(NAME)
};
#undef NAME
#define NR_STATS ARRAY_SIZE(stat_names)

static int flipnet_get_sset_count(struct net_device *dev, int sset)
{
	return sset == ETH_SS_STATS ? NR_STATS : -EOPNOTSUPP;
}

static void flipnet_get_strings(struct net_device *dev, u32 sset, u8 *buf)
{
	if (sset == ETH_SS_STATS)
		memcpy(buf, stat_names, sizeof(stat_names));
}

static void flipnet_get_ethtool_stats(struct net_device *dev,
				      struct ethtool_stats *st, u64 *out)
{
	struct flipnet *fn = netdev_priv(dev);
	struct hc_net_stats *hv = kzalloc(sizeof(*hv), GFP_KERNEL);
	unsigned int start, i = 0, base;

#define VALUE(n, v) out[i++] = (v);
	do {
		i = 0;
		start = u64_stats_fetch_begin(&fn->rx.syncp);
		FLIPNET_RX_STATS(VALUE)
	} while (u64_stats_fetch_retry(&fn->rx.syncp, start));
	base = i;
	do {
		i = base;
		start = u64_stats_fetch_begin(&fn->tx.syncp);
		FLIPNET_TX_STATS(VALUE)
	} while (u64_stats_fetch_retry(&fn->tx.syncp, start));
	out[i++] = READ_ONCE(fn->nr_posted);
	/* A refused HC_NET_STATS (no network) reads as zeros. */
	if (hv && flipnet_hc(HC_NET_STATS, virt_to_phys(hv), 0) < 0)
		memset(hv, 0, sizeof(*hv));
	if (hv) {
		FLIPNET_HV_STATS(VALUE)
	}
#undef VALUE
	while (i < NR_STATS)
		out[i++] = 0;
	kfree(hv);
}

static void flipnet_get_drvinfo(struct net_device *dev,
				struct ethtool_drvinfo *info)
{
	strscpy(info->driver, FLIPNET_NAME, sizeof(info->driver));
	strscpy(info->bus_info, "flipvisor", sizeof(info->bus_info));
}

const struct ethtool_ops flipnet_ethtool_ops = {
	.get_drvinfo       = flipnet_get_drvinfo,
	.get_link          = ethtool_op_get_link,
	.get_sset_count    = flipnet_get_sset_count,
	.get_strings       = flipnet_get_strings,
	.get_ethtool_stats = flipnet_get_ethtool_stats,
};
