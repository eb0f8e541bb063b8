/* libFuzzer harness: the data path as a hostile guest and a hostile
 * network drive it (vmm/net/frame_pool.c, demux.c, rx_deliver.c,
 * rx_release.c, reclaim.c, net_tx.c), in the fake world of
 * tests/unit/netpath_fakes.c.
 *
 * The input's first bytes build a world: pool size, NIC ring size, low
 * watermark, reclaim grace, delivery mode and threshold (or auto, with
 * or without a gap to sense), tx reserve, and
 * 1..4 VMs with their window size, quota, promiscuity, ring and copy area.
 * The rest is a sequence of operations:
 *   rx       the NIC hands back a frame of fuzzed length and content, to
 *            a VM's MAC, broadcast, multicast, an unknown or a fuzzed MAC
 *   flood    up to 256 copies of one such frame, a batch end every 64
 *   rx_end   the end of a receive batch
 *   release  a guest's slot list: its own slots and copy buffers, others,
 *            out of range, twice, any count
 *   tx       a guest's transmit descriptor: fuzzed length, destination,
 *            content, a spoofed source
 *   tick     time passes; overdue slots are revoked
 *   scribble the guest writes anything into its ring page (its cons)
 *   consume  the guest reads its ring up to prod
 *   env      the NIC's transmit is busy or not; a map fails for a VM;
 *            received frames' first reads take a cache's or memory's
 *            time (copy_threshold auto)
 *   setup    HC_NET_SETUP again, with or without a copy area, a copy ring
 *            or an unknown flag
 *   detach   HC_NET_DETACH: refused while the VM holds slots or copy
 *            buffers, else its ring and copy area forgotten
 *
 * After every operation: every invariant (np_check), the fakes' books
 * against the pool's (assert_mirror), and the fakes' own safety rules
 * (nothing posted while mapped or before its INVEPT, nothing mapped
 * while posted, no page shown to a VM with a byte past the frame it never
 * saw). A refused release, transmit
 * or setup must change nothing but its error counter. A guest that never
 * scribbled on its ring finds no unread entry overwritten. Each VM a
 * received frame is for counts it once: delivered, or one drop. At the
 * end, every frame handed to np_rx is accounted for (delivered, or one
 * counted drop) and every FREE and POSTED page is zero. Any broken rule
 * aborts. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "tests/unit/netpath_fakes.h"

#define MAX_OPS 512

enum { OP_RX, OP_RX_END, OP_RELEASE, OP_TX, OP_TICK, OP_SCRIBBLE,
       OP_CONSUME, OP_ENV, OP_SETUP, OP_FLOOD, OP_RX_PART, OP_DETACH, NR_OPS };

static uint32_t nr_vms;
static uint64_t rx_in;          /* frames handed to np_rx */
static uint8_t first_dst[6];    /* of the frame np_rx_part is gathering */
/* The guest never wrote its ring's cons but by reading entries: it
 * must never find an entry overwritten before it read it. */
static bool honest[NP_MAX_VMS];
static struct netpath snap;

