/* Host tests for transmit (vmm/net/net_tx.c): VM to VM through the pool,
 * never the wire; broadcast to the wire and every other VM; unknown
 * unicast; every refusal (length, spoofed source, to itself, the NIC
 * busy, no FREE frame) changes nothing but a drop count; VM to VM by
 * copy. On the shared fakes (netpath_fakes.c); each test ends with
 * np_check and the fakes against the books (netpath_steps.c). */
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

/* Three VMs, the NIC able to take the whole pool; tx_reserve keeps two
 * FREE frames for VM-to-VM copies. */
static void tx_world(void)
{
	fk.setup.tx_reserve = 2;
	world(16, 16, 0, 0);
	add_vm(0, 8, 8, false, true);
	add_vm(1, 8, 8, false, true);
	add_vm(2, 8, 8, false, true);
	assert_int_equal(np_refill(&np), 14);
}

/* Unicast to another VM: through the pool, never the wire. */
static void test_tx_vm_to_vm(void **state)
{
	uint8_t buf[NET_FRAME_MAX];
	uint64_t hpa;

	(void)state;
	tx_world();
	make_frame(buf, 0, mac(1), 100);
	assert_int_equal(np_tx(&np, 0, buf, 100, now), 0);
	assert_int_equal(fk.nwire, 0);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(fk.ring[1].ent[0].flags, NET_RX_F_LOCAL);
	assert_int_equal(fk.ring[1].ent[0].len, 100);
	hpa = fk.ept[1][fk.ring[1].ent[0].slot];
	assert_memory_equal(fk.page[pidx(hpa)], buf, 100);
	assert_int_equal(fk.ring[0].prod + fk.ring[2].prod, 0);
	assert_int_equal(fk.rx_irq[1], 1);      /* np_tx ends its batch */
	assert_int_equal(np.vm[0].st.tx_frames, 1);
	assert_int_equal(np.vm[0].st.tx_bytes, 100);
	assert_int_equal(np.vm[0].st.tx_local, 1);
	assert_int_equal(np.st.tx_local, 1);
	assert_int_equal(np.st.tx_wire, 0);
	assert_int_equal(np.vm[1].st.rx_frames, 1);
	assert_int_equal(np.st.rx_frames, 0);   /* counts the wire only */
	assert_int_equal(release1(1, 0), 1);
	assert_int_equal(np.st.bytes_scrubbed, 0);      /* a fresh page */

	/* Every frame with the NIC: nothing to copy into. */
	np.tx_reserve = 0;
	np_refill(&np);
	snapshot();
	assert_int_equal(tx(0, mac(1), 100), -HC_E_STATE);
	assert_int_equal(np.vm[0].st.tx_drop, 1);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(fk.nlog, snap_fk.nlog);
}

/* A VM's broadcast: the wire, and every other VM, one shared frame. */
static void test_tx_broadcast(void **state)
{
	uint8_t buf[NET_FRAME_MAX];

	(void)state;
	tx_world();
	make_frame(buf, 0, BCAST, 60);
	assert_int_equal(np_tx(&np, 0, buf, 60, now), 0);
	assert_int_equal(fk.nwire, 1);
	assert_int_equal(fk.wire_len[0], 60);
	assert_memory_equal(fk.wire[0], buf, 60);
	assert_int_equal(fk.ring[0].prod, 0);   /* not back to the sender */
	for (uint32_t v = 1; v < 3; v++) {
		assert_int_equal(fk.ring[v].prod, 1);
		assert_int_equal(fk.ring[v].ent[0].flags,
				 NET_RX_F_BCAST | NET_RX_F_LOCAL);
		assert_int_equal(np.vm[v].st.rx_bcast, 1);
	}
	assert_int_equal(fk.ept[1][0], fk.ept[2][0]);
	assert_int_equal(fk.rx_irq[0], 0);
	assert_int_equal(np.st.tx_wire, 1);
	assert_int_equal(np.st.tx_local, 1);
	assert_int_equal(np.vm[0].st.tx_frames, 1);
	assert_int_equal(tx(2, MCAST, 80), 0);
	assert_int_equal(fk.nwire, 2);
	assert_int_equal(fk.ring[0].prod, 1);
	assert_int_equal(fk.ring[1].prod, 2);
	assert_int_equal(fk.ring[2].prod, 1);
}

