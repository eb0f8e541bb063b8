/* The simulated machine the netpath runs in: the unit tests' fakes
 * (tests/unit/netpath_fakes.c) as the ops, one world each, with a NIC
 * receive ring of BENCH_NIC_DESCS buffers and, beneath each VM's fake
 * EPT, a real one (arch/x86/pt.c in the EPT format over table pages in
 * host memory, built as vmm/net/net_start.c and vmx_npt.c use it); and
 * one guest per VM that reads its ring and hands slots back in batches.
 * The fakes' own checks are off while timing (bench --fake-checks turns
 * them on). */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/bench/bench.h"

#define NOISE_BYTES   (1u << 16)
#define RAM_HPA       (1ull << 40)      /* guest RAM: EPT leaves only, never read */
#define NEVER         (1ull << 62)      /* reclaim deadline: no revocation */
#define DESCS_MAX     (BENCH_BATCH_MAX * 2)
/* BK_XCHG: the RAM pages a guest posts, BENCH_SLOTS of them, 4 KiB
 * each in its EPT right above its 2 MiB-mapped RAM, backed by the
 * fake's pages after the pool's (the NIC writes them once pooled). */
#define XRAM_GPA      BENCH_RAM
#define XRAM_BYTES    ((uint64_t)BENCH_SLOTS * NET_SLOT_SIZE)
#define XRAM_BLOCK    (2ull << 20)      /* the 2 MiB block they lie in */
_Static_assert(XRAM_GPA % XRAM_BLOCK == 0 && XRAM_BYTES < XRAM_BLOCK,
	       "the posted pages start a 2 MiB block and leave room in it");

static uint8_t noise[NOISE_BYTES];
static const uint8_t OUTSIDE[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };

static void die(const char *what, long n)
{
	fprintf(stderr, "bench: %s (%ld)\n", what, n);
	exit(1);
}

/* A broken rule of the fakes (bench --fake-checks) ends the run. */
void fk_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "bench: the fakes found: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void *page_alloc_host(size_t bytes)
{
	void *p = aligned_alloc(NET_SLOT_SIZE, bytes);

	if (!p)
		die("out of memory", (long)bytes);
	memset(p, 0, bytes);
	return p;
}

static void vm_mac(uint32_t v, uint8_t mac[6])
{
	static const uint8_t base[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x00 };

	memcpy(mac, base, 6);
	mac[5] = (uint8_t)(v + 1);
}

/* --- EPT table memory: a stack of zeroed pages (vmx_npt.c uses
 * page_alloc, whose memset is the hypervisor's, hence bench_memset) --- */

static uint64_t tbl_alloc(void *ctx)
{
	struct bench_world *w = ctx;
	uint64_t hpa;

	if (!w->ntable_free)
		return 0;
	hpa = w->table_free[--w->ntable_free];
	bench_memset((void *)(uintptr_t)hpa, 0, NET_SLOT_SIZE);
	w->c.table_allocs++;
	return hpa;
}

static void tbl_free(void *ctx, uint64_t hpa)
{
	struct bench_world *w = ctx;

	w->table_free[w->ntable_free++] = hpa;
}

static uint64_t *tbl_table(void *ctx, uint64_t hpa)
{
	return (uint64_t *)(uintptr_t)hpa;
}

static void tbl_write(void *ctx, uint64_t *slot, uint64_t val)
{
	*(volatile uint64_t *)slot = val;
}

/* --- beneath the fake EPT: the real one, as npt_window_map and
 * npt_window_unmap_deferred drive it (arch/x86/npt.c) ------------------- */

static uint64_t slot_gpa(uint16_t slot)
{
	return NET_RX_WINDOW_GPA + (uint64_t)slot * NET_SLOT_SIZE;
}

static int under_map(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa)
{
	struct bench_world *w = ctx;
	bool flush = false;
	int r = pt_window_map(&w->g[vm].ept, &w->g[vm].win, slot, hpa,
			      PT_PERM_R, &flush);

	if (flush)                      /* npt_window_map flushes at once */
		w->fk.invepts++;
	return r;
}

