/* The network glue's state and its hot path: each poll takes what the
 * NIC received, hands it to the path (netpath.h), refills the NIC's ring
 * and revokes overdue slots. The glue's other files: net_ops.c (the
 * path's ops), net_start.c, net_hypercall.c, net_window_fault.c,
 * net_stats.c and net_timing.c. */
#include "drivers/e1000.h"
#include "lib/console.h"
#include "vmm/isolation.h"
#include "vmm/net/net.h"
#include "vmm/net/net_glue.h"

#define RX_BUDGET         64     /* descriptors per poll */
#define POLL_FALLBACK_MS  2      /* idle wake-up when NIC interrupts fail */

struct net net;

bool net_up(void)
{
	return net.up;
}

uint16_t net_mtu(void)
{
	return net.up ? (uint16_t)(np_frame_max(net.np) - NET_ETH_OVERHEAD) :
		NET_MTU_DEFAULT;
}

/* The NIC's receive ring and the pool agree: every POSTED frame sits in
 * exactly one descriptor the driver has not handed back, and no
 * descriptor holds anything else (e1000_rx_post takes only what
 * np_pool_refill gives it; e1000_rx_next hands each back once). A
 * buffer the ring lost track of would be a frame gone for good, or one
 * the NIC could write while a guest maps it. Checked between
 * transitions, like np_check. */
void net_check_nic_ring(void)
{
	uint32_t c[FRAME_NR_STATES];

	np_counts(net.np, c);
	if (c[FRAME_POSTED] != e1000_rx_in_flight())
		panic("netpath: %u frames posted, %u in the NIC's receive ring",
		      c[FRAME_POSTED], e1000_rx_in_flight());
}

void net_poll(uint64_t now)
{
	struct net_timing_mark m;
	struct e1000_rx_done d;
	uint32_t got;

	if (!net.up)
		return;
	e1000_irq_pending();            /* polled anyway: just clear it */
	m = net_timing_mark(NULL);
	/* A frame longer than a buffer spans descriptors, EOP on its last
	 * [8254x 3.2.3]: the path keeps the pieces until then. */
	for (got = 0; got < RX_BUDGET && e1000_rx_next(&d); got++) {
		uint64_t next = e1000_rx_peek();

		/* The next buffer's header starts loading now, while this
		 * one is handled (np_rx_ahead). */
		if (next)
			np_rx_ahead(net.np, next);
		if (!(d.status & E1000_RXD_STAT_EOP))
			np_rx_part(net.np, d.hpa, d.len);
		else
			np_rx(net.np, d.hpa, e1000_rx_good(d.status, d.errors) ?
			      d.len : NP_RX_LEN_BAD, now);
	}
	if (got) {
		np_rx_end(net.np, now);
		net_timing_rx(&m, got);
	}
	np_tick(net.np, now);
	/* Every refill since the last poll goes to the NIC in one tail write. */
	e1000_rx_flush();
	if (net.np->check)
		net_check_nic_ring();
	/* However long the table takes to print, no VM's reclaim clock runs
	 * meanwhile: they count only their own time (vm_own_time). */
	if (now >= net.next_stats) {
		if (net.next_stats)
			net_print_stats();
		/* Exchange keeps moving pages between VMs and the pool:
		 * who maps what is checked again, with the table. */
		if (net.np->check)
			isolation_check();
		net.next_stats = now + net.stats_ticks;
	}
}

uint64_t net_idle_limit(uint64_t now)
{
	return net.up ? POLL_FALLBACK_MS * net.tsc_per_ms : 0;
}

void net_vm_stopped(struct vm *vm)
{
	uint32_t n;

	if (!net.up)
		return;
	n = np_vm_stop(net.np, vm->id);
	e1000_rx_flush();
	LOG("net", "%s: stopped; %u receive slot(s), copy buffer(s) and "
	    "posted page(s) taken back, nothing more delivered to it",
	    vm->cfg->name, n);
}


bool net_pool_frame(uint64_t hpa)
{
	return net.up && np_frame_find(net.np, hpa) != NP_NO_FRAME;
}

int32_t net_pool_origin(uint64_t hpa)
{
	for (uint32_t i = 0; net.up && i < net.pool_n; i++)
		if (net.pool_start[i] == hpa)
			return (int32_t)i;
	return -1;
}

uint32_t net_pool_size(void)
{
	return net.up ? net.pool_n : 0;
}

uint32_t net_vm_posted(const struct vm *vm)
{
	return net.up ? np_vm_posted(net.np, vm->id) : 0;
}
