/* The demux table: each VM's MAC from the config, and the decision of
 * which VMs a frame goes to by its destination MAC (docs/datapath.md,
 * "Demux"). A received frame and a VM's transmitted one are decided the
 * same way; the transmit path then leaves the sender out. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/netpath.h"

/* The I/G bit, the first bit on the wire, is the low bit of the first
 * octet [IEEE 802.3 3.2.3]; broadcast is the all-ones group. */
static bool mac_is_group(const uint8_t mac[6])
{
	return mac[0] & 1;
}

static bool mac_is_zero(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return memcmp(mac, zero, 6) == 0;
}

int np_add_vm(struct netpath *np, uint32_t vm, const uint8_t mac[6],
	      uint16_t nr_slots, uint16_t quota, bool promiscuous)
{
	struct np_vm *v;

	if (vm >= NP_MAX_VMS || np->vm[vm].present || !mac)
		return -1;
	if (!nr_slots || nr_slots > NET_RX_SLOTS_MAX || !quota ||
	    quota > nr_slots)
		return -1;
	/* The demux matches one VM per unicast MAC: a group or zero MAC
	 * would never match, a shared one would match two. */
	if (mac_is_group(mac) || mac_is_zero(mac))
		return -1;
	for (uint32_t i = 0; i < NP_MAX_VMS; i++)
		if (np->vm[i].present && memcmp(np->vm[i].mac, mac, 6) == 0)
			return -1;

	v = &np->vm[vm];
	v->present = true;
	v->promiscuous = promiscuous;
	memcpy(v->mac, mac, 6);
	v->nr_slots = nr_slots;
	v->quota = quota;
	np->nr_vms++;
	np_checked(np);
	return 0;
}

void np_demux(const struct netpath *np, const uint8_t dst[6],
	      struct np_dest *d)
{
	*d = (struct np_dest){ .kind = NP_DEST_UNKNOWN, .vm = NP_NO_VM };

	if (mac_is_group(dst)) {
		/* Zero-copy to all: the one frame, read-only in each. */
		d->kind = NP_DEST_GROUP;
		d->flags = NET_RX_F_BCAST;
		for (uint32_t v = 0; v < NP_MAX_VMS; v++)
			if (np->vm[v].present && np->vm[v].ring)
				d->targets |= (uint16_t)(1u << v);
		return;
	}
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		if (np->vm[v].present && memcmp(np->vm[v].mac, dst, 6) == 0) {
			d->kind = NP_DEST_VM;
			d->vm = (uint8_t)v;
			d->targets = (uint16_t)(1u << v);
			return;
		}
	}
	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		if (np->vm[v].present && np->vm[v].promiscuous)
			d->targets |= (uint16_t)(1u << v);
}

uint32_t np_vm_held(const struct netpath *np, uint32_t vm)
{
	return vm < NP_MAX_VMS && np->vm[vm].present ? np->vm[vm].held : 0;
}

int np_vm_stats(const struct netpath *np, uint32_t vm,
		struct hc_net_stats *out)
{
	const struct np_vm_stats *st;

	if (vm >= NP_MAX_VMS || !np->vm[vm].present || !out)
		return -HC_E_INVAL;
	st = &np->vm[vm].st;
	*out = (struct hc_net_stats){
		.rx_frames = st->rx_frames, .rx_bytes = st->rx_bytes,
		.rx_bcast = st->rx_bcast, .released = st->released,
		.revoked = st->revoked, .rx_drop_quota = st->rx_drop_quota,
		.rx_drop_ring = st->rx_drop_ring, .tx_frames = st->tx_frames,
		.tx_bytes = st->tx_bytes, .tx_drop = st->tx_drop,
		.tx_spoofed = st->tx_spoofed, .held = np->vm[vm].held,
		.rx_copied = st->rx_copied,
	};
	return 0;
}
