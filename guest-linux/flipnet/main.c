/* flipnet's netdev and module: on load, find flipvisor (hc.c), ask it
 * who this VM is (HC_GET_IDENTITY: MAC, the two 8259 lines its
 * network interrupts come on, the network's mtu) and register eth0 with
 * that MAC and that MTU (also its max_mtu: `ip link set eth0 mtu N`
 * may lower it). Opening the device registers the receive ring and posts
 * pages (rx.c); stopping it, and so rmmod, detaches: the hypervisor
 * gives every posted page back before anything is freed. */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "flipnet.h"

/* The ISA lines a device may have: 1-15 but the 8259 cascade (IRQ 2). */
#define ISA_IRQ_MAX     15
#define ISA_IRQ_CASCADE 2

static struct net_device *flipnet_dev;

static int flipnet_open(struct net_device *dev)
{
	struct flipnet *fn = netdev_priv(dev);
	int err;

	err = request_irq(fn->id->irq_rx, flipnet_irq_rx, 0, "flipnet-rx", fn);
	if (err)
		return err;
	err = request_irq(fn->id->irq_reclaim, flipnet_irq_reclaim, 0,
			  "flipnet-reclaim", fn);
	if (err)
		goto free_rx;
	err = flipnet_rx_attach(fn);
	if (err)
		goto free_reclaim;
	napi_enable(&fn->napi);
	/* Frames may have arrived while NAPI was off: look once. */
	local_bh_disable();
	napi_schedule(&fn->napi);
	local_bh_enable();
	netif_carrier_on(dev);
	netif_start_queue(dev);
	return 0;

free_reclaim:
	free_irq(fn->id->irq_reclaim, fn);
free_rx:
	free_irq(fn->id->irq_rx, fn);
	return err;
}

static int flipnet_stop(struct net_device *dev)
{
	struct flipnet *fn = netdev_priv(dev);

	netif_stop_queue(dev);
	netif_carrier_off(dev);
	napi_disable(&fn->napi);
	free_irq(fn->id->irq_reclaim, fn);
	free_irq(fn->id->irq_rx, fn);
	flipnet_rx_detach(fn);
	return 0;
}

static const struct net_device_ops flipnet_ops = {
	.ndo_open        = flipnet_open,
	.ndo_stop        = flipnet_stop,
	.ndo_start_xmit  = flipnet_xmit,
	.ndo_get_stats64 = flipnet_get_stats64,
	.ndo_validate_addr = eth_validate_addr,
};

static bool irq_usable(u8 irq)
{
	return irq >= 1 && irq <= ISA_IRQ_MAX && irq != ISA_IRQ_CASCADE;
}

/* The identity is the hypervisor's word, but checked like any input:
 * a MAC we could not use or IRQ lines that are no ISA lines mean an
 * older hypervisor or a guest-stub's ABI, not a device to drive. */
static int identity_check(const struct hc_identity *id)
{
	if (!is_valid_ether_addr(id->mac)) {
		pr_err(FLIPNET_NAME ": hypervisor gives MAC %pM, not a unicast address\n",
		       id->mac);
		return -ENODEV;
	}
	if (id->mtu < NET_MTU_MIN || id->mtu > NET_MTU_MAX) {
		pr_err(FLIPNET_NAME ": hypervisor gives mtu %u, not %u..%u\n",
		       id->mtu, NET_MTU_MIN, NET_MTU_MAX);
		return -ENODEV;
	}
	if (!irq_usable(id->irq_rx) || !irq_usable(id->irq_reclaim) ||
	    id->irq_rx == id->irq_reclaim) {
		pr_err(FLIPNET_NAME ": hypervisor gives network IRQs %u/%u: no Linux network device here\n",
		       id->irq_rx, id->irq_reclaim);
		return -ENODEV;
	}
	return 0;
}

static int __init flipnet_init(void)
{
	struct net_device *dev;
	struct flipnet *fn;
	long ret;
	int err;

	if (!flipnet_hc_detect()) {
		pr_err(FLIPNET_NAME ": not running on flipvisor (CPUID 0x40000000)\n");
		return -ENODEV;
	}
	dev = alloc_etherdev(sizeof(*fn));
	if (!dev)
		return -ENOMEM;
	fn = netdev_priv(dev);
	fn->dev = dev;
	u64_stats_init(&fn->rx.syncp);
	u64_stats_init(&fn->tx.syncp);
	fn->id = kzalloc(sizeof(*fn->id), GFP_KERNEL);
	err = -ENOMEM;
	if (!fn->id)
		goto fail;
	ret = flipnet_hc(HC_GET_IDENTITY, virt_to_phys(fn->id),
			 sizeof(*fn->id));
	err = -ENODEV;
	if (ret < 0) {
		pr_err(FLIPNET_NAME ": HC_GET_IDENTITY: %ld\n", ret);
		goto fail;
	}
	err = identity_check(fn->id);
	if (err)
		goto fail;
	/* The longest frame HC_NET_SEND takes and the hypervisor delivers
	 * (a VLAN tag's worth over the MTU and the Ethernet header). The
	 * bounce buffer is kmalloc'd, so physically contiguous: one range
	 * of guest-physical addresses, as HC_NET_SEND reads it. */
	fn->frame_max = fn->id->mtu + NET_ETH_OVERHEAD;
	fn->tx_bounce = kmalloc(fn->frame_max, GFP_KERNEL);
	err = -ENOMEM;
	if (!fn->tx_bounce)
		goto fail;

	eth_hw_addr_set(dev, fn->id->mac);
	dev->mtu = fn->id->mtu;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = fn->id->mtu;
	dev->netdev_ops = &flipnet_ops;
	dev->ethtool_ops = &flipnet_ethtool_ops;
	netif_napi_add(dev, &fn->napi, flipnet_poll);
	netif_carrier_off(dev);
	err = register_netdev(dev);
	if (err)
		goto fail_napi;
	flipnet_dev = dev;
	netdev_info(dev, "flipvisor VM %u (%s), MAC %pM, IRQs %u (rx) %u (reclaim), mtu %u, %s\n",
		    fn->id->vm_id, fn->id->name, dev->dev_addr, fn->id->irq_rx,
		    fn->id->irq_reclaim, fn->id->mtu,
		    boot_cpu_data.x86_vendor == X86_VENDOR_INTEL ? "VMCALL" : "VMMCALL");
	return 0;

fail_napi:
	netif_napi_del(&fn->napi);
fail:
	kfree(fn->tx_bounce);
	kfree(fn->id);
	free_netdev(dev);
	return err;
}

static void __exit flipnet_exit(void)
{
	struct flipnet *fn = netdev_priv(flipnet_dev);

	unregister_netdev(flipnet_dev);   /* stops it: detach */
	netif_napi_del(&fn->napi);
	kfree(fn->tx_bounce);
	kfree(fn->id);
	free_netdev(flipnet_dev);
}

module_init(flipnet_init);
module_exit(flipnet_exit);
MODULE_DESCRIPTION("flipvisor network device: receive by page exchange");
/* GPL: the module links against the kernel's internals (NAPI,
 * page_pool); any other licence taints the kernel. */
MODULE_LICENSE("GPL");
