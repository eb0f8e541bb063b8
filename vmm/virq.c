#include "arch/x86/arch.h"
#include "vmm/dev/vdev.h"
#include "vmm/hypercall_abi.h"
#include "vmm/virq.h"

static int highest_pending(const struct vm *vm)
{
	for (int w = 3; w >= 0; w--)
		if (vm->pending[w])
			return w * 64 + 63 - __builtin_clzll(vm->pending[w]);
	return -1;
}

/* A Linux VM's interrupts come from its devices (vmm/dev/vdev.h); a
 * guest-stub's from the hypervisor's virtual IRR. */
static int next_vector(struct vm *vm)
{
	return vm->dev ? vdev_irq_next(vm->dev) : highest_pending(vm);
}

bool virq_pending(struct vm *vm)
{
	return next_vector(vm) >= 0;
}

/* A Linux VM has no flat vector space: its interrupts come through its
 * 8259. The network's two vectors are edges on IRQ 10 and 11 (told in
 * hc_identity); the guest-stub's other vectors (timer, test kicks) mean
 * nothing to it: -1. */
static int linux_irq_of(uint8_t vector)
{
	switch (vector) {
	case HC_VEC_NET_RX:      return HC_IRQ_NET_RX;
	case HC_VEC_NET_RECLAIM: return HC_IRQ_NET_RECLAIM;
	default:                 return -1;
	}
}

void virq_raise(struct vm *vm, uint8_t vector)
{
	if (vm->state == VM_STOPPED)
		return;
	if (vm->dev) {
		int irq = linux_irq_of(vector);

		if (irq < 0)
			return;
		vdev_irq_pulse(vm->dev, (unsigned)irq);
	} else {
		vm->pending[vector / 64] |= 1ull << (vector % 64);
	}
	if (vm->state == VM_HALTED)
		vm_wake(vm, rdtsc());
}

void virq_deliver(struct vm *vm)
{
	int v = next_vector(vm);

	if (v < 0) {
		vcpu_want_irq_window(vm->vcpu, false);
		return;
	}
	if (!vcpu_can_take_irq(vm->vcpu)) {
		/* Interrupts off, an STI shadow, or an event already queued
		 * (a re-injection): come back as soon as that ends. */
		vcpu_want_irq_window(vm->vcpu, true);
		return;
	}
	if (vm->dev)
		vdev_irq_taken(vm->dev, (uint8_t)v);
	else
		vm->pending[v / 64] &= ~(1ull << (v % 64));
	vcpu_inject_irq(vm->vcpu, (uint8_t)v);
	vm->stats.irqs_injected++;
	/* More pending: the next one as soon as this one is taken. */
	vcpu_want_irq_window(vm->vcpu, next_vector(vm) >= 0);
}
