/* HC_MODE_NET_ABUSE: every way a guest can misuse the network
 * hypercalls and the receive ring, in rounds, for ever. Each call has an
 * expected refusal (vmm/hypercall_abi.h, docs/datapath.md): a check
 * passes when the hypervisor refuses with exactly that code, and the
 * next check shows that the refused call changed nothing. At the end of a
 * round, the first pass of each check is printed as "abuse: NAME:
 * refused as expected (-E)", and a wrong answer as "abuse: NAME: WRONG:
 * returned R, want W", which the system test fails on. Per round:
 *
 *  - releases: no slots, too many, a list outside RAM or across its
 *    end, slot numbers out of range (with and without NET_SLOT_COPY), a
 *    slot not delivered to us, a copy buffer we never had;
 *  - the newest frame delivered (the others are released at once):
 *    send it from the receive window, release it twice in one list,
 *    release it with a bad one (then read it: it must still be ours),
 *    release it, release it again;
 *  - sends: from outside RAM, across its end, oversized, too short, with
 *    a source MAC not ours (another station's, broadcast, zero), to our
 *    own MAC;
 *  - the ring: cons set ahead of prod (odd rounds) or more than a ring
 *    behind it (even rounds), and prod overwritten with garbage, for
 *    ROUND_MS; then cons put back.
 *
 * A line "abuse: round N: R refused as expected, W wrong, F frames,
 * S spoofs" comes on rounds 1 and 2, then every 4th. */
#include <stdbool.h>
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"

#define ROUND_MS        100     /* garbage ring, then as long with a good one */
#define WRONG_LINES     16
#define ETH_SRC         6

enum check {
	C_REL_ZERO, C_REL_MANY, C_REL_OUTSIDE, C_REL_ACROSS, C_REL_RANGE,
	C_REL_HUGE, C_REL_COPY_RANGE, C_REL_NOT_HELD, C_REL_COPY_NOT_HELD,
	C_SEND_WINDOW, C_REL_TWICE_IN_ONE, C_REL_WITH_BAD, C_REL_OK,
	C_REL_AGAIN, C_SEND_OUTSIDE, C_SEND_ACROSS, C_SEND_WRAP,
	C_SEND_BIG, C_SEND_HUGE, C_SEND_SHORT, C_SPOOF_OTHER, C_SPOOF_BCAST,
	C_SPOOF_ZERO, C_SEND_SELF, C_NR
};

static const char *const check_names[C_NR] = {
	[C_REL_ZERO] = "release of 0 slots",
	[C_REL_MANY] = "release of 65 slots",
	[C_REL_OUTSIDE] = "release list outside RAM",
	[C_REL_ACROSS] = "release list across the end of RAM",
	[C_REL_RANGE] = "release of slot nr_slots",
	[C_REL_HUGE] = "release of slot 0x7fff",
	[C_REL_COPY_RANGE] = "release of copy buffer nr_slots",
	[C_REL_NOT_HELD] = "release of a slot not delivered",
	[C_REL_COPY_NOT_HELD] = "release of a copy buffer never filled",
	[C_SEND_WINDOW] = "send from the receive window",
	[C_REL_TWICE_IN_ONE] = "release of one slot twice in one list",
	[C_REL_WITH_BAD] = "release of a held slot with a bad one",
	[C_REL_OK] = "release of a held slot",
	[C_REL_AGAIN] = "double release",
	[C_SEND_OUTSIDE] = "send from outside RAM",
	[C_SEND_ACROSS] = "send across the end of RAM",
	[C_SEND_WRAP] = "send wrapping around 2^64",
	[C_SEND_BIG] = "send of 1515 bytes",
	[C_SEND_HUGE] = "send of 2^40 bytes",
	[C_SEND_SHORT] = "send of 13 bytes",
	[C_SPOOF_OTHER] = "send with another station's source MAC",
	[C_SPOOF_BCAST] = "send with a broadcast source MAC",
	[C_SPOOF_ZERO] = "send with a zero source MAC",
	[C_SEND_SELF] = "send to our own MAC",
};

static bool passed_once[C_NR], told[C_NR];
static int64_t got_once[C_NR];
static uint64_t refused_ok, wrong, wrong_told, frames, spoofs;
static enum check wrong_check[WRONG_LINES];
static int64_t wrong_got[WRONG_LINES], wrong_want[WRONG_LINES];
static uint16_t list[HC_NET_BATCH + 1];
static uint8_t frame[NET_JUMBO_MAX + 1] __attribute__((aligned(64)));

/* Lines wait for the end of the round (say_round): printing is slow, and
 * a slot must not sit unreleased long enough to be revoked while we
 * abuse it. */
