/* The demux table: each VM's MAC from the config, and the decision of
 * which VMs a frame goes to by its destination MAC (docs/datapath.md,
 * "Demux"). A received frame and a VM's transmitted one are decided the
 * same way; the transmit path then leaves the sender out. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net/netpath_internal.h"

/* --- the MAC index -------------------------------------------------------
 * A VM's MAC is found by hashing it, not by comparing it with every VM's:
 * the demux costs the same for 1 VM as for NP_MAX_VMS. The table is never
 * more than half full, so a probe sequence is short and always ends at an
 * empty entry. VMs are never removed, so there are no tombstones. A MAC
 * is a key: its six octets, the first in the low byte. */
#define MAC_KEY_MASK    ((1ull << 48) - 1)
#define MAC_VM_SHIFT    48

static uint64_t mac_key(const uint8_t mac[6])
{
	return (uint64_t)mac[0] | (uint64_t)mac[1] << 8 |
	       (uint64_t)mac[2] << 16 | (uint64_t)mac[3] << 24 |
	       (uint64_t)mac[4] << 32 | (uint64_t)mac[5] << 40;
}

/* The I/G bit, the first bit on the wire, is the low bit of the first
 * octet [IEEE 802.3 3.2.3]; broadcast is the all-ones group. */
static bool key_is_group(uint64_t key)
{
	return key & 1;
}

/* The IEEE 802.1 reserved group addresses 01-80-C2-00-00-00 to -0F are
 * the link's own: spanning tree BPDUs, MAC Control PAUSE, LACP, 802.1X,
 * LLDP. A bridge filters them and never forwards them [IEEE 802.1Q-2018
 * 8.6.3, Table 8-1]. flipvisor is the bridge between the wire and its
 * VMs, so they pass in neither direction: a guest cannot pause the
 * physical link or speak spanning tree to the switch, and none is told
 * the wire's link-layer secrets. The first five octets as the key holds
 * them, the last one's high nibble zero: compared in one go, as this is
 * asked of every frame. */
#define LINK_LOCAL_KEY  0x0000c28001ull         /* 01-80-C2-00-00-0x */
#define LINK_LOCAL_MASK 0xf0ffffffffffull

static bool key_is_link_local(uint64_t key)
{
	return (key & LINK_LOCAL_MASK) == LINK_LOCAL_KEY;
}

/* Fibonacci hashing: the top bits of key times 2^64 / golden ratio,
 * which mixes every octet of the MAC into the bucket. */
static uint32_t mac_bucket(uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> (64 - NP_MAC_BITS));
}

static uint32_t key_lookup(const struct netpath *np, uint64_t key)
{
	uint32_t b = mac_bucket(key);

	for (uint32_t i = 0; i < NP_MAC_BUCKETS; i++) {
		uint64_t e = np->mac_index[b];

		if (!e)
			break;
		if ((e & MAC_KEY_MASK) == key)
			return (uint32_t)(e >> MAC_VM_SHIFT) - 1;
		b = (b + 1) % NP_MAC_BUCKETS;
	}
	return NP_NO_VM;
}

uint32_t np_mac_lookup(const struct netpath *np, const uint8_t mac[6])
{
	return key_lookup(np, mac_key(mac));
}

/* Called only for a MAC not in the index, with fewer than NP_MAX_VMS
 * entries: there is an empty bucket. */
static void mac_insert(struct netpath *np, const uint8_t mac[6], uint32_t vm)
{
	uint64_t key = mac_key(mac);
	uint32_t b = mac_bucket(key);

	while (np->mac_index[b])
		b = (b + 1) % NP_MAC_BUCKETS;
	np->mac_index[b] = (uint64_t)(vm + 1) << MAC_VM_SHIFT | key;
}

int np_add_vm(struct netpath *np, uint32_t vm, const uint8_t mac[6],
	      uint16_t nr_slots, uint16_t quota, bool promiscuous)
{
	struct np_vm *v;
	uint64_t key;

	if (vm >= NP_MAX_VMS || np->vm[vm].present || !mac)
		return -1;
	if (!nr_slots || nr_slots > NET_RX_SLOTS_MAX || !quota ||
	    quota > nr_slots)
		return -1;
	/* The demux matches one VM per unicast MAC: a group or zero MAC
	 * would never match, a shared one would match two. */
	key = mac_key(mac);
	if (key_is_group(key) || !key || key_lookup(np, key) != NP_NO_VM)
		return -1;

	v = &np->vm[vm];
	v->present = true;
	np->vm_mask |= (uint16_t)(1u << vm);
	v->promiscuous = promiscuous;
	memcpy(v->mac, mac, 6);
	v->nr_slots = nr_slots;
	v->quota = quota;
	mac_insert(np, mac, vm);
	if (promiscuous)
		np->promisc_mask |= (uint16_t)(1u << vm);
	np->nr_vms++;
	np_checked(np);
	return 0;
}

/* To VM 'vm' alone, by its MAC. */
static struct np_dest vm_dest(uint32_t vm)
{
	return (struct np_dest){
		.kind = NP_DEST_VM, .vm = (uint8_t)vm,
		.targets = (uint16_t)(1u << vm),
	};
}

/* np_demux by the destination's key. */
static void demux_key(const struct netpath *np, uint64_t key,
		      struct np_dest *d)
{
	uint32_t vm;

	if (key_is_link_local(key)) {
		/* To no VM, and not to the wire. */
		*d = (struct np_dest){
			.kind = NP_DEST_LINK_LOCAL, .vm = NP_NO_VM,
		};
		return;
	}
	if (key_is_group(key)) {
		/* Zero-copy to all: the one frame, read-only in each. */
		*d = (struct np_dest){
			.kind = NP_DEST_GROUP, .vm = NP_NO_VM,
			.targets = np->ring_mask, .flags = NET_RX_F_BCAST,
		};
		return;
	}
	vm = key_lookup(np, key);
	if (vm != NP_NO_VM) {
		*d = vm_dest(vm);
		return;
	}
	*d = (struct np_dest){
		.kind = NP_DEST_UNKNOWN, .vm = NP_NO_VM,
		.targets = np->promisc_mask,
	};
}

void np_demux(const struct netpath *np, const uint8_t dst[6],
	      struct np_dest *d)
{
	demux_key(np, mac_key(dst), d);
}

/* Frames come in runs to one VM (a TCP window, a burst of datagrams).
 * The hit comes from a load that does not wait for the frame: the
 * compare with its MAC is a branch the CPU predicts, and the VM's state
 * loads start at once, where the index's hash and probe wait for the
 * header's load and then hold up everything after them: in make bench,
 * copy at 64 B for one VM went from 49 to 42 ns, while frames spread
 * over VMs one by one (the scaling table) pay one compare more
 * (docs/performance.md, "The fixed cost, a fourth pass"). A group or
 * link-local key never matches: an entry's key is a VM's unicast MAC. */
void np_rx_demux(struct netpath *np, const uint8_t dst[6],
		 struct np_dest *d)
{
	uint64_t key = mac_key(dst), last = np->mac_last;

	if (last && (last & MAC_KEY_MASK) == key) {
		*d = vm_dest((uint32_t)(last >> MAC_VM_SHIFT) - 1);
		return;
	}
	demux_key(np, key, d);
	if (d->kind == NP_DEST_VM)
		np->mac_last = (uint64_t)(d->vm + 1) << MAC_VM_SHIFT | key;
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
		.rx_drop_nopost = st->rx_drop_nopost,
	};
	return 0;
}
