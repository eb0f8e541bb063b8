/* What the network path's unit tests share (netpath_steps.h). */
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

uint32_t seed;

/* Snapshots for "a refused call changes nothing". */
struct netpath snap_np;
struct fake snap_fk;
static uint8_t *snap_carea[NP_MAX_VMS];
/* What fk points to: its pages, the NIC's FIFO, the flush books. */
static uint8_t snap_pages[FK_PAGES_BYTES];
static uint64_t snap_nic[MAXF];
static uint16_t snap_stale[MAXF];
static bool snap_had_data[MAXF];

const uint8_t BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
const uint8_t MCAST[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
const uint8_t MCAST6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };
const uint8_t UNKNOWN[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };
const uint8_t OUTSIDE[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static uint8_t pat(uint32_t s, uint32_t i)
{
	uint8_t b = (uint8_t)(s * 31 + i * 7 + 1);

	return b ? b : 0xa5;
}

/* The NIC fills its oldest posted buffer: 'len' bytes (at most its 2048-
 * byte buffer), destination, our outside source, then a non-zero
 * pattern. Returns the buffer's hpa. */
uint64_t nic_write(const uint8_t dst[6], uint16_t len)
{
	uint32_t n = len < NP_RX_LEN_MAX ? len : NP_RX_LEN_MAX;
	uint64_t hpa;
	uint8_t *p;

	if (!fk.nic_n)
		np_refill(&np);
	assert_true(fk.nic_n > 0);
	hpa = fk.nic[fk.nic_head];
	fk.nic_head = (fk.nic_head + 1) % MAXF;
	fk.nic_n--;
	p = fk.page[pidx(hpa)];
	seed++;
	for (uint32_t i = 0; i < n; i++)
		p[i] = pat(seed, i);
	if (n >= 6)
		memcpy(p, dst, 6);
	if (n >= 12)
		memcpy(p + 6, OUTSIDE, 6);
	return hpa;
}

uint32_t rx(const uint8_t dst[6], uint16_t len)
{
	uint64_t hpa = nic_write(dst, len);

	return np_rx(&np, hpa, len, now);
}

/* A frame from VM 'v' to 'dst', 'len' bytes. */
void make_frame(uint8_t *buf, uint32_t v, const uint8_t dst[6],
		uint16_t len)
{
	seed++;
	for (uint32_t i = 0; i < len; i++)
		buf[i] = pat(seed, i);
	memcpy(buf, dst, 6);
	memcpy(buf + 6, mac(v), 6);
}

int tx(uint32_t v, const uint8_t dst[6], uint16_t len)
{
	uint8_t buf[NET_FRAME_MAX];

	make_frame(buf, v, dst, len);
	return np_tx(&np, v, buf, len, now);
}

int release1(uint32_t v, uint16_t slot)
{
	return np_release(&np, v, &slot, 1, now);
}

uint32_t count_ops(uint8_t op, uint32_t from)
{
	uint32_t n = 0;

	for (uint32_t i = from; i < fk.nlog && i < LOG_MAX; i++)
		n += fk.log[i].op == op;
	return n;
}

uint32_t frame_of(uint32_t v, uint16_t slot)
{
	return np.vm[v].slot_frame[slot];
}

void snapshot(void)
{
	memcpy(&snap_np, &np, sizeof(np));
	memcpy(&snap_fk, &fk, sizeof(fk));
	memcpy(snap_pages, fk.page, sizeof(snap_pages));
	memcpy(snap_nic, fk.nic, sizeof(snap_nic));
	memcpy(snap_stale, fk.stale, sizeof(snap_stale));
	memcpy(snap_had_data, fk.had_data, sizeof(snap_had_data));
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		if (!carea[v])
			continue;
		snap_carea[v] = realloc(snap_carea[v], carea_len[v]);
		assert_non_null(snap_carea[v]);
		memcpy(snap_carea[v], carea[v], carea_len[v]);
	}
}

void assert_same(const void *a, const void *b, size_t n, const char *what)
{
	const uint8_t *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			fail_msg("%s changed at byte %zu", what, i);
}

