/* The data path's fakes (netpath_fakes.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/netpath_fakes.h"

struct fake fk;
uint32_t fk_ram_walks[RAM_VMS];
uint32_t fk_ram_lookups;
struct netpath np;
uint64_t now;

uint8_t *carea[NP_MAX_VMS];
size_t carea_len[NP_MAX_VMS];

const uint8_t *mac(uint32_t v)
{
	static uint8_t m[NP_MAX_VMS][6];

	m[v][0] = 0x02;
	m[v][5] = (uint8_t)(v + 1);
	return m[v];
}

uint64_t fhpa(uint32_t i)
{
	return FAKE_BASE + (uint64_t)i * NET_SLOT_SIZE;
}

/* One compare for the range (an hpa below FAKE_BASE wraps to a huge
 * offset): the bench calls this a few times a frame. */
static uint32_t f_pidx(const struct fake *f, uint64_t hpa)
{
	uint64_t off = hpa - FAKE_BASE;

	if (off >= (uint64_t)f->maxf * NET_SLOT_SIZE || off % NET_SLOT_SIZE)
		fk_fail("hpa %#llx is no fake page", (unsigned long long)hpa);
	return (uint32_t)(off / NET_SLOT_SIZE);
}

uint32_t pidx(uint64_t hpa)
{
	return f_pidx(&fk, hpa);
}

uint8_t *fk_page(struct fake *f, uint64_t hpa)
{
	return f->page[f_pidx(f, hpa)];
}

static bool f_page_zero(const struct fake *f, uint32_t p, uint32_t from,
			uint32_t to)
{
	static const uint8_t zero[NET_SLOT_SIZE];

	FK_ASSERT(p < f->maxf && from <= to && to <= NET_SLOT_SIZE);
	return memcmp(f->page[p] + from, zero, to - from) == 0;
}

bool page_zero(uint32_t p, uint32_t from, uint32_t to)
{
	return f_page_zero(&fk, p, from, to);
}

static void log_op(struct fake *f, uint8_t op, uint32_t vm, uint16_t slot,
		   uint64_t hpa, uint8_t vec)
{
	if (!f->checks)         /* timing: the log is the tests' */
		return;
	if (f->nlog < LOG_MAX)
		f->log[f->nlog] = (struct op_rec){ op, (uint8_t)vm, vec, slot, hpa };
	f->nlog++;
}

/* Entry 'i' of the NIC's FIFO after its head. No division: the bench
 * times the path with these ops, and a divide costs more than the rest
 * of a post. */
static uint32_t nic_at(const struct fake *f, uint32_t i)
{
	uint32_t at = f->nic_head + i;

	return at >= f->maxf ? at - f->maxf : at;
}

static bool nic_holds(const struct fake *f, uint64_t hpa)
{
	for (uint32_t i = 0; i < f->nic_n; i++)
		if (f->nic[nic_at(f, i)] == hpa)
			return true;
	return false;
}

static bool in_ram_anywhere(const struct fake *f, uint64_t hpa)
{
	for (uint32_t v = 0; v < RAM_VMS; v++)
		for (uint32_t p = 0; p < RAM_PAGES; p++)
			if (f->ram[v][p] == hpa)
				return true;
	return false;
}

static bool mapped_anywhere(const struct fake *f, uint64_t hpa)
{
	if (in_ram_anywhere(f, hpa))
		return true;
	/* fake_map maps only slots of present VMs. */
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		if (!f->np->vm[v].present)
			continue;
		for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++)
			if (f->ept[v][s] == hpa)
				return true;
	}
	return false;
}

/* Bytes [8w, 8w + 8) of page p and its shadow are all zero: nothing to
 * check or record there (a zero byte is never a leak, and one that
 * turns non-zero differs from its zero shadow). Most of a page is. */
static bool f_word_zero(const struct fake *f, uint32_t p, uint32_t w)
{
	uint64_t a, b;

	memcpy(&a, f->page[p] + 8 * w, 8);
	memcpy(&b, f->shadow[p] + 8 * w, 8);
	return !(a | b);
}

/* VM vm may now read all of page p: from now on it has seen every byte
 * there. */
