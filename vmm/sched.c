/* Round-robin scheduling of VMs on the one CPU. A VM runs until its slice
 * is used up (the backend's preemption timer ends the entry), it halts,
 * yields or stops. Guest timers are checked on every exit; when nothing
 * is runnable the CPU sleeps with the LAPIC timer set for the earliest
 * guest timer. */
#include "arch/x86/arch.h"
#include "drivers/lapic.h"
#include "lib/console.h"
#include "vmm/dev/vdev.h"
#include "vmm/exit.h"
#include "vmm/hypercall_abi.h"
#include "vmm/net.h"
#include "vmm/sched.h"
#include "vmm/virq.h"

#define MIN_BUDGET 1000         /* TSC ticks: never enter for nothing */

/* Fire every guest timer and test kick that is due. */
static void timers_poll(struct vm *vms, uint32_t n, uint64_t now)
{
	for (uint32_t i = 0; i < n; i++) {
		struct vm *vm = &vms[i];

		if (vm->timer_deadline && now >= vm->timer_deadline) {
			vm->timer_deadline = 0;
			virq_raise(vm, HC_VEC_TIMER);
		}
		if (vm->kick_deadline && now >= vm->kick_deadline) {
			vm->kick_deadline = 0;
			virq_raise(vm, vm->kick_vector);
		}
		/* A Linux VM's devices: its APIC timer wakes it from HLT. */
		if (vm->dev && vdev_advance(vm->dev, now) &&
		    vm->state == VM_HALTED)
			vm->state = VM_RUNNABLE;
	}
}

/* The earliest timer of any VM still alive, or 0. */
static uint64_t next_deadline(const struct vm *vms, uint32_t n)
{
	uint64_t next = 0;

	for (uint32_t i = 0; i < n; i++) {
		const uint64_t d[3] = { vms[i].timer_deadline,
					vms[i].kick_deadline,
					vms[i].dev ? vdev_next_deadline(vms[i].dev) : 0 };

		if (vms[i].state == VM_STOPPED)
			continue;
		for (int k = 0; k < 3; k++)
			if (d[k] && (!next || d[k] < next))
				next = d[k];
	}
	return next;
}

static struct vm *pick_next(struct vm *vms, uint32_t n, uint32_t *cur)
{
	for (uint32_t k = 1; k <= n; k++) {
		uint32_t i = (*cur + k) % n;

		if (vms[i].state == VM_RUNNABLE) {
			*cur = i;
			return &vms[i];
		}
	}
	return NULL;
}

static bool any_alive(const struct vm *vms, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (vms[i].state != VM_STOPPED)
			return true;
	return false;
}

/* Nothing to run: sleep until the next guest timer or any interrupt.
 * "sti; hlt" lets no interrupt slip in between the two. */
static void idle(const struct vm *vms, uint32_t n, uint64_t now)
{
	uint64_t next = next_deadline(vms, n), wait = next ? next - now : 0;
	uint64_t limit = net_idle_limit(now);

	if (next && next <= now)
		return;
	/* With a NIC, wake up to poll it even if its interrupt never comes. */
	if (limit && (!wait || limit < wait))
		wait = limit;
	lapic_timer_oneshot(wait);
	__asm__ volatile("sti; hlt; cli" : : : "memory");
}

/* Run one VM until its slice ends or it gives up the CPU. */
static void run_slice(struct vm *vms, uint32_t n, struct vm *vm,
		      uint64_t slice, uint64_t tsc_per_ms)
{
	uint64_t now = rdtsc(), end = now + slice;
	enum exit_action action;
	struct vm_exit e;

	while (vm->state == VM_RUNNABLE && now < end) {
		uint64_t budget = end - now, next;

		/* Come back in time for the earliest guest timer too. */
		next = next_deadline(vms, n);
		if (next && next > now && next - now < budget)
			budget = next - now;
		virq_deliver(vm);
		vcpu_run(vm->vcpu, budget < MIN_BUDGET ? MIN_BUDGET : budget, &e);
		now = rdtsc();
		action = exit_handle(vm, &e, now, tsc_per_ms);
		net_poll(now);
		if (action == EXIT_RESCHEDULE && e.kind != EXIT_TIMESLICE)
			break;
		timers_poll(vms, n, now);
	}
	timers_poll(vms, n, rdtsc());
}

void sched_run(struct vm *vms, uint32_t n, uint64_t slice, uint64_t tsc_per_ms)
{
	uint32_t cur = n - 1;

	for (;;) {
		struct vm *vm = pick_next(vms, n, &cur);

		if (vm) {
			run_slice(vms, n, vm, slice, tsc_per_ms);
			continue;
		}
		if (!any_alive(vms, n)) {
			LOG("sched", "every VM has stopped");
			net_print_stats();
			hv_halt();
		}
		idle(vms, n, rdtsc());
		net_poll(rdtsc());
		timers_poll(vms, n, rdtsc());
	}
}
