/* Ring entries to skbs (docs/hypercalls.md, "Receive window and ring").
 *
 * A frame is one ring entry, or, longer than a page (config mtu above
 * 1500), a run of entries: NET_RX_F_MORE on every one but the last,
 * each naming its own page, the frame their bytes joined. The pages of
 * a run are held in fn->run until its last entry; then the headers are
 * copied from the first page into a small skb head (eth_get_headlen) so
 * the stack can parse them in place, and the rest of the first page and
 * every further page are attached as fragments (skb_add_rx_frag): no
 * payload byte is copied, whatever the frame's length. Each page is the
 * second of an order-1 block, the first a guard (flipnet.h). The pages go back
 * to the page_pool when the stack frees the skb (skb_mark_for_recycle).
 *
 * Everything is checked before the skb is built: each piece 1..PAGE_SIZE
 * bytes, at most FLIPNET_RUN_MAX pieces (one fragment each), the frame
 * NET_FRAME_MIN..frame_max bytes. A run that fails any of it, or that
 * the hypervisor cut (NET_RX_F_CUT: a piece was lost), is discarded
 * whole with every page back in the pool, counted once; it is never
 * passed up in part. */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <net/page_pool.h>
#include "flipnet.h"

/* Frames of one page and at most this many bytes are copied whole into
 * the skb head and their page recycled at once (counted in
 * rx_payload_copied). 0, the default: never; every payload byte stays in
 * its page. A frame of several pages is never copied. */
static unsigned int copybreak;
module_param(copybreak, uint, 0644);
MODULE_PARM_DESC(copybreak, "copy frames up to this length instead of attaching the page (0: never)");

/* The most header bytes eth_get_headlen looks at (and so copies). */
#define FLIPNET_HDR_MAX 256

static void run_reset(struct flipnet_run *r)
{
	r->n = 0;
	r->entries = 0;
	r->bytes = 0;
	r->flags = 0;
	r->bad = false;
}

/* Every page the run holds back to the pool: the frame is not passed
 * up. in_napi: called from the poll (the pool's direct path). */
void flipnet_run_drop(struct flipnet *fn, bool in_napi)
{
	struct flipnet_run *r = &fn->run;
	u32 i;

	for (i = 0; i < r->n; i++)
		page_pool_put_full_page(fn->pool, r->page[i], in_napi);
	run_reset(r);
}

/* The held run as one skb: headers in the head, the rest attached. */
static struct sk_buff *run_skb(struct flipnet *fn)
{
	struct flipnet_run *r = &fn->run;
	void *va = flipnet_rx_va(r->page[0]);
	struct sk_buff *skb;
	u32 hlen, head, i;
	u8 nr_frags;

	hlen = eth_get_headlen(fn->dev, va, min_t(u32, r->len[0], FLIPNET_HDR_MAX));
	head = r->n == 1 && r->bytes <= copybreak ? r->bytes : hlen;
	skb = napi_alloc_skb(&fn->napi, head);
	if (!skb) {
		flipnet_rx_count(fn, &fn->rx.nomem, 1);
		flipnet_run_drop(fn, true);
		return NULL;
	}
	skb_put_data(skb, va, head);
	for (i = 0; i < r->n; i++) {
		u32 off = i ? 0 : head;

		if (off == r->len[i]) {         /* all of it in the head */
			page_pool_recycle_direct(fn->pool, r->page[i]);
			continue;
		}
		skb_add_rx_frag(skb, skb_shinfo(skb)->nr_frags, r->page[i],
				FLIPNET_RX_OFF + off, r->len[i] - off,
				FLIPNET_TRUESIZE);
	}
	nr_frags = skb_shinfo(skb)->nr_frags;
	if (nr_frags)
		skb_mark_for_recycle(skb);
	u64_stats_update_begin(&fn->rx.syncp);
	fn->rx.packets++;
	fn->rx.bytes += r->bytes;
	fn->rx.frag += nr_frags != 0;
	fn->rx.frag_pages += nr_frags;
	fn->rx.multi += r->n > 1;
	fn->rx.payload_copied += head - hlen;
	u64_stats_update_end(&fn->rx.syncp);
	run_reset(r);
	skb->protocol = eth_type_trans(skb, fn->dev);
	return skb;
}

/* One entry's page (ours again: its slot is free), or NULL for an entry
 * that named no page we posted (counted by the caller), which spoils the
 * run it is part of. Returns the frame's skb at the run's last entry if
 * the frame is whole and sound, else NULL. */
struct sk_buff *flipnet_rx_piece(struct flipnet *fn, struct page *page,
				 u32 len, u16 flags)
{
	struct flipnet_run *r = &fn->run;

	r->entries++;
	r->flags |= flags;
	if (!page || !len || len > PAGE_SIZE || r->n == FLIPNET_RUN_MAX ||
	    r->bad || r->bytes + len > fn->frame_max) {
		if (page)
			page_pool_recycle_direct(fn->pool, page);
		r->bad = true;
	} else {
		r->page[r->n] = page;
		r->len[r->n] = len;
		r->n++;
		r->bytes += len;
	}
	if (flags & NET_RX_F_MORE)
		return NULL;
	if (flags & NET_RX_F_CUT) {
		flipnet_rx_count(fn, &fn->rx.cut, 1);
		flipnet_run_drop(fn, true);
		return NULL;
	}
	if (r->bad || r->bytes < NET_FRAME_MIN) {
		flipnet_rx_count(fn, &fn->rx.bad_frame, 1);
		net_warn_ratelimited("%s: frame refused: %u entries, %u bytes, flags 0x%x\n",
				     fn->dev->name, r->entries, r->bytes, r->flags);
		flipnet_run_drop(fn, true);
		return NULL;
	}
	if (r->flags & NET_RX_F_COPY) {
		flipnet_rx_count(fn, &fn->rx.hv_copied, 1);
		/* Broadcasts and frames from other VMs are copied in
		 * every mode; a unicast from the wire only by copy
		 * delivery (docs/hypercalls.md, "Page exchange"). */
		if (!(r->flags & (NET_RX_F_BCAST | NET_RX_F_LOCAL)))
			flipnet_rx_count(fn, &fn->rx.wire_copied, 1);
	}
	return run_skb(fn);
}