static void f_see(struct fake *f, uint32_t p, uint32_t vm)
{
	for (uint32_t w = 0; w < NET_SLOT_SIZE / 8; w++) {
		if (f_word_zero(f, p, w))
			continue;
		for (uint32_t i = 8 * w; i < 8 * w + 8; i++) {
			if (f->page[p][i] != f->shadow[p][i]) {
				f->shadow[p][i] = f->page[p][i];
				f->seen_by[p][i] = 0;
			}
			f->seen_by[p][i] |= (uint16_t)(1u << vm);
		}
	}
}

/* Pool frame 'hpa' is about to be readable by VM vm: past the frame it
 * carries (its first len bytes, the NIC's or a VM-to-VM copy's for this
 * VM), every byte must be zero or a value vm has seen there. */
static void f_expose(struct fake *f, uint32_t p, uint32_t vm, uint64_t hpa)
{
	uint32_t fi = np_frame_find(f->np, hpa);
	uint32_t from;

	FK_ASSERT(fi != NP_NO_FRAME);
	from = f->np->frame[fi].len;
	FK_ASSERT(from <= NET_SLOT_SIZE);
	for (uint32_t i = from; i < NET_SLOT_SIZE; i++) {
		uint8_t b = f->page[p][i];

		if (i % 8 == 0 && f_word_zero(f, p, i / 8)) {
			i += 7;
			continue;
		}
		if (b && (b != f->shadow[p][i] ||
			  !(f->seen_by[p][i] >> vm & 1)))
			fk_fail("VM %u given frame %u with byte %u (%#x) past its "
				"%u bytes that it never saw", vm, fi, i, b, from);
	}
	f_see(f, p, vm);
}

/* Some VM's TLB may still hold page p: a window slot or a RAM page of
 * it was unmapped, and that VM not flushed since. */
static bool stale_anywhere(const struct fake *f, uint32_t p)
{
	return f->stale[p] || f->ram_stale[p];
}

/* Is 'hpa' in one of VM v's post slots? */
static bool posted_by(const struct fake *f, uint32_t v, uint64_t hpa)
{
	const struct np_vm *n = &f->np->vm[v];

	for (uint32_t s = 0; s < n->nr_slots; s++)
		if (n->post_gpa[s] != NP_NO_POST && n->post_hpa[s] == hpa)
			return true;
	return false;
}

/* --- the fake ops --------------------------------------------------------- */

static int fake_map(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa)
{
	struct fake *f = ctx;
	uint32_t p = f_pidx(f, hpa);

	if (f->checks) {
		FK_ASSERT(vm < NP_MAX_VMS && f->np->vm[vm].present);
		FK_ASSERT(slot < f->np->vm[vm].nr_slots);
		if (f->ept[vm][slot])
			fk_fail("map over mapped slot %u of VM %u", slot, vm);
		if (in_ram_anywhere(f, hpa))
			fk_fail("mapping a page of a VM's RAM into a window: "
				"%#llx", (unsigned long long)hpa);
		if (nic_holds(f, hpa))
			fk_fail("mapping a frame the NIC may write: %#llx",
				(unsigned long long)hpa);
		if (stale_anywhere(f, p))
			fk_fail("reusing frame %u before the INVEPT after its "
				"unmap", p);
	}
	if ((int)vm == f->map_fail_vm) {
		if (!f->map_ok_first)
			return -1;
		f->map_ok_first--;
	}
	if (f->checks)
		f_expose(f, p, vm, hpa);
	if (f->under && f->under->map(f->under->ctx, vm, slot, hpa))
		return -1;
	f->ept[vm][slot] = hpa;
	if (f->checks) {
		f->had_data[p] = !f_page_zero(f, p, 0, NET_SLOT_SIZE);
		if (f->np->vm[vm].ring)
			f->prod_at_map[vm] = f->np->vm[vm].ring->prod;
	}
	log_op(f, OP_MAP, vm, slot, hpa, 0);
	return 0;
}

