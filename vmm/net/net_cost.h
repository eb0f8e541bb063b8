/* What the data path costs inside the running hypervisor, in TSC ticks
 * (issue 5, part 4; docs/performance.md, "In-system cost (Bochs)"): the
 * receive path per frame, from the poll that finds a completed
 * descriptor to the VM's receive interrupt pending, and release per
 * slot, amortized INVEPT, scrub and refill included. Under Bochs with
 * `clock: sync=none` a tick is one emulated instruction.
 *
 * Pure C: the caller reads the TSC and passes deltas, so this file also
 * builds on the host. */
#ifndef VMM_NET_NET_COST_H
#define VMM_NET_NET_COST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NET_COST_RECENT 32      /* passes kept for min, median and max */

/* `make bench-system` builds with NET_COST_NO_CHECK: np_check after every
 * transition (a pass over the whole pool each) would otherwise be most
 * of what is counted. Every other build checks. */
#ifdef NET_COST_NO_CHECK
#define NET_COST_CHECK false
#else
#define NET_COST_CHECK true
#endif

/* Which way a pass's frames went: one accumulator per path, so hybrid
 * shows its two costs apart. */
enum net_cost_path {
	NET_COST_FLIP,          /* every frame remapped */
	NET_COST_COPY,          /* every frame copied */
	NET_COST_MIXED,         /* some of each */
	NET_COST_DROP,          /* none delivered: drops only */
	NET_COST_NR_PATHS
};

/* One measured path. A pass is one timed stretch that handled 'items'
 * frames or slots (a poll pass, a release call); its cost per item is
 * what the recent window holds. */
struct net_cost_acc {
	uint64_t ticks;                         /* over every pass */
	uint64_t items;                         /* frames or slots */
	uint64_t passes;
	uint32_t recent[NET_COST_RECENT];       /* per-item ticks, last passes */
};

struct net_cost {
	struct net_cost_acc rx[NET_COST_NR_PATHS];      /* per frame */
	struct net_cost_acc release[NET_COST_NR_PATHS]; /* per slot */
};

/* Summary of the recent window (at most NET_COST_RECENT passes). */
struct net_cost_recent {
	uint32_t n;                             /* passes in the window */
	uint32_t min, median, max;              /* per-item ticks */
};

/* The path of a pass that flipped 'flipped' and copied 'copied'
 * (deliveries, or released slots). */
enum net_cost_path net_cost_path(uint64_t flipped, uint64_t copied);
const char *net_cost_path_name(enum net_cost_path p);

/* One pass of 'ticks' that handled 'items' (0: nothing to count). */
void net_cost_add(struct net_cost_acc *a, uint64_t ticks, uint32_t items);

/* Ticks per item over every pass, rounded down; 0 before the first. */
uint64_t net_cost_avg(const struct net_cost_acc *a);

void net_cost_recent(const struct net_cost_acc *a, struct net_cost_recent *r);

/* Path p's receive and release figures as one piece of a statistics
 * line ("rx N ticks/frame (T ticks / F frames in P passes; last K: min
 * A median B max C), release ... ticks/slot (... slots in ... calls;
 * ...), path NAME"); 0 and an empty string when p has no pass yet. */
size_t net_cost_format(const struct net_cost *c, enum net_cost_path p,
		       char *buf, size_t size);

#endif