static int under_unmap(void *ctx, uint32_t vm, uint16_t slot, bool *flush)
{
	struct bench_world *w = ctx;

	return pt_window_unmap(&w->g[vm].ept, &w->g[vm].win, slot, flush);
}

/* --- BK_XCHG: the guest RAM page exchange reaches (the ram_* ops), over
 * the real EPT as vmx_npt.c maps RAM pages ------------------------------ */

static struct bench_world *of_fake(void *ctx)
{
	return (struct bench_world *)((char *)ctx -
				      offsetof(struct bench_world, fk));
}

/* The posted-page range only: the rest of RAM is no real memory here. */
static uint64_t *xram_entry(struct bench_world *w, uint32_t vm, uint64_t gpa)
{
	if (vm >= w->nvms || gpa < XRAM_GPA || gpa >= XRAM_GPA + XRAM_BYTES ||
	    gpa % NET_SLOT_SIZE)
		return NULL;
	return &w->g[vm].xram[(gpa - XRAM_GPA) / NET_SLOT_SIZE];
}

static int xram_lookup(void *ctx, uint32_t vm, uint64_t gpa, uint64_t *hpa)
{
	uint64_t *e = xram_entry(of_fake(ctx), vm, gpa);

	if (!e || !*e)
		return -1;
	*hpa = *e;
	return 0;
}

static int xram_map(void *ctx, uint32_t vm, uint64_t gpa, uint64_t hpa)
{
	struct bench_world *w = of_fake(ctx);
	uint64_t *e = xram_entry(w, vm, gpa);
	bool flush = false;

	if (!e || *e || pt_map(&w->g[vm].ept, gpa, hpa, NET_SLOT_SIZE,
			       PT_PERM_R | PT_PERM_W | PT_PERM_X, &flush))
		return -1;
	if (flush)
		w->fk.invepts++;
	*e = hpa;
	return 0;
}

static int xram_unmap(void *ctx, uint32_t vm, uint64_t gpa)
{
	struct bench_world *w = of_fake(ctx);
	uint64_t *e = xram_entry(w, vm, gpa);
	bool flush = false;

	/* As vmm/net/net_ops.c's op_ram_unmap: the page's tables kept
	 * first, so that mapping it back never needs memory. */
	if (!e || !*e || pt_keep_tables(&w->g[vm].ept, gpa, NET_SLOT_SIZE) ||
	    pt_unmap(&w->g[vm].ept, gpa, NET_SLOT_SIZE, &flush))
		return -1;
	w->fk.flush_due[vm] |= flush;   /* the fake's flush counts the INVEPT */
	*e = 0;
	return 0;
}

static void xram_each(void *ctx, uint32_t vm,
		      void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				 uint64_t size),
		      void *arg)
{
	struct bench_world *w = of_fake(ctx);

	for (uint32_t p = 0; vm < w->nvms && p < BENCH_SLOTS; p++)
		if (w->g[vm].xram[p])
			fn(arg, XRAM_GPA + (uint64_t)p * NET_SLOT_SIZE,
			   w->g[vm].xram[p], NET_SLOT_SIZE);
}

/* Post slot s holds RAM page s: post again what the guest has done with. */
static void guest_post(struct bench_world *w, uint32_t v)
{
	struct bench_guest *g = &w->g[v];
	int n = np_post(w->np, v, g->post, g->npost);

	if (n != (int)g->npost)
		die("np_post refused a batch", n);
	g->npost = 0;
	w->c.releases++;
}

/* --- building a world --------------------------------------------------- */

/* The host address behind VM v's RAM at 'gpa': a GiB apart per VM. */
static uint64_t ram_hpa(uint32_t v, uint64_t gpa)
{
	return RAM_HPA + ((uint64_t)v << 30) + gpa;
}

