#include "arch/x86/arch.h"
#include "vmm/virq.h"

static int highest_pending(const struct vm *vm)
{
	for (int w = 3; w >= 0; w--)
		if (vm->pending[w])
			return w * 64 + 63 - __builtin_clzll(vm->pending[w]);
	return -1;
}

void virq_raise(struct vm *vm, uint8_t vector)
{
	if (vm->state == VM_STOPPED)
		return;
	vm->pending[vector / 64] |= 1ull << (vector % 64);
	if (vm->state == VM_HALTED)
		vm_wake(vm, rdtsc());
}

void virq_deliver(struct vm *vm)
{
	int v = highest_pending(vm);

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
	vm->pending[v / 64] &= ~(1ull << (v % 64));
	vcpu_inject_irq(vm->vcpu, (uint8_t)v);
	vm->stats.irqs_injected++;
	/* More pending: the next one as soon as this one is taken. */
	vcpu_want_irq_window(vm->vcpu, highest_pending(vm) >= 0);
}
