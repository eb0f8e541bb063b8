/* What the network glue's files (net*.c) share: the one instance of the
 * glue's state, and the calls between them. The rest of the hypervisor
 * sees net.h; the pure path behind it is netpath.h. */
#ifndef VMM_NET_NET_GLUE_H
#define VMM_NET_NET_GLUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/net/netpath_internal.h"
#include "vmm/vm.h"

struct net {
	struct netpath *np;
	struct vm      *vms;
	uint32_t        nr_vms;
	uint64_t        tsc_per_ms;
	uint64_t        next_stats;
	uint64_t        stats_ticks;
	bool            up;
	/* The pages the pool started with (exchange moves them into VMs'
	 * RAM and RAM pages into the pool): for isolation_check. */
	const uint64_t *pool_start;
	uint32_t        pool_n;
};

extern struct net net;

/* struct netpath_ops over the nested page tables, the virtual
 * interrupts and the e1000 (net_ops.c). */
extern const struct netpath_ops net_ops;

/* The NIC's receive ring holds exactly the POSTED frames, or panic
 * (net.c). */
void net_check_nic_ring(void);

/* "flip", "copy" or "hybrid" (net_stats.c). */
const char *net_mode_name(uint8_t mode);
/* The delivery mode with hybrid's copy_threshold: a number, or auto
 * and what it sensed (net_sense.c); and its boot line. */
void net_mode_str(char *buf, size_t size);
void net_sense_log(void);

/* --- what receive and release cost (net_timing.c, net_cost.h) ---------- */

/* Where a timed stretch starts: the delivery counters, then the TSC. */
struct net_timing_mark {
	uint64_t flipped, copied, held_copy, tsc;
};

/* A stretch starts now; 'vm' is the VM whose release it may time, or
 * NULL. */
struct net_timing_mark net_timing_mark(const struct vm *vm);
/* A poll pass that took 'frames' descriptors. */
void net_timing_rx(const struct net_timing_mark *m, uint32_t frames);
/* A release that gave back 'slots'. */
void net_timing_release(const struct net_timing_mark *m, const struct vm *vm,
			uint32_t slots);
/* A statistics line per path with passes. */
void net_timing_print(void);

#endif
