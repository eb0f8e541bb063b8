/* Start-up: the e1000 and the frame pool from the page allocator, the
 * path set up from the configuration, each VM added with its MAC and
 * receive window, the NIC's filter, the first refill, the interrupt. */
#include "arch/x86/arch.h"
#include "drivers/e1000.h"
#include "lib/console.h"
#include "lib/string.h"
#include "vmm/net/net.h"
#include "vmm/net/net_cost.h"
#include "vmm/net/net_glue.h"

/* npt_window_keep: the whole window in one page table. */
_Static_assert(NET_RX_WINDOW_GPA % NPT_WINDOW_SPAN == 0 &&
	       NET_RX_SLOTS_MAX * NET_SLOT_SIZE <= NPT_WINDOW_SPAN,
	       "the receive window spans more than one page table");

#define NIC_RX_DESCS      128
#define NIC_TX_DESCS      64
#define NET_VEC_NIC       0x50   /* host vector for the e1000 (I/O APIC route) */

/* The path's set-up from the configuration: a quarter of the pool is
 * the reclaim watermark, an eighth is kept back for VM to VM. */
static struct np_params np_params_of(const struct config *cfg,
				     const uint64_t *hpas, uint64_t tsc_per_ms)
{
	return (struct np_params){
		.ops = &net_ops, .frame_hpas = hpas,
		.nr_frames = cfg->pool_frames,
		.low_watermark = cfg->pool_frames / 4,
		.reclaim_ticks = cfg->reclaim_ms * tsc_per_ms,
		.tx_reserve = cfg->pool_frames / 8,
		/* Every invariant, after every batch or every transition. */
		.check = !NET_COST_CHECK ? NP_CHECK_OFF :
			 cfg->invariants == CFG_INVARIANTS_EVERY ?
			 NP_CHECK_EVERY : NP_CHECK_BATCH,
		.mode = (uint8_t)cfg->delivery,
		.copy_threshold = (uint16_t)cfg->copy_threshold,
		.mtu = (uint16_t)cfg->mtu,
	};
}

bool net_start(struct page_alloc *pa, const struct config *cfg,
	       struct vm *vms, uint32_t n, uint64_t tsc_per_ms)
{
	uint8_t macs[NP_MAX_VMS][6];
	uint64_t *hpas;
	uint32_t pages = (sizeof(struct netpath) + PAGE_SIZE - 1) / PAGE_SIZE;
	uint32_t list_pages = (cfg->pool_frames * 8 + PAGE_SIZE - 1) / PAGE_SIZE;
	struct np_params params;
	bool promisc = false;
	int vec;

	if (e1000_init(pa, NIC_RX_DESCS, NIC_TX_DESCS))
		return false;
	net.np = (struct netpath *)(uintptr_t)page_alloc(pa, pages, PAGE_SIZE);
	hpas = (uint64_t *)(uintptr_t)page_alloc(pa, list_pages, PAGE_SIZE);
	if (!net.np || !hpas)
		goto err_nomem;
	/* The pool: pinned host pages, never mapped anywhere until a frame
	 * in them is delivered. page_alloc is first fit, so each page lies
	 * above the one before: frame i is the i-th lowest, and refill's
	 * lowest-index-first posts them in ascending order (frame_pool.c). */
	for (uint32_t i = 0; i < cfg->pool_frames; i++) {
		hpas[i] = page_alloc(pa, 1, PAGE_SIZE);
		if (!hpas[i])
			goto err_nomem;
	}
	net.vms = vms;
	net.nr_vms = n;
	net.pool_start = hpas;
	net.pool_n = cfg->pool_frames;
	net.tsc_per_ms = tsc_per_ms;
	net.stats_ticks = cfg->stats_ms * tsc_per_ms;
	params = np_params_of(cfg, hpas, tsc_per_ms);
	if (np_init(net.np, &params))
		panic("np_init refused a pool of %u frames", cfg->pool_frames);
	for (uint32_t i = 0; i < n; i++) {
		const struct cfg_vm *c = vms[i].cfg;

		if (np_add_vm(net.np, i, c->mac, (uint16_t)c->rx_slots,
			      (uint16_t)c->quota_frames, c->promiscuous))
			panic("np_add_vm refused %s", c->name);
		/* The window's EPT tables stay: delivering into an empty
		 * window must not allocate and zero them every time, and a
		 * slot is then mapped by its entry alone (net_ops.c). */
		if (npt_window_keep(vms[i].npt, NET_RX_WINDOW_GPA,
				    (uint32_t)c->rx_slots))
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
	LOG("net", "mtu %u: frames of up to %u bytes, in up to %u pool pages",
	    cfg->mtu, np_frame_max(net.np),
	    (np_frame_max(net.np) + NET_SLOT_SIZE - 1) / NET_SLOT_SIZE);
	LOG("net", "invariants checked %s",
	    net.np->check == NP_CHECK_EVERY ? "after every transition" :
	    net.np->check == NP_CHECK_BATCH ? "after every batch" : "never");
	if (net.np->mode == NP_HYBRID)
		net_sense_log();
	else
		LOG("net", "delivery %s%s", net_mode_name(net.np->mode),
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