/* A VM's EPT as vm.c builds it: its RAM at GPA 0 in 2 MiB leaves. */
static int guest_ept(struct bench_world *w, struct pt *e, uint32_t v)
{
	const struct pt_mem mem = {
		.ctx = w, .alloc_table = tbl_alloc, .free_table = tbl_free,
		.table = tbl_table, .write = tbl_write,
	};
	bool flush;

	return pt_init(e, &mem, &pt_format_ept) ||
	       pt_map(e, 0, ram_hpa(v, 0), BENCH_RAM,
		      PT_PERM_R | PT_PERM_W | PT_PERM_X, &flush);
}

static void guest_init(struct bench_world *w, uint32_t v)
{
	struct bench_guest *g = &w->g[v];
	uint8_t mac[6];

	/* And the window's tables kept for good, as vmm/net/net_start.c does. */
	if (guest_ept(w, &g->ept, v) ||
	    pt_window_keep(&g->ept, NET_RX_WINDOW_GPA, BENCH_SLOTS, &g->win))
		die("EPT setup failed for VM", v);
	g->ring = page_alloc_host(NET_SLOT_SIZE);
	g->copy_area = page_alloc_host(BENCH_SLOTS * NET_COPY_BUF_SIZE);
	if (!w->np)
		return;
	vm_mac(v, mac);
	if (np_add_vm(w->np, v, mac, BENCH_SLOTS, BENCH_QUOTA, false))
		die("np_add_vm refused VM", v);
	if (w->kind != BK_XCHG) {
		if (np_setup_flags(w->np, v, g->ring, g->copy_area,
				   w->kind == BK_HRELEASE ? 0 : NET_COPY_RING))
			die("np_setup refused VM", v);
		return;
	}
	/* Its posted pages, mapped 4 KiB each, then all posted. The rest
	 * of their 2 MiB block is RAM too, mapped 4 KiB each as a posted
	 * page's first post leaves a guest's RAM (split): so the page table
	 * never empties when every page in it is posted, as a real VM's
	 * does not, and pt_unmap never frees it for pt_map to take again. */
	if (pt_map(&g->ept, XRAM_GPA + XRAM_BYTES,
		   ram_hpa(v, XRAM_GPA + XRAM_BYTES), XRAM_BLOCK - XRAM_BYTES,
		   PT_PERM_R | PT_PERM_W | PT_PERM_X, &(bool){ false }))
		die("EPT map of the posted pages' block failed for VM", v);
	for (uint32_t p = 0; p < BENCH_SLOTS; p++) {
		uint64_t gpa = XRAM_GPA + (uint64_t)p * NET_SLOT_SIZE;

		if (xram_map(&w->fk, v, gpa, fhpa(w->pool + v * BENCH_SLOTS + p)))
			die("EPT map of a RAM page failed for VM", v);
	}
	if (np_setup_xchg(w->np, v, g->ring, 0, XRAM_GPA + XRAM_BYTES))
		die("np_setup_xchg refused VM", v);
	for (uint32_t s = 0; s < BENCH_SLOTS; s++) {
		g->post[g->npost++] = (XRAM_GPA + (uint64_t)s * NET_SLOT_SIZE) | s;
		if (g->npost == HC_NET_BATCH)
			guest_post(w, v);
	}
	if (g->npost)
		guest_post(w, v);
}

static void noise_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;

	for (uint32_t i = 0; i < NOISE_BYTES; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		noise[i] = (uint8_t)(x >> 24) | 1;
	}
}

