/* The network hypercalls (HC_NET_*, docs/hypercalls.md). Each copies
 * what the guest named into hypervisor memory before it looks at it,
 * so the guest cannot change it underneath, and checks every address
 * before the path changes anything. */
#include "drivers/e1000.h"
#include "lib/string.h"
#include "vmm/net/net.h"
#include "vmm/net/net_glue.h"

/* The ring page at 'gpa' in the VM's RAM, for either set-up: 0 and
 * *ring, or the error. Found once: the ring page is never posted, so its
 * mapping stays. */
static int64_t ring_page(struct vm *vm, uint64_t gpa, void **ring)
{
	if (gpa % PAGE_SIZE)
		return -HC_E_INVAL;
	*ring = vm_guest_ptr(vm, gpa, PAGE_SIZE);
	return *ring ? 0 : -HC_E_FAULT;
}

/* RDI: the ring page; RSI: the copy area | its flags (NET_COPY_RING), or
 * 0. Both in the VM's own RAM; the receive window is not RAM, so neither
 * can sit on a pool frame other VMs map. Every check before np_setup
 * changes anything; np_setup_flags checks the flags. */
static int64_t hc_setup(struct vm *vm, uint64_t gpa, uint64_t rsi)
{
	uint64_t area_len = (uint64_t)net.np->vm[vm->id].nr_slots *
			    NET_COPY_BUF_SIZE;
	uint64_t area_gpa = rsi & ~(uint64_t)(PAGE_SIZE - 1);
	uint8_t *area = NULL;
	void *ring;
	int64_t r = ring_page(vm, gpa, &ring);

	if (r)
		return r;
	if (area_gpa) {
		area = vm_guest_ptr(vm, area_gpa, area_len);
		if (!area)
			return -HC_E_FAULT;
		/* Copies would land on the ring's indices. */
		if (gpa < area_gpa + area_len && area_gpa < gpa + PAGE_SIZE)
			return -HC_E_INVAL;
	}
	return np_setup_flags(net.np, vm->id, ring, area,
			      (uint32_t)(rsi % PAGE_SIZE));
}

static int64_t hc_release(struct vm *vm, uint64_t gpa, uint64_t count,
			  uint64_t now)
{
	uint16_t slots[HC_NET_BATCH];

	if (!count || count > HC_NET_BATCH)
		return -HC_E_INVAL;
	/* A copy: then it cannot change under the checks. */
	if (!vm_read(vm, gpa, slots, count * sizeof(uint16_t)))
		return -HC_E_FAULT;
	return np_release(net.np, vm->id, slots, (uint32_t)count, now);
}

static int64_t hc_send(struct vm *vm, uint64_t gpa, uint64_t len, uint64_t now)
{
	static uint8_t frame[NET_JUMBO_MAX];

	if (len < NET_FRAME_MIN || len > np_frame_max(net.np))
		return -HC_E_INVAL;
	if (!vm_read(vm, gpa, frame, len))
		return -HC_E_FAULT;
	return np_tx(net.np, vm->id, frame, (uint16_t)len, now);
}

static int64_t hc_stats(struct vm *vm, uint64_t gpa)
{
	struct hc_net_stats out;
	int r = np_vm_stats(net.np, vm->id, &out);

	if (r)
		return r;
	return vm_write(vm, gpa, &out, sizeof(out)) ? 0 : -HC_E_FAULT;
}

/* RDI: the ring page, in the VM's RAM. */
static int64_t hc_setup_xchg(struct vm *vm, uint64_t gpa)
{
	void *ring;
	int64_t r = ring_page(vm, gpa, &ring);

	return r ? r : np_setup_xchg(net.np, vm->id, ring, gpa,
				     vm->ram_bytes);
}

/* RDI: the array of (page GPA | post slot), RSI: how many. Copied out
 * first, then checked whole by np_post. */
static int64_t hc_post(struct vm *vm, uint64_t gpa, uint64_t count)
{
	uint64_t ents[HC_NET_BATCH];

	if (!count || count > HC_NET_BATCH)
		return -HC_E_INVAL;
	if (!vm_read(vm, gpa, ents, count * sizeof(uint64_t)))
		return -HC_E_FAULT;
	return np_post(net.np, vm->id, ents, (uint32_t)count);
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
	case HC_NET_SETUP_XCHG: r = hc_setup_xchg(vm, a0); break;
	case HC_NET_POST:    r = hc_post(vm, a0, a1); break;
	case HC_NET_DETACH:  r = np_detach(net.np, vm->id); break;
	default:             return -HC_E_NOSYS;
	}
	e1000_rx_flush();
	if (net.np->check)
		net_check_nic_ring();
	if (nr == HC_NET_RELEASE && r > 0)                      /* net_cost */
		net_timing_release(&m, vm, (uint32_t)r);
	return r;
}