static int fake_unmap(void *ctx, uint32_t vm, uint16_t slot)
{
	struct fake *f = ctx;
	bool flush = true;      /* a present entry removed */
	uint64_t hpa;

	FK_ASSERT(vm < NP_MAX_VMS && slot < NET_RX_SLOTS_MAX);
	hpa = f->ept[vm][slot];
	if (!hpa)
		return -1;
	if (f->under && f->under->unmap(f->under->ctx, vm, slot, &flush))
		fk_fail("the page tables lost slot %u of VM %u", slot, vm);
	f->ept[vm][slot] = 0;
	f->flush_due[vm] |= flush;
	if (f->checks)
		f->stale[f_pidx(f, hpa)] |= (uint16_t)(1u << vm);
	log_op(f, OP_UNMAP, vm, slot, hpa, 0);
	return 0;
}

/* Every frame this VM let go of since its last flush must still be in
 * the books as DELIVERED (to another VM) or RECLAIMING, its data not yet
 * scrubbed (a page that held data when mapped is not all zero): nothing
 * reaches FREE, the NIC or the scrub before this INVEPT. */
static void fake_flush(void *ctx, uint32_t vm)
{
	struct fake *f = ctx;
	const struct netpath *np = f->np;

	FK_ASSERT(vm < NP_MAX_VMS);
	for (uint32_t p = 0; f->checks && p < f->maxf; p++) {
		uint32_t fi;

		if (!(f->stale[p] & (1u << vm)))
			continue;
		fi = np_frame_find(np, fhpa(p));
		FK_ASSERT(fi != NP_NO_FRAME);
		if (np->frame[fi].state != FRAME_DELIVERED &&
		    np->frame[fi].state != FRAME_RECLAIMING)
			fk_fail("frame %u is %u before the flush after its unmap",
				fi, np->frame[fi].state);
		if (np->frame[fi].state == FRAME_RECLAIMING && f->had_data[p] &&
		    f_page_zero(f, p, 0, NET_SLOT_SIZE))
			fk_fail("frame %u scrubbed before the flush", fi);
		f->stale[p] &= (uint16_t)~(1u << vm);
	}
	/* A RAM page it unmapped is posted (or, after a failed batch,
	 * mapped back): nothing else may have it yet. */
	for (uint32_t p = 0; f->checks && p < f->maxf; p++) {
		if (!(f->ram_stale[p] & (1u << vm)))
			continue;
		if (!posted_by(f, vm, fhpa(p)) && !in_ram_anywhere(f, fhpa(p)))
			fk_fail("RAM page %u of VM %u went elsewhere before the "
				"flush after its unmap", p, vm);
		f->ram_stale[p] &= (uint16_t)~(1u << vm);
	}
	if (f->flush_due[vm]) {         /* npt_sync: an INVEPT only if due */
		f->flush_due[vm] = false;
		f->invepts++;
	}
	log_op(f, OP_FLUSH, vm, 0, 0, 0);
}

static void fake_notify(void *ctx, uint32_t vm, uint8_t vector)
{
	struct fake *f = ctx;

	FK_ASSERT(vm < NP_MAX_VMS);
	if (vector == HC_VEC_NET_RX)
		f->rx_irq[vm]++;
	else if (vector == HC_VEC_NET_RECLAIM)
		f->reclaim_irq[vm]++;
	else
		fk_fail("notify with vector %#x", vector);
	log_op(f, OP_NOTIFY, vm, 0, 0, vector);
}

static uint8_t *fake_page(void *ctx, uint64_t hpa)
{
	struct fake *f = ctx;

	f->page_calls++;
	if (__builtin_expect(f->allow_scratch, 0) &&
	    hpa - FAKE_BASE >= (uint64_t)f->maxf * NET_SLOT_SIZE)
		return f->scratch;
	return fk_page(f, hpa);
}

/* Each page in turn, as the NIC's FIFO has room: the first that many. */
static uint32_t fake_post(void *ctx, const uint64_t *hpa, uint32_t n)
{
	struct fake *f = ctx;
	uint32_t k;

	f->post_calls++;
	for (k = 0; k < n && f->nic_n < f->nic_cap; k++) {
		if (f->checks) {
			uint32_t p = f_pidx(f, hpa[k]);

			if (mapped_anywhere(f, hpa[k]))
				fk_fail("posting frame %u while an EPT maps it", p);
			if (stale_anywhere(f, p))
				fk_fail("posting frame %u before the INVEPT after "
					"its unmap", p);
			if (nic_holds(f, hpa[k]))
				fk_fail("posting frame %u twice", p);
		}
		f->nic[nic_at(f, f->nic_n)] = hpa[k];
		f->nic_n++;
		log_op(f, OP_POST, 0, 0, hpa[k], 0);
	}
	f->post_refused += n - k;
	return k;
}