struct bench_world *world_new(enum bench_kind kind, uint32_t nvms,
			      uint32_t pool, uint8_t check, bool fake_checks)
{
	struct bench_world *w = calloc(1, sizeof(*w));
	uint64_t *hpas;

	if (!w)
		die("out of memory", 0);
	if (!noise[0])
		noise_init();
	w->kind = kind;
	w->ahead = kind != BK_HBEHIND;
	w->nvms = nvms;
	w->pool = pool;
	w->check = check;
	/* PML4, PDPT, the RAM's PD, the window's PD and PT, per VM; and
	 * one more VM's for world_ept_pair. */
	w->ntables = nvms * 8 + 8;
	w->tables = page_alloc_host((size_t)w->ntables * NET_SLOT_SIZE);
	w->table_free = calloc(w->ntables, sizeof(uint64_t));
	for (uint32_t i = 0; i < w->ntables; i++)
		tbl_free(w, (uint64_t)(uintptr_t)(w->tables + (size_t)i * NET_SLOT_SIZE));
	if (kind != BK_MEMCPY) {
		w->np = aligned_alloc(64, (sizeof(struct netpath) + 63) & ~63ul);
		if (!w->np)
			die("out of memory", 0);
	}
	/* Exchange: the guests' posted pages after the pool's. */
	fk_init(&w->fk, w->np, pool + (kind == BK_XCHG ? nvms * BENCH_SLOTS : 0));
	if (kind == BK_XCHG) {
		w->fk.ops.ram_lookup = xram_lookup;
		w->fk.ops.ram_map = xram_map;
		w->fk.ops.ram_unmap = xram_unmap;
		w->fk.ops.ram_each = xram_each;
	}
	w->fk.ops.load_ticks = dma_load_ticks;
	w->fk.checks = fake_checks;
	w->fk.nic_cap = BENCH_NIC_DESCS;
	w->under = (struct fake_under){ .ctx = w, .map = under_map,
					.unmap = under_unmap };
	w->fk.under = &w->under;
	if (w->np) {
		hpas = calloc(pool, sizeof(uint64_t));
		if (!hpas)
			die("out of memory", 0);
		for (uint32_t i = 0; i < pool; i++)
			hpas[i] = fhpa(i);
		/* As vmm/net/net_start.c: low watermark a quarter,
		 * tx_reserve an eighth. */
		if (np_init(w->np, &(struct np_params){
				.ops = &w->fk.ops, .frame_hpas = hpas,
				.nr_frames = pool, .low_watermark = pool / 4,
				.reclaim_ticks = NEVER, .tx_reserve = pool / 8,
				.check = check, .mtu = NET_MTU_MAX,
				.mode = kind == BK_XCHG ? NP_FLIP :
					kind >= BK_HFIX ? NP_HYBRID : (uint8_t)kind,
				.copy_threshold = kind == BK_HFIX ?
					BENCH_THRESHOLD : NP_COPY_AUTO }))
			die("np_init refused the pool", pool);
		free(hpas);
	}
	for (uint32_t v = 0; v < nvms; v++)
		guest_init(w, v);
	if (w->np)
		np_refill(w->np);
	w->c = (struct bench_counts){ 0 };
	w->fk.invepts = 0;
	return w;
}

/* --- the NIC and the guests --------------------------------------------- */

uint32_t world_descs(uint16_t size)
{
	return (size + NP_RX_LEN_MAX - 1) / NP_RX_LEN_MAX;
}

/* As many frames as 'batch' copy buffers hold: one a buffer up to
 * 2048 B, so a guest holds at most 'batch' buffers or pages of a pass,
 * under its quota whatever the mode. */
uint32_t world_frames(uint32_t batch, uint16_t size)
{
	uint32_t f = batch / ((size + NET_COPY_BUF_SIZE - 1u) / NET_COPY_BUF_SIZE);

	return f ? f : 1;
}

/* The NIC writes 'len' bytes of noise at p, the first page of a frame
 * with the VM's MAC as destination (the netpath demuxes by the first).
 * This stands for DMA, which costs the CPU nothing; dma_settle() then
 * leaves the lines where a NIC would. */
static uint8_t *nic_fill(struct bench_world *w, uint8_t *p, uint32_t vm,
			 uint32_t len, bool first)
{
	memcpy(p, noise + w->dma_off, len);
	if (first) {
		vm_mac(vm, p);
		memcpy(p + 6, OUTSIDE, 6);
	}
	w->dma_off = (w->dma_off + 4093) % (NOISE_BYTES - NP_RX_LEN_MAX);
	return p;
}

