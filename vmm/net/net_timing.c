/* The hypervisor's side of net_cost.h: a receive pass and a release
 * are timed with the TSC and sorted by the way their frames went (flip,
 * copy, both, drops), and each path's figures printed with the
 * statistics (docs/performance.md, "In-system cost (Bochs)"). */
#include "arch/x86/arch.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "vmm/net/net_cost.h"
#include "vmm/net/net_glue.h"

static struct net_cost cost;

struct net_timing_mark net_timing_mark(const struct vm *vm)
{
	struct net_timing_mark m = {
		.flipped = net.np->st.rx_flipped,
		.copied = net.np->st.rx_copied,
		.held_copy = vm ? net.np->vm[vm->id].held_copy : 0,
	};

	m.tsc = rdtsc();
	return m;
}

/* A poll pass that took 'frames' descriptors, up to the receive
 * interrupts np_rx_end made pending. */
void net_timing_rx(const struct net_timing_mark *m, uint32_t frames)
{
	uint64_t ticks = rdtsc() - m->tsc;

	net_cost_add(&cost.rx[net_cost_path(net.np->st.rx_flipped - m->flipped,
					    net.np->st.rx_copied - m->copied)],
		     ticks, frames);
}

/* A release that gave back 'slots', copy buffers among them: copy-in,
 * checks, unmap, the INVEPT, scrub, refill and its tail write. */
void net_timing_release(const struct net_timing_mark *m, const struct vm *vm,
			uint32_t slots)
{
	uint64_t ticks = rdtsc() - m->tsc;
	uint32_t copies = (uint32_t)(m->held_copy -
				     net.np->vm[vm->id].held_copy);

	net_cost_add(&cost.release[net_cost_path(slots - copies, copies)],
		     ticks, slots);
}

/* After the nic line, where the system tests' table parser ends a
 * table. */
void net_timing_print(void)
{
	char line[384], mode[80];

	net_mode_str(mode, sizeof(mode));
	for (uint32_t p = 0; p < NET_COST_NR_PATHS; p++)
		if (net_cost_format(&cost, p, line, sizeof(line)))
			LOG("stats", "cost: %s, mode %s%s", line, mode,
			    NET_COST_CHECK ? "" : ", invariant checks off");
}

