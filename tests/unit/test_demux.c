/* Host tests for the demux by destination MAC (vmm/net/demux.c): the MAC
 * index, the group and promiscuous masks, and the invariant checker's
 * view of them (vmm/net/netpath_check.c). The receive path around them is
 * tested in test_netpath.c; here the netpath needs no more than a pool
 * of one page and rings to register. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vmm/net/netpath_internal.h"

#define NPAGES 4

static uint8_t pages[NPAGES][NET_SLOT_SIZE] __attribute__((aligned(4096)));
static struct net_rx_ring rings[NP_MAX_VMS] __attribute__((aligned(4096)));
static struct netpath np;
static const char *panicked;    /* the last message np_check gave */

static int op_map(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa) { return 0; }
static int op_unmap(void *ctx, uint32_t vm, uint16_t slot) { return 0; }
static void op_flush(void *ctx, uint32_t vm) { }
static void op_notify(void *ctx, uint32_t vm, uint8_t vector) { }
static bool op_post(void *ctx, uint64_t hpa) { return false; }
static bool op_wire_tx(void *ctx, const uint8_t *d, uint16_t len) { return false; }

static uint8_t *op_page(void *ctx, uint64_t hpa)
{
	return (uint8_t *)(uintptr_t)hpa;
}

static void op_panic(void *ctx, const char *msg, uint32_t frame)
{
	panicked = msg;
}

/* Every VM runs all the time: its own time is the hypervisor's. */
static uint64_t op_vm_clock(void *ctx, uint32_t vm, uint64_t now)
{
	return now;
}

static const struct netpath_ops ops = {
	.map = op_map, .unmap = op_unmap, .flush = op_flush,
	.notify = op_notify, .page = op_page, .post = op_post,
	.wire_tx = op_wire_tx, .panic = op_panic, .vm_clock = op_vm_clock,
};

static void fresh(void)
{
	uint64_t hpa = (uint64_t)(uintptr_t)pages[0];

	assert_int_equal(np_init(&np, &(struct np_params){
		.ops = &ops, .frame_hpas = &hpa, .nr_frames = 1,
		.reclaim_ticks = 100, .check = NP_CHECK_EVERY }), 0);
	panicked = NULL;
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
	assert_false(panicked);
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
		assert_false(panicked);
		for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
			assert_int_equal(demux(macs[v]).kind, NP_DEST_VM);
			assert_int_equal(demux(macs[v]).vm, v);
		}
		assert_int_equal(demux(macs[NP_MAX_VMS]).kind, NP_DEST_UNKNOWN);
		assert_int_equal(demux(macs[NP_MAX_VMS]).targets, 0);
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
	uint32_t home = bucket_of(a);

	for (uint32_t k = 0; k < 6; k++) {
		uint32_t x;

		for (x = 1; x < 256; x++) {
			memcpy(near[k], a, 6);
			near[k][k] ^= (uint8_t)(k ? x : x << 1); /* keep I/G clear */
			if (bucket_of(near[k]) == home)
				break;
		}
		assert_true(x < 256);
	}
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
	assert_int_equal(np_setup(&np, 0, &rings[0], NULL), 0);
	assert_int_equal(np_setup(&np, 2, &rings[2], NULL), 0);
	d = demux(bcast);
	assert_int_equal(d.kind, NP_DEST_GROUP);
	assert_int_equal(d.targets, 0x5);
	assert_int_equal(d.flags, NET_RX_F_BCAST);
	assert_int_equal(demux(v6mc).targets, 0x5);
	assert_int_equal(np_setup(&np, 1, &rings[1], NULL), 0);
	assert_int_equal(demux(bcast).targets, 0x7);
	/* A VM's own MAC with the group bit set is a group address. */
	mac_of(mac, 2, 1);
	mac[0] |= 1;
	assert_int_equal(demux(mac).kind, NP_DEST_GROUP);
	assert_false(panicked);
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
	assert_non_null(strstr(panicked, "MAC index"));

	fresh();
	assert_int_equal(add(0, mac, false), 0);
	for (b = 0; !np.mac_index[b]; b++)
		;
	np.mac_index[(b + 5) % NP_MAC_BUCKETS] = np.mac_index[b] ^ 1; /* a stray */
	assert_false(np_check(&np));
	assert_non_null(strstr(panicked, "MAC index"));

	fresh();
	assert_int_equal(add(0, mac, false), 0);
	np.ring_mask = 1;                       /* a group target with no ring */
	assert_false(np_check(&np));
	assert_non_null(strstr(panicked, "mask"));

	fresh();
	assert_int_equal(add(0, mac, false), 0);
	np.promisc_mask = 1;
	assert_false(np_check(&np));
	assert_non_null(strstr(panicked, "mask"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unicast_each_vm),
		cmocka_unit_test(test_colliding_macs),
		cmocka_unit_test(test_key_is_48_bits),
		cmocka_unit_test(test_refusals_change_nothing),
		cmocka_unit_test(test_group_targets_ring_vms),
		cmocka_unit_test(test_unknown_to_promiscuous),
		cmocka_unit_test(test_check_catches_drift),
	};

	return cmocka_run_group_tests_name("demux", tests, NULL, NULL);
}