void assert_unchanged(void)
{
	/* Looking at a page changes nothing: its count is not state. */
	snap_fk.page_calls = fk.page_calls;
	assert_same(&np, &snap_np, sizeof(np), "struct netpath");
	assert_same(&fk, &snap_fk, sizeof(fk), "fake state");
	assert_same(fk.page, snap_pages, sizeof(snap_pages), "a fake page");
	assert_same(fk.nic, snap_nic, sizeof(snap_nic), "the NIC's ring");
	assert_same(fk.stale, snap_stale, sizeof(snap_stale), "the flush books");
	assert_same(fk.had_data, snap_had_data, sizeof(snap_had_data),
		    "the flush books");
	for (uint32_t v = 0; v < NP_MAX_VMS; v++)
		if (carea[v])
			assert_same(carea[v], snap_carea[v], carea_len[v],
				    "a copy area");
}

int reset(void **state)
{
	(void)state;
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		free(snap_carea[v]);
		snap_carea[v] = NULL;
	}
	fk_reset();
	now = 1000;
	seed = 0;
	return 0;
}

int finish(void **state)
{
	(void)state;
	if (fk.corrupted || !np.nr_frames)
		return 0;
	fk.expect_panic = false;
	assert_true(np_check(&np));
	assert_mirror();
	assert_xchg_mirror();
	assert_idle_pages_clean();
	return 0;
}


uint32_t delivered_slots(uint32_t v, uint16_t *out)
{
	uint32_t n = 0;

	for (uint16_t s = 0; s < np.vm[v].nr_slots; s++)
		if (frame_of(v, s) != NP_NO_FRAME)
			out[n++] = s;
	return n;
}

/* Everything VM v holds, as HC_NET_RELEASE names it: window slots, then
 * copy buffers with NET_SLOT_COPY. 'out' has room for twice nr_slots. */
uint32_t held_list(uint32_t v, uint16_t *out)
{
	uint32_t n = delivered_slots(v, out);

	for (uint16_t b = 0; b < np.vm[v].nr_slots; b++)
		if (np.vm[v].copy_seq[b])
			out[n++] = COPY(b);
	return n;
}

bool any_window_slot(const uint16_t *slots, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (!(slots[i] & NET_SLOT_COPY))
			return true;
	return false;
}

const struct mode_case mode_cases[] = {
	{ "flip", NP_FLIP, 0 },
	{ "copy", NP_COPY, 0 },
	{ "hybrid", NP_HYBRID, 300 },
};

/* The rule, for a VM with a copy area. */
bool copies(const struct mode_case *m, uint16_t len)
{
	return m->mode == NP_COPY ||
	       (m->mode == NP_HYBRID && len <= m->threshold);
}

bool all_bytes(const uint8_t *p, size_t n, uint8_t b)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != b)
			return false;
	return true;
}

/* rx(), keeping in 'out' the bytes the NIC wrote, before np_rx may
 * scrub them. */
uint32_t rx_keep(const uint8_t dst[6], uint16_t len, uint8_t *out)
{
	uint64_t hpa = nic_write(dst, len);

	memcpy(out, fk.page[pidx(hpa)], len);
	return np_rx(&np, hpa, len, now);
}

/* Entry i of VM v's ring announces 'len' bytes of 'data' with 'flags':
 * copied, in the filled copy buffer the entry names; or flipped, in the
 * window slot it names, mapped onto a frame that holds the data. */
void assert_entry(uint32_t v, uint32_t i, const uint8_t *data,
		  uint16_t len, uint16_t flags, bool copy)
{
	const struct net_rx_entry *e = &fk.ring[v].ent[i % NET_RX_RING];

	assert_int_equal(e->len, len);
	assert_int_equal(e->flags, flags | (copy ? NET_RX_F_COPY : 0));
	assert_true(e->slot < np.vm[v].nr_slots);
	if (copy && np.vm[v].copy_ring) {
		assert_int_equal(e->slot, i & np.vm[v].copy_mask);
		assert_int_equal(np.vm[v].copy_seq[e->slot], 0);
		assert_memory_equal(cbuf(v, e->slot), data, len);
	} else if (copy) {
		assert_true(np.vm[v].copy_seq[e->slot] != 0);
		assert_memory_equal(cbuf(v, e->slot), data, len);
	} else {
		uint32_t fi = frame_of(v, e->slot);

		assert_int_not_equal(fi, NP_NO_FRAME);
		assert_int_equal(fk.ept[v][e->slot], np.frame[fi].hpa);
		assert_memory_equal(fk.page[pidx(np.frame[fi].hpa)], data, len);
	}
}
