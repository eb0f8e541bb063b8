/* Transmit: HC_NET_SEND hands the hypervisor one frame by its GPA and
 * length; the hypervisor copies it out during the call (to the NIC, or
 * into another VM's page), so the skb is done with when the call
 * returns. A linear skb is sent from where it is: its head is kernel
 * memory of this VM, physically contiguous (kmalloc or page fragments),
 * and never one of the pages posted for receive (those are in no skb
 * while posted). A non-linear one is gathered first into a bounce
 * buffer of frame_max bytes (the identity's mtu + 18), physically
 * contiguous as HC_NET_SEND wants it. The device advertises no
 * scatter-gather and no offloads, so the stack linearizes for us and a
 * non-linear skb is rare. A linear head of a jumbo frame spans pages,
 * but kmalloc'd or page-fragment memory is contiguous, so one range. */
#include <linux/etherdevice.h>
#include <linux/skbuff.h>
#include "flipnet.h"

netdev_tx_t flipnet_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct flipnet *fn = netdev_priv(dev);
	unsigned int len = skb->len;
	bool bounced = false;
	void *data = skb->data;
	long ret;

	if (len < NET_FRAME_MIN || len > fn->frame_max) {
		ret = -HC_E_INVAL;
		goto out;
	}
	if (skb_is_nonlinear(skb)) {
		if (skb_copy_bits(skb, 0, fn->tx_bounce, len)) {
			ret = -HC_E_INVAL;
			goto out;
		}
		data = fn->tx_bounce;
		bounced = true;
	}
	ret = flipnet_hc(HC_NET_SEND, virt_to_phys(data), len);
out:
	u64_stats_update_begin(&fn->tx.syncp);
	if (ret < 0) {
		fn->tx.refused++;
	} else {
		fn->tx.packets++;
		fn->tx.bytes += len;
	}
	fn->tx.bounced += bounced;
	u64_stats_update_end(&fn->tx.syncp);
	dev_consume_skb_any(skb);
	return NETDEV_TX_OK;
}