/* What a stack reads of each frame before it decides anything: the
 * Ethernet, IP and TCP headers, one cache line. */
static uint64_t read_hdr(const uint8_t *p)
{
	const uint64_t *q = (const uint64_t *)p;
	uint64_t s = 0;

	for (uint32_t i = 0; i < BENCH_HDR / 8; i++)
		s += q[i];
	return s;
}

static void guest_release(struct bench_world *w, uint32_t v)
{
	struct bench_guest *g = &w->g[v];
	int n = np_release(w->np, v, g->done, g->ndone, w->now);

	if (n != (int)g->ndone)
		die("np_release refused a batch", n);
	g->ndone = 0;
	w->c.releases++;
}

/* One ring entry read: an exchanged page goes to the post list, a slot
 * or a copy buffer not on a copy ring to the release list. The stack
 * reads a frame's headers in its first entry. */
static void guest_entry(struct bench_world *w, struct bench_guest *g,
			struct net_rx_entry e, bool first)
{
	const uint8_t *p;

	if (e.flags & NET_RX_F_XCHG) {
		/* RAM page e.slot, now the frame's page: read, freed by
		 * the stack and posted again. */
		p = fk_page(&w->fk, g->xram[e.slot]);
		g->post[g->npost++] = (XRAM_GPA + (uint64_t)e.slot * NET_SLOT_SIZE) |
				      e.slot;
	} else if (e.flags & NET_RX_F_COPY) {
		p = g->copy_area + (size_t)e.slot * NET_COPY_BUF_SIZE;
		if (w->kind == BK_HRELEASE)
			g->done[g->ndone++] = e.slot | NET_SLOT_COPY;
	} else {
		p = fk_page(&w->fk, w->fk.ept[g - w->g][e.slot]);
		g->done[g->ndone++] = e.slot;
	}
	if (first)
		w->sink += read_hdr(p);
}

/* Each guest that got an HC_VEC_NET_RX since it last looked reads its
 * new entries, a frame a run of them (NET_RX_F_MORE), and releases or
 * posts again once it has a pass's worth of frames done. */
static void guests_run(struct bench_world *w)
{
	for (uint32_t v = 0; v < w->nvms; v++) {
		struct bench_guest *g = &w->g[v];
		volatile struct net_rx_ring *r = g->ring;
		uint32_t prod;

		if (w->fk.rx_irq[v] == g->irqs)
			continue;
		g->irqs = w->fk.rx_irq[v];
		prod = r->prod;
		for (; g->cons != prod; g->cons++) {
			struct net_rx_entry e = r->ent[g->cons % NET_RX_RING];

			guest_entry(w, g, e, !g->in_run);
			g->in_run = e.flags & NET_RX_F_MORE;
			r->cons = g->cons + 1;
			if (g->in_run)
				continue;
			w->c.frames++;
			if ((e.flags & (NET_RX_F_COPY | NET_RX_F_XCHG)) == NET_RX_F_COPY)
				w->c.copied++;
			if (++g->nframes < w->release_at)
				continue;
			g->nframes = 0;
			if (g->npost)
				guest_post(w, v);
			if (g->ndone)
				guest_release(w, v);
		}
	}
}

/* The NIC's side of a pass: 'frames' frames of 'size' bytes round-robin
 * over the VMs, each in world_descs() pool pages the NIC takes, 'eop'
 * on each frame's last. */