/* Unknown unicast: the wire, plus promiscuous VMs but the sender. */
/* Flip a VM's promiscuous flag after np_add_vm, as np_add_vm would have
 * set it: the flag and the demux's mask together. */
static void set_promisc(uint32_t vm, bool on)
{
	np.vm[vm].promiscuous = on;
	if (on)
		np.promisc_mask |= (uint16_t)(1u << vm);
	else
		np.promisc_mask &= (uint16_t)~(1u << vm);
}

static void test_tx_unknown(void **state)
{
	uint32_t counts[FRAME_NR_STATES];

	(void)state;
	tx_world();
	set_promisc(0, true);
	set_promisc(2, true);
	assert_int_equal(tx(0, OUTSIDE, 60), 0);
	assert_int_equal(fk.nwire, 1);
	assert_int_equal(fk.ring[0].prod, 0);
	assert_int_equal(fk.ring[1].prod, 0);
	assert_int_equal(fk.ring[2].prod, 1);
	assert_int_equal(fk.ring[2].ent[0].flags, NET_RX_F_LOCAL);
	set_promisc(2, false);
	np_counts(&np, counts);
	assert_int_equal(tx(0, UNKNOWN, 60), 0);         /* no copy taken */
	assert_int_equal(fk.nwire, 2);
	assert_memory_equal(np.count, counts, sizeof(counts));
	assert_int_equal(np.st.tx_wire, 2);
	assert_int_equal(np.st.tx_local, 1);
}

/* The longest frame at the default mtu: 1500, the header, a tag. */
#define FMAX (NET_MTU_DEFAULT + NET_ETH_OVERHEAD)

static void test_tx_rejects(void **state)
{
	uint8_t buf[FMAX + 1];

	(void)state;
	tx_world();

	/* Spoofed: counted, and nothing at all happens. */
	make_frame(buf, 1, OUTSIDE, 60);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_spoofed++;
	assert_unchanged();

	/* Lengths: 14 and mtu + 18 go, 13 and one more are counted drops. */
	make_frame(buf, 0, OUTSIDE, FMAX + 1);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, NET_FRAME_MIN - 1, now), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, 0, buf, FMAX + 1, now), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, 0, buf, 0, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop += 3;
	assert_unchanged();
	assert_int_equal(np_tx(&np, 0, buf, NET_FRAME_MIN, now), 0);
	assert_int_equal(np_tx(&np, 0, buf, FMAX, now), 0);
	assert_int_equal(fk.wire_len[1], FMAX);
	assert_int_equal(np.vm[0].st.tx_bytes, NET_FRAME_MIN + FMAX);

	/* To itself; from no VM; no frame. */
	snapshot();
	assert_int_equal(tx(0, mac(0), 60), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop++;
	assert_unchanged();
	assert_int_equal(tx(3, OUTSIDE, 60), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, NP_MAX_VMS, buf, 60, now), -HC_E_INVAL);
	assert_int_equal(np_tx(&np, 0, NULL, 60, now), -HC_E_INVAL);
	assert_unchanged();

	/* IEEE 802.1 link-local (PAUSE, spanning tree): neither the wire
	 * nor another VM; a counted drop, nothing else changes. */
	make_frame(buf, 0, OUTSIDE, 60);
	memcpy(buf, (const uint8_t[]){ 0x01, 0x80, 0xc2, 0, 0, 0x01 }, 6);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	buf[5] = 0x00;
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop += 2;
	snap_np.vm[0].st.tx_link_local += 2;
	assert_unchanged();
	assert_int_equal(np.vm[0].st.tx_drop, 6);
	make_frame(buf, 0, OUTSIDE, 60);                /* PAUSE, unicast */
	buf[12] = 0x88;
	buf[13] = 0x08;
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now), -HC_E_INVAL);
	snap_np.vm[0].st.tx_drop++;
	snap_np.vm[0].st.tx_link_local++;
	assert_unchanged();

	/* The NIC busy: a drop; a broadcast still reaches the local VMs. */
	fk.wire_busy = true;
	/* Refused: the drop is counted and nothing else changes. */
	make_frame(buf, 0, OUTSIDE, 60);
	snapshot();
	assert_int_equal(np_tx(&np, 0, buf, 60, now + 1000000), -HC_E_STATE);
	snap_np.vm[0].st.tx_drop++;
	assert_unchanged();
	assert_int_equal(np.vm[0].st.tx_drop, 8);
	assert_int_equal(tx(0, BCAST, 60), 0);
	assert_int_equal(np.vm[0].st.tx_drop, 9);
	assert_int_equal(fk.ring[1].prod, 1);
	assert_int_equal(fk.ring[2].prod, 1);
	assert_int_equal(np.vm[0].st.tx_frames, 3);
	fk.wire_busy = false;
}