static void build_world(struct fz *z)
{
	uint8_t fb = fz_u8(z);
	/* Small pools half the time: they run low, so reclaim and
	 * revocation come into play. */
	uint32_t frames = fb < 128 ? 16 + fb % 32 :
			  16 + (uint32_t)(fb - 128) * (RAM_FIRST - 16) / 127;
	uint32_t nic_cap = 1 + fz_u8(z) % frames;
	uint32_t low_wm = fz_u8(z) % (frames / 2 + 1);
	uint64_t grace = 1 + (uint64_t)fz_u8(z) * 16;
	uint8_t mb = fz_u8(z), mode = mb % 3;
	uint16_t threshold = fz_u16(z) % (NET_COPY_BUF_SIZE + 1);
	/* copy_threshold auto, with a gap to sense or none (dma_sense.c):
	 * env then says how long a frame's first read takes. */
	if (mb & 0x40)
		threshold = NP_COPY_AUTO;
	fk.lat_near = 40;
	fk.lat_far = mb & 0x20 ? 400 : 40;
	uint32_t reserve = fz_u8(z) % (frames / 4 + 1);

	/* np_check runs after every operation below: after every single
	 * transition too would cost most of the fuzzer's time. */
	fk.setup.check = NP_CHECK_OFF;
	set_mode(mode, threshold);
	fk.setup.tx_reserve = reserve;
	fk.setup.mtu = mb & 0x80 ? NET_MTU_MAX : 0;     /* jumbo half the time */
	world(frames, nic_cap, low_wm, grace);
	nr_vms = 1 + fz_u8(z) % 4;
	for (uint32_t v = 0; v < nr_vms; v++) {
		uint8_t s = fz_u8(z), flags = fz_u8(z);
		uint16_t slots = s < 240 ? 1 + s % 32 : NET_RX_SLOTS_MAX - (s - 240);
		uint16_t quota = 1 + fz_u8(z) % slots;
		bool promisc = flags & 1;

		if (flags & 2)          /* no ring: HC_NET_SETUP never called */
			add_vm(v, slots, quota, promisc, false);
		else if (flags & 4)
			add_vm_copy(v, slots, quota, promisc);
		else
			add_vm(v, slots, quota, promisc, true);
	}
}

