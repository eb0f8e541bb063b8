/* What the arch layer offers the rest of the hypervisor. */
#ifndef ARCH_X86_ARCH_H
#define ARCH_X86_ARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/x86/cpu.h"
#include "drivers/lapic.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"

struct boot_info;

/* entry.asm: continue on a new stack in fn(arg); never returns. */
void arch_switch_stack(uint64_t stack_top, void (*fn)(struct boot_info *),
		       struct boot_info *arg) __attribute__((noreturn));

/* Our own descriptor tables and page tables, replacing the firmware's. */
int gdt_init(struct page_alloc *pa);
uint64_t gdt_tss_base(void);
void idt_init(void);
int paging_init(struct page_alloc *pa, const struct mm_region *map,
		size_t n);

/* Sleep until an interrupt, or until 'tsc_ticks' from now (0: no
 * timer); return with interrupts off. */
static inline void cpu_idle(uint64_t tsc_ticks)
{
	lapic_timer_oneshot(tsc_ticks);
	cpu_sti_hlt_cli();
}

/* Interrupt handlers, by vector (32..255). */
typedef void (*irq_handler)(uint8_t vector);
void irq_set_handler(uint8_t vector, irq_handler fn);
void irq_dispatch(uint8_t vector);

/* Host NMIs (vector 2) taken so far. The handler only counts them: an
 * NMI is the platform's (a watchdog, a test) and needs no answer. A
 * guest never sees one: both backends exit on it and run the host's. */
uint64_t nmi_count(void);

/* Where the fault dump resolves return addresses. */
void fault_set_image(uint64_t base, uint64_t size);
/* Raise a CPU exception on purpose (the config's 'selftest'): each
 * should end in the fault dump. */
void fault_selftest_page_fault(void);
void fault_selftest_invalid_opcode(void);
/* Say "flipvisor: halted", drain the UART and stop this CPU for good. */
void hv_halt(void) __attribute__((noreturn));
/* Print a message, a backtrace and halt. For broken invariants only. */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

void cpu_report(void);
/* Choose lib/copy.c's copy from CPUID; once, before any VM runs. */
void cpu_pick_copy(void);

#endif
