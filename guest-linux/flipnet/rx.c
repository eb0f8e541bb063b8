/* Receive by page exchange (docs/hypercalls.md, "Page exchange").
 *
 * The driver posts pages of its own RAM, each in a post slot, with
 * HC_NET_POST; from then on a posted page is the hypervisor's (not
 * mapped: any access stops the VM). A received frame comes back as a
 * ring entry (slot, len, NET_RX_F_XCHG): the page at that slot's GPA is
 * ours again and holds the frame, or a piece of a frame longer than a
 * page, at offset 0. rx_frame.c makes the skb: headers copied, payload
 * pages attached as fragments, never copied. Pages come from a
 * page_pool and go back to it when the stack frees the skb
 * (skb_mark_for_recycle), so the next refill takes them again.
 *
 * The ring's indices are free-running u32s (vmm/hypercall_abi.h): the
 * hypervisor moves prod, we move cons. Everything in an entry is
 * checked before it is used: a slot we did not post is counted and
 * skipped, never dereferenced. */
#include <linux/etherdevice.h>
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <net/page_pool.h>
#include "flipnet.h"

/* Cleared (echo 0 > /sys/module/flipnet/parameters/post): no more
 * pages are posted, so the VM starves itself; the system tests check
 * that nobody else notices. */
static bool post = true;
module_param(post, bool, 0644);
MODULE_PARM_DESC(post, "post receive pages (0: stop posting)");

/* Hand pages to the hypervisor until every post slot holds one, at most
 * HC_NET_BATCH per call. NAPI context, or open before NAPI runs. */
static void rx_refill(struct flipnet *fn)
{
	while (fn->nr_free && READ_ONCE(post)) {
		struct page *pages[HC_NET_BATCH];
		u16 slots[HC_NET_BATCH];
		u32 n = 0, i;
		long ret;

		while (n < HC_NET_BATCH && n < fn->nr_free) {
			struct page *p = page_pool_dev_alloc_pages(fn->pool);

			if (!p) {
				flipnet_rx_count(fn, &fn->rx.nopage, 1);
				break;
			}
			slots[n] = fn->free_slots[fn->nr_free - 1 - n];
			pages[n] = p;
			fn->post_batch[n] = flipnet_rx_phys(p) | slots[n];
			n++;
		}
		if (!n)
			return;
		ret = flipnet_hc(HC_NET_POST, virt_to_phys(fn->post_batch), n);
		if (ret < 0) {
			/* Refused: nothing was taken (the hypervisor checks
			 * the whole batch before it takes a page), so the
			 * pages are still ours. */
			for (i = 0; i < n; i++)
				page_pool_recycle_direct(fn->pool, pages[i]);
			flipnet_rx_count(fn, &fn->rx.post_refused, 1);
			net_warn_ratelimited("%s: HC_NET_POST of %u pages: %ld\n",
					     fn->dev->name, n, ret);
			return;
		}
		fn->nr_free -= n;
		for (i = 0; i < n; i++)
			fn->posted[slots[i]] = pages[i];
		fn->nr_posted += n;
		flipnet_rx_count(fn, &fn->rx.posted_total, n);
	}
}

/* One ring entry: its page is ours again, and goes to the frame being
 * received (rx_frame.c). Returns the skb to pass up, or NULL. */
static struct sk_buff *rx_entry(struct flipnet *fn, struct net_rx_entry e)
{
	struct page *page;

	if (!(e.flags & NET_RX_F_XCHG) || e.slot >= fn->nr_slots ||
	    !fn->posted[e.slot]) {
		flipnet_rx_count(fn, &fn->rx.bad_entry, 1);
		net_warn_ratelimited("%s: bad ring entry slot %u len %u flags 0x%x\n",
				     fn->dev->name, e.slot, e.len, e.flags);
		/* Not ours to touch; it spoils the run it is part of. */
		if (fn->run.entries || e.flags & NET_RX_F_MORE)
			return flipnet_rx_piece(fn, NULL, 0, e.flags);
		return NULL;
	}
	page = fn->posted[e.slot];
	fn->posted[e.slot] = NULL;
	fn->free_slots[fn->nr_free++] = e.slot;
	fn->nr_posted--;
	return flipnet_rx_piece(fn, page, e.len, e.flags);
}

int flipnet_poll(struct napi_struct *napi, int budget)
{
	struct flipnet *fn = container_of(napi, struct flipnet, napi);
	int done = 0;

	while (done < budget) {
		u32 prod = smp_load_acquire(&fn->ring->prod);
		struct net_rx_entry e;
		struct sk_buff *skb;

		if (prod == fn->cons)
			break;
		if (prod - fn->cons > NET_RX_RING) {
			/* Not a state the hypervisor may leave: skip to
			 * prod rather than read entries twice. */
			flipnet_rx_count(fn, &fn->rx.bad_entry, 1);
			if (fn->run.entries) {  /* the rest of it is lost */
				flipnet_rx_count(fn, &fn->rx.bad_frame, 1);
				flipnet_run_drop(fn, true);
			}
			fn->cons = prod;
			break;
		}
		e = READ_ONCE(fn->ring->ent[fn->cons % NET_RX_RING]);
		fn->cons++;
		skb = rx_entry(fn, e);
		if (skb)
			napi_gro_receive(napi, skb);
		done++;
	}
	/* The entries are read: the hypervisor may reuse them. */
	smp_store_release(&fn->ring->cons, fn->cons);
	rx_refill(fn);

	if (done < budget && napi_complete_done(napi, done) &&
	    smp_load_acquire(&fn->ring->prod) != fn->cons)
		napi_schedule(napi);   /* arrived after the last look */
	return done;
}