/* A destination MAC the input picks. */
static void pick_dst(struct fz *z, uint8_t dst[6])
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mcast[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
	static const uint8_t unknown[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	uint8_t k = fz_u8(z);

	switch (k % 6) {
	case 0: case 1: memcpy(dst, mac(k / 6 % (nr_vms + 1)), 6); break;
	case 2: memcpy(dst, bcast, 6); break;
	case 3: memcpy(dst, mcast, 6); break;
	case 4: memcpy(dst, unknown, 6); break;
	default: fz_bytes(z, dst, 6); break;
	}
}

/* A frame length: usually a plausible one, sometimes anything. */
static uint16_t pick_len(struct fz *z, uint16_t max)
{
	uint16_t raw = fz_u16(z);

	if (raw & 0x8000)
		return raw;             /* 0x8000..0xffff: NP_RX_LEN_BAD too */
	return raw % (max + 1);
}

/* What VM v has counted of the frames meant for it: each one is
 * delivered or dropped for one reason, never lost uncounted. */
static uint64_t vm_rx_counted(uint32_t v)
{
	const struct np_vm_stats *s = &np.vm[v].st;

	return s->rx_frames + s->rx_drop_quota + s->rx_drop_ring +
	       s->rx_drop_nosetup + s->rx_drop_map;
}

/* The NIC hands back its oldest posted buffer with 'n' bytes of 'data'
 * in it. false: nothing posted even after a refill. Every VM the demux
 * names counts the frame exactly once; the others not at all. */
static bool nic_rx(const uint8_t *data, uint32_t n, uint16_t len)
{
	uint64_t before[NP_MAX_VMS];
	struct np_dest d = { 0 };
	uint32_t total;
	uint64_t hpa;

	if (!fk.nic_n)
		np_refill(&np);
	if (!fk.nic_n)
		return false;           /* no descriptor: the NIC misses it */
	hpa = fk.nic[fk.nic_head];
	fk.nic_head = (fk.nic_head + 1) % MAXF;
	fk.nic_n--;
	memcpy(fk.page[pidx(hpa)], data, n);
	/* A frame np_rx takes: its pages so far and this one, long enough
	 * and within the mtu; its destination in its first page. */
	total = np.rx_part_n * NET_SLOT_SIZE + (uint32_t)len;
	if (!np.rx_discard && len <= NP_RX_LEN_MAX &&
	    (len || !np.rx_part_n) && total >= NET_FRAME_MIN &&
	    total <= np_frame_max(&np))
		np_demux(&np, np.rx_part_n ? first_dst : data, &d);
	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		before[v] = vm_rx_counted(v);
	rx_in++;
	np_rx(&np, hpa, len, now);
	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		FUZZ_CHECK(vm_rx_counted(v) - before[v] == (d.targets >> v & 1),
			   "vm%u counted a frame %llu times", v,
			   (unsigned long long)(vm_rx_counted(v) - before[v]));
	return true;
}

/* A received frame from the input: its destination, its length as the
 * NIC reports it, and the bytes the NIC wrote, at most its 4096-byte
 * buffer [8254x 13.4.22], into buf; returns how many it wrote. */
static uint32_t pick_frame(struct fz *z, uint8_t *buf, uint16_t *len)
{
	uint8_t dst[6];
	uint32_t n;

	pick_dst(z, dst);
	*len = pick_len(z, NP_RX_LEN_MAX + 16);
	n = *len < NP_RX_LEN_MAX ? *len : NP_RX_LEN_MAX;
	fz_bytes(z, buf, n);
	memcpy(buf, dst, n < 6 ? n : 6);
	return n;
}

/* A flood: up to 256 copies of one frame, faster than the guests
 * release; a batch ends every 64 descriptors, as in net_poll. */
static void op_flood(struct fz *z)
{
	static uint8_t buf[NP_RX_LEN_MAX];
	uint32_t count = 1 + fz_u8(z);
	uint16_t len;
	uint32_t n = pick_frame(z, buf, &len);

	for (uint32_t i = 0; i < count; i++) {
		if (!nic_rx(buf, n, len))
			break;
		if (i % 64 == 63)
			np_rx_end(&np, now);
	}
}

/* The NIC hands back a piece of a frame that goes on (no EOP): usually
 * a full page, sometimes not. */
static void op_rx_part(struct fz *z)
{
	static uint8_t buf[NP_RX_LEN_MAX];
	uint16_t len;
	uint64_t hpa;

	pick_frame(z, buf, &len);
	len = fz_u8(z) < 224 ? NET_SLOT_SIZE : len % (NET_SLOT_SIZE + 1);
	if (!fk.nic_n)
		np_refill(&np);
	if (!fk.nic_n)
		return;
	hpa = fk.nic[fk.nic_head];
	fk.nic_head = (fk.nic_head + 1) % MAXF;
	fk.nic_n--;
	memcpy(fk.page[pidx(hpa)], buf, len);
	if (!np.rx_part_n && !np.rx_discard)
		memcpy(first_dst, buf, 6);
	np_rx_part(&np, hpa, len);
}

static void op_rx(struct fz *z)
{
	static uint8_t buf[NP_RX_LEN_MAX];
	uint16_t len;
	uint32_t n = pick_frame(z, buf, &len);

	nic_rx(buf, n, len);
}

/* The slots and copy buffers VM v holds, by the books. */
static uint32_t held_list(uint32_t v, uint16_t *out)
{
	uint32_t n = 0;

	for (uint16_t s = 0; s < np.vm[v].nr_slots; s++) {
		if (np.vm[v].slot_frame[s] != NP_NO_FRAME)
			out[n++] = s;
		if (np.vm[v].copy_seq[s])
			out[n++] = (uint16_t)(s | NET_SLOT_COPY);
	}
	return n;
}

/* A slot number at an edge: the window's end, the ABI's end, 0, each
 * as a window slot or a copy buffer. */
static uint16_t edge_slot(uint32_t v, uint8_t k)
{
	uint16_t n = v < NP_MAX_VMS ? np.vm[v].nr_slots : 0;
	uint16_t edges[] = { n, (uint16_t)(n - 1), NET_RX_SLOTS_MAX,
			     NET_RX_SLOTS_MAX - 1, 0, 0x7fff };
	uint16_t s = edges[(k >> 1) % (sizeof(edges) / sizeof(edges[0]))];

	return k & 1 ? (uint16_t)(s | NET_SLOT_COPY) : s;
}

/* A refused call changed nothing but the counter it names. */
static void assert_unchanged(uint32_t nlog, const char *what)
{
	FUZZ_CHECK(memcmp(&np, &snap, sizeof(np)) == 0,
		   "a refused %s changed the netpath", what);
	FUZZ_CHECK(fk.nlog == nlog, "a refused %s called an op", what);
}

static void op_release(struct fz *z)
{
	static uint16_t held[2 * NET_RX_SLOTS_MAX];
	uint16_t slots[HC_NET_BATCH + 8];
	uint8_t vb = fz_u8(z);
	uint32_t v = vb & 0x80 ? vb % (NP_MAX_VMS + 1) : vb % nr_vms;
	uint32_t n = fz_u8(z) % (HC_NET_BATCH + 8);
	uint32_t nh = v < NP_MAX_VMS ? held_list(v, held) : 0;
	uint32_t nlog = fk.nlog;
	int r;

	for (uint32_t i = 0; i < n; i++) {
		uint8_t k = fz_u8(z);

		if (k < 160 && nh)
			slots[i] = held[k % nh];
		else if (k < 224)
			slots[i] = edge_slot(v, k);
		else
			slots[i] = fz_u16(z);
	}
	memcpy(&snap, &np, sizeof(np));
	r = np_release(&np, v, slots, n, now);
	if (r < 0) {
		FUZZ_CHECK(r == -HC_E_INVAL || r == -HC_E_STATE, "release: %d", r);
		if (v < NP_MAX_VMS)
			snap.vm[v].st.release_errors = np.vm[v].st.release_errors;
		assert_unchanged(nlog, "release");
	} else {
		FUZZ_CHECK((uint32_t)r == n, "released %d of %u", r, n);
	}
}

static void op_tx(struct fz *z)
{
	static uint8_t frame[NET_FRAME_MAX + 64];
	uint8_t vb = fz_u8(z), spoof = fz_u8(z);
	uint32_t v = vb & 0x80 ? vb % (NP_MAX_VMS + 1) : vb % nr_vms;
	uint16_t len = pick_len(z, NET_FRAME_MAX + 32);
	uint32_t n = len < sizeof(frame) ? len : sizeof(frame);
	uint32_t nlog = fk.nlog;
	uint8_t dst[6];
	int r;

	pick_dst(z, dst);
	fz_bytes(z, frame, n);
	memcpy(frame, dst, 6);
	if (spoof < 224)
		memcpy(frame + 6, mac(v % NP_MAX_VMS), 6);
	memcpy(&snap, &np, sizeof(np));
	/* The hypercall refuses lengths past NET_FRAME_MAX before it copies
	 * (vmm/net/net_hypercall.c): np_tx never sees one longer than the buffer. */
	r = np_tx(&np, v, frame, (uint16_t)n, now);
	if (r == -HC_E_INVAL) {
		if (v < NP_MAX_VMS) {
			snap.vm[v].st.tx_drop = np.vm[v].st.tx_drop;
			snap.vm[v].st.tx_spoofed = np.vm[v].st.tx_spoofed;
		}
		assert_unchanged(nlog, "transmit");
	} else {
		FUZZ_CHECK(r == 0 || r == -HC_E_STATE, "tx: %d", r);
	}
}

static void op_scribble(struct fz *z)
{
	uint32_t v = fz_u8(z) % nr_vms;
	uint8_t k = fz_u8(z);
	struct net_rx_ring *ring = &fk.ring[v];

	honest[v] = false;
	if (k < 128) {                  /* cons: anywhere */
		ring->cons = fz_u32(z);
	} else if (k < 192) {           /* cons: near prod, either side */
		ring->cons = ring->prod + (uint32_t)(int8_t)fz_u8(z);
	} else {                        /* any bytes anywhere in the page */
		uint16_t off = fz_u16(z) % sizeof(*ring);
		uint8_t len = fz_u8(z) % 16;

		for (uint8_t i = 0; i < len && off + i < sizeof(*ring); i++)
			((uint8_t *)ring)[off + i] = fz_u8(z);
	}
}

static void op_setup(struct fz *z)
{
	uint32_t v = fz_u8(z) % nr_vms;
	uint8_t how = fz_u8(z);
	bool area = how & 1;
	uint32_t flags = how >> 1 & 3;          /* NET_COPY_RING, or unknown */
	uint32_t nlog = fk.nlog;
	int r;

	memcpy(&snap, &np, sizeof(np));
	r = np_setup_flags(&np, v, &fk.ring[v], area ? area_for(v) : NULL,
			   flags);
	if (r == 0)
		honest[v] = true;
	if (r < 0) {
		bool bad = flags & ~(uint32_t)NET_COPY_RING ||
			   (flags && !area);

		FUZZ_CHECK(bad ? r == -HC_E_INVAL :
			   r == -HC_E_STATE && np.vm[v].held,
			   "setup refused: %d, holding %u, flags %u", r,
			   np.vm[v].held, flags);
		assert_unchanged(nlog, "setup");
	}
}

static void op_detach(struct fz *z)
{
	uint32_t v = fz_u8(z) % nr_vms;
	uint32_t nlog = fk.nlog;
	int r;

	memcpy(&snap, &np, sizeof(np));
	r = np_detach(&np, v);
	if (r < 0) {
		FUZZ_CHECK(r == -HC_E_STATE && np.vm[v].held,
			   "detach refused: %d, holding %u", r, np.vm[v].held);
		assert_unchanged(nlog, "detach");
		return;
	}
	FUZZ_CHECK(!np.vm[v].ring && !np.vm[v].copy_area &&
		   !np.vm[v].copy_ring, "vm%u still set up after detach", v);
}

static void run_op(struct fz *z)
{
	struct net_rx_entry ent[NET_RX_RING];
	uint8_t k;

	switch (fz_u8(z) % NR_OPS) {
	case OP_RX:       op_rx(z); break;
	case OP_RX_END:   np_rx_end(&np, now); break;
	case OP_RELEASE:  op_release(z); break;
	case OP_TX:       op_tx(z); break;
	case OP_TICK:
		now += fz_u16(z);
		np_tick(&np, now);
		break;
	case OP_SCRIBBLE: op_scribble(z); break;
	case OP_CONSUME:  consume(fz_u8(z) % nr_vms, ent, NET_RX_RING); break;
	case OP_ENV:
		k = fz_u8(z);
		fk.wire_busy = k & 1;
		fk.map_fail_vm = k & 2 ? (int)(k >> 2) % (int)nr_vms : -1;
		fk.lat_rx = k & 0x80 ? 400 : 40;
		break;
	case OP_SETUP:    op_setup(z); break;
	case OP_FLOOD:    op_flood(z); break;
	case OP_RX_PART:  op_rx_part(z); break;
	case OP_DETACH:   op_detach(z); break;
	}
}

/* Every frame given to np_rx was delivered (np.st.rx_frames counts it
 * once, however many VMs took it) or dropped with one count. */
static void assert_accounted(void)
{
	uint64_t out = np.st.rx_frames + np.st.rx_drop_unknown +
		       np.st.rx_drop_bad_len + np.st.rx_drop_no_vm +
		       np.st.rx_drop_oversize + np.st.rx_drop_link_local;

	/* A frame being discarded was counted at its first bad piece. */
	FUZZ_CHECK(out == rx_in + np.rx_discard, "%llu frames in, %llu accounted for",
		   (unsigned long long)rx_in, (unsigned long long)out);
}

/* An honest guest's unread entries all still there: the hypervisor
 * never wrote more than a ring ahead of its cons. */
static void assert_rings(void)
{
	for (uint32_t v = 0; v < nr_vms; v++)
		FUZZ_CHECK(!honest[v] || !np.vm[v].ring ||
			   np.vm[v].prod - fk.ring[v].cons <= NET_RX_RING,
			   "vm%u: prod %u, cons %u: unread entries overwritten",
			   v, np.vm[v].prod, fk.ring[v].cons);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz z = { data, size };

	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		honest[v] = true;
	fk_reset();
	now = 1000;
	rx_in = 0;
	build_world(&z);
	np_refill(&np);
	for (uint32_t i = 0; i < MAX_OPS && fz_left(&z); i++) {
		run_op(&z);
		FUZZ_CHECK(np_check(&np), "np_check");
		assert_mirror();
		assert_rings();
	}
	assert_accounted();
	assert_idle_pages_clean();
	return 0;
}
