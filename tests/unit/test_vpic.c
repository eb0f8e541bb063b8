/* Host tests for vmm/dev/vpic.c: Linux's probe and initialization of the
 * 8259 pair, masking, fully nested priority, specific EOI, the cascade,
 * ISR reads through OCW3, level mode through the ELCR, and refused
 * modes changing nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/dev/vpic.h"

static struct vpic p;

static void out(uint16_t port, uint8_t v) { vpic_io(&p, port, false, v); }
static uint8_t in(uint16_t port) { return vpic_io(&p, port, true, 0); }

/* What init_8259A() in arch/x86/kernel/i8259.c writes. */
static void linux_init(uint8_t icw4)
{
	out(0x21, 0xff);
	out(0xa1, 0xff);
	out(0x20, 0x11); out(0x21, 0x30); out(0x21, 0x04); out(0x21, icw4);
	out(0xa0, 0x11); out(0xa1, 0x38); out(0xa1, 0x02); out(0xa1, icw4);
	out(0x21, 0xfb);        /* all masked but the cascade */
	out(0xa1, 0xff);
}

static int setup(void **state)
{
	vpic_init(&p);
	return 0;
}

static void take(int want)
{
	assert_int_equal(vpic_next_vector(&p), want);
	if (want >= 0)
		vpic_ack(&p);
}

static void test_probe_reads_back_mask(void **state)
{
	out(0x21, 0xfb);
	assert_int_equal(in(0x21), 0xfb);
	assert_int_equal(in(0xa1), 0xff);
	assert_true(vpic_claims(0x4d1));
	assert_false(vpic_claims(0x22));
}

static void test_uninitialized_gives_nothing(void **state)
{
	out(0x21, 0);
	vpic_set_irq(&p, 4, true);
	take(-1);
}

static void test_irq4_edge_and_eoi(void **state)
{
	linux_init(0x01);
	vpic_set_irq(&p, 4, true);
	take(-1);                       /* masked */
	out(0x21, 0xeb);                /* unmask IRQ 4 */
	take(0x34);
	out(0x20, 0x0b);                /* OCW3: read ISR */
	assert_int_equal(in(0x20), 0x10);
	out(0x20, 0x0a);                /* back to IRR */
	take(-1);                       /* edge consumed, line still high */
	out(0x20, 0x64);                /* specific EOI, IR4 */
	out(0x20, 0x0b);
	assert_int_equal(in(0x20), 0);
	take(-1);                       /* no new edge */
	vpic_set_irq(&p, 4, false);
	vpic_set_irq(&p, 4, true);
	take(0x34);
}

static void test_withdrawn_request(void **state)
{
	linux_init(0x01);
	out(0x21, 0xeb);
	vpic_set_irq(&p, 4, true);
	vpic_set_irq(&p, 4, false);     /* gone before INTA */
	take(-1);
}

static void test_nesting_and_cascade(void **state)
{
	linux_init(0x01);
	out(0x21, 0x00);
	out(0xa1, 0x00);
	vpic_set_irq(&p, 4, true);
	take(0x34);
	vpic_set_irq(&p, 3, true);      /* higher priority: nests */
	take(0x33);
	vpic_set_irq(&p, 12, true);     /* slave IR4 via master IR2: above 3 */
	take(0x3c);
	out(0xa0, 0x64);                /* Linux: EOI to the slave, then IR2 */
	out(0x20, 0x62);
	vpic_set_irq(&p, 5, true);      /* lower than 3 and 4 in service */
	take(-1);
	out(0x20, 0x20);                /* non-specific EOI: IR3 */
	take(-1);
	out(0x20, 0x20);                /* IR4 */
	take(0x35);
}

static void test_level_via_elcr(void **state)
{
	linux_init(0x01);
	out(0x4d1, 0xff);
	assert_int_equal(in(0x4d1), 0xde);      /* IRQ 8 and 13 stay edge */
	out(0xa1, 0x00);
	out(0x21, 0x00);
	vpic_set_irq(&p, 10, true);
	take(0x3a);
	out(0xa0, 0x62);
	out(0x20, 0x62);
	take(0x3a);                     /* still high: asks again */
}

static void test_auto_eoi(void **state)
{
	linux_init(0x03);
	out(0x21, 0xeb);
	vpic_set_irq(&p, 4, true);
	take(0x34);
	out(0x20, 0x0b);
	assert_int_equal(in(0x20), 0);  /* nothing in service */
}

static void test_refused_modes_counted(void **state)
{
	out(0x20, 0x19);                /* LTIM */
	out(0x21, 0x30); out(0x21, 0x04);
	out(0x21, 0x00);                /* 8080 mode */
	out(0x20, 0x0c);                /* poll */
	assert_int_equal(p.refused, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_probe_reads_back_mask, setup),
		cmocka_unit_test_setup(test_uninitialized_gives_nothing, setup),
		cmocka_unit_test_setup(test_irq4_edge_and_eoi, setup),
		cmocka_unit_test_setup(test_withdrawn_request, setup),
		cmocka_unit_test_setup(test_nesting_and_cascade, setup),
		cmocka_unit_test_setup(test_level_via_elcr, setup),
		cmocka_unit_test_setup(test_auto_eoi, setup),
		cmocka_unit_test_setup(test_refused_modes_counted, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
