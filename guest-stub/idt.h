/* The guest's IDT: exceptions stop the guest, interrupts are counted. */
#ifndef GUEST_IDT_H
#define GUEST_IDT_H

#include <stdint.h>

#define GUEST_VEC_KICK  0x40    /* asked for with HC_TEST_KICK; stub in entry.asm */

/* What the stub hands trap_dispatch(): the error code slot (0 when the CPU
 * pushes none), then the CPU's own frame [SDM 3A 6.14.2]. */
struct trap_frame {
	uint64_t error;
	uint64_t rip;
	uint64_t cs;
	uint64_t rflags;
	uint64_t rsp;
	uint64_t ss;
};

void idt_init(void);

/* Interrupts taken on 'vector' (32..255) since boot. */
uint64_t idt_irq_count(uint8_t vector);

void trap_dispatch(uint64_t vector, struct trap_frame *f);

#endif
