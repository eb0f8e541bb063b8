/* The network path's soak (every file of vmm/net/'s pure path at once):
 * thousands of random steps per delivery mode (frames from the wire,
 * batch ends, guests reading their rings, good and bad releases,
 * sends, time passing, scribbled rings), np_check after each and the
 * shared fakes (netpath_fakes.c) checking every call. */
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

static uint32_t lcg;

static uint32_t rnd(uint32_t n)
{
	lcg = lcg * 1664525u + 1013904223u;
	return (lcg >> 8) % n;
}

static const uint8_t *soak_dst(void)
{
	switch (rnd(9)) {
	case 0: return BCAST;
	case 1: return MCAST;
	case 4: return MCAST6;
	case 2: return UNKNOWN;
	case 3: return OUTSIDE;
	default: return mac(rnd(4));
	}
}

static void soak_rx(uint64_t *calls)
{
	uint16_t len;

	if (!fk.nic_n)
		np_refill(&np);
	if (!fk.nic_n)
		return;
	switch (rnd(12)) {
	case 0: len = (uint16_t)rnd(NET_FRAME_MIN); break;
	case 1: len = (uint16_t)(NP_RX_LEN_MAX + 1 + rnd(3000)); break;
	default: len = (uint16_t)(NET_FRAME_MIN + rnd(NP_RX_LEN_MAX - NET_FRAME_MIN + 1));
	}
	rx(soak_dst(), len);
	(*calls)++;
}

/* A random subset of what VM v holds, both kinds mixed, in random
 * order: one INVEPT if it had a window slot, none if only copy buffers. */
static void soak_release_good(uint32_t v)
{
	uint16_t held[2 * NET_RX_SLOTS_MAX];
	uint32_t n = held_list(v, held), k;
	uint64_t invepts = np.st.invepts;

	if (!n)
		return;
	/* A random subset, in random order. */
	for (uint32_t i = n - 1; i > 0; i--) {
		uint32_t j = rnd(i + 1);
		uint16_t t = held[i];

		held[i] = held[j];
		held[j] = t;
	}
	k = 1 + rnd(n < HC_NET_BATCH ? n : HC_NET_BATCH);
	assert_int_equal(np_release(&np, v, held, k, now), (int)k);
	assert_int_equal(np.st.invepts - invepts, any_window_slot(held, k));
}

static void soak_release_bad(uint32_t v)
{
	uint16_t slots[2 * NET_RX_SLOTS_MAX + 1];
	uint32_t n = held_list(v, slots), k;
	uint16_t kind = rnd(2) ? NET_SLOT_COPY : 0;
	int want;

	if (n > HC_NET_BATCH - 1)
		n = HC_NET_BATCH - 1;
	k = n ? rnd(n) : 0;                     /* a good prefix */
	switch (rnd(4)) {
	case 0:                                 /* out of range */
		slots[k++] = (uint16_t)((np.vm[v].nr_slots + rnd(100)) | kind);
		want = -HC_E_INVAL;
		break;
	case 1:                                 /* a duplicate */
		if (!k) {
			k = HC_NET_BATCH + 1;
			want = -HC_E_INVAL;
			break;
		}
		slots[k] = slots[rnd(k)];
		k++;
		want = -HC_E_STATE;
		break;
	case 2: {                               /* not delivered */
		uint16_t s = (uint16_t)rnd(np.vm[v].nr_slots);

		if (kind ? np.vm[v].copy_seq[s] != 0 :
			   frame_of(v, s) != NP_NO_FRAME)
			return;
		slots[k++] = s | kind;
		want = -HC_E_STATE;
		break;
	}
	default:
		k = 0;
		want = -HC_E_INVAL;
	}
	memcpy(&snap_np, &np, sizeof(np));
	assert_int_equal(np_release(&np, v, slots, k, now), want);
	snap_np.vm[v].st.release_errors++;
	assert_same(&np, &snap_np, sizeof(np), "struct netpath");
}

static void soak_tx(void)
{
	uint32_t v = rnd(4), to = rnd(4);
	uint8_t buf[NET_FRAME_MAX];
	uint16_t len = (uint16_t)(NET_FRAME_MIN + rnd(NET_FRAME_MAX - NET_FRAME_MIN + 1));
	uint64_t spoofed = np.vm[v].st.tx_spoofed;
	int r;

	switch (rnd(6)) {
	case 0:                                 /* spoofed */
		make_frame(buf, (v + 1) % 4, OUTSIDE, len);
		assert_int_equal(np_tx(&np, v, buf, len, now), -HC_E_INVAL);
		assert_int_equal(np.vm[v].st.tx_spoofed, spoofed + 1);
		return;
	case 1:
		make_frame(buf, v, soak_dst(), len);
		break;
	default:
		make_frame(buf, v, mac(to), len);
	}
	r = np_tx(&np, v, buf, len, now);
	if (!memcmp(buf, mac(v), 6))
		assert_int_equal(r, -HC_E_INVAL);
	else
		assert_true(r == 0 || r == -HC_E_STATE);
}

/* The guest writes garbage over its ring indices; the frame that comes
 * next must not suffer for the other VMs, then it repairs them. */
static void soak_scribble(uint64_t *calls)
{
	uint32_t v = rnd(3);
	struct net_rx_ring *r = &fk.ring[v];
	uint32_t cons = r->cons;

	r->cons = lcg;
	r->prod = ~lcg;
	soak_rx(calls);
	r->cons = cons;
	r->prod = np.vm[v].prod;
}

