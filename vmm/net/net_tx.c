/* Transmit and VM to VM (docs/datapath.md, "Transmit and VM to VM"). The
 * caller has copied the guest's frame into hypervisor memory, so nothing
 * here can change under us. A frame for another VM on this host goes
 * through the pool like a received one and never touches the wire; a
 * group frame goes to the wire and to every other VM; the sender never
 * gets its own frame back. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

#define ETH_SRC 6       /* source MAC offset [IEEE 802.3 3.1.1] */

/* Copy the frame into FREE pool frames, a page each, and deliver it to
 * 'targets', by flip or copy per VM like a received frame (so a VM-to-VM
 * frame follows the same delivery rule and the same scrub rule: the
 * bytes past each page's 'len' are stale, zeroed before a VM that did
 * not see them maps the page); pages no target maps are FREE again on
 * return. false: too few FREE frames (any taken are put back). */
static bool tx_local(struct netpath *np, const uint8_t *frame, uint16_t len,
		     uint16_t targets, uint16_t flags)
{
	struct np_chain c = { .n = 0, .len = len };

	for (uint32_t off = 0; off < len; off += NET_SLOT_SIZE) {
		uint32_t fi = np_pool_take(np);
		struct np_frame *f;
		uint16_t n = (uint16_t)(len - off < NET_SLOT_SIZE ?
					len - off : NET_SLOT_SIZE);

		if (fi == NP_NO_FRAME) {
			while (c.n) {
				np_frame_seen(np, c.fi[--c.n], 0);
				np_pool_put(np, c.fi[c.n]);
			}
			return false;
		}
		f = &np->frame[fi];
		memcpy(np->page[fi], frame + off, n);
		f->len = n;
		np_frame_wrote(np, fi, n);
		c.fi[c.n++] = (uint16_t)fi;
	}
	np_deliver(np, &c, targets, flags | NET_RX_F_LOCAL);
	return true;
}

int np_tx(struct netpath *np, uint32_t vm, const uint8_t *frame,
	  uint16_t len, uint64_t now)
{
	struct np_vm *v;
	struct np_dest d;
	bool to_wire, sent = false, lost = false;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present || !frame)
		return -HC_E_INVAL;
	v = &np->vm[vm];
	if (len < NET_FRAME_MIN || len > np->frame_max) {
		v->st.tx_drop++;
		return -HC_E_INVAL;
	}
	if (memcmp(frame + ETH_SRC, v->mac, 6) != 0) {
		v->st.tx_spoofed++;
		return -HC_E_INVAL;
	}
	np_demux(np, frame, &d);
	if (d.kind == NP_DEST_VM && d.vm == vm) {
		/* No loopback: the guest's own stack handles its own MAC. */
		v->st.tx_drop++;
		return -HC_E_INVAL;
	}
	if (d.kind == NP_DEST_LINK_LOCAL || np_mac_control(frame)) {
		/* Not bridged (demux.c): a guest must not pause the link. */
		v->st.tx_link_local++;
		v->st.tx_drop++;
		return -HC_E_INVAL;
	}
	d.targets &= (uint16_t)~(1u << vm);
	to_wire = d.kind != NP_DEST_VM;

	if (to_wire) {
		if (np->ops.wire_tx(np->ops.ctx, frame, len)) {
			np->st.tx_wire++;
			sent = true;
		} else {
			lost = true;
		}
	}
	if (d.targets) {
		if (tx_local(np, frame, len, d.targets, d.flags)) {
			v->st.tx_local++;
			np->st.tx_local++;
			sent = true;
		} else {
			lost = true;
		}
	}
	/* One drop per frame that missed a destination: the wire, or the
	 * local VMs for want of a FREE frame. */
	if (lost)
		v->st.tx_drop++;
	if (!sent)
		return -HC_E_STATE;     /* refused: only the drop counted */
	v->st.tx_frames++;
	v->st.tx_bytes += len;
	np_batch_end(np, now);
	np_checked(np);
	return 0;
}
