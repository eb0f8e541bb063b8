/* Networking glue: struct netpath_ops over the nested page tables, the
 * virtual interrupts and the e1000; the network hypercalls, each of
 * which copies what the guest named into hypervisor memory before it
 * looks at it, so the guest cannot change it underneath. */
#include "arch/x86/arch.h"
#include "drivers/e1000.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/net/net.h"
#include "vmm/net/net_cost.h"
#include "vmm/net/netpath.h"
#include "vmm/virq.h"

#define NIC_RX_DESCS      128
#define NIC_TX_DESCS      64
#define RX_BUDGET         64     /* descriptors per poll */
#define POLL_FALLBACK_MS  2      /* idle wake-up when NIC interrupts fail */
#define NET_VEC_NIC       0x50   /* host vector for the e1000 (I/O APIC route) */

struct net {
	struct netpath *np;
	struct vm      *vms;
	uint32_t        nr_vms;
	uint64_t        tsc_per_ms;
	uint64_t        next_stats;
	uint64_t        stats_ticks;
	bool            up;
};

static struct net net;

/* --- net_cost: what receive and release cost (vmm/net/net_cost.h) ----------- */

static struct net_cost cost;

/* Where a timed stretch starts: the delivery counters, then the TSC. */
struct cost_mark {
	uint64_t flipped, copied, held_copy, tsc;
};

static struct cost_mark cost_mark(const struct vm *vm)
{
	struct cost_mark m = {
		.flipped = net.np->st.rx_flipped,
		.copied = net.np->st.rx_copied,
		.held_copy = vm ? net.np->vm[vm->id].held_copy : 0,
	};

	m.tsc = rdtsc();
	return m;
}

/* A poll pass that took 'frames' descriptors, up to the receive
 * interrupts np_rx_end made pending. */
static void cost_rx(const struct cost_mark *m, uint32_t frames)
{
	uint64_t ticks = rdtsc() - m->tsc;

	net_cost_add(&cost.rx[net_cost_path(net.np->st.rx_flipped - m->flipped,
					    net.np->st.rx_copied - m->copied)],
		     ticks, frames);
}

/* A release that gave back 'slots', copy buffers among them: copy-in,
 * checks, unmap, the INVEPT, scrub, refill and its tail write. */
static void cost_release(const struct cost_mark *m, const struct vm *vm,
			 uint32_t slots)
{
	uint64_t ticks = rdtsc() - m->tsc;
	uint32_t copies = (uint32_t)(m->held_copy -
				     net.np->vm[vm->id].held_copy);

	net_cost_add(&cost.release[net_cost_path(slots - copies, copies)],
		     ticks, slots);
}

/* --- end of net_cost ----------------------------------------------------- */

_Static_assert((int)CFG_DELIVERY_FLIP == (int)NP_FLIP &&
	       (int)CFG_DELIVERY_COPY == (int)NP_COPY &&
	       (int)CFG_DELIVERY_HYBRID == (int)NP_HYBRID,
	       "config 'delivery' values are enum np_mode");

static const char *const mode_names[] = {
	[NP_FLIP] = "flip", [NP_COPY] = "copy", [NP_HYBRID] = "hybrid",
};

static uint64_t slot_gpa(uint16_t slot)
{
	return NET_RX_WINDOW_GPA + (uint64_t)slot * NET_SLOT_SIZE;
}

/* --- struct netpath_ops --------------------------------------------------- */

static int op_map(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa)
{
	return npt_map(net.vms[vm].npt, slot_gpa(slot), hpa, NET_SLOT_SIZE,
		       NPT_R);
}

static int op_unmap(void *ctx, uint32_t vm, uint16_t slot)
{
	return npt_unmap_deferred(net.vms[vm].npt, slot_gpa(slot),
				  NET_SLOT_SIZE);
}

static void op_flush(void *ctx, uint32_t vm)
{
	npt_sync(net.vms[vm].npt);
}