/* What fake_post would take, unless a test makes it claim more. */
static uint32_t fake_post_room(void *ctx)
{
	struct fake *f = ctx;

	/* A test may lower nic_cap below what is posted already. */
	return (f->nic_n < f->nic_cap ? f->nic_cap - f->nic_n : 0) +
	       f->room_lie;
}

uint64_t fk_nic_take(struct fake *f)
{
	uint64_t hpa;

	if (!f->nic_n)
		return 0;
	hpa = f->nic[f->nic_head];
	f->nic_head = nic_at(f, 1);
	f->nic_n--;
	return hpa;
}

static bool fake_wire_tx(void *ctx, const uint8_t *data, uint16_t len)
{
	struct fake *f = ctx;

	FK_ASSERT(len >= NET_FRAME_MIN && len <= NET_JUMBO_MAX);
	if (f->wire_busy)
		return false;
	if (f->nwire < WIRE_MAX) {
		memcpy(f->wire[f->nwire], data, len);
		f->wire_len[f->nwire] = len;
	}
	f->nwire++;
	log_op(f, OP_WIRE, 0, 0, 0, 0);
	return true;
}

static void fake_panic(void *ctx, const char *msg, uint32_t frame)
{
	struct fake *f = ctx;

	if (!f->expect_panic)
		fk_fail("netpath panic: %s (frame %u)", msg, frame);
	f->panics++;
	snprintf(f->panic_msg, sizeof(f->panic_msg), "%s", msg);
	f->panic_frame = frame;
}

static uint64_t fake_vm_clock(void *ctx, uint32_t vm, uint64_t t)
{
	struct fake *f = ctx;

	FK_ASSERT(vm < NP_MAX_VMS && f->waited[vm] <= t);
	return t - f->waited[vm];
}

/* Exchange RAM: VM v's page 'gpa' is f->ram[v][gpa / 4 KiB], 0 when not
 * present. */
static uint64_t *ram_entry(struct fake *f, uint32_t vm, uint64_t gpa)
{
	FK_ASSERT(vm < RAM_VMS && gpa % NET_SLOT_SIZE == 0 &&
		  gpa < RAM_PAGES * NET_SLOT_SIZE);
	return &f->ram[vm][gpa / NET_SLOT_SIZE];
}

static int fake_ram_lookup(void *ctx, uint32_t vm, uint64_t gpa,
			   uint64_t *hpa)
{
	struct fake *f = ctx;
	const uint64_t *e;

	fk_ram_lookups++;
	if (vm >= RAM_VMS || gpa >= RAM_PAGES * NET_SLOT_SIZE)
		return -1;
	e = ram_entry(f, vm, gpa);
	if (!*e)
		return -1;
	*hpa = *e;
	return 0;
}

/* A page goes into a VM's RAM only when nothing else has it: not the
 * NIC, no window, no RAM, no other VM's TLB. Filling a not-present
 * entry makes no INVEPT due (npt.c, SDM 3C 29.4.3.4): none is counted. */
static int fake_ram_map(void *ctx, uint32_t vm, uint64_t gpa, uint64_t hpa)
{
	struct fake *f = ctx;
	uint64_t *e = ram_entry(f, vm, gpa);
	uint32_t p = f_pidx(f, hpa);

	FK_ASSERT(!f->under);   /* the bench's tables hold no RAM */
	if (*e)
		fk_fail("RAM map over a present page %#llx of VM %u",
			(unsigned long long)gpa, vm);
	if (f->checks) {
		if (nic_holds(f, hpa))
			fk_fail("mapping a frame the NIC may write into RAM: "
				"page %u", p);
		if (mapped_anywhere(f, hpa))
			fk_fail("mapping page %u into RAM while it is mapped", p);
		if (f->stale[p] || f->ram_stale[p] & ~(1u << vm))
			fk_fail("RAM map of page %u before the INVEPT after "
				"its unmap", p);
		/* A pool frame flipped in, or the VM's own page back. */
		if (np_frame_find(f->np, hpa) != NP_NO_FRAME)
			f_expose(f, p, vm, hpa);
		else
			f_see(f, p, vm);
	}
	*e = hpa;
	log_op(f, OP_RAM_MAP, vm, (uint16_t)(gpa / NET_SLOT_SIZE), hpa, 0);
	return 0;
}

