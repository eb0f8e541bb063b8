/* Host tests for the demux by destination MAC (vmm/net/demux.c): the
 * MAC index (np_add_vm, collisions, all 48 bits of the key), the group
 * and promiscuous masks, unicast, group and unknown destinations, MAC
 * Control, the receive path's last-hit shortcut (np_rx_demux), and the
 * invariant checker's view of the index, the masks and the last hit
 * (vmm/net/netpath_check.c). On the shared fakes (netpath_fakes.c). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/netpath_steps.h"

struct add_case {
	const char *name;
	uint32_t    vm;
	uint8_t     mac[6];
	uint16_t    slots, quota;
};

static const struct add_case add_rejects[] = {
	{ "vm id out of range", NP_MAX_VMS, { 2, 0, 0, 0, 1, 0 }, 8, 8 },
	{ "vm id taken", 0, { 2, 0, 0, 0, 1, 0 }, 8, 8 },
	{ "MAC taken", 1, { 2, 0, 0, 0, 0, 1 }, 8, 8 },
	{ "multicast MAC", 1, { 3, 0, 0, 0, 1, 0 }, 8, 8 },
	{ "broadcast MAC", 1, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 8, 8 },
	{ "zero MAC", 1, { 0 }, 8, 8 },
	{ "no slots", 1, { 2, 0, 0, 0, 1, 0 }, 0, 0 },
	{ "too many slots", 1, { 2, 0, 0, 0, 1, 0 }, NET_RX_SLOTS_MAX + 1, 8 },
	{ "quota 0", 1, { 2, 0, 0, 0, 1, 0 }, 8, 0 },
	{ "quota above slots", 1, { 2, 0, 0, 0, 1, 0 }, 8, 9 },
};

static void test_add_vm(void **state)
{
	(void)state;
	world(8, 8, 0, 0);
	add_vm(0, 8, 8, false, false);          /* MAC 02:00:00:00:00:01 */
	for (size_t i = 0; i < ARRAY_SIZE(add_rejects); i++) {
		const struct add_case *c = &add_rejects[i];

		snapshot();
		if (np_add_vm(&np, c->vm, c->mac, c->slots, c->quota, false) != -1)
			fail_msg("accepted: %s", c->name);
		assert_unchanged();
	}
	assert_int_equal(np_add_vm(&np, NP_MAX_VMS - 1, mac(NP_MAX_VMS - 1),
				   NET_RX_SLOTS_MAX, NET_RX_SLOTS_MAX, true), 0);
	assert_int_equal(np.nr_vms, 2);
}

/* MAC Control (EtherType 0x8808) is the link's own even when sent to a
 * VM's unicast MAC: a link_local drop, the frame FREE, its bytes seen by
 * no VM (the scrub rule zeroes them before any VM maps the page). */
static void test_rx_mac_control(void **state)
{
	uint64_t hpa;

	(void)state;
	world(4, 2, 0, 0);
	add_vm(0, 4, 4, false, true);
	np_refill(&np);
	hpa = nic_write(mac(0), 60);
	fk.page[pidx(hpa)][12] = 0x88;
	fk.page[pidx(hpa)][13] = 0x08;
	assert_int_equal(np_rx(&np, hpa, 60, now), 0);
	assert_int_equal(np.st.rx_drop_link_local, 1);
	assert_int_equal(np.vm[0].st.rx_frames, 0);
	assert_int_equal(fk.ring[0].prod, 0);
	assert_int_equal(np.frame[np_frame_find(&np, hpa)].state, FRAME_FREE);
	assert_int_equal(np.frame[np_frame_find(&np, hpa)].scrub_len, 60);
	assert_int_equal(np.frame[np_frame_find(&np, hpa)].seen, 0);
	/* 0x8809 (slow protocols) to a VM is not MAC Control: delivered. */
	hpa = nic_write(mac(0), 60);
	fk.page[pidx(hpa)][12] = 0x88;
	fk.page[pidx(hpa)][13] = 0x09;
	assert_int_equal(np_rx(&np, hpa, 60, now), 1);
}

