/* Host tests for hybrid delivery's copy_threshold = auto
 * (vmm/net/dma_sense.c): the calibration turns sensing on only for a
 * clear gap between a load from memory and one from cache; a frame's
 * last line (in its first page) is timed every NP_SENSE_PERIOD units, and that read is the
 * first touch of the frame; the state moves only on a steady share of
 * samples the other way (hysteresis); the state picks copy or flip; an explicit threshold is
 * never overridden; np_rx_ahead prefetches no frame that is then timed. The fakes script the latencies (fk.lat_*). */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "tests/unit/netpath_steps.h"

#define NEAR    40      /* ticks: a load from cache */
#define FAR     400     /* ticks: a load from memory */
#define LONG    3000    /* above every threshold but "copy every frame" */

/* A hybrid world with copy_threshold 'threshold', the calibration's
 * loads taking 'near' and 'far' ticks; VM 0 has a copy area. */
static void sense_world(uint16_t threshold, uint32_t near, uint32_t far)
{
	fk.lat_near = near;
	fk.lat_far = far;
	set_mode(NP_HYBRID, threshold);
	fk.setup.mtu = NET_MTU_MAX;
	world(16, 8, 0, 0);
	add_vm_copy(0, 8, 8, false);
	np_refill(&np);
}

/* A frame of 'len' bytes to VM 0 whose first read takes 'lat' ticks,
 * timed if 'sample' (else as the period says); released at once.
 * Whether it was copied. */
static bool rx_one(uint16_t len, uint32_t lat, bool sample)
{
	uint32_t first = np.vm[0].prod;
	bool copied;

	fk.lat_rx = lat;
	if (sample)
		np.sense.due = 1;
	assert_int_equal(rx(mac(0), len), 1);
	copied = fk.ring[0].ent[first % NET_RX_RING].flags & NET_RX_F_COPY;
	for (uint32_t i = first; i < np.vm[0].prod; i++) {
		uint16_t s = fk.ring[0].ent[i % NET_RX_RING].slot;

		assert_int_equal(release1(0, copied ? COPY(s) : s), 1);
	}
	fk.ring[0].cons = np.vm[0].prod;        /* the guest read them */
	return copied;
}

/* No clear gap: an emulator's loads all alike (0 or equal), or memory
 * only twice as slow as cache, or too few ticks apart. auto is then the
 * fixed default and nothing is ever timed on receive. */
static void test_calibrate_no_gap(void **state)
{
	static const struct { uint32_t near, far; } cases[] = {
		{ 0, 0 }, { 50, 50 }, { 100, 200 }, { 100, 299 }, { 2, 12 },
		{ 60, 30 },
	};

	(void)state;
	for (uint32_t i = 0; i < ARRAY_SIZE(cases); i++) {
		fk_reset();
		sense_world(NP_COPY_AUTO, cases[i].near, cases[i].far);
		if (np.sense.state != NP_SENSE_OFF)
			fail_msg("near %u far %u: sensing on", cases[i].near,
				 cases[i].far);
		assert_int_equal(np.copy_threshold, NP_COPY_DEFAULT);
		assert_true(rx_one(NP_COPY_DEFAULT, FAR, true));
		assert_false(rx_one(NP_COPY_DEFAULT + 1, FAR, true));
		assert_int_equal(fk.probes, 0);
	}
}

/* A gap: sensing on, frames assumed in cache until timed otherwise. */
static void test_calibrate_gap(void **state)
{
	(void)state;
	sense_world(NP_COPY_AUTO, NEAR, FAR);
	assert_int_equal(np.sense.state, NP_SENSE_NEAR);
	assert_int_equal(np.sense.near, NEAR);
	assert_int_equal(np.sense.far, FAR);
	assert_int_equal(np.sense.mid, (NEAR + FAR) / 2);
	assert_int_equal(np.copy_threshold, NP_COPY_NEAR);
}

/* Sensing belongs to hybrid: flip and copy never time anything. */
static void test_other_modes_unsensed(void **state)
{
	(void)state;
	fk.lat_near = NEAR;
	fk.lat_far = FAR;
	set_mode(NP_FLIP, NP_COPY_AUTO);
	world(16, 8, 0, 0);
	assert_int_equal(np.sense.state, NP_SENSE_OFF);
	add_vm_copy(0, 8, 8, false);
	np_refill(&np);
	assert_false(rx_one(100, FAR, false));
	assert_int_equal(fk.probes, 0);
}

/* An explicit threshold is the one used, whatever the timing says, and
 * nothing is timed: a frame just over it flips, in cache or not. */