static void expect(enum check c, int64_t got, int64_t want)
{
	if (got == want) {
		refused_ok += want < 0;
		if (!passed_once[c]) {
			passed_once[c] = true;
			got_once[c] = got;
		}
		return;
	}
	if (wrong < WRONG_LINES) {
		wrong_check[wrong] = c;
		wrong_got[wrong] = got;
		wrong_want[wrong] = want;
	}
	wrong++;
}

static void say_round(uint64_t round)
{
	for (unsigned c = 0; c < C_NR; c++) {
		if (!passed_once[c] || told[c])
			continue;
		told[c] = true;
		print("abuse: %s: %s as expected (%ld)\n", check_names[c],
		      got_once[c] < 0 ? "refused" : "accepted", got_once[c]);
	}
	for (; wrong_told < wrong && wrong_told < WRONG_LINES; wrong_told++)
		print("abuse: %s: WRONG: returned %ld, want %ld\n",
		      check_names[wrong_check[wrong_told]], wrong_got[wrong_told],
		      wrong_want[wrong_told]);
	if (round <= 2 || round % 4 == 0)
		print("abuse: round %lu: %lu refused as expected, %lu wrong, %lu "
		      "frames, %lu spoofs\n", round, refused_ok, wrong, frames,
		      spoofs);
}

static int64_t release1(uint16_t v)
{
	list[0] = v;
	return hc_net_release(list, 1);
}

static void releases(const struct hostile_net *h, uint64_t ram)
{
	list[0] = 0;
	expect(C_REL_ZERO, hc_net_release(list, 0), -HC_E_INVAL);
	for (unsigned i = 0; i <= HC_NET_BATCH; i++)
		list[i] = (uint16_t)i;
	expect(C_REL_MANY, hc_net_release(list, HC_NET_BATCH + 1), -HC_E_INVAL);
	expect(C_REL_OUTSIDE, hc_call(HC_NET_RELEASE, ram, 1, 0), -HC_E_FAULT);
	expect(C_REL_ACROSS, hc_call(HC_NET_RELEASE, ram - 1, 1, 0), -HC_E_FAULT);
	expect(C_REL_RANGE, release1((uint16_t)h->nr_slots), -HC_E_INVAL);
	expect(C_REL_HUGE, release1(0x7fff), -HC_E_INVAL);
	expect(C_REL_COPY_RANGE, release1((uint16_t)(h->nr_slots | NET_SLOT_COPY)),
	       -HC_E_INVAL);
	/* Every frame is released as soon as it is taken, so the last slot
	 * is not ours now (a frame there would be the whole window's
	 * worth, far past the quota). */
	expect(C_REL_NOT_HELD, release1((uint16_t)(h->nr_slots - 1)), -HC_E_STATE);
	expect(C_REL_COPY_NOT_HELD, release1(NET_SLOT_COPY), -HC_E_STATE);
}

/* Revocations the hypervisor made (HC_NET_STATS) that no refusal of
 * ours has yet been put down to. While we slept or worked it may have
 * revoked slots we had not taken from the ring yet (we were asked to
 * reclaim and did not answer in time), and may even have delivered a
 * new frame into a revoked slot: the ring then names that slot twice,
 * and one of the two releases is rightly refused with -HC_E_STATE. */
static uint64_t revoked_seen, unexplained;

static void note_revocations(void)
{
	struct hc_net_stats st;

	if (hc_net_stats(&st) == 0 && st.revoked > revoked_seen) {
		unexplained += st.revoked - revoked_seen;
		revoked_seen = st.revoked;
	}
}

/* Release one slot taken from the ring: 1, or -HC_E_STATE that a
 * revocation explains. Every refusal is counted, as the hypervisor
 * counts it. */
static void release_one_taken(uint16_t s)
{
	int64_t r = release1(s);

	if (r == -HC_E_STATE) {
		note_revocations();
		if (unexplained) {
			unexplained--;
			refused_ok++;
			return;
		}
	}
	expect(C_REL_OK, r, 1);
}

/* Give back list[0..n), slots taken from the ring: all at once, or, if
 * the batch is refused because of a revocation, one by one. */
static void release_taken(uint32_t n)
{
	uint16_t mine[HC_NET_BATCH];
	int64_t r;

	for (uint32_t i = 0; i < n; i++)
		mine[i] = list[i];
	r = hc_net_release(list, n);
	if (r == -HC_E_STATE) {
		note_revocations();
		if (unexplained) {
			refused_ok++;
			for (uint32_t i = 0; i < n; i++)
				release_one_taken(mine[i]);
			return;
		}
	}
	expect(C_REL_OK, r, n);
}

/* A delivered slot: abuse it, then give it back once, properly. Not
 * while a revocation is unexplained: the slot may be one of them, and
 * reading it would fault. */