static void op_notify(void *ctx, uint32_t vm, uint8_t vector)
{
	virq_raise(&net.vms[vm], vector);
}

static uint8_t *op_page(void *ctx, uint64_t hpa)
{
	return (uint8_t *)(uintptr_t)hpa;       /* identity-mapped */
}

static bool op_post(void *ctx, uint64_t hpa)
{
	return e1000_rx_post(hpa);
}

static bool op_wire_tx(void *ctx, const uint8_t *data, uint16_t len)
{
	return e1000_tx(data, len);
}

static void op_panic(void *ctx, const char *msg, uint32_t frame)
{
	const struct np_frame *f = frame < net.np->nr_frames ?
				   &net.np->frame[frame] : NULL;

	if (!f)
		panic("netpath: %s", msg);
	panic("netpath: %s: frame %u at 0x%lx, state %u, holders 0x%x, "
	      "history %u %u %u %u %u %u %u %u (oldest first from %u)", msg,
	      frame, (unsigned long)f->hpa, f->state, f->holders,
	      f->hist[0], f->hist[1], f->hist[2], f->hist[3], f->hist[4],
	      f->hist[5], f->hist[6], f->hist[7], f->hist_pos);
}

static uint64_t op_vm_clock(void *ctx, uint32_t vm, uint64_t now)
{
	return vm_own_time(&net.vms[vm], now);
}

static const struct netpath_ops ops = {
	.map = op_map, .unmap = op_unmap, .flush = op_flush,
	.notify = op_notify, .page = op_page, .post = op_post,
	.wire_tx = op_wire_tx, .panic = op_panic, .vm_clock = op_vm_clock,
};

/* --- start-up ----------------------------------------------------------- */

bool net_up(void)
{
	return net.up;
}

