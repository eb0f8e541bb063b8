/* libFuzzer harness: frame parsing and demux (vmm/net/demux.c), delivery
 * (rx_deliver.c) and transmit (net_tx.c), on frames of fuzzed content
 * and length, checked against a model of the rules in docs/datapath.md.
 *
 * The world: four VMs. vm0 has a ring and no copy area (always flip),
 * vm1 and vm2 a ring and a copy area, vm2 is promiscuous, vm3 never set
 * up its ring. The first byte picks the delivery mode and threshold.
 * Then each frame is a selector, a length and bytes: received from the
 * wire (the NIC wrote it into a posted pool frame) or sent by one VM.
 *
 * For every frame, what each VM finds in its ring is compared with the
 * model: who gets it (unicast to its MAC, every VM with a ring for a
 * group address, promiscuous VMs for an unknown unicast, never the
 * sender, nothing for a bad length or a spoofed source), the entry's
 * length and flags (BCAST, LOCAL, COPY as the mode and threshold say),
 * the bytes in the slot or copy buffer equal to the frame, a flipped
 * page zero past the frame (no byte of earlier traffic), and what went
 * on the wire. Then every VM releases all it holds, and np_check runs. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tests/unit/netpath_fakes.h"

#define NR_VMS     4
#define NO_RING_VM 3
#define PROMISC_VM 2
#define MAX_FRAMES 64

static bool has_ring(uint32_t v)
{
	return v != NO_RING_VM;
}

static bool has_area(uint32_t v)
{
	return v == 1 || v == 2;
}

/* The model's demux: which VMs should get a frame to 'dst' from
 * 'sender' (NR_VMS: the wire). */
/* The link's own frames pass in neither direction (docs/datapath.md,
 * "What the wire may send"): the IEEE 802.1 reserved groups
 * 01-80-C2-00-00-00..0F, and MAC Control (EtherType 0x8808) to anyone. */
static bool model_link_local(const uint8_t *f)
{
	static const uint8_t block[5] = { 0x01, 0x80, 0xc2, 0x00, 0x00 };

	return (memcmp(f, block, 5) == 0 && f[5] <= 0x0f) ||
	       (f[12] == 0x88 && f[13] == 0x08);
}

static uint16_t model_targets(const uint8_t *dst, uint32_t sender)
{
	uint16_t t = 0;

	if (dst[0] & 1) {
		for (uint32_t v = 0; v < NR_VMS; v++)
			if (has_ring(v))
				t |= (uint16_t)(1u << v);
	} else {
		for (uint32_t v = 0; v < NR_VMS; v++)
			if (memcmp(dst, mac(v), 6) == 0)
				t = (uint16_t)(1u << v);
		if (!t)
			t = 1u << PROMISC_VM;
	}
	if (sender < NR_VMS)
		t &= (uint16_t)~(1u << sender);
	return t & ~(1u << NO_RING_VM);
}

static bool model_copies(uint32_t v, uint16_t len)
{
	if (!has_area(v))
		return false;
	return np.mode == NP_COPY ||
	       (np.mode == NP_HYBRID && len <= np.copy_threshold);
}

/* The frame, as the input gives it: a destination the selector picks,
 * then the input's bytes. */
static uint16_t make_frame(struct fz *z, uint8_t sel, uint8_t *buf,
			   uint16_t max)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb };
	static const uint8_t mcast6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
	uint16_t len = fz_u16(z);

	if (!(len & 0x8000))
		len %= max + 1;
	memset(buf, 0, max);
	fz_bytes(z, buf, len < max ? len : max);
	switch (sel >> 2 & 7) {
	case 0: case 1: case 2: memcpy(buf, mac(sel >> 5 & 3), 6); break;
	case 3: memcpy(buf, bcast, 6); break;
	case 4: memcpy(buf, mcast4, 6); break;
	case 5: memcpy(buf, mcast6, 6); break;
	default: break;         /* the input's own bytes */
	}
	return len;
}

/* VM v's ring holds one new entry for this frame, or none. */
static void check_vm(uint32_t v, bool want, const uint8_t *frame,
		     uint16_t len, uint16_t flags)
{
	struct net_rx_entry e[2];
	uint32_t n = consume(v, e, 2);
	const uint8_t *data;

	FUZZ_CHECK(n == want, "vm%u: %u entries, want %u", v, n, want);
	if (!n)
		return;
	FUZZ_CHECK(e[0].len == len, "vm%u: entry len %u, frame %u", v,
		   e[0].len, len);
	if (model_copies(v, len))
		flags |= NET_RX_F_COPY;
	FUZZ_CHECK(e[0].flags == flags, "vm%u: flags %#x, want %#x", v,
		   e[0].flags, flags);
	FUZZ_CHECK(e[0].slot < np.vm[v].nr_slots, "vm%u: slot %u", v,
		   e[0].slot);
	if (flags & NET_RX_F_COPY) {
		data = cbuf(v, e[0].slot);
	} else {
		FUZZ_CHECK(fk.ept[v][e[0].slot], "vm%u: slot %u not mapped", v,
			   e[0].slot);
		/* Past the frame: zeros or bytes this VM saw before, which
		 * the fakes checked byte by byte when the slot was mapped
		 * (the scrub rule, f_expose in netpath_fakes.c). */
		data = fk.page[pidx(fk.ept[v][e[0].slot])];
	}
	FUZZ_CHECK(memcmp(data, frame, len) == 0, "vm%u: bytes differ", v);
}