static void abuse_slot(const struct hostile_net *h, uint16_t s)
{
	volatile uint64_t *p = hostile_slot(s);

	note_revocations();
	if (unexplained) {
		release_one_taken(s);
		return;
	}

	expect(C_SEND_WINDOW, hc_net_send((const void *)p, 60), -HC_E_FAULT);
	list[0] = s;
	list[1] = s;
	expect(C_REL_TWICE_IN_ONE, hc_net_release(list, 2), -HC_E_STATE);
	list[1] = (uint16_t)h->nr_slots;
	expect(C_REL_WITH_BAD, hc_net_release(list, 2), -HC_E_INVAL);
	(void)*p;       /* still ours after refused calls: no fault here */
	expect(C_REL_OK, release1(s), 1);
	expect(C_REL_AGAIN, release1(s), -HC_E_STATE);
}

static void set_src(const uint8_t mac[6])
{
	for (unsigned i = 0; i < 6; i++)
		frame[ETH_SRC + i] = mac[i];
}

static void sends(const struct hc_identity *id)
{
	const uint64_t ram = id->ram_bytes;
	uint8_t other[6], zero[6] = { 0 }, bcast[6];

	for (unsigned i = 0; i < 6; i++) {
		frame[i] = 0xff;                /* to broadcast */
		other[i] = id->mac[i];
		bcast[i] = 0xff;
	}
	other[5] ^= 0x80;
	frame[12] = 0x88;                       /* a local experimental type */
	frame[13] = 0xb5;
	set_src(id->mac);
	expect(C_SEND_OUTSIDE, hc_call(HC_NET_SEND, ram + 0x1000, 60, 0),
	       -HC_E_FAULT);
	expect(C_SEND_ACROSS, hc_call(HC_NET_SEND, ram - 30, 60, 0), -HC_E_FAULT);
	expect(C_SEND_WRAP, hc_call(HC_NET_SEND, ~0ull - 29, 60, 0), -HC_E_FAULT);
	/* One byte past what the mtu allows (hc_identity). */
	expect(C_SEND_BIG, hc_net_send(frame, (uint64_t)id->mtu +
				       NET_ETH_OVERHEAD + 1), -HC_E_INVAL);
	expect(C_SEND_HUGE, hc_net_send(frame, 1ull << 40), -HC_E_INVAL);
	expect(C_SEND_SHORT, hc_net_send(frame, NET_FRAME_MIN - 1), -HC_E_INVAL);
	set_src(other);
	expect(C_SPOOF_OTHER, hc_net_send(frame, 60), -HC_E_INVAL);
	set_src(bcast);
	expect(C_SPOOF_BCAST, hc_net_send(frame, 60), -HC_E_INVAL);
	set_src(zero);
	expect(C_SPOOF_ZERO, hc_net_send(frame, 60), -HC_E_INVAL);
	spoofs += 3;
	set_src(id->mac);
	for (unsigned i = 0; i < 6; i++)
		frame[i] = id->mac[i];
	expect(C_SEND_SELF, hc_net_send(frame, 60), -HC_E_INVAL);
}

/* Garbage indices for ROUND_MS: the hypervisor must treat the ring as
 * full (counted as rx_drop_ring), never trust our prod, and carry on
 * once cons is sane again. */
static void ring_garbage(const struct hc_identity *id, struct hostile_net *h,
			 uint64_t round)
{
	volatile struct net_rx_ring *ring = h->ring;

	ring->cons = round & 1 ? h->cons + 1000 : h->cons - (NET_RX_RING + 44);
	ring->prod = 0xdeadbeef;
	ring->nr_slots = 0xffffffff;
	hostile_sleep_ms(id, ROUND_MS);
	ring->cons = h->cons;
}

/* Every entry in the ring: all but the newest go straight back in
 * batches (a release also answers any reclaim request, so none of ours
 * is revoked while we work on the newest), then the newest is abused. */
static void take(struct hostile_net *h)
{
	struct net_rx_entry e;
	uint32_t n = 0;
	int32_t newest = -1;

	while (hostile_next(h, &e)) {
		frames++;
		if (e.flags & NET_RX_F_COPY || e.slot >= h->nr_slots) {
			print("abuse: unexpected entry slot %u flags 0x%x\n",
			      e.slot, e.flags);
			continue;
		}
		if (newest >= 0) {
			list[n++] = (uint16_t)newest;
			if (n == HC_NET_BATCH) {
				release_taken(n);
				n = 0;
			}
		}
		newest = e.slot;
	}
	if (n)
		release_taken(n);
	if (newest >= 0)
		abuse_slot(h, (uint16_t)newest);
}

void mode_net_abuse(const struct hc_identity *id)
{
	struct hostile_net h;

	if (!hostile_net_setup(&h, false))
		cpu_halt_forever();
	print("abusing the network hypercalls\n");
	cpu_cli();
	for (uint64_t round = 1;; round++) {
		take(&h);
		releases(&h, id->ram_bytes);
		sends(id);
		ring_garbage(id, &h, round);
		say_round(round);
		hostile_sleep_ms(id, ROUND_MS);
	}
}