/* A present entry removed: an INVEPT is due, as for a window slot. */
static int fake_ram_unmap(void *ctx, uint32_t vm, uint64_t gpa)
{
	struct fake *f = ctx;
	uint64_t *e = ram_entry(f, vm, gpa);
	uint64_t hpa = *e;

	FK_ASSERT(!f->under);
	if (f->ram_unmap_fail_in && !--f->ram_unmap_fail_in)
		return -1;
	FK_ASSERT(hpa);
	*e = 0;
	f->flush_due[vm] = true;
	if (f->checks) {
		f->ram_stale[f_pidx(f, hpa)] |= (uint16_t)(1u << vm);
		/* Its own RAM: whatever it wrote there, it has seen. */
		f_see(f, f_pidx(f, hpa), vm);
	}
	log_op(f, OP_RAM_UNMAP, vm, (uint16_t)(gpa / NET_SLOT_SIZE), hpa, 0);
	return 0;
}

static void fake_ram_each(void *ctx, uint32_t vm,
			  void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				     uint64_t size),
			  void *arg)
{
	const struct fake *f = ctx;

	if (vm < RAM_VMS)
		fk_ram_walks[vm]++;
	for (uint32_t p = 0; vm < RAM_VMS && p < RAM_PAGES; p++)
		if (f->ram[vm][p])
			fn(arg, (uint64_t)p * NET_SLOT_SIZE, f->ram[vm][p],
			   NET_SLOT_SIZE);
}

static uint32_t fake_load_ticks(void *ctx, const uint8_t *p, bool evict)
{
	struct fake *f = ctx;
	uintptr_t off = (uintptr_t)p - (uintptr_t)f->page[0];

	if (off >= (uintptr_t)f->maxf * NET_SLOT_SIZE)
		return evict ? f->lat_far : f->lat_near;
	/* The path never flushes what the NIC wrote: it only times it. */
	if (evict)
		fk_fail("load_ticks flushed pool page %lu",
			(unsigned long)(off / NET_SLOT_SIZE));
	f->probes++;
	f->probe_page = (uint32_t)(off / NET_SLOT_SIZE);
	if (f->on_probe)
		f->on_probe(p);
	(void)*(const volatile uint8_t *)p;
	return f->lat_rx;
}

const struct netpath_ops fake_ops = {
	.ctx = &fk,
	.map = fake_map, .unmap = fake_unmap, .flush = fake_flush,
	.notify = fake_notify, .page = fake_page, .post = fake_post,
	.post_room = fake_post_room,
	.wire_tx = fake_wire_tx, .panic = fake_panic,
	.vm_clock = fake_vm_clock,
	.ram_lookup = fake_ram_lookup, .ram_map = fake_ram_map,
	.ram_unmap = fake_ram_unmap, .ram_each = fake_ram_each,
	.load_ticks = fake_load_ticks,
};

void fk_init(struct fake *f, struct netpath *np, uint32_t maxf)
{
	FK_ASSERT(maxf && maxf <= NP_MAX_FRAMES);
	memset(f, 0, sizeof(*f));
	f->np = np;
	f->ops = fake_ops;
	f->ops.ctx = f;
	f->maxf = maxf;
	f->checks = true;
	f->map_fail_vm = -1;
	f->setup.check = NP_CHECK_EVERY;
	f->page = aligned_alloc(NET_SLOT_SIZE, (size_t)maxf * NET_SLOT_SIZE);
	f->stale = calloc(maxf, sizeof(f->stale[0]));
	f->ram_stale = calloc(maxf, sizeof(f->ram_stale[0]));
	f->had_data = calloc(maxf, sizeof(f->had_data[0]));
	f->nic = calloc(maxf, sizeof(f->nic[0]));
	/* Untouched (all zero, like the pages) unless checks run. */
	f->shadow = calloc(maxf, sizeof(f->shadow[0]));
	f->seen_by = calloc(maxf, sizeof(f->seen_by[0]));
	FK_ASSERT(f->page && f->stale && f->ram_stale && f->had_data &&
		  f->nic && f->shadow && f->seen_by);
	memset(f->page, 0, (size_t)maxf * NET_SLOT_SIZE);
}