irqreturn_t flipnet_irq_rx(int irq, void *data)
{
	struct flipnet *fn = data;

	napi_schedule_irqoff(&fn->napi);
	return IRQ_HANDLED;
}

/* "Post pages": the refill at the end of every poll does it. */
irqreturn_t flipnet_irq_reclaim(int irq, void *data)
{
	struct flipnet *fn = data;

	u64_stats_update_begin(&fn->rx.syncp);
	fn->rx.reclaim_irqs++;
	u64_stats_update_end(&fn->rx.syncp);
	napi_schedule_irqoff(&fn->napi);
	return IRQ_HANDLED;
}

/* Register the ring and post the first pages. The ring page and the
 * posted pages are the hypervisor's until flipnet_rx_detach. */
int flipnet_rx_attach(struct flipnet *fn)
{
	struct page_pool_params pp = {
		.order = FLIPNET_POOL_ORDER,
		.nid = NUMA_NO_NODE,
	};
	struct page *ring_page;
	u32 nr, i;
	long ret;

	/* A driver that died before its detach left pages posted: take
	 * them back first, or HC_NET_SETUP_XCHG refuses (HC_E_STATE). They
	 * are lost to the old instance, not reused. */
	ret = flipnet_hc(HC_NET_DETACH, 0, 0);
	if (ret > 0)
		netdev_warn(fn->dev, "took back %ld pages a previous driver left posted\n", ret);

	ring_page = alloc_page(GFP_KERNEL | __GFP_ZERO);
	if (!ring_page)
		return -ENOMEM;
	fn->ring = page_address(ring_page);
	ret = flipnet_hc(HC_NET_SETUP_XCHG, page_to_phys(ring_page), 0);
	if (ret < 0) {
		netdev_err(fn->dev, "HC_NET_SETUP_XCHG: %ld\n", ret);
		__free_page(ring_page);
		fn->ring = NULL;
		return ret == -HC_E_NODEV ? -ENODEV : -EIO;
	}
	fn->attached = true;
	nr = READ_ONCE(fn->ring->nr_slots);
	if (nr < 1 || nr > NET_RX_SLOTS_MAX) {
		netdev_err(fn->dev, "ring has %u post slots\n", nr);
		flipnet_rx_detach(fn);
		return -EIO;
	}
	fn->nr_slots = nr;
	fn->cons = READ_ONCE(fn->ring->cons);
	pp.pool_size = nr;
	fn->pool = page_pool_create(&pp);
	fn->posted = kcalloc(nr, sizeof(*fn->posted), GFP_KERNEL);
	fn->free_slots = kcalloc(nr, sizeof(*fn->free_slots), GFP_KERNEL);
	fn->post_batch = kcalloc(HC_NET_BATCH, sizeof(u64), GFP_KERNEL);
	if (IS_ERR(fn->pool) || !fn->posted || !fn->free_slots ||
	    !fn->post_batch) {
		if (IS_ERR(fn->pool))
			fn->pool = NULL;
		flipnet_rx_detach(fn);
		return -ENOMEM;
	}
	/* Slot 0 on top: the lowest slots are posted first. */
	for (i = 0; i < nr; i++)
		fn->free_slots[i] = nr - 1 - i;
	fn->nr_free = nr;
	fn->nr_posted = 0;
	local_bh_disable();      /* page_pool's direct paths want softirq context */
	rx_refill(fn);
	local_bh_enable();
	netdev_info(fn->dev, "ring registered: %u post slots, %u pages posted\n",
		    nr, fn->nr_posted);
	return 0;
}

/* Stop delivery and take every posted page back (HC_NET_DETACH maps
 * them in again). If the hypervisor does not give them back, they and
 * the ring are left alone for good: touching a page the hypervisor
 * holds would stop the VM. */
void flipnet_rx_detach(struct flipnet *fn)
{
	u32 i;

	if (fn->attached) {
		long ret = flipnet_hc(HC_NET_DETACH, 0, 0);

		if (ret < 0) {
			netdev_err(fn->dev, "HC_NET_DETACH: %ld; leaking the ring and %u posted pages\n",
				   ret, fn->nr_posted);
			fn->ring = NULL;
			if (fn->posted)
				memset(fn->posted, 0, fn->nr_slots * sizeof(*fn->posted));
		} else if (ret != fn->nr_posted) {
			netdev_warn(fn->dev, "HC_NET_DETACH gave back %ld pages, %u were posted\n",
				    ret, fn->nr_posted);
		}
		fn->attached = false;
	}
	/* The pages of a run not yet complete are ours: back to the pool. */
	if (fn->pool)
		flipnet_run_drop(fn, false);
	if (fn->posted) {
		for (i = 0; i < fn->nr_slots; i++)
			if (fn->posted[i])
				page_pool_put_full_page(fn->pool, fn->posted[i], false);
		kfree(fn->posted);
		fn->posted = NULL;
	}
	fn->nr_posted = 0;
	kfree(fn->free_slots);
	fn->free_slots = NULL;
	kfree(fn->post_batch);
	fn->post_batch = NULL;
	if (fn->pool)
		page_pool_destroy(fn->pool);
	fn->pool = NULL;
	if (fn->ring)
		free_page((unsigned long)fn->ring);
	fn->ring = NULL;
}
