/* The board of a Linux VM: which port reaches which device, and the
 * wires between them (UART -> 8259 IRQ 4 -> LINT0 -> vCPU). Each device
 * is its own file; this one only routes and keeps the counts. */
#include <stddef.h>

#include "vmm/dev/vdev.h"

#define VDEV_PORT_KBC_STATUS 0x64   /* 8042 status (read), command (write) */
#include "vmm/dev/vlapic.h"
#include "vmm/dev/vpic.h"
#include "vmm/dev/vrtc.h"

#define IRQ_UART 4              /* COM1 on a PC */

struct vdev {
	struct vlapic     apic;
	struct vpic       pic;
	struct vrtc       rtc;
	struct vuart     *uart;
	uint16_t          pulsed;       /* bit n: line n is high from a pulse */
	struct vdev_stats stats;
};

_Static_assert(sizeof(struct vdev) <= PAGE_SIZE, "the devices fit one page");

struct vdev *vdev_create(struct page_alloc *pa, struct vuart *uart,
			 const struct vdev_params *p)
{
	struct vdev *d;
	uint64_t page;

	if (!uart || !p->tsc_hz)
		return NULL;
	page = page_alloc(pa, 1, PAGE_SIZE);
	if (!page)
		return NULL;
	d = (struct vdev *)(uintptr_t)page;
	vlapic_init(&d->apic, p->apic_id, p->tsc_offset);
	vpic_init(&d->pic);
	vrtc_init(&d->rtc, p->wall_s, p->now, p->tsc_hz);
	d->uart = uart;
	return d;
}

void vdev_destroy(struct vdev *d, struct page_alloc *pa)
{
	if (d)
		page_free(pa, (uint64_t)(uintptr_t)d, 1);
}

/* The UART's interrupt output is a level on IRQ 4. */
static void wire_uart(struct vdev *d)
{
	vpic_set_irq(&d->pic, IRQ_UART, uart16550_irq(&d->uart->hw));
}

bool vdev_io(struct vdev *d, uint16_t port, uint8_t size, bool in,
	     uint32_t *val, uint64_t now)
{
	uint8_t v = (uint8_t)*val, r;

	/* The 8042's status register: output and input buffers empty (bits
	 * 0 and 1), nothing to read and ready for a command. Linux waits on
	 * it before the reset pulse of reboot=k (vmm/vm_end.c takes the
	 * pulse); an empty bus's all ones would keep it spinning for 65536
	 * reads, each an exit. No keyboard is emulated. */
	if (port == VDEV_PORT_KBC_STATUS && in && size == 1) {
		*val = 0;
		return true;
	}
	if (!vpic_claims(port) && !vrtc_claims(port) && !vuart_claims(port))
		return false;
	/* Every register here is a byte: a wider access reads as an
	 * empty bus and writes nothing. */
	if (size != 1) {
		d->stats.io_refused++;
		if (in)
			*val = 0xffffffffu;
		return true;
	}
	if (vpic_claims(port))
		r = vpic_io(&d->pic, port, in, v);
	else if (vrtc_claims(port))
		r = vrtc_io(&d->rtc, port, in, v, now);
	else
		r = vuart_io(d->uart, port, in, v);
	wire_uart(d);
	if (in)
		*val = r;
	return true;
}

enum vdev_msr_result vdev_msr(struct vdev *d, uint32_t msr, bool write,
			      uint64_t *val, uint64_t now)
{
	switch (vlapic_msr(&d->apic, msr, write, val, now)) {
	case VLAPIC_OK:
		return VDEV_MSR_DONE;
	case VLAPIC_GP:
		d->stats.msr_gp++;
		return VDEV_MSR_GP;
	default:
		return VDEV_MSR_UNCLAIMED;
	}
}

bool vdev_apic_mmio(struct vdev *d, uint32_t offset, bool write, uint32_t *val,
		    uint64_t now)
{
	if (!vlapic_mmio(&d->apic, offset, write, val, now)) {
		d->stats.mmio_refused++;
		return false;
	}
	d->stats.mmio++;
	return true;
}

bool vdev_advance(struct vdev *d, uint64_t now)
{
	vlapic_advance(&d->apic, now);
	wire_uart(d);
	return vdev_irq_next(d) >= 0;
}

uint64_t vdev_next_deadline(const struct vdev *d)
{
	return vlapic_next_expiry(&d->apic);
}

int vdev_irq_next(struct vdev *d)
{
	int v = vlapic_next_vector(&d->apic);

	if (v >= 0)
		return v;
	/* ExtINT is not subject to the processor priority [SDM 3A 11.6.1]. */
	return vlapic_extint_open(&d->apic) ? vpic_next_vector(&d->pic) : -1;
}

void vdev_irq_pulse(struct vdev *d, unsigned irq)
{
	if (irq >= 16 || irq == IRQ_UART)
		return;
	/* Low, then high: a rising edge latches a request; a request not
	 * taken yet is withdrawn and latched again, still one. */
	vpic_set_irq(&d->pic, irq, false);
	vpic_set_irq(&d->pic, irq, true);
	d->pulsed |= (uint16_t)(1u << irq);
}

/* The pulsed line whose request was just taken goes low again. */
static void pulse_end(struct vdev *d, uint8_t vector)
{
	for (unsigned irq = 0; irq < 16; irq++) {
		if (!(d->pulsed >> irq & 1) ||
		    vpic_vector_of(&d->pic, irq) != vector)
			continue;
		vpic_set_irq(&d->pic, irq, false);
		d->pulsed &= (uint16_t)~(1u << irq);
	}
}

void vdev_irq_taken(struct vdev *d, uint8_t vector)
{
	if (vlapic_next_vector(&d->apic) == vector) {
		vlapic_accept(&d->apic, vector);
	} else if (vlapic_extint_open(&d->apic) &&
		   vpic_next_vector(&d->pic) == vector) {
		vpic_ack(&d->pic);
		pulse_end(d, vector);
	} else {
		return;         /* not what vdev_irq_next said: nothing taken */
	}
	d->stats.irqs_delivered++;
}

struct vdev_stats vdev_stats(const struct vdev *d)
{
	struct vdev_stats s = d->stats;

	/* The devices keep their own counts. */
	s.io_refused += d->pic.refused + d->rtc.refused;
	s.apic_errors = d->apic.errors;
	s.timer_fired = d->apic.timer_fired;
	return s;
}