static uint32_t nic_pass(struct bench_world *w, uint32_t frames, uint16_t size,
			 enum bench_dma dma, uint8_t **buf, uint32_t *len,
			 uint8_t *vm, bool *eop)
{
	uint32_t n = 0;

	for (uint32_t f = 0; f < frames; f++) {
		for (uint32_t left = size; left; n++) {
			uint32_t l = left < NP_RX_LEN_MAX ? left : NP_RX_LEN_MAX;

			if (w->np) {
				uint64_t hpa = fk_nic_take(&w->fk);

				if (!hpa)
					die("the NIC ran out of posted buffers", n);
				buf[n] = fk_page(&w->fk, hpa);
			} else {
				/* memcpy: the pool's pages in turn, as many
				 * as the NIC and the guests would hold. */
				uint32_t nbuf = BENCH_NIC_DESCS + DESCS_MAX * w->nvms;

				nbuf = nbuf < w->pool ? nbuf : w->pool;
				buf[n] = w->fk.page[w->memcpy_next++ % nbuf];
			}
			len[n] = l;
			vm[n] = (uint8_t)w->rr;
			nic_fill(w, buf[n], w->rr, l, left == size);
			left -= l;
			eop[n] = !left;
		}
		w->rr = (w->rr + 1) % w->nvms;
	}
	dma_settle(dma, buf, len, n);
	return n;
}

/* The baseline: the same frames, DMA'd the same way, copied by the same
 * routine into the guest's copy area and read there; no pool, no EPT, no
 * ring. */
static uint64_t memcpy_pass(struct bench_world *w, uint32_t n, uint8_t **buf,
			    const uint32_t *len, const uint8_t *vm,
			    const bool *eop)
{
	uint64_t t0, t1;
	bool first = true;

	t0 = tsc_begin();
	for (uint32_t i = 0; i < n; i++) {
		struct bench_guest *g = &w->g[vm[i]];

		/* Each page in copy buffers, as deliver_copy. */
		for (uint32_t off = 0; off < len[i]; off += NET_COPY_BUF_SIZE) {
			uint8_t *dst = g->copy_area + (size_t)(g->cons++ % BENCH_SLOTS) *
						      NET_COPY_BUF_SIZE;
			uint32_t l = len[i] - off;

			bench_copy(dst, buf[i] + off,
				   l < NET_COPY_BUF_SIZE ? l : NET_COPY_BUF_SIZE);
			if (first)
				w->sink += read_hdr(dst);
			first = false;
		}
		first = eop[i];
		w->c.frames += eop[i];
	}
	t1 = tsc_end();
	return t1 - t0;
}

/* The pool frame's address of a page the NIC took. */
static uint64_t buf_hpa(const struct bench_world *w, const uint8_t *buf)
{
	return fhpa((uint32_t)((buf - w->fk.page[0]) / NET_SLOT_SIZE));
}

/* The timed part of a pass, a function of its own so a profile of it
 * (valgrind --toggle-collect=netpath_pass) counts nothing else: what
 * vmm/net/net.c net_poll does for one batch of descriptors (each next
 * one looked at first, np_rx_ahead), then what the guests do with the
 * interrupt it raised. */
__attribute__((noinline))
static void netpath_pass(struct bench_world *w, uint32_t n, uint8_t *const *buf,
			 const uint32_t *len, const bool *eop)
{
	uint64_t next = n ? buf_hpa(w, buf[0]) : 0;

	for (uint32_t i = 0; i < n; i++) {
		uint64_t hpa = next;

		if (i + 1 < n) {
			next = buf_hpa(w, buf[i + 1]);
			if (w->ahead)
				np_rx_ahead(w->np, next);
		}
		if (eop[i])
			np_rx(w->np, hpa, (uint16_t)len[i], w->now);
		else
			np_rx_part(w->np, hpa, (uint16_t)len[i]);
	}
	np_rx_end(w->np, w->now);
	np_tick(w->np, w->now);
	guests_run(w);
}

uint64_t world_pass(struct bench_world *w, uint32_t batch, uint16_t size,
		    enum bench_dma dma)
{
	uint8_t *buf[DESCS_MAX], vm[DESCS_MAX];
	uint32_t len[DESCS_MAX], n, frames = world_frames(batch, size);
	bool eop[DESCS_MAX];
	uint64_t t0, t1;