/* A fixed-seed random mix of everything, np_check after every step,
 * the fakes' books against the pool's every few steps; then everything
 * released, and every frame must be back, zero, and accounted for. Once
 * per delivery mode; VMs 0, 2 and (once set up) 3 have copy areas, VM 1
 * has none, so copy and hybrid mix both kinds in one broadcast. */
static void test_soak(void **state)
{
	const struct mode_case *m = *state;
	struct net_rx_entry e[32];
	uint16_t slots[2 * NET_RX_SLOTS_MAX];
	uint64_t rx_calls = 0, delivered = 0;
	uint32_t counts[FRAME_NR_STATES];

	lcg = 12345;
	fk.setup.tx_reserve = 4;
	set_mode(m->mode, m->threshold);
	world(48, 16, 24, 40);
	add_vm_copy(0, 16, 8, false);
	add_vm(1, 16, 12, false, true);
	add_vm_copy(2, 32, 16, true);
	add_vm(3, 8, 4, false, false);
	np_refill(&np);

	for (uint32_t step = 0; step < 12000; step++) {
		uint32_t v = rnd(4);

		now += rnd(3);
		if (step == 4000)
			assert_int_equal(np_setup(&np, 3, &fk.ring[3],
						  area_for(3)), 0);
		if (rnd(50) == 0)
			fk.wire_busy = !fk.wire_busy;
		switch (rnd(20)) {
		case 0: case 1: case 2: case 3: case 4: case 5: case 6:
			soak_rx(&rx_calls);
			break;
		case 7: case 8:
			np_rx_end(&np, now);
			break;
		case 9: case 10:
			if (np.vm[v].ring)
				consume(v, e, 1 + rnd(32));
			break;
		case 11: case 12: case 13:
			soak_release_good(v);
			break;
		case 14:
			soak_release_bad(v);
			break;
		case 15:
			np_tick(&np, now);
			break;
		case 16: case 17:
			soak_tx();
			break;
		case 18:
			soak_scribble(&rx_calls);
			break;
		default:
			/* A guest that never reads still gets its slots
			 * released: reading is not required. */
			if (rnd(2))
				soak_release_good(v);
		}
		assert_true(np_check(&np));
		if (step % 64 == 0) {
			assert_mirror();
			assert_idle_pages_clean();
		}
	}

	for (uint32_t v = 0; v < 4; v++) {
		uint32_t n;

		while ((n = held_list(v, slots)) != 0) {
			n = n < HC_NET_BATCH ? n : HC_NET_BATCH;
			assert_int_equal(np_release(&np, v, slots, n, now), n);
		}
	}
	np_rx_end(&np, now);
	np_counts(&np, counts);
	assert_int_equal(counts[FRAME_FREE] + counts[FRAME_POSTED], 48);
	assert_int_equal(counts[FRAME_DELIVERED] + counts[FRAME_RECLAIMING], 0);
	assert_int_equal(counts[FRAME_POSTED], fk.nic_n);
	assert_int_equal(rx_calls, np.st.rx_frames + np.st.rx_drop_bad_len +
			 np.st.rx_drop_unknown + np.st.rx_drop_no_vm +
			 np.st.rx_drop_oversize);
	assert_mirror();
	assert_idle_pages_clean();
	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++)
			assert_int_equal(fk.ept[v][s], 0);

	/* It did exercise the paths. */
	assert_true(np.st.rx_frames > 1000);
	assert_true(np.st.reclaim_events > 0);
	assert_true(np.st.revocations > 0);
	assert_true(np.st.tx_local > 0 && np.st.tx_wire > 0);
	assert_true(np.vm[0].st.rx_drop_quota > 0);
	assert_true(np.vm[0].st.rx_drop_ring + np.vm[1].st.rx_drop_ring > 0);
	assert_true(np.vm[3].st.rx_drop_nosetup > 0 && np.vm[3].st.rx_frames > 0);
	assert_true(np.vm[0].st.release_errors > 0);

	/* Every ring entry was a flip or a copy, by the mode's rule. */
	for (uint32_t v = 0; v < 4; v++) {
		const struct np_vm_stats *st = &np.vm[v].st;

		delivered += st->rx_frames;
		assert_int_equal(np.vm[v].held, 0);
		assert_int_equal(np.vm[v].held_copy, 0);
		if (m->mode == NP_FLIP || v == 1)
			assert_int_equal(st->rx_copied, 0);
		else if (m->mode == NP_COPY)
			assert_int_equal(st->rx_copied, st->rx_frames);
		else
			assert_true(st->rx_copied > 0 &&
				    st->rx_copied < st->rx_frames);
	}
	assert_int_equal(np.st.rx_flipped + np.st.rx_copied, delivered);
	assert_true(np.st.rx_flipped > 0);
	/* Copy buffers were revoked too: VM 0 holds nothing else in copy
	 * mode. */
	if (m->mode == NP_COPY)
		assert_true(np.st.rx_copied > 1000 && np.vm[0].st.revoked > 0);
	if (m->mode == NP_HYBRID)
		assert_true(np.st.rx_copied > 300);
}

/* --- main ------------------------------------------------------------------ */

static struct CMUnitTest soak_tests[ARRAY_SIZE(mode_cases)];

int main(void)
{
	int failed;

	ROWS(soak_tests, mode_cases, test_soak);
	failed = cmocka_run_group_tests_name("netpath soak per mode", soak_tests, NULL, NULL);
	return failed ? 1 : 0;
}
