/* The statistics table: per VM, the pool, the NIC, what each VM was
 * refused, the console's queue, and what the path costs. The system
 * tests parse it (tools/stats.py): its columns are an interface. */
#include "drivers/e1000.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "vmm/net/net.h"
#include "vmm/net/net_glue.h"

static const char *const mode_names[] = {
#define NET_MODE_NAME(N, n) [NP_##N] = #n,
	NP_MODES(NET_MODE_NAME)
#undef NET_MODE_NAME
};

const char *net_mode_name(uint8_t mode)
{
	return mode < sizeof(mode_names) / sizeof(mode_names[0]) ?
	       mode_names[mode] : "?";
}

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

void net_print_stats(void)
{
	uint32_t c[FRAME_NR_STATES];
	struct e1000_stats e;
	const struct np_stats *g;
	uint64_t spared = 0;
	char mode[80];

	if (!net.up)
		return;
	net_mode_str(mode, sizeof(mode));
	g = &net.np->st;
	for (uint32_t i = 0; i < net.nr_vms; i++)
		spared += net.np->vm[i].st.reclaim_extended;
	np_counts(net.np, c);
	e1000_stats(&e);
	LOG("stats", "%-8s %8s %8s %6s %6s %8s %7s %6s %6s %7s %6s %6s %6s "
	    "%5s %6s %6s", "vm", "rx", "rx_bytes", "bcast", "copied",
	    "released", "revoked", "quota", "ring", "nosetup", "maperr", "tx",
	    "txdrop", "spoof", "posted", "nopost");
	for (uint32_t i = 0; i < net.nr_vms; i++) {
		const struct np_vm_stats *s = &net.np->vm[i].st;

		LOG("stats", "%-8s %8lu %8lu %6lu %6lu %8lu %7lu %6lu %6lu %7lu "
		    "%6lu %6lu %6lu %5lu %6u %6lu",
		    net.vms[i].cfg->name, (unsigned long)s->rx_frames,
		    (unsigned long)s->rx_bytes, (unsigned long)s->rx_bcast,
		    (unsigned long)s->rx_copied,
		    (unsigned long)s->released, (unsigned long)s->revoked,
		    (unsigned long)s->rx_drop_quota,
		    (unsigned long)s->rx_drop_ring,
		    (unsigned long)s->rx_drop_nosetup,
		    (unsigned long)s->rx_drop_map, (unsigned long)s->tx_frames,
		    (unsigned long)s->tx_drop, (unsigned long)s->tx_spoofed,
		    net.np->vm[i].posted, (unsigned long)s->rx_drop_nopost);
	}
	LOG("stats", "pool (%s): free %u posted %u delivered %u reclaiming %u "
	    "received %u; "
	    "flipped %lu (exchanged %lu) copied %lu; "
	    "reclaims %lu revoked %lu spared %lu invepts %lu scrubbed %lu B; "
	    "accepted "
	    "%lu (multi_page %lu); drops: unknown %lu bad_len %lu no_vm %lu "
	    "link_local %lu oversize %lu",
	    mode, c[FRAME_FREE], c[FRAME_POSTED], c[FRAME_DELIVERED],
	    c[FRAME_RECLAIMING], c[FRAME_RECEIVED],
	    (unsigned long)g->rx_flipped,
	    (unsigned long)g->rx_exchanged, (unsigned long)g->rx_copied, (unsigned long)g->reclaim_events,
	    (unsigned long)g->revocations, (unsigned long)spared,
	    (unsigned long)g->invepts,
	    (unsigned long)g->bytes_scrubbed, (unsigned long)g->rx_frames,
	    (unsigned long)g->rx_multi, (unsigned long)g->rx_drop_unknown,
	    (unsigned long)g->rx_drop_bad_len, (unsigned long)g->rx_drop_no_vm,
	    (unsigned long)g->rx_drop_link_local,
	    (unsigned long)g->rx_drop_oversize);
	LOG("stats", "nic: rx %lu (errors %lu) tx %lu (ring full %lu) crc %lu "
	    "missed %lu no_desc %lu irqs %lu posted %u",
	    (unsigned long)e.rx_frames,
	    (unsigned long)e.rx_errors, (unsigned long)e.tx_frames,
	    (unsigned long)e.tx_ring_full, (unsigned long)e.crcerrs,
	    (unsigned long)e.mpc, (unsigned long)e.rnbc, (unsigned long)e.irqs,
	    e1000_rx_in_flight());
	refusals_print();
	console_print();
	net_timing_print();
}
