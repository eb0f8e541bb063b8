/* Host tests for vmm/dev/vdev.c, the board: port and MSR routing, the
 * UART's interrupt through the 8259 and LINT0 to the vCPU, the APIC
 * out-ranking ExtINT, LINT0 masked closing the wire, the timer deadline
 * and wake-up, the network's edges on IRQ 10 and 11 (edge and
 * level-programmed), and refused accesses counted without effect. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "lib/console.h"
#include "vmm/dev/vdev.h"

static char printed[256];

/* The console the virtual UART's lines go to: the last one, as the
 * hypervisor would print it. */
bool console_guest_line(uint32_t vm, const char *name, const char *text,
			uint64_t unreported)
{
	snprintf(printed, sizeof(printed), "%s: %s\n", name, text);
	return true;
}

static struct page_alloc pa;
static void *block;
static struct vuart uart;
static struct vdev *d;

static int setup(void **state)
{
	struct vdev_params p = { .tsc_hz = 1000, .now = 0, .wall_s = 0 };

	block = aligned_alloc(4096, 16 * 4096);
	assert_int_equal(page_alloc_init(&pa, (uint64_t)(uintptr_t)block, 16 * 4096), 0);
	vuart_init(&uart, "linux0", 0);
	d = vdev_create(&pa, &uart, &p);
	assert_non_null(d);
	return 0;
}

static int teardown(void **state)
{
	vdev_destroy(d, &pa);
	free(block);
	return 0;
}

static void out(uint16_t port, uint8_t v)
{
	uint32_t val = v;

	assert_true(vdev_io(d, port, 1, false, &val, 0));
}

static uint8_t in(uint16_t port)
{
	uint32_t val = 0;

	assert_true(vdev_io(d, port, 1, true, &val, 0));
	return (uint8_t)val;
}

static void pic_init(void)
{
	out(0x20, 0x11); out(0x21, 0x30); out(0x21, 0x04); out(0x21, 0x01);
	out(0xa0, 0x11); out(0xa1, 0x38); out(0xa1, 0x02); out(0xa1, 0x01);
	out(0x21, 0xeb);        /* IRQ 4 and the cascade open */
}

static void test_uart_irq_reaches_vcpu(void **state)
{
	pic_init();
	assert_int_equal(vdev_irq_next(d), -1);
	out(0x3fc, 0x08);       /* MCR OUT2 */
	out(0x3f9, 0x02);       /* IER THRE */
	assert_int_equal(vdev_irq_next(d), 0x34);
	assert_int_equal(vdev_irq_next(d), 0x34);       /* asking changes nothing */
	vdev_irq_taken(d, 0x34);
	assert_int_equal(vdev_stats(d).irqs_delivered, 1);
	assert_int_equal(in(0x3fa) & 0x0f, 0x02);       /* the driver reads IIR */
	out(0x20, 0x64);                                /* and EOIs */
	assert_int_equal(vdev_irq_next(d), -1);
	out(0x3f8, 'h'); out(0x3f8, 'i'); out(0x3f8, '\n');
	assert_string_equal(printed, "linux0: hi\n");
	assert_int_equal(vdev_irq_next(d), 0x34);       /* THR empty again */
}

static void test_lint0_masked_closes_wire(void **state)
{
	uint64_t v = 0x10700;   /* ExtINT, masked */

	pic_init();
	out(0x3fc, 0x08);
	out(0x3f9, 0x02);
	assert_int_equal(vdev_msr(d, 0x835, true, &v, 0), VDEV_MSR_DONE);
	assert_int_equal(vdev_irq_next(d), -1);
	vdev_irq_taken(d, 0x34);        /* a stale caller: nothing taken */
	assert_int_equal(vdev_stats(d).irqs_delivered, 0);
}

static void test_apic_outranks_extint(void **state)
{
	uint64_t v = 0x40;

	pic_init();
	out(0x3fc, 0x08);
	out(0x3f9, 0x02);
	assert_int_equal(vdev_msr(d, 0x83f, true, &v, 0), VDEV_MSR_DONE);
	assert_int_equal(vdev_irq_next(d), 0x40);
	vdev_irq_taken(d, 0x40);
	/* ExtINT is not held back by the APIC's priority. */
	assert_int_equal(vdev_irq_next(d), 0x34);
}

/* The hypervisor's network interrupts: an edge each, two edges before
 * the vCPU takes one are one interrupt, and a line the guest programs
 * level-triggered in the ELCR still gives one interrupt per edge. */