static void test_explicit_threshold_kept(void **state)
{
	static const uint16_t thresholds[] = { 0, 128, 512, 2048, 4000 };

	(void)state;
	for (uint32_t i = 0; i < ARRAY_SIZE(thresholds); i++) {
		uint16_t t = thresholds[i];

		fk_reset();
		sense_world(t, NEAR, FAR);
		assert_int_equal(np.sense.state, NP_SENSE_FIXED);
		for (uint32_t k = 0; k < 8; k++) {
			uint32_t lat = k < 4 ? FAR : NEAR;

			if (t >= NET_FRAME_MIN)
				assert_true(rx_one(t, lat, true));
			assert_false(rx_one(t + 1 > NET_FRAME_MIN ? t + 1 :
					    NET_FRAME_MIN, lat, true));
			assert_int_equal(np.copy_threshold, t);
		}
		assert_int_equal(fk.probes, 0);
		assert_int_equal(np.sense.samples, 0);
	}
}

/* One sample every NP_SENSE_PERIOD frames, whatever their length. */
static void test_sample_period(void **state)
{
	(void)state;
	sense_world(NP_COPY_AUTO, NEAR, FAR);
	for (uint32_t i = 1; i < NP_SENSE_PERIOD; i++)
		rx_one(i % 2 ? 64 : LONG, NEAR, false);
	assert_int_equal(fk.probes, 0);
	rx_one(64, NEAR, false);
	assert_int_equal(fk.probes, 1);
	for (uint32_t i = 1; i < NP_SENSE_PERIOD; i++)
		rx_one(LONG, NEAR, false);
	assert_int_equal(fk.probes, 1);
	rx_one(LONG, NEAR, false);
	assert_int_equal(fk.probes, 2);
	assert_int_equal(np.sense.samples, 2);
}

/* Hysteresis: the state goes to memory after 9 samples from memory in
 * a row (or 22 of a half-and-half stream), not on fewer (an interrupt, a
 * TLB miss) nor on one in 16; back to cache only after 63 cache samples
 * in a row, not on a stream with every other one from memory (frames a
 * prefetcher brought in); and each state picks its threshold. */
static void test_hysteresis(void **state)
{
	(void)state;
	sense_world(NP_COPY_AUTO, NEAR, FAR);
	/* One miss in 16, however long: in cache. */
	for (uint32_t i = 0; i < 160; i++)
		rx_one(64, i % 16 == 15 ? 100000 : NEAR, true);
	assert_int_equal(np.sense.state, NP_SENSE_NEAR);
	for (uint32_t i = 0; i < 100; i++)
		rx_one(64, NEAR, true);
	for (uint32_t i = 0; i < 8; i++)
		rx_one(64, FAR, true);
	assert_int_equal(np.sense.state, NP_SENSE_NEAR);
	assert_int_equal(np.copy_threshold, NP_COPY_NEAR);
	rx_one(64, FAR, true);
	assert_int_equal(np.copy_threshold, NP_COPY_FAR);
	assert_int_equal(np.sense.switches, 1);
	/* Hits and misses alternating: still from memory. */
	for (uint32_t i = 0; i < 200; i++)
		rx_one(64, i % 2 ? FAR : NEAR, true);
	for (uint32_t i = 0; i < 200; i++)
		rx_one(64, FAR, true);
	for (uint32_t i = 0; i < 62; i++)
		rx_one(64, NEAR, true);
	rx_one(64, NEAR, true);
	assert_int_equal(np.sense.state, NP_SENSE_NEAR);
	assert_int_equal(np.copy_threshold, NP_COPY_NEAR);
	assert_int_equal(np.sense.switches, 2);
	/* From cache, a half-and-half stream is from memory after 22. */
	for (uint32_t i = 0; i < 100; i++)
		rx_one(64, NEAR, true);
	for (uint32_t i = 0; i < 21; i++)
		rx_one(64, i % 2 ? FAR : NEAR, true);
	assert_int_equal(np.sense.state, NP_SENSE_NEAR);
	rx_one(64, FAR, true);
	assert_int_equal(np.sense.switches, 3);
}

/* The state decides: in cache frames up to NP_COPY_NEAR bytes are
 * copied, longer ones flipped; from memory only those up to the shorter
 * NP_COPY_FAR. */
#define MID     300     /* copied in cache, flipped from memory */