void fk_free(struct fake *f)
{
	free(f->page);
	free(f->stale);
	free(f->ram_stale);
	free(f->had_data);
	free(f->nic);
	free(f->shadow);
	free(f->seen_by);
	memset(f, 0, sizeof(*f));
}

/* --- building a world ----------------------------------------------------- */

void world(uint32_t frames, uint32_t nic_cap, uint32_t low_wm,
		  uint64_t reclaim_ticks)
{
	uint64_t hpas[MAXF];
	struct np_params p = fk.setup;

	FK_ASSERT(frames <= RAM_FIRST && nic_cap <= MAXF);
	for (uint32_t i = 0; i < frames; i++)
		hpas[i] = fhpa(i);
	fk.nic_cap = nic_cap;
	p.ops = &fake_ops;
	p.frame_hpas = hpas;
	p.nr_frames = frames;
	p.low_watermark = low_wm;
	p.reclaim_ticks = reclaim_ticks;
	FK_ASSERT(np_init(&np, &p) == 0);
}

void add_vm(uint32_t v, uint16_t slots, uint16_t quota, bool promisc,
		   bool ring)
{
	FK_ASSERT(np_add_vm(&np, v, mac(v), slots, quota, promisc) == 0);
	if (ring)
		FK_ASSERT(np_setup(&np, v, &fk.ring[v], NULL) == 0);
}

/* VM v's copy area, as big as its window, filled with CA_FILL: made on
 * first use, kept until the next test. */
uint8_t *area_for(uint32_t v)
{
	size_t len = (size_t)np.vm[v].nr_slots * NET_COPY_BUF_SIZE;

	if (!carea[v]) {
		carea[v] = malloc(len);
		FK_ASSERT(carea[v]);
		memset(carea[v], CA_FILL, len);
		carea_len[v] = len;
	}
	FK_ASSERT(carea_len[v] >= len);
	return carea[v];
}

uint8_t *cbuf(uint32_t v, uint16_t b)
{
	return carea[v] + (size_t)b * NET_COPY_BUF_SIZE;
}

/* A VM with a ring and a copy area. */
void add_vm_copy(uint32_t v, uint16_t slots, uint16_t quota,
			bool promisc)
{
	FK_ASSERT(np_add_vm(&np, v, mac(v), slots, quota, promisc) == 0);
	FK_ASSERT(np_setup(&np, v, &fk.ring[v], area_for(v)) == 0);
}

void add_vm_xchg(uint32_t v, uint16_t slots, bool promisc)
{
	FK_ASSERT(v < RAM_VMS && fk.maxf >= MAXF);
	FK_ASSERT(np_add_vm(&np, v, mac(v), slots, slots, promisc) == 0);
	fk.ram_given[v] = true;
	for (uint32_t p = 0; p < RAM_PAGES; p++) {
		uint32_t f = RAM_FIRST + v * RAM_PAGES + p;

		fk.ram[v][p] = fhpa(f);
		memset(fk.page[f], RAM_FILL(v), NET_SLOT_SIZE);
		f_see(&fk, f, v);
	}
	FK_ASSERT(np_setup_xchg(&np, v, &fk.ring[v], RING_GPA,
				RAM_PAGES * NET_SLOT_SIZE) == 0);
}

uint8_t *ram_page(uint32_t v, uint32_t page)
{
	FK_ASSERT(v < RAM_VMS && page < RAM_PAGES);
	return fk.ram[v][page] ? fk.page[pidx(fk.ram[v][page])] : NULL;
}

