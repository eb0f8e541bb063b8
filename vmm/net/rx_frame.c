/* A received frame from the NIC's descriptors (docs/datapath.md,
 * "Receive"): one descriptor per pool page, a frame longer than a page
 * spread over several with EOP only on the last [8254x 3.2.3, 3.2.4].
 * np_rx_part keeps a frame's pages until its last one reaches np_rx;
 * np_rx checks the length, demultiplexes by the first page's destination
 * MAC and hands the whole chain to np_deliver. Whatever is dropped,
 * every page of it is FREE again, its bytes seen by no VM: none is
 * lost, none reaches a VM unscrubbed. */
#include <stdbool.h>
#include <stdint.h>

#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

uint16_t np_frame_max(const struct netpath *np)
{
	return np->frame_max;
}

/* The POSTED pool frame at 'hpa', its scrub_len set to what the NIC may
 * have written; NP_NO_FRAME (a panic) for anything else: the driver
 * hands back only what np_refill posted, each once. */
static uint32_t rx_frame(struct netpath *np, uint64_t hpa, uint16_t len)
{
	uint32_t fi = np_frame_find(np, hpa);

	if (fi == NP_NO_FRAME) {
		np->ops.panic(np->ops.ctx, "rx: hpa of no pool frame", NP_NO_FRAME);
		return NP_NO_FRAME;
	}
	if (np->frame[fi].state != FRAME_POSTED) {
		np->ops.panic(np->ops.ctx, "rx: frame was not posted", fi);
		return NP_NO_FRAME;
	}
	/* The NIC wrote 'len' bytes (up to a page), whether or not it is
	 * a frame we accept: no VM has seen them (the scrub rule,
	 * frame_pool.c). */
	np_frame_wrote(np, fi, len);
	return fi;
}

/* A page of a dropped frame back to the pool: FREE, the NIC's bytes in
 * it seen by no VM. */
static void rx_put(struct netpath *np, uint32_t fi)
{
	np_frame_seen(np, fi, 0);
	np_pool_put(np, fi);
}

/* Drop the pages kept so far. */
static void part_drop(struct netpath *np)
{
	for (uint32_t j = 0; j < np->rx_part_n; j++)
		rx_put(np, np->rx_part[j]);
	np->rx_part_n = 0;
}

void np_rx_part(struct netpath *np, uint64_t hpa, uint16_t len)
{
	uint32_t fi = rx_frame(np, hpa, len);

	if (fi == NP_NO_FRAME)
		return;
	if (np->rx_discard) {
		rx_put(np, fi);
		goto out;
	}
	/* Every piece but the last fills its buffer [8254x 3.2.3]; and a
	 * frame whose pages so far, with at least one byte more, pass
	 * frame_max is too long: dropped, not cut short. */
	if (len != NET_SLOT_SIZE ||
	    (np->rx_part_n + 1u) * NET_SLOT_SIZE >= np->frame_max) {
		if (len != NET_SLOT_SIZE)
			np->st.rx_drop_bad_len++;
		else
			np->st.rx_drop_oversize++;
		part_drop(np);
		rx_put(np, fi);
		np->rx_discard = true;
		goto out;
	}
	np->frame[fi].len = len;
	np_frame_set(np, fi, FRAME_RECEIVED);
	np->rx_part[np->rx_part_n++] = (uint16_t)fi;
out:
	np_checked_frame(np);
}

bool np_rx_ahead(struct netpath *np, uint64_t hpa)
{
	uint32_t fi = np_frame_find(np, hpa);

	if (fi == NP_NO_FRAME || np->frame[fi].state != FRAME_POSTED ||
	    np_sense_soon(&np->sense))
		return false;
	__builtin_prefetch(np->page[fi]);
	return true;
}

/* The frame np_rx finishes, or a drop (counted, every page FREE): false. */
static bool rx_chain(struct netpath *np, uint32_t fi, uint16_t len,
		     struct np_chain *c)
{
	uint32_t total = (uint32_t)np->rx_part_n * NET_SLOT_SIZE + len;

	/* The common case first: a whole frame in one descriptor, of a
	 * length kept; anything else takes the checks below. */
	if (!np->rx_part_n && !np->rx_discard && len >= NET_FRAME_MIN &&
	    len <= NP_RX_LEN_MAX && len <= np->frame_max) {
		c->fi[0] = (uint16_t)fi;
		c->n = 1;
		c->len = len;
		np->frame[fi].len = len;
		return true;
	}
	if (np->rx_discard) {           /* counted at its first piece */
		np->rx_discard = false;
		rx_put(np, fi);
		return false;
	}
	/* NP_RX_LEN_BAD (errors), more than a buffer, a last piece of a
	 * multi-page frame with nothing in it, or a runt. */
	if (len > NP_RX_LEN_MAX || (np->rx_part_n && !len) ||
	    total < NET_FRAME_MIN) {
		np->st.rx_drop_bad_len++;
		goto drop;
	}
	if (total > np->frame_max) {
		np->st.rx_drop_oversize++;
		goto drop;
	}
	c->n = 0;
	for (uint32_t j = 0; j < np->rx_part_n; j++)
		c->fi[c->n++] = np->rx_part[j];
	c->fi[c->n++] = (uint16_t)fi;
	c->len = (uint16_t)total;
	np->frame[fi].len = len;
	np->rx_part_n = 0;
	return true;
drop:
	part_drop(np);
	rx_put(np, fi);
	return false;
}

/* Not delivered: every page back. */
static void chain_drop(struct netpath *np, const struct np_chain *c)
{
	for (uint32_t j = 0; j < c->n; j++)
		rx_put(np, c->fi[j]);
}

uint32_t np_rx(struct netpath *np, uint64_t hpa, uint16_t len, uint64_t now)
{
	uint32_t fi = rx_frame(np, hpa, len);
	const uint8_t *first;
	struct np_chain c;
	struct np_dest d;
	uint16_t taken;
	uint32_t n = 0;

	(void)now;
	if (fi == NP_NO_FRAME)
		return 0;
	if (!rx_chain(np, fi, len, &c))
		goto out;

	/* The Ethernet header is in the first page: every page but the
	 * last is full, and a one-page frame is NET_FRAME_MIN long. */
	first = np->page[c.fi[0]];
	/* Now and then a read of it is timed, before any other: where the
	 * DMA left it. */
	if (np_sense_due(&np->sense))
		np_sense_sample(np, first + np_sense_line(c.len));
	np_rx_demux(np, first, &d);
	if (d.kind == NP_DEST_LINK_LOCAL || np_mac_control(first)) {
		np->st.rx_drop_link_local++;
		chain_drop(np, &c);
		goto out;
	}
	if (d.kind == NP_DEST_UNKNOWN && !d.targets) {
		np->st.rx_drop_unknown++;
		chain_drop(np, &c);
		goto out;
	}
	taken = np_deliver(np, &c, d.targets, d.flags);
	if (!taken) {
		np->st.rx_drop_no_vm++;
		goto out;
	}
	np->st.rx_frames++;
	if (c.n > 1)
		np->st.rx_multi++;
	for (; taken; taken &= (uint16_t)(taken - 1))
		n++;
out:
	np_checked_frame(np);
	return n;
}