static void test_state_picks_mode(void **state)
{
	(void)state;
	_Static_assert(NP_COPY_FAR < MID && MID <= NP_COPY_NEAR,
		       "from memory fewer frames are copied");
	sense_world(NP_COPY_AUTO, NEAR, FAR);
	assert_true(rx_one(NP_COPY_NEAR, NEAR, true));
	assert_false(rx_one(NP_COPY_NEAR + 1, NEAR, true));
	assert_false(rx_one(1514, NEAR, true));
	assert_false(rx_one(LONG, NEAR, true));
	assert_true(rx_one(MID, NEAR, true));
	for (uint32_t i = 0; i < 9; i++)
		rx_one(MID, FAR, true);
	assert_true(rx_one(NP_COPY_FAR, FAR, true));
	assert_true(rx_one(64, FAR, true));
	assert_false(rx_one(NP_COPY_FAR + 1, FAR, true));
	assert_false(rx_one(MID, FAR, true));
	assert_false(rx_one(NP_COPY_NEAR, FAR, true));
	assert_false(rx_one(LONG, FAR, true));
	/* The last of the nine MID frames was flipped: its sample switched
	 * before the frame was delivered. */
	assert_int_equal(np.vm[0].st.rx_copied, 2 + 8 + 2);
	assert_int_equal(np.st.rx_flipped, 3 + 1 + 4);
}

/* --- the probe is the frame's first touch ------------------------------ */

/* The page the NIC just wrote is made inaccessible: any read before the
 * probe faults, is recorded, and goes on once the page is readable. */
static uint8_t *guarded;
static volatile bool probed, touched_early;
static volatile uint32_t probed_at;     /* the timed byte's page offset */

static void guard_set(bool on)
{
	assert_int_equal(mprotect(guarded, NET_SLOT_SIZE,
				  on ? PROT_NONE : PROT_READ | PROT_WRITE), 0);
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	uint8_t *a = si->si_addr;

	(void)sig;
	(void)uc;
	if (!guarded || a < guarded || a >= guarded + NET_SLOT_SIZE)
		abort();
	if (!probed)
		touched_early = true;
	mprotect(guarded, NET_SLOT_SIZE, PROT_READ | PROT_WRITE);
}

static void on_probe(const uint8_t *p)
{
	if (guarded && p >= guarded && p < guarded + NET_SLOT_SIZE) {
		probed_at = (uint32_t)(p - guarded);
		probed = true;
		guard_set(false);
	}
}

static void test_probe_is_first_touch(void **state)
{
	struct sigaction sa = { .sa_sigaction = on_fault,
				.sa_flags = SA_SIGINFO }, old;
	uint32_t probes = 0;

	(void)state;
	sense_world(NP_COPY_AUTO, NEAR, FAR);
	fk.on_probe = on_probe;
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	for (uint32_t i = 0; i < 6; i++) {
		uint16_t len = i % 2 ? 64 : 1514;
		uint64_t hpa = nic_write(mac(0), len);
		uint32_t first = np.vm[0].prod;
		uint16_t s;

		guarded = fk.page[pidx(hpa)];
		probed = touched_early = false;
		np.sense.due = 1;
		fk.lat_rx = i < 3 ? NEAR : FAR;
		guard_set(true);
		assert_int_equal(np_rx(&np, hpa, len, now), 1);
		guard_set(false);
		if (touched_early)
			fail_msg("frame %u was read before its timed read", i);
		assert_true(probed);
		assert_int_equal(fk.probe_page, pidx(hpa));
		/* The frame's last line: the first the prefetcher has not
		 * brought in with the header (dma_sense.h). */
		assert_int_equal(probed_at, len == 64 ? 0 : 1472);
		probes++;
		s = fk.ring[0].ent[first % NET_RX_RING].slot;
		assert_int_equal(release1(0, fk.ring[0].ent[first % NET_RX_RING].flags &
					  NET_RX_F_COPY ? COPY(s) : s), 1);
	}
	guarded = NULL;
	fk.on_probe = NULL;
	assert_int_equal(sigaction(SIGSEGV, &old, NULL), 0);
	assert_int_equal(fk.probes, probes);
}

/* Receive the frame at 'hpa' (len bytes, to VM 0), release it at once.
 * Whether its first read was timed. */
static bool rx_release(uint64_t hpa, uint16_t len)
{
	uint32_t probes = fk.probes, first = np.vm[0].prod;
	const struct net_rx_entry *e;

	assert_int_equal(np_rx(&np, hpa, len, now), 1);
	e = &fk.ring[0].ent[first % NET_RX_RING];
	assert_int_equal(release1(0, e->flags & NET_RX_F_COPY ? COPY(e->slot) :
					      e->slot), 1);
	fk.ring[0].cons = np.vm[0].prod;
	return fk.probes != probes;
}