static void test_net_irq_pulse(void **state)
{
	pic_init();
	out(0xa1, 0xf3);                /* slave: IRQ 10 and 11 open */
	vdev_irq_pulse(d, 10);
	vdev_irq_pulse(d, 10);
	assert_int_equal(vdev_irq_next(d), 0x3a);
	vdev_irq_taken(d, 0x3a);
	out(0xa0, 0x20); out(0x20, 0x20);       /* EOI slave, master */
	assert_int_equal(vdev_irq_next(d), -1); /* two edges, one interrupt */
	vdev_irq_pulse(d, 11);
	assert_int_equal(vdev_irq_next(d), 0x3b);
	vdev_irq_taken(d, 0x3b);
	out(0xa0, 0x20); out(0x20, 0x20);
	assert_int_equal(vdev_irq_next(d), -1);

	out(0x4d1, 0x04);               /* IRQ 10 level-triggered */
	vdev_irq_pulse(d, 10);
	assert_int_equal(vdev_irq_next(d), 0x3a);
	vdev_irq_taken(d, 0x3a);
	out(0xa0, 0x20); out(0x20, 0x20);
	assert_int_equal(vdev_irq_next(d), -1); /* no storm: the line fell */
	vdev_irq_pulse(d, 10);
	assert_int_equal(vdev_irq_next(d), 0x3a);
	assert_int_equal(vdev_stats(d).irqs_delivered, 3);
	vdev_irq_pulse(d, 4);           /* the UART's line is not ours */
	vdev_irq_pulse(d, 16);
}

static void test_timer_deadline_wakes(void **state)
{
	uint64_t v;

	v = 0xec | (2u << 17);
	assert_int_equal(vdev_msr(d, 0x832, true, &v, 0), VDEV_MSR_DONE);
	v = 2500;
	assert_int_equal(vdev_msr(d, 0x6e0, true, &v, 0), VDEV_MSR_DONE);
	assert_int_equal(vdev_next_deadline(d), 2500);
	assert_false(vdev_advance(d, 2499));
	assert_true(vdev_advance(d, 2500));
	assert_int_equal(vdev_irq_next(d), 0xec);
	assert_int_equal(vdev_next_deadline(d), 0);
	assert_int_equal(vdev_stats(d).timer_fired, 1);
}

static void test_refusals_counted(void **state)
{
	uint32_t val = 0;
	uint64_t v = 1;

	assert_false(vdev_io(d, 0x80, 1, false, &val, 0));     /* not ours */
	assert_false(vdev_io(d, 0x40, 1, true, &val, 0));      /* no PIT */
	assert_true(vdev_io(d, 0x20, 2, true, &val, 0));
	assert_int_equal(val, 0xffffffffu);
	val = 0;
	assert_true(vdev_io(d, 0x21, 4, false, &val, 0));      /* no mask write */
	assert_int_equal(in(0x21), 0xff);
	assert_int_equal(vdev_msr(d, 0x80b, true, &v, 0), VDEV_MSR_GP);
	assert_int_equal(vdev_msr(d, 0xc0000080, true, &v, 0), VDEV_MSR_UNCLAIMED);
	out(0x70, 0x00); out(0x71, 0x12);                       /* set the time */
	assert_int_equal(vdev_stats(d).io_refused, 3);
	assert_int_equal(vdev_stats(d).msr_gp, 1);
}

/* The 8042 status port reads "both buffers empty", so a reboot=k
 * reset does not wait 65536 reads for a controller there is not; a
 * write to it is not claimed (vm_end.c takes the reset pulse) and a
 * wide read is not either. */
static void test_kbc_status_ready(void **state)
{
	uint32_t val = 0xff;

	assert_true(vdev_io(d, 0x64, 1, true, &val, 0));
	assert_int_equal(val, 0);
	val = 0xfe;
	assert_false(vdev_io(d, 0x64, 1, false, &val, 0));
	assert_false(vdev_io(d, 0x64, 2, true, &val, 0));
}

static void test_create_refuses(void **state)
{
	struct vdev_params p = { .tsc_hz = 0 };

	assert_null(vdev_create(&pa, &uart, &p));
	p.tsc_hz = 1;
	assert_null(vdev_create(&pa, NULL, &p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_uart_irq_reaches_vcpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lint0_masked_closes_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apic_outranks_extint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_net_irq_pulse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_timer_deadline_wakes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kbc_status_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_refuses, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
