/* Cost accumulators for the receive and release paths (vmm/net/net_cost.h).
 * Adding a pass is a few stores, cheap enough for every poll; the
 * window's sort runs only when the statistics are printed. */
#include <stddef.h>
#include <stdint.h>

#include "lib/fmt.h"
#include "vmm/net/net_cost.h"

static const char *const path_names[NET_COST_NR_PATHS] = {
	[NET_COST_FLIP] = "flip", [NET_COST_COPY] = "copy",
	[NET_COST_MIXED] = "mixed", [NET_COST_DROP] = "drop",
};

enum net_cost_path net_cost_path(uint64_t flipped, uint64_t copied)
{
	if (flipped && copied)
		return NET_COST_MIXED;
	if (copied)
		return NET_COST_COPY;
	return flipped ? NET_COST_FLIP : NET_COST_DROP;
}

const char *net_cost_path_name(enum net_cost_path p)
{
	return p < NET_COST_NR_PATHS ? path_names[p] : "?";
}

void net_cost_add(struct net_cost_acc *a, uint64_t ticks, uint32_t items)
{
	uint64_t per;

	if (!items)
		return;
	per = ticks / items;
	a->recent[a->passes % NET_COST_RECENT] =
		per > UINT32_MAX ? UINT32_MAX : (uint32_t)per;
	a->ticks += ticks;
	a->items += items;
	a->passes++;
}

uint64_t net_cost_avg(const struct net_cost_acc *a)
{
	return a->items ? a->ticks / a->items : 0;
}

void net_cost_recent(const struct net_cost_acc *a, struct net_cost_recent *r)
{
	uint32_t v[NET_COST_RECENT];
	uint32_t n = a->passes < NET_COST_RECENT ? (uint32_t)a->passes :
		     NET_COST_RECENT;

	/* Insertion sort: at most NET_COST_RECENT values. */
	for (uint32_t i = 0; i < n; i++) {
		uint32_t x = a->recent[i], j = i;

		for (; j && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
	r->n = n;
	r->min = n ? v[0] : 0;
	r->median = n ? v[(n - 1) / 2] : 0;
	r->max = n ? v[n - 1] : 0;
}

/* Append to buf[*n..size), keeping *n the length the whole text would
 * have (snprintf-style: a short buffer truncates, never overflows). */
static void put(char *buf, size_t size, size_t *n, const char *what,
		const struct net_cost_acc *a, const char *unit,
		const char *items, const char *passes)
{
	struct net_cost_recent r;

	net_cost_recent(a, &r);
	*n += fmt_snprintf(*n < size ? buf + *n : NULL,
			   *n < size ? size - *n : 0,
			   "%s %lu ticks/%s (%lu ticks / %lu %s in %lu %s; "
			   "last %u: min %u median %u max %u)", what,
			   (unsigned long)net_cost_avg(a), unit,
			   (unsigned long)a->ticks, (unsigned long)a->items,
			   items, (unsigned long)a->passes, passes, r.n,
			   r.min, r.median, r.max);
}

size_t net_cost_format(const struct net_cost *c, enum net_cost_path p,
		       char *buf, size_t size)
{
	size_t n = 0;

	if (size)
		buf[0] = '\0';
	if (p >= NET_COST_NR_PATHS ||
	    (!c->rx[p].passes && !c->release[p].passes))
		return 0;
	put(buf, size, &n, "rx", &c->rx[p], "frame", "frames", "passes");
	put(buf, size, &n, ", release", &c->release[p], "slot", "slots",
	    "calls");
	n += fmt_snprintf(n < size ? buf + n : NULL, n < size ? size - n : 0,
			  ", path %s", net_cost_path_name(p));
	return n;
}