/* A stream of 'n' frames of 'len' bytes to VM 0, each looked ahead at
 * (np_rx_ahead) before the one before it is received, as net_poll does.
 * No frame that was prefetched is then timed. Returns how many were not
 * prefetched. */
static uint32_t ahead_stream(uint32_t n, uint16_t len)
{
	uint64_t cur = nic_write(mac(0), len);
	bool cur_ahead = false;
	uint32_t skipped = 0;

	for (uint32_t i = 1; i < n; i++) {
		uint64_t next = nic_write(mac(0), len);
		bool next_ahead = np_rx_ahead(&np, next);

		skipped += !next_ahead;
		if (rx_release(cur, len) && cur_ahead)
			fail_msg("frame %u was prefetched, then timed", i - 1);
		cur = next;
		cur_ahead = next_ahead;
	}
	if (rx_release(cur, len) && cur_ahead)
		fail_msg("frame %u was prefetched, then timed", n - 1);
	return skipped;
}

/* np_rx_ahead (rx_frame.c) leaves alone a frame the sense may time, and
 * only those: two frames a sample period (np_sense_soon), in cache or
 * from memory, short or long. */
static void test_ahead_skips_timed(void **state)
{
	(void)state;
	sense_world(NP_COPY_AUTO, NEAR, FAR);
	fk.lat_rx = NEAR;
	assert_int_equal(ahead_stream(3 * NP_SENSE_PERIOD + 10, 64), 2 * 3);
	assert_int_equal(fk.probes, 3);
	fk.lat_rx = FAR;
	assert_int_equal(ahead_stream(2 * NP_SENSE_PERIOD + 10, 1514), 2 * 2);
	assert_int_equal(fk.probes, 5);
}

/* With nothing to sense it prefetches every frame but the first (which
 * nothing looked ahead at). */
static void test_ahead_unsensed(void **state)
{
	(void)state;
	sense_world(NP_COPY_AUTO, NEAR, NEAR);
	assert_int_equal(ahead_stream(2 * NP_SENSE_PERIOD, 64), 0);
	assert_int_equal(fk.probes, 0);
}

/* With a fixed threshold too; and it leaves alone an hpa that is not a
 * POSTED frame (held by a VM, or no pool frame at all), changing nothing
 * and without a panic. */
static void test_ahead_fixed_not_posted(void **state)
{
	uint64_t hpa;

	(void)state;
	sense_world(256, NEAR, FAR);
	assert_int_equal(ahead_stream(2 * NP_SENSE_PERIOD, 64), 0);
	assert_int_equal(rx(mac(0), 1514), 1);         /* flipped, held */
	hpa = fk.ept[0][fk.ring[0].ent[(np.vm[0].prod - 1) % NET_RX_RING].slot];
	assert_true(hpa != 0);
	snapshot();
	assert_false(np_rx_ahead(&np, hpa));
	assert_false(np_rx_ahead(&np, hpa + (uint64_t)NET_SLOT_SIZE * 4096));
	assert_false(np_rx_ahead(&np, 0));
	assert_unchanged();
	assert_int_equal(fk.panics, 0);
}

/* np_init refuses a threshold that is neither a length nor auto. */
static void test_threshold_range(void **state)
{
	uint64_t hpas[1] = { fhpa(0) };
	struct np_params p = { .ops = &fake_ops, .frame_hpas = hpas,
			       .nr_frames = 1, .mode = NP_HYBRID };

	(void)state;
	p.copy_threshold = NET_JUMBO_MAX;
	assert_int_equal(np_init(&np, &p), 0);
	p.copy_threshold = NET_JUMBO_MAX + 1;
	assert_int_equal(np_init(&np, &p), -1);
	p.copy_threshold = NP_COPY_AUTO - 1;
	assert_int_equal(np_init(&np, &p), -1);
	p.copy_threshold = NP_COPY_AUTO;
	assert_int_equal(np_init(&np, &p), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_calibrate_no_gap),
		T(test_calibrate_gap),
		T(test_other_modes_unsensed),
		T(test_explicit_threshold_kept),
		T(test_sample_period),
		T(test_hysteresis),
		T(test_state_picks_mode),
		T(test_probe_is_first_touch),
		T(test_ahead_skips_timed),
		T(test_ahead_unsensed),
		T(test_ahead_fixed_not_posted),
		T(test_threshold_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