	if (!size || size > BENCH_SIZE_MAX || batch > BENCH_BATCH_MAX)
		die("no such pass", size);
	n = nic_pass(w, frames, size, dma, buf, len, vm, eop);
	if (!w->np)
		return memcpy_pass(w, n, buf, len, vm, eop);
	w->release_at = frames;
	w->now++;
	t0 = tsc_begin();
	netpath_pass(w, n, buf, len, eop);
	t1 = tsc_end();
	return t1 - t0;
}

/* Ticks of one map plus unmap of a window slot, in VM 0's EPT whose
 * window tables are kept: by the slot's entry (pt_window_map/_unmap, as
 * deliver_flip and np_slot_unmap do them), or by the generic walk
 * (pt_map/pt_unmap); with EPT_PAIR_CHURN, by the walk in an EPT without
 * pt_keep_tables, whose window is empty between the two: each map then
 * takes and zeroes a PD and a PT, and each unmap scans and frees them
 * (the window before pt_keep_tables). The world must be at rest: the
 * netpath has no slot mapped. */
double world_ept_pair(struct bench_world *w, enum ept_pair how, uint32_t n)
{
	uint64_t hpa = fhpa(0), t0, t1;
	struct pt scratch, *e = &w->g[0].ept;
	const struct pt_window *win = &w->g[0].win;
	bool flush;
	int r;

	if (how == EPT_PAIR_CHURN) {
		e = &scratch;
		if (guest_ept(w, e, 0))
			die("EPT setup failed", 0);
	}
	t0 = tsc_begin();
	for (uint32_t i = 0; i < n; i++) {
		if (how == EPT_PAIR_WINDOW)
			r = pt_window_map(e, win, 1, hpa, PT_PERM_R, &flush) ||
			    pt_window_unmap(e, win, 1, &flush);
		else
			r = pt_map(e, slot_gpa(1), hpa, NET_SLOT_SIZE,
				   PT_PERM_R, &flush) ||
			    pt_unmap(e, slot_gpa(1), NET_SLOT_SIZE, &flush);
		if (r)
			die("EPT map/unmap failed", i);
	}
	t1 = tsc_end();
	if (how == EPT_PAIR_CHURN)
		pt_destroy(e);
	return (double)(t1 - t0) / n;
}

struct bench_counts world_counts(const struct bench_world *w)
{
	struct bench_counts c = w->c;

	c.invepts = w->fk.invepts;
	for (uint32_t v = 0; v < w->nvms; v++) {
		c.notifies += w->fk.rx_irq[v];
		c.reclaims += w->fk.reclaim_irq[v];
	}
	return c;
}

void world_drain(struct bench_world *w)
{
	if (w->np)
		for (uint32_t v = 0; v < w->nvms; v++) {
			if (w->g[v].ndone)
				guest_release(w, v);
			if (w->g[v].npost)
				guest_post(w, v);
		}
	w->rr = 0;
}

void world_audit(struct bench_world *w)
{
	const struct netpath *np = w->np;
	uint32_t cnt[FRAME_NR_STATES];

	if (!np)
		return;
	np_counts(np, cnt);
	if (cnt[FRAME_DELIVERED] || cnt[FRAME_RECLAIMING])
		die("frames still held after a drain", cnt[FRAME_DELIVERED]);
	if (cnt[FRAME_POSTED] != w->fk.nic_n)
		die("the NIC and the books disagree", cnt[FRAME_POSTED]);
	if (np->st.rx_drop_unknown || np->st.rx_drop_bad_len ||
	    np->st.rx_drop_no_vm || np->st.reclaim_events)
		die("a frame was dropped or a reclaim asked", (long)np->st.rx_drop_no_vm);
	for (uint32_t v = 0; v < w->nvms; v++) {
		const struct np_vm_stats *s = &np->vm[v].st;

		if (s->rx_drop_quota || s->rx_drop_ring || s->rx_drop_map ||
		    s->rx_drop_nopost || s->post_errors ||
		    s->release_errors || w->fk.reclaim_irq[v])
			die("a VM dropped frames", v);
	}
}