static void release_all(void)
{
	uint16_t list[HC_NET_BATCH];

	for (uint32_t v = 0; v < NR_VMS; v++) {
		uint32_t n = 0;

		for (uint16_t s = 0; s < np.vm[v].nr_slots; s++) {
			if (np.vm[v].slot_frame[s] != NP_NO_FRAME)
				list[n++] = s;
			if (np.vm[v].copy_seq[s])
				list[n++] = (uint16_t)(s | NET_SLOT_COPY);
		}
		if (n)
			FUZZ_CHECK(np_release(&np, v, list, n, now) == (int)n,
				   "vm%u: releasing all it holds", v);
	}
}

static void one_rx(struct fz *z, uint8_t sel)
{
	static uint8_t buf[NP_RX_LEN_MAX + 64];
	uint16_t len = make_frame(z, sel, buf, NP_RX_LEN_MAX + 64);
	/* One descriptor (EOP), within the mtu (1500: one copy buffer);
	 * multi-descriptor frames are fuzz_ring's. */
	bool good = len >= NET_FRAME_MIN && len <= np_frame_max(&np);
	uint16_t t = good && !model_link_local(buf) ?
		     model_targets(buf, NR_VMS) : 0;
	uint16_t flags = buf[0] & 1 ? NET_RX_F_BCAST : 0;
	uint32_t nwire = fk.nwire;
	uint64_t hpa;

	if (!fk.nic_n)
		np_refill(&np);
	FUZZ_CHECK(fk.nic_n, "nothing posted after a full release");
	hpa = fk.nic[fk.nic_head];
	fk.nic_head = (fk.nic_head + 1) % MAXF;
	fk.nic_n--;
	/* The NIC writes at most its 4096-byte buffer [8254x 13.4.22]. */
	memcpy(fk.page[pidx(hpa)], buf, len < NP_RX_LEN_MAX ? len : NP_RX_LEN_MAX);
	FUZZ_CHECK(np_rx(&np, hpa, len, now) == (uint32_t)__builtin_popcount(t),
		   "np_rx: delivered to a different number of VMs");
	np_rx_end(&np, now);
	for (uint32_t v = 0; v < NR_VMS; v++)
		if (has_ring(v))
			check_vm(v, t >> v & 1, buf, len, flags);
	FUZZ_CHECK(fk.nwire == nwire, "a received frame went on the wire");
}

static void one_tx(struct fz *z, uint8_t sel)
{
	static uint8_t buf[NET_MTU_DEFAULT + NET_ETH_OVERHEAD + 64];
	uint32_t from = sel & 3;
	uint8_t spoof = fz_u8(z);
	uint16_t len = make_frame(z, sel, buf, sizeof(buf));
	uint16_t n = len < sizeof(buf) ? len : sizeof(buf);
	bool self, good;
	uint16_t t, flags = NET_RX_F_LOCAL | (buf[0] & 1 ? NET_RX_F_BCAST : 0);
	uint32_t nwire = fk.nwire;
	bool to_wire;
	int r;

	if (spoof < 240)
		memcpy(buf + 6, mac(from), 6);
	self = memcmp(buf, mac(from), 6) == 0;
	good = n >= NET_FRAME_MIN && n <= np_frame_max(&np) &&
	       memcmp(buf + 6, mac(from), 6) == 0 && !self &&
	       !model_link_local(buf);
	t = good ? model_targets(buf, from) : 0;
	/* A group frame, or unicast to no VM of this host. */
	to_wire = good;
	for (uint32_t v = 0; v < NR_VMS; v++)
		if (memcmp(buf, mac(v), 6) == 0)
			to_wire = false;
	r = np_tx(&np, from, buf, n, now);
	FUZZ_CHECK(good ? r == 0 : r == -HC_E_INVAL, "np_tx: %d (good %d)", r,
		   good);
	for (uint32_t v = 0; v < NR_VMS; v++)
		if (has_ring(v))
			check_vm(v, t >> v & 1, buf, n, flags);
	FUZZ_CHECK(fk.nwire == nwire + to_wire, "wire: %u frames, want %u",
		   fk.nwire - nwire, to_wire);
	if (to_wire)
		FUZZ_CHECK(fk.wire_len[nwire] == n &&
			   memcmp(fk.wire[nwire], buf, n) == 0,
			   "the wire got other bytes");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };
	uint8_t m = fz_u8(&z);

	fk_reset();
	now = 1000;
	fk.setup.check = NP_CHECK_OFF;  /* np_check runs after each frame */
	set_mode(m % 3, m & 0x80 ? 2048 : (uint16_t)(m / 3 * 20));
	fk.setup.tx_reserve = 8;
	world(64, 32, 0, 1000);
	add_vm(0, 8, 8, false, true);
	add_vm_copy(1, 8, 8, false);
	add_vm_copy(2, 8, 8, true);
	add_vm(3, 8, 8, false, false);
	np_refill(&np);
	for (uint32_t i = 0; i < MAX_FRAMES && fz_left(&z); i++) {
		uint8_t sel = fz_u8(&z);

		if (sel & 0x80)
			one_tx(&z, sel);
		else
			one_rx(&z, sel);
		release_all();
		FUZZ_CHECK(np_check(&np), "np_check");
		assert_mirror();
	}
	assert_idle_pages_clean();
	return 0;
}