/* VMs 0 and 1 plain, VM 2 with a ring and VM 3 without, either of them
 * promiscuous as the row says. */
struct demux_case {
	const char *name;
	uint8_t     dst[6];
	bool        promisc2, promisc3;
	uint16_t    want;           /* VMs that get it */
	uint16_t    flags;
	uint16_t    nosetup;        /* VMs that count rx_drop_nosetup */
	uint32_t    unknown, no_vm; /* global drops */
	uint32_t    link_local;     /* global drop: not bridged */
};

static const struct demux_case demux_cases[] = {
	{ "unicast to VM 0", { 2, 0, 0, 0, 0, 1 }, true, false, 0x1, 0, 0, 0, 0, 0 },
	{ "unicast to VM 1", { 2, 0, 0, 0, 0, 2 }, true, false, 0x2, 0, 0, 0, 0, 0 },
	{ "unicast to the promiscuous VM 2", { 2, 0, 0, 0, 0, 3 }, true, false,
	  0x4, 0, 0, 0, 0, 0 },
	{ "unicast to VM 3 without a ring", { 2, 0, 0, 0, 0, 4 }, false, false,
	  0, 0, 0x8, 0, 1, 0 },
	{ "broadcast: every VM with a ring", { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	  false, false, 0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "IPv4 multicast", { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, false, false,
	  0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "IPv6 multicast", { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, false, false,
	  0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "VM 0's MAC with the group bit", { 3, 0, 0, 0, 0, 1 }, false, false,
	  0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "unknown unicast: dropped", { 2, 0, 0, 0, 0, 0x99 }, false, false,
	  0, 0, 0, 1, 0, 0 },
	{ "unknown unicast: to the promiscuous VM", { 2, 0, 0, 0, 0, 0x99 }, true,
	  false, 0x4, 0, 0, 0, 0, 0 },
	{ "unknown unicast: promiscuous VM without a ring",
	  { 2, 0, 0, 0, 0, 0x99 }, false, true, 0, 0, 0x8, 0, 1, 0 },
	{ "unknown unicast: two promiscuous VMs", { 2, 0, 0, 0, 0, 0x99 }, true,
	  true, 0x4, 0, 0x8, 0, 0, 0 },
	{ "a MAC one bit off VM 1's", { 2, 0, 0, 0, 0, 6 }, false, false,
	  0, 0, 0, 1, 0, 0 },
	/* IEEE 802.1 reserved: to nobody, even promiscuous VMs. */
	{ "spanning tree 01:80:c2:00:00:00", { 0x01, 0x80, 0xc2, 0, 0, 0 },
	  true, true, 0, 0, 0, 0, 0, 1 },
	{ "PAUSE 01:80:c2:00:00:01", { 0x01, 0x80, 0xc2, 0, 0, 0x01 },
	  false, false, 0, 0, 0, 0, 0, 1 },
	{ "LLDP 01:80:c2:00:00:0e", { 0x01, 0x80, 0xc2, 0, 0, 0x0e },
	  false, false, 0, 0, 0, 0, 0, 1 },
	{ "01:80:c2:00:00:0f, the block's last", { 0x01, 0x80, 0xc2, 0, 0, 0x0f },
	  false, false, 0, 0, 0, 0, 0, 1 },
	{ "01:80:c2:00:00:10: an ordinary group", { 0x01, 0x80, 0xc2, 0, 0, 0x10 },
	  false, false, 0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
	{ "01:80:c2:00:01:00: an ordinary group", { 0x01, 0x80, 0xc2, 0, 1, 0 },
	  false, false, 0x7, NET_RX_F_BCAST, 0, 0, 0, 0 },
};

static void test_demux(void **state)
{
	const struct demux_case *c = *state;
	uint64_t hpa;
	uint32_t fi, took = 0;

	world(8, 4, 0, 0);
	add_vm(0, 4, 4, false, true);
	add_vm(1, 4, 4, false, true);
	add_vm(2, 4, 4, c->promisc2, true);
	add_vm(3, 4, 4, c->promisc3, false);
	np_refill(&np);
	hpa = nic_write(c->dst, 100);
	fi = np_frame_find(&np, hpa);
	for (uint16_t w = c->want; w; w &= w - 1)
		took++;
	assert_int_equal(np_rx(&np, hpa, 100, now), took);

	for (uint32_t v = 0; v < 4; v++) {
		bool got = c->want >> v & 1;

		assert_int_equal(fk.ring[v].prod, got);
		assert_int_equal(np.vm[v].st.rx_frames, got);
		assert_int_equal(np.vm[v].st.rx_bcast,
				 got && (c->flags & NET_RX_F_BCAST));
		assert_int_equal(np.vm[v].st.rx_drop_nosetup, c->nosetup >> v & 1);
		if (got) {
			assert_int_equal(fk.ring[v].ent[0].slot, 0);
			assert_int_equal(fk.ring[v].ent[0].len, 100);
			assert_int_equal(fk.ring[v].ent[0].flags, c->flags);
			assert_int_equal(fk.ept[v][0], hpa);
		}
	}
	assert_int_equal(np.st.rx_drop_unknown, c->unknown);
	assert_int_equal(np.st.rx_drop_no_vm, c->no_vm);
	assert_int_equal(np.st.rx_drop_link_local, c->link_local);
	assert_int_equal(np.st.rx_frames, took ? 1 : 0);
	if (took) {
		assert_int_equal(np.frame[fi].state, FRAME_DELIVERED);
		assert_int_equal(np.frame[fi].holders, c->want);
	} else {
		assert_int_equal(np.frame[fi].state, FRAME_FREE);
		assert_int_equal(np.frame[fi].seen, 0);     /* nobody's */
	}
}

/* --- the MAC index ------------------------------------------------------- */

/* A netpath with a pool of one page, for the demux alone: broken
 * invariants are recorded (fk.panics, fk.panic_msg), not fatal, and the
 * end-of-test checks are skipped. */
static void fresh(void)
{
	fk_reset();
	world(1, 0, 0, 100);
	fk.expect_panic = true;
	fk.corrupted = true;
}

static void mac_of(uint8_t mac[6], uint32_t a, uint32_t b)
{
	const uint8_t m[6] = { 0x52, 0x54, (uint8_t)(a >> 8), (uint8_t)a,
			       (uint8_t)(b >> 8), (uint8_t)b };

	memcpy(mac, m, 6);
}

static int add(uint32_t vm, const uint8_t mac[6], bool promisc)
{
	return np_add_vm(&np, vm, mac, 8, 8, promisc);
}

static struct np_dest demux(const uint8_t mac[6])
{
	struct np_dest d;

	np_demux(&np, mac, &d);
	return d;
}

/* The bucket a MAC lands in, seen from outside: the one index entry that
 * adding it to an empty netpath fills. */
static uint32_t bucket_of(const uint8_t mac[6])
{
	uint32_t found = NP_MAC_BUCKETS;

	fresh();
	assert_int_equal(add(0, mac, false), 0);
	for (uint32_t b = 0; b < NP_MAC_BUCKETS; b++)
		if (np.mac_index[b]) {
			assert_int_equal(found, NP_MAC_BUCKETS);
			found = b;
		}
	assert_true(found < NP_MAC_BUCKETS);
	return found;
}

/* n MACs that all hash to 'bucket' (brute force over the low octets). */
static void colliding_macs(uint8_t macs[][6], uint32_t n, uint32_t bucket)
{
	uint32_t got = 0;

	for (uint32_t i = 0; got < n; i++) {
		assert_true(i < 100000);
		mac_of(macs[got], 7, i);
		if (bucket_of(macs[got]) == bucket)
			got++;
	}
}

static void test_unicast_each_vm(void **state)
{
	uint8_t mac[6];

	fresh();
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		mac_of(mac, 0, v + 1);
		assert_int_equal(add(v, mac, false), 0);
	}
	assert_int_equal(fk.panics, 0);
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		struct np_dest d;

		mac_of(mac, 0, v + 1);
		d = demux(mac);
		assert_int_equal(d.kind, NP_DEST_VM);
		assert_int_equal(d.vm, v);
		assert_int_equal(d.targets, 1u << v);
		assert_int_equal(d.flags, 0);
		assert_int_equal(np_mac_lookup(&np, mac), v);
	}
	mac_of(mac, 0, NP_MAX_VMS + 1);
	assert_int_equal(demux(mac).kind, NP_DEST_UNKNOWN);
	assert_int_equal(np_mac_lookup(&np, mac), NP_NO_VM);
}

/* Every VM's MAC in one bucket: one probe run of NP_MAX_VMS, which for
 * the last bucket wraps around the end of the table. Each is still
 * found, and a MAC of the same bucket that is no VM's is not. */
static void test_colliding_macs(void **state)
{
	const uint32_t buckets[] = { 3, NP_MAC_BUCKETS - 1 };
	uint8_t macs[NP_MAX_VMS + 1][6];

	for (uint32_t k = 0; k < 2; k++) {
		colliding_macs(macs, NP_MAX_VMS + 1, buckets[k]);
		fresh();
		for (uint32_t v = 0; v < NP_MAX_VMS; v++)
			assert_int_equal(add(v, macs[v], false), 0);
		assert_int_equal(fk.panics, 0);
		for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
			assert_int_equal(demux(macs[v]).kind, NP_DEST_VM);
			assert_int_equal(demux(macs[v]).vm, v);
		}
		assert_int_equal(demux(macs[NP_MAX_VMS]).kind, NP_DEST_UNKNOWN);
		assert_int_equal(demux(macs[NP_MAX_VMS]).targets, 0);
	}
}

/* For each octet k, near[k]: 'mac' changed in octet k alone (the I/G bit
 * kept clear), in the same bucket, so a probe for it meets mac's entry
 * and only the whole key tells the two apart. */
static void near_macs(uint8_t near[6][6], const uint8_t mac[6])
{
	uint32_t home = bucket_of(mac);

	for (uint32_t k = 0; k < 6; k++) {
		uint32_t x;

		for (x = 1; x < 256; x++) {
			memcpy(near[k], mac, 6);
			near[k][k] ^= (uint8_t)(k ? x : x << 1);
			if (bucket_of(near[k]) == home)
				break;
		}
		assert_true(x < 256);
	}
}

/* The key is all 48 bits: MACs that differ in a single bit of the first
 * octet or of the last are different VMs; and for each octet, a MAC that
 * differs from a VM's only there, in the same bucket so the probe meets
 * the VM's entry, is nobody's. */
static void test_key_is_48_bits(void **state)
{
	const uint8_t a[6] = { 0x02, 0, 0, 0, 0, 0x10 };
	const uint8_t b[6] = { 0x06, 0, 0, 0, 0, 0x10 };
	const uint8_t c[6] = { 0x02, 0, 0, 0, 0, 0x11 };
	uint8_t near[6][6];

	near_macs(near, a);
	fresh();
	assert_int_equal(add(0, a, false), 0);
	assert_int_equal(add(1, b, false), 0);
	assert_int_equal(add(2, c, false), 0);
	assert_int_equal(demux(a).vm, 0);
	assert_int_equal(demux(b).vm, 1);
	assert_int_equal(demux(c).vm, 2);
	for (uint32_t k = 0; k < 6; k++)
		assert_int_equal(demux(near[k]).kind, NP_DEST_UNKNOWN);
}

/* A refused VM changes nothing: same MAC, a group or zero MAC, an id
 * taken or out of range. */
static void test_refusals_change_nothing(void **state)
{
	static struct netpath before;
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	const uint8_t zero[6] = { 0 };
	uint8_t mac[6], other[6];

	fresh();
	mac_of(mac, 1, 1);
	mac_of(other, 1, 2);
	assert_int_equal(add(0, mac, true), 0);
	memcpy(&before, &np, sizeof(np));
	assert_int_equal(add(1, mac, false), -1);
	assert_int_equal(add(1, bcast, false), -1);
	assert_int_equal(add(1, mcast, false), -1);
	assert_int_equal(add(1, zero, false), -1);
	assert_int_equal(add(0, other, false), -1);
	assert_int_equal(add(NP_MAX_VMS, other, false), -1);
	assert_memory_equal(&before, &np, sizeof(np));
}

/* Broadcast and multicast go to every VM with a ring, and only those. */
static void test_group_targets_ring_vms(void **state)
{
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t v6mc[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	uint8_t mac[6];
	struct np_dest d;

	fresh();
	for (uint32_t v = 0; v < 3; v++) {
		mac_of(mac, 2, v);
		assert_int_equal(add(v, mac, false), 0);
	}
	assert_int_equal(demux(bcast).targets, 0);
	assert_int_equal(np_setup(&np, 0, &fk.ring[0], NULL), 0);
	assert_int_equal(np_setup(&np, 2, &fk.ring[2], NULL), 0);
	d = demux(bcast);
	assert_int_equal(d.kind, NP_DEST_GROUP);
	assert_int_equal(d.targets, 0x5);
	assert_int_equal(d.flags, NET_RX_F_BCAST);
	assert_int_equal(demux(v6mc).targets, 0x5);
	assert_int_equal(np_setup(&np, 1, &fk.ring[1], NULL), 0);
	assert_int_equal(demux(bcast).targets, 0x7);
	/* A VM's own MAC with the group bit set is a group address. */
	mac_of(mac, 2, 1);
	mac[0] |= 1;
	assert_int_equal(demux(mac).kind, NP_DEST_GROUP);
	assert_int_equal(fk.panics, 0);
}

/* Unknown unicast goes to the promiscuous VMs, or nowhere. */
static void test_unknown_to_promiscuous(void **state)
{
	uint8_t mac[6], unknown[6];
	struct np_dest d;

	mac_of(unknown, 9, 9);
	fresh();
	for (uint32_t v = 0; v < 4; v++) {
		mac_of(mac, 3, v);
		assert_int_equal(add(v, mac, v == 1 || v == 3), 0);
	}
	d = demux(unknown);
	assert_int_equal(d.kind, NP_DEST_UNKNOWN);
	assert_int_equal(d.targets, 0xa);
	/* A promiscuous VM's own MAC still goes to it alone. */
	mac_of(mac, 3, 3);
	assert_int_equal(demux(mac).targets, 0x8);

	fresh();
	mac_of(mac, 3, 0);
	assert_int_equal(add(0, mac, false), 0);
	assert_int_equal(demux(unknown).targets, 0);
}

/* np_check sees an index or a mask that no longer matches the VMs. */
static void test_check_catches_drift(void **state)
{
	uint8_t mac[6];
	uint32_t b;

	fresh();
	mac_of(mac, 4, 1);
	assert_int_equal(add(0, mac, false), 0);
	assert_true(np_check(&np));

	for (b = 0; !np.mac_index[b]; b++)
		;
	np.mac_index[b] = 0;                    /* the VM lost */
	assert_false(np_check(&np));
	assert_non_null(strstr(fk.panic_msg, "MAC index"));

	fresh();
	assert_int_equal(add(0, mac, false), 0);
	for (b = 0; !np.mac_index[b]; b++)
		;
	np.mac_index[(b + 5) % NP_MAC_BUCKETS] = np.mac_index[b] ^ 1; /* a stray */
	assert_false(np_check(&np));
	assert_non_null(strstr(fk.panic_msg, "MAC index"));

	fresh();
	assert_int_equal(add(0, mac, false), 0);
	np.ring_mask = 1;                       /* a group target with no ring */
	assert_false(np_check(&np));
	assert_non_null(strstr(fk.panic_msg, "mask"));

	fresh();
	assert_int_equal(add(0, mac, false), 0);
	np.promisc_mask = 1;
	assert_false(np_check(&np));
	assert_non_null(strstr(fk.panic_msg, "mask"));

	/* A last hit the index does not hold: a VM's key with another
	 * VM's number. */
	fresh();
	assert_int_equal(add(0, mac, false), 0);
	for (b = 0; !np.mac_index[b]; b++)
		;
	np.mac_last = np.mac_index[b] + (1ull << 48);
	assert_false(np_check(&np));
	assert_non_null(strstr(fk.panic_msg, "last demux hit"));
}

/* np_rx_demux, which tries the last unicast hit first, decides every
 * destination as np_demux does, in any order: VMs' MACs in runs and
 * alternating, MACs one octet away from a VM's (in the VM's bucket, so
 * only the whole key tells them apart), the VM's MAC with the group
 * bit, broadcast, link-local, unknown; and it keeps only a unicast hit,
 * an entry of the index. */
static void test_rx_demux_as_demux(void **state)
{
	const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	const uint8_t stp[6] = { 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 };
	uint8_t vmac[3][6], near[6][6], group[6], unknown[6];
	const uint8_t *seq[64];
	uint32_t n = 0;

	mac_of(vmac[0], 5, 1);
	near_macs(near, vmac[0]);
	mac_of(vmac[1], 5, 2);
	mac_of(vmac[2], 5, 3);
	memcpy(group, vmac[0], 6);
	group[0] |= 1;
	mac_of(unknown, 9, 9);
	fresh();
	for (uint32_t v = 0; v < 3; v++)
		assert_int_equal(add(v, vmac[v], v == 2), 0);
	assert_int_equal(np_setup(&np, 1, &fk.ring[1], NULL), 0);
	assert_int_equal(np.mac_last, 0);

	for (uint32_t r = 0; r < 3; r++)                /* a run */
		seq[n++] = vmac[0];
	for (uint32_t k = 0; k < 6; k++) {              /* then a near miss */
		seq[n++] = near[k];
		seq[n++] = vmac[0];
	}
	seq[n++] = group;
	seq[n++] = vmac[0];
	seq[n++] = bcast;
	seq[n++] = stp;
	seq[n++] = unknown;
	seq[n++] = vmac[0];
	for (uint32_t r = 0; r < 9; r++)                /* VMs one by one */
		seq[n++] = vmac[r % 3];
	for (uint32_t i = 0; i < n; i++) {
		struct np_dest want = demux(seq[i]), got;
		uint64_t last = np.mac_last;

		np_rx_demux(&np, seq[i], &got);
		assert_memory_equal(&got, &want, sizeof(got));
		if (want.kind == NP_DEST_VM)
			assert_int_equal(np_mac_lookup(&np, seq[i]),
					 (uint32_t)(np.mac_last >> 48) - 1);
		else
			assert_int_equal(np.mac_last, last);
		assert_true(np_check(&np));
	}
	assert_int_equal(fk.panics, 0);
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_add_vm),
	T(test_rx_mac_control),
};

/* On a pool of one page: fresh() sets each up, no end checks. */
static const struct CMUnitTest index_tests[] = {
	cmocka_unit_test_setup(test_unicast_each_vm, reset),
	cmocka_unit_test_setup(test_colliding_macs, reset),
	cmocka_unit_test_setup(test_key_is_48_bits, reset),
	cmocka_unit_test_setup(test_refusals_change_nothing, reset),
	cmocka_unit_test_setup(test_group_targets_ring_vms, reset),
	cmocka_unit_test_setup(test_unknown_to_promiscuous, reset),
	cmocka_unit_test_setup(test_check_catches_drift, reset),
	cmocka_unit_test_setup(test_rx_demux_as_demux, reset),
};

static struct CMUnitTest demux_tests[ARRAY_SIZE(demux_cases)];

int main(void)
{
	int failed;

	ROWS(demux_tests, demux_cases, test_demux);
	failed = cmocka_run_group_tests_name("netpath demux add", tests, NULL,
					     NULL);
	failed += cmocka_run_group_tests_name("netpath demux", demux_tests,
					      NULL, NULL);
	failed += cmocka_run_group_tests_name("demux", index_tests, NULL, NULL);
	return failed ? 1 : 0;
}