uint64_t post_ent(uint32_t page, uint32_t slot)
{
	return (uint64_t)page * NET_SLOT_SIZE | slot;
}

void assert_xchg_mirror(void)
{
	for (uint32_t v = 0; v < RAM_VMS; v++) {
		const struct np_vm *n = &np.vm[v];

		for (uint32_t p = 0; p < RAM_PAGES; p++) {
			uint64_t gpa = (uint64_t)p * NET_SLOT_SIZE, h = fk.ram[v][p];
			bool posted = false;

			for (uint32_t s = 0; s < n->nr_slots; s++)
				posted |= n->post_gpa[s] == gpa;
			if (!h) {
				if (fk.ram_given[v] && !posted)
					fk_fail("VM %u page %u neither mapped nor "
						"posted", v, p);
				continue;
			}
			if (posted)
				fk_fail("VM %u page %u posted yet present", v, p);
			if (np_frame_find(&np, h) != NP_NO_FRAME)
				fk_fail("VM %u page %u is a pool frame", v, p);
			for (uint32_t w = 0; w < RAM_VMS; w++)
				for (uint32_t q = 0; q < RAM_PAGES; q++)
					if ((w != v || q != p) && fk.ram[w][q] == h)
						fk_fail("page %#llx in RAM twice",
							(unsigned long long)h);
		}
	}
}

void set_mode(uint8_t mode, uint16_t threshold)
{
	FK_ASSERT(!np.nr_frames);       /* set-up: before world() */
	fk.setup.mode = mode;
	fk.setup.copy_threshold = threshold;
}


/* The guest reads its ring up to prod. */
uint32_t consume(uint32_t v, struct net_rx_entry *out, uint32_t max)
{
	struct net_rx_ring *r = &fk.ring[v];
	uint32_t n = 0;

	while (r->cons != r->prod && n < max) {
		out[n++] = r->ent[r->cons % NET_RX_RING];
		r->cons++;
	}
	return n;
}

void assert_mirror(void)
{
	uint32_t posted = 0;

	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		for (uint32_t s = 0; s < NET_RX_SLOTS_MAX; s++) {
			uint32_t fi = np.vm[v].slot_frame[s];
			uint64_t want = fi == NP_NO_FRAME ? 0 : np.frame[fi].hpa;

			if (fk.ept[v][s] != want)
				fk_fail("VM %u slot %u: EPT %#llx, books %#llx", v, s,
					 (unsigned long long)fk.ept[v][s],
					 (unsigned long long)want);
		}
	}
	for (uint32_t i = 0; i < fk.nic_n; i++) {
		uint32_t fi = np_frame_find(&np, fk.nic[(fk.nic_head + i) % MAXF]);

		FK_ASSERT(fi != NP_NO_FRAME);
		FK_ASSERT(np.frame[fi].state == FRAME_POSTED);
	}
	for (uint32_t i = 0; i < np.nr_frames; i++)
		posted += np.frame[i].state == FRAME_POSTED;
	FK_ASSERT(posted == fk.nic_n);
	/* Every flush the path counts was an INVEPT an unmap had made due:
	 * none needless, none missing (one per batch with window slots).
	 * After a panic (a failed unmap, in its own test) the path flushes
	 * on regardless: only what it does without one is checked. */
	FK_ASSERT(fk.panics || fk.invepts == np.st.invepts);
}

/* FREE and POSTED frames are all zero past their scrub_len. */
void assert_idle_pages_clean(void)
{
	for (uint32_t i = 0; i < np.nr_frames; i++) {
		if (np.frame[i].state != FRAME_FREE &&
		    np.frame[i].state != FRAME_POSTED)
			continue;
		if (!page_zero(pidx(np.frame[i].hpa), np.frame[i].scrub_len,
			       NET_SLOT_SIZE))
			fk_fail("idle frame %u not zero past its scrub_len", i);
	}
}

void fk_reset(void)
{
	for (uint32_t v = 0; v < NP_MAX_VMS; v++) {
		free(carea[v]);
		carea[v] = NULL;
		carea_len[v] = 0;
	}
	fk_free(&fk);
	fk_init(&fk, &np, MAXF);
	memset(&np, 0, sizeof(np));
}
