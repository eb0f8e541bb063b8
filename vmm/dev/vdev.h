/* The device model of a Linux VM (docs/linux.md, "The device model"):
 * the board that wires a local APIC in x2APIC mode (vlapic.c), an 8259
 * pair (vpic.c), the 16550 UART the VM already has (vm->uart, vuart.c)
 * and a CMOS clock (vrtc.c) to one vCPU. Guest-stub VMs have none of it:
 * struct vm's 'dev' is NULL for them.
 *
 * Interrupt path: the UART's interrupt output is IRQ 4 of the master
 * 8259; the hypervisor's network interrupts are edges on IRQ 10 and 11
 * of the slave (vdev_irq_pulse, from virq_raise); the 8259's INTR output is the local APIC's LINT0, which starts
 * as ExtINT (virtual-wire mode, as firmware leaves it [MP spec 3.6.2.2]);
 * the local APIC's own sources (timer, error, self-IPI) go to its IRR.
 * vdev_irq_next() says which vector the vCPU takes next, if any.
 *
 * Time: every 'now' below is the host's TSC (rdtsc(), as sched.c uses);
 * the guest's TSC is that plus 'tsc_offset'.
 *
 * Who calls what: exit.c (lboot) gives EXIT_IO to vdev_io before the
 * UART/empty-bus default, EXIT_MSR to vdev_msr before guest_msr_exit,
 * and at EXIT_HLT asks vdev_irq_next() instead of vm->pending. virq.c
 * and sched.c (ldev) deliver through vdev_irq_next/vdev_irq_taken and
 * keep time with vdev_advance/vdev_next_deadline.
 *
 * Everything a guest writes is untrusted: a refused access changes no
 * state and is counted in struct vdev_stats. Pure C: no port I/O, no
 * MSR access, no allocation but from the page_alloc given. */
#ifndef VMM_DEV_VDEV_H
#define VMM_DEV_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/page_alloc.h"
#include "vmm/vuart.h"

struct vdev;            /* vdev.c: the devices of one VM, one page */

struct vdev_params {
	uint64_t tsc_hz;        /* the TSC frequency the VM is told */
	int64_t  tsc_offset;    /* guest TSC = host TSC + tsc_offset */
	uint64_t now;           /* host TSC at creation */
	uint64_t wall_s;        /* Unix time (UTC seconds) at 'now' */
	uint32_t apic_id;       /* the vCPU's x2APIC ID (0) */
};

/* What the guest did that the devices refused or did not expect. */
struct vdev_stats {
	uint64_t io_refused;     /* a port of ours at a width it lacks, an
				  * 8259 mode not offered, a write of the RTC's time */
	uint64_t msr_gp;         /* x2APIC/APIC_BASE/TSC_DEADLINE accesses given #GP */
	uint64_t apic_errors;    /* ESR bits set: illegal vectors, bad ICR */
	uint64_t irqs_delivered; /* vectors taken by the vCPU (vdev_irq_taken) */
	uint64_t timer_fired;    /* local APIC timer expiries */
	uint64_t mmio;           /* xAPIC page accesses done (vdev_apic_mmio) */
	uint64_t mmio_refused;   /* and refused: the VM was stopped */
};

/* The devices for one Linux VM, in one zeroed page of 'pa', in their
 * power-on state (the local APIC in x2APIC mode, enabled by "firmware";
 * both 8259s uninitialized, every IRQ masked; the UART as vuart_init
 * left it). 'uart' is the VM's own (vm->uart), wired to IRQ 4. NULL when
 * no page is free or a parameter is out of range (tsc_hz 0). */
struct vdev *vdev_create(struct page_alloc *pa, struct vuart *uart,
			 const struct vdev_params *p);
void vdev_destroy(struct vdev *d, struct page_alloc *pa);

/* --- exits ------------------------------------------------------------- */
/* An IN or OUT of 'size' bytes (1, 2 or 4) at 'port'. false: no device
 * of ours decodes 'port' (the caller does its empty-bus default). true:
 * handled; for an IN, *val holds the value (all ones where a claimed
 * port has no register of that width). */
bool vdev_io(struct vdev *d, uint16_t port, uint8_t size, bool in,
	     uint32_t *val, uint64_t now);

enum vdev_msr_result {
	VDEV_MSR_UNCLAIMED,     /* not one of ours: the caller decides */
	VDEV_MSR_DONE,          /* read into *val, or written */
	VDEV_MSR_GP,            /* refused: inject #GP(0), change nothing */
};

/* RDMSR or WRMSR of IA32_APIC_BASE (0x1B), IA32_TSC_DEADLINE (0x6E0) or
 * the x2APIC range 0x800-0x8FF [SDM 3A 11.12.1]. For a write, *val is
 * EDX:EAX; for a read it receives it. */
enum vdev_msr_result vdev_msr(struct vdev *d, uint32_t msr, bool write,
			      uint64_t *val, uint64_t now);

/* A 32-bit access at 'offset' in the local APIC's xAPIC page (GPA
 * 0xFEE00000), in xAPIC mode [SDM 3A 11.4.1]: true when done (*val read
 * or written), false when refused, with nothing changed (vlapic_mmio). */
bool vdev_apic_mmio(struct vdev *d, uint32_t offset, bool write, uint32_t *val,
		    uint64_t now);

/* --- time -------------------------------------------------------------- */
/* Let time pass to 'now': a timer that is due fires. Returns true when
 * an interrupt is now deliverable (vdev_irq_next() >= 0), so a halted
 * vCPU should be woken. Cheap: call it on every exit and poll. */
bool vdev_advance(struct vdev *d, uint64_t now);

/* Host TSC at which the next device timer fires, 0 if none is armed:
 * the scheduler enters or sleeps no longer than that. */
uint64_t vdev_next_deadline(const struct vdev *d);

/* --- interrupt delivery (replaces vm->pending for a Linux VM) ----------- */
/* The vector the vCPU should take next if it can (RFLAGS.IF, no STI
 * shadow: the caller checks that, as virq_deliver does), or -1: the
 * local APIC's highest IRR vector above its processor priority [SDM 3A
 * 11.8.3.1], else an ExtINT from the 8259 through an unmasked LINT0.
 * Nothing changes: it may be asked any number of times. */
int vdev_irq_next(struct vdev *d);

/* An edge on 8259 line 'irq' (0-15) from the hypervisor: one request,
 * which stays one until the vCPU takes it. The line goes low again when
 * it is taken, so a guest that programs the line level-triggered (ELCR)
 * still sees one interrupt per edge [8259A "Interrupt Sequence"]. */
void vdev_irq_pulse(struct vdev *d, unsigned irq);

/* The vCPU has been given 'vector' (the one vdev_irq_next returned, at
 * the entry that injected it): the local APIC moves it from IRR to ISR
 * [SDM 3A 11.8.4], or the 8259 takes its acknowledge cycle (INTA). */
void vdev_irq_taken(struct vdev *d, uint8_t vector);

struct vdev_stats vdev_stats(const struct vdev *d);

#endif