bool net_start(struct page_alloc *pa, const struct config *cfg,
	       struct vm *vms, uint32_t n, uint64_t tsc_per_ms)
{
	uint8_t macs[NP_MAX_VMS][6];
	uint64_t *hpas;
	uint32_t pages = (sizeof(struct netpath) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint32_t list_pages = (cfg->pool_frames * 8 + PAGE_SIZE - 1) / PAGE_SIZE;
	bool promisc = false;
	int vec;

	if (e1000_init(pa, NIC_RX_DESCS, NIC_TX_DESCS))
		return false;
	net.np = (struct netpath *)(uintptr_t)page_alloc(pa, pages, PAGE_SIZE);
	hpas = (uint64_t *)(uintptr_t)page_alloc(pa, list_pages, PAGE_SIZE);
	if (!net.np || !hpas)
		goto err_nomem;
	/* The pool: pinned host pages, never mapped anywhere until a frame
	 * in them is delivered. */
	for (uint32_t i = 0; i < cfg->pool_frames; i++) {
		hpas[i] = page_alloc(pa, 1, PAGE_SIZE);
		if (!hpas[i])
			goto err_nomem;
	}
	net.vms = vms;
	net.nr_vms = n;
	net.tsc_per_ms = tsc_per_ms;
	net.stats_ticks = cfg->stats_ms * tsc_per_ms;
	if (np_init(net.np, &ops, hpas, cfg->pool_frames,
		    cfg->pool_frames / 4, cfg->reclaim_ms * tsc_per_ms))
		panic("np_init refused a pool of %u frames", cfg->pool_frames);
	/* Every invariant, after every batch or every transition. */
	net.np->check = !NET_COST_CHECK ? NP_CHECK_OFF :
			cfg->invariants == CFG_INVARIANTS_EVERY ? NP_CHECK_EVERY :
			NP_CHECK_BATCH;
	net.np->tx_reserve = cfg->pool_frames / 8;
	net.np->mode = (uint8_t)cfg->delivery;
	net.np->copy_threshold = (uint16_t)cfg->copy_threshold;
	for (uint32_t i = 0; i < n; i++) {
		const struct cfg_vm *c = vms[i].cfg;

		if (np_add_vm(net.np, i, c->mac, (uint16_t)c->rx_slots,
			      (uint16_t)c->quota_frames, c->promiscuous))
			panic("np_add_vm refused %s", c->name);
		/* The window's EPT tables stay: delivering into an empty
		 * window must not allocate and zero them every time. */
		if (npt_keep_tables(vms[i].npt, NET_RX_WINDOW_GPA,
				    (uint64_t)c->rx_slots * NET_SLOT_SIZE))
			goto err_nomem;
		memcpy(macs[i], c->mac, 6);
		promisc |= c->promiscuous;
	}
	e1000_set_filter((const uint8_t (*)[6])macs, n, promisc);
	np_refill(net.np);
	e1000_rx_flush();
	vec = e1000_irq_enable(NET_VEC_NIC, INTX_AUTO);
	LOG("net", "pool of %u frames (%u KiB), %s; %u VM(s) on the wire",
	    cfg->pool_frames, cfg->pool_frames * 4,
	    vec < 0 ? "polling only" : "interrupt-driven, polled on every exit",
	    n);
	LOG("net", "invariants checked %s",
	    net.np->check == NP_CHECK_EVERY ? "after every transition" :
	    net.np->check == NP_CHECK_BATCH ? "after every batch" : "never");
	if (net.np->mode == NP_HYBRID)
		LOG("net", "delivery hybrid: copy frames of up to %u bytes, flip "
		    "longer ones", net.np->copy_threshold);
	else
		LOG("net", "delivery %s%s", mode_names[net.np->mode],
		    net.np->mode == NP_COPY ? ": every frame copied into the "
		    "guest's copy buffers" : ": every frame remapped, zero copy");
	net.next_stats = 0;
	net.up = true;
	return true;

err_nomem:
	LOG("net", "out of memory for a pool of %u frames (raise heap_mib)",
	    cfg->pool_frames);
	return false;
}

/* --- the hot path -------------------------------------------------------- */

/* The NIC's receive ring and the pool agree: every POSTED frame sits in
 * exactly one descriptor the driver has not handed back, and no
 * descriptor holds anything else (e1000_rx_post takes only what
 * np_pool_refill gives it; e1000_rx_next hands each back once). A
 * buffer the ring lost track of would be a frame gone for good, or one
 * the NIC could write while a guest maps it. Checked between
 * transitions, like np_check. */
static void check_nic_ring(void)
{
	uint32_t c[FRAME_NR_STATES];

	np_counts(net.np, c);
	if (c[FRAME_POSTED] != e1000_rx_in_flight())
		panic("netpath: %u frames posted, %u in the NIC's receive ring",
		      c[FRAME_POSTED], e1000_rx_in_flight());
}

void net_poll(uint64_t now)
{
	struct cost_mark m;
	struct e1000_rx_done d;
	uint32_t got;

	if (!net.up)
		return;
	e1000_irq_pending();            /* polled anyway: just clear it */
	m = cost_mark(NULL);                                    /* net_cost */
	for (got = 0; got < RX_BUDGET && e1000_rx_next(&d); got++)
		np_rx(net.np, d.hpa, e1000_rx_good(d.status, d.errors) ? d.len :
		      NP_RX_LEN_BAD, now);
	if (got) {
		np_rx_end(net.np, now);
		cost_rx(&m, got);                               /* net_cost */
	}
	np_tick(net.np, now);
	/* Every refill since the last poll goes to the NIC in one tail write. */
	e1000_rx_flush();
	if (net.np->check)
		check_nic_ring();
	/* However long the table takes to print, no VM's reclaim clock runs
	 * meanwhile: they count only their own time (vm_own_time). */
	if (now >= net.next_stats) {
		if (net.next_stats)
			net_print_stats();
		net.next_stats = now + net.stats_ticks;
	}
}

uint64_t net_idle_limit(uint64_t now)
{
	return net.up ? POLL_FALLBACK_MS * net.tsc_per_ms : 0;
}

/* --- hypercalls ---------------------------------------------------------- */

/* RDI: the ring page; RSI: the copy area, or 0. Both in the VM's own
 * RAM; the receive window is not RAM, so neither can sit on a pool frame
 * other VMs map. Every check before np_setup changes anything. */
static int64_t hc_setup(struct vm *vm, uint64_t gpa, uint64_t area_gpa)
{
	uint64_t area_len = (uint64_t)net.np->vm[vm->id].nr_slots *
			    NET_COPY_BUF_SIZE;
	uint8_t *area = NULL;
	void *ring;

	if (gpa % PAGE_SIZE)
		return -HC_E_INVAL;
	ring = vm_guest_ptr(vm, gpa, PAGE_SIZE);
	if (!ring)
		return -HC_E_FAULT;
	if (area_gpa) {
		if (area_gpa % PAGE_SIZE)
			return -HC_E_INVAL;
		area = vm_guest_ptr(vm, area_gpa, area_len);
		if (!area)
			return -HC_E_FAULT;
		/* Copies would land on the ring's indices. */
		if (gpa < area_gpa + area_len && area_gpa < gpa + PAGE_SIZE)
			return -HC_E_INVAL;
	}
	return np_setup(net.np, vm->id, ring, area);
}

static int64_t hc_release(struct vm *vm, uint64_t gpa, uint64_t count,
			  uint64_t now)
{
	uint16_t slots[HC_NET_BATCH];
	const void *src;

	if (!count || count > HC_NET_BATCH)
		return -HC_E_INVAL;
	src = vm_guest_ptr(vm, gpa, count * sizeof(uint16_t));
	if (!src)
		return -HC_E_FAULT;
	memcpy(slots, src, count * sizeof(uint16_t));   /* then it can't change */
	return np_release(net.np, vm->id, slots, (uint32_t)count, now);
}

static int64_t hc_send(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t now)
{
	static uint8_t frame[NET_FRAME_MAX];
	const void *src;

	if (len < NET_FRAME_MIN || len > NET_FRAME_MAX)
		return -HC_E_INVAL;
	src = vm_guest_ptr(vm, gpa, len);
	if (!src)
		return -HC_E_FAULT;
	memcpy(frame, src, len);
	return np_tx(net.np, vm->id, frame, (uint16_t)len, now);
}

static int64_t hc_stats(struct vm *vm, uint64_t gpa)
{
	struct hc_net_stats *out = vm_guest_ptr(vm, gpa, sizeof(*out));

	if (!out)
		return -HC_E_FAULT;
	return np_vm_stats(net.np, vm->id, out);
}

int64_t net_hypercall(struct vm *vm, uint64_t nr, uint64_t a0, uint64_t a1,
		      uint64_t now)
{
	struct cost_mark m;
	int64_t r;

	if (!net.up)
		return -HC_E_NODEV;
	m = cost_mark(vm);                                      /* net_cost */
	switch (nr) {
	case HC_NET_SETUP:   r = hc_setup(vm, a0, a1); break;
	case HC_NET_RELEASE: r = hc_release(vm, a0, a1, now); break;
	case HC_NET_SEND:    r = hc_send(vm, a0, a1, now); break;
	case HC_NET_STATS:   r = hc_stats(vm, a0); break;
	default:             return -HC_E_NOSYS;
	}
	e1000_rx_flush();
	if (net.np->check)
		check_nic_ring();
	if (nr == HC_NET_RELEASE && r > 0)                      /* net_cost */
		cost_release(&m, vm, (uint32_t)r);
	return r;
}

void net_vm_stopped(struct vm *vm)
{
	uint32_t n;

	if (!net.up)
		return;
	n = np_vm_stop(net.np, vm->id);
	e1000_rx_flush();
	LOG("net", "%s: stopped; %u receive slot(s) and copy buffer(s) taken "
	    "back, nothing more delivered to it", vm->cfg->name, n);
}

bool net_window_fault(struct vm *vm, uint64_t gpa, bool write, char *why,
		      uint32_t len)
{
	uint64_t slot;
	bool held;

	if (gpa < NET_RX_WINDOW_GPA ||
	    gpa >= NET_RX_WINDOW_GPA + NET_RX_SLOTS_MAX * NET_SLOT_SIZE)
		return false;
	slot = (gpa - NET_RX_WINDOW_GPA) / NET_SLOT_SIZE;
	held = net.up && slot < net.np->vm[vm->id].nr_slots &&
	       net.np->vm[vm->id].slot_frame[slot] != NP_NO_FRAME;
	if (held && write)
		fmt_snprintf(why, len, "wrote to receive slot %lu, which is "
			     "read-only", (unsigned long)slot);
	else
		fmt_snprintf(why, len, "touched receive slot %lu, which holds no "
			     "frame for it (never delivered, released or "
			     "revoked)", (unsigned long)slot);
	return true;
}

/* --- statistics ---------------------------------------------------------- */

static const char *const state_names[] = {
	[VM_RUNNABLE] = "alive", [VM_HALTED] = "alive",
	[VM_STOPPED] = "stopped",
};

/* What each VM asked for and was refused, after the nic line (so the
 * table above parses alone): every refused hypercall by its error code,
 * the releases np_release refused, frames dropped because it had no
 * ring, MSR accesses refused (#GP) and port I/O nobody emulates, and
 * whether it still runs. */
static void refusals_print(void)
{
	for (uint32_t i = 0; i < net.nr_vms; i++) {
		const struct vm_stats *s = &net.vms[i].stats;
		const struct np_vm_stats *n = &net.np->vm[i].st;

		LOG("stats", "refused %s: hypercalls %lu of %lu (nosys %lu "
		    "inval %lu fault %lu state %lu) release %lu nosetup %lu "
		    "msr %lu io %lu; %s",
		    net.vms[i].cfg->name, (unsigned long)s->hypercall_errors,
		    (unsigned long)s->hypercalls,
		    (unsigned long)s->hypercall_refused[HC_E_NOSYS],
		    (unsigned long)s->hypercall_refused[HC_E_INVAL],
		    (unsigned long)s->hypercall_refused[HC_E_FAULT],
		    (unsigned long)s->hypercall_refused[HC_E_STATE],
		    (unsigned long)n->release_errors,
		    (unsigned long)n->rx_drop_nosetup,
		    (unsigned long)s->msr_refused,
		    (unsigned long)(s->io_unclaimed_in + s->io_unclaimed_out),
		    state_names[net.vms[i].state]);
	}
}

/* The console's queue, and each VM's lines dropped because its share of
 * it was full (vuart.c): one line, after the nic line too. */
static void console_print(void)
{
	char line[CFG_MAX_VMS * (CFG_NAME_MAX + 24) + 64];
	size_t n = fmt_snprintf(line, sizeof(line), "console: %u bytes "
				"queued; guest lines dropped:", console_queued());

	for (uint32_t i = 0; i < net.nr_vms && n < sizeof(line); i++)
		n += fmt_snprintf(line + n, sizeof(line) - n, " %s %lu",
				  net.vms[i].cfg->name,
				  (unsigned long)net.vms[i].uart.dropped);
	LOG("stats", "%s", line);
}

/* net_cost: a line per path with passes, after the nic line (where the
 * system tests' table parser ends a table). */
static void cost_print(void)
{
	char line[384], th[32] = "";

	if (net.np->mode == NP_HYBRID)
		fmt_snprintf(th, sizeof(th), " (copy <= %u B)",
			     net.np->copy_threshold);
	for (uint32_t p = 0; p < NET_COST_NR_PATHS; p++)
		if (net_cost_format(&cost, p, line, sizeof(line)))
			LOG("stats", "cost: %s, mode %s%s%s", line,
			    mode_names[net.np->mode], th,
			    NET_COST_CHECK ? "" : ", invariant checks off");
}

void net_print_stats(void)
{
	uint32_t c[FRAME_NR_STATES];
	struct e1000_stats e;
	const struct np_stats *g;
	uint64_t spared = 0;
	char mode[32];

	if (!net.up)
		return;
	if (net.np->mode == NP_HYBRID)
		fmt_snprintf(mode, sizeof(mode), "hybrid, copy <= %u B",
			     net.np->copy_threshold);
	else
		fmt_snprintf(mode, sizeof(mode), "%s", mode_names[net.np->mode]);
	g = &net.np->st;
	for (uint32_t i = 0; i < net.nr_vms; i++)
		spared += net.np->vm[i].st.reclaim_extended;
	np_counts(net.np, c);
	e1000_stats(&e);
	LOG("stats", "%-8s %8s %8s %6s %6s %8s %7s %6s %6s %7s %6s %6s %6s "
	    "%5s", "vm", "rx", "rx_bytes", "bcast", "copied", "released",
	    "revoked", "quota", "ring", "nosetup", "maperr", "tx", "txdrop",
	    "spoof");
	for (uint32_t i = 0; i < net.nr_vms; i++) {
		const struct np_vm_stats *s = &net.np->vm[i].st;

		LOG("stats", "%-8s %8lu %8lu %6lu %6lu %8lu %7lu %6lu %6lu %7lu "
		    "%6lu %6lu %6lu %5lu",
		    net.vms[i].cfg->name, (unsigned long)s->rx_frames,
		    (unsigned long)s->rx_bytes, (unsigned long)s->rx_bcast,
		    (unsigned long)s->rx_copied,
		    (unsigned long)s->released, (unsigned long)s->revoked,
		    (unsigned long)s->rx_drop_quota,
		    (unsigned long)s->rx_drop_ring,
		    (unsigned long)s->rx_drop_nosetup,
		    (unsigned long)s->rx_drop_map, (unsigned long)s->tx_frames,
		    (unsigned long)s->tx_drop, (unsigned long)s->tx_spoofed);
	}
	LOG("stats", "pool (%s): free %u posted %u delivered %u reclaiming %u; "
	    "flipped %lu copied %lu; "
	    "reclaims %lu revoked %lu spared %lu invepts %lu scrubbed %lu B; "
	    "accepted "
	    "%lu; drops: unknown %lu bad_len %lu no_vm %lu link_local %lu",
	    mode, c[FRAME_FREE], c[FRAME_POSTED], c[FRAME_DELIVERED],
	    c[FRAME_RECLAIMING], (unsigned long)g->rx_flipped,
	    (unsigned long)g->rx_copied, (unsigned long)g->reclaim_events,
	    (unsigned long)g->revocations, (unsigned long)spared,
	    (unsigned long)g->invepts,
	    (unsigned long)g->bytes_scrubbed, (unsigned long)g->rx_frames,
	    (unsigned long)g->rx_drop_unknown,
	    (unsigned long)g->rx_drop_bad_len, (unsigned long)g->rx_drop_no_vm,
	    (unsigned long)g->rx_drop_link_local);
	LOG("stats", "nic: rx %lu (errors %lu) tx %lu (ring full %lu) crc %lu "
	    "missed %lu no_desc %lu irqs %lu posted %u",
	    (unsigned long)e.rx_frames,
	    (unsigned long)e.rx_errors, (unsigned long)e.tx_frames,
	    (unsigned long)e.tx_ring_full, (unsigned long)e.crcerrs,
	    (unsigned long)e.mpc, (unsigned long)e.rnbc, (unsigned long)e.irqs,
	    e1000_rx_in_flight());
	refusals_print();
	console_print();
	cost_print();                                          /* net_cost */
}