/* VM to VM follows the same rule: the frame is copied into a pool frame,
 * then on into each target with a copy area; the pool frame is back,
 * scrubbed, when nobody maps it. */
static void test_copy_tx_local(void **state)
{
	uint8_t buf[NET_FRAME_MAX];
	uint32_t before[FRAME_NR_STATES], after[FRAME_NR_STATES];
	uint32_t fi;

	(void)state;
	fk.setup.tx_reserve = 2;
	set_mode(NP_COPY, 0);
	world(16, 16, 0, 0);
	add_vm_copy(0, 8, 8, false);
	add_vm_copy(1, 8, 8, false);
	add_vm(2, 8, 8, false, true);           /* no copy area */
	assert_int_equal(np_refill(&np), 14);
	np_counts(&np, before);
	make_frame(buf, 1, mac(0), 100);
	assert_int_equal(np_tx(&np, 1, buf, 100, now), 0);
	assert_entry(0, 0, buf, 100, NET_RX_F_LOCAL, true);
	np_counts(&np, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_int_equal(np.st.bytes_scrubbed, 0);      /* copied: nothing shown */
	assert_int_equal(fk.rx_irq[0], 1);
	assert_int_equal(count_ops(OP_MAP, 0), 0);

	/* A broadcast: copied into VM 1, mapped into VM 2. */
	make_frame(buf, 0, BCAST, 80);
	assert_int_equal(np_tx(&np, 0, buf, 80, now), 0);
	assert_entry(1, 0, buf, 80, NET_RX_F_BCAST | NET_RX_F_LOCAL, true);
	assert_entry(2, 0, buf, 80, NET_RX_F_BCAST | NET_RX_F_LOCAL, false);
	fi = frame_of(2, 0);
	assert_int_equal(np.frame[fi].holders, 0x4);
	assert_int_equal(np.frame[fi].state, FRAME_DELIVERED);
	assert_int_equal(fk.nwire, 1);
	assert_int_equal(np.st.rx_copied, 2);
	assert_int_equal(np.st.rx_flipped, 1);
	assert_int_equal(fk.ring[0].prod, 1);   /* not back to the sender */
}

/* --- main ------------------------------------------------------------------ */

static const struct CMUnitTest tests[] = {
	T(test_tx_vm_to_vm),
	T(test_tx_broadcast),
	T(test_tx_unknown),
	T(test_tx_rejects),
	T(test_copy_tx_local),
};

int main(void)
{
	int failed;

	failed = cmocka_run_group_tests_name("netpath transmit", tests, NULL, NULL);
	return failed ? 1 : 0;
}
