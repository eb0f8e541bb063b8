/* The network hypercalls (HC_NET_*, docs/hypercalls.md). Each copies
 * what the guest named into hypervisor memory before it looks at it,
 * so the guest cannot change it underneath, and checks every address
 * before the path changes anything. */
#include "drivers/e1000.h"
#include "lib/string.h"
#include "vmm/net/net.h"
#include "vmm/net/net_glue.h"

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
	struct net_timing_mark m;
	int64_t r;

	if (!net.up)
		return -HC_E_NODEV;
	m = net_timing_mark(vm);                                      /* net_cost */
	switch (nr) {
	case HC_NET_SETUP:   r = hc_setup(vm, a0, a1); break;
	case HC_NET_RELEASE: r = hc_release(vm, a0, a1, now); break;
	case HC_NET_SEND:    r = hc_send(vm, a0, a1, now); break;
	case HC_NET_STATS:   r = hc_stats(vm, a0); break;
	default:             return -HC_E_NOSYS;
	}
	e1000_rx_flush();
	if (net.np->check)
		net_check_nic_ring();
	if (nr == HC_NET_RELEASE && r > 0)                      /* net_cost */
		net_timing_release(&m, vm, (uint32_t)r);
	return r;
}

