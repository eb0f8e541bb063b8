/* Virtual interrupts: a vector made pending for a VM is injected at the
 * first entry where the guest can take it. */
#ifndef VMM_VIRQ_H
#define VMM_VIRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vm.h"

/* Make 'vector' (32..255) pending for 'vm' and wake it from HLT. Like a
 * real interrupt request register, a vector already pending stays one
 * interrupt. A Linux VM (vm->dev) gets HC_VEC_NET_RX and
 * HC_VEC_NET_RECLAIM as edges on its 8259's IRQ HC_IRQ_NET_RX and
 * HC_IRQ_NET_RECLAIM (10, 11), and no other vector. */
void virq_raise(struct vm *vm, uint8_t vector);

/* Whether an interrupt is waiting that the guest would take with
 * interrupts on (for HLT: then the halt ends at once). */
bool virq_pending(struct vm *vm);

/* Before each entry: inject the highest pending vector if the guest can
 * take it now, or ask for an interrupt-window exit. */
void virq_deliver(struct vm *vm);

#endif
