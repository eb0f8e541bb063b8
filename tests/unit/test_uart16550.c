/* Host tests for vmm/dev/uart16550.c: what Linux's 8250 autoconfig
 * probes (IER readback, scratch, loopback MSR, FIFO bits in IIR, no EFR),
 * the THRE interrupt as its startup test expects, receive with the FIFO
 * and overrun, and the interrupt output gated by OUT2. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/dev/uart16550.h"

static struct uart16550 s;
static uint8_t sent[64];
static unsigned nsent;

static void tx(struct uart16550 *u, uint8_t b)
{
	assert_ptr_equal(u, &s);
	sent[nsent++ % sizeof(sent)] = b;
}

static int setup(void **state)
{
	uart16550_init(&s, tx);
	nsent = 0;
	return 0;
}

static void out(unsigned reg, uint8_t v) { uart16550_io(&s, reg, false, v); }
static uint8_t in(unsigned reg) { return uart16550_io(&s, reg, true, 0); }

static void test_autoconfig_probe(void **state)
{
	out(UART_IER, 0);
	assert_int_equal(in(UART_IER), 0);
	out(UART_IER, 0xff);
	assert_int_equal(in(UART_IER), 0x0f);   /* no UUE bit: not an XScale */
	out(UART_IER, 0);
	out(UART_SCR, 0xa5);
	assert_int_equal(in(UART_SCR), 0xa5);
	out(UART_MCR, 0x1a);                    /* LOOP | OUT2 | RTS */
	assert_int_equal(in(UART_MSR) & 0xf0, 0x90);
	out(UART_MCR, 0);
	out(UART_IIR, 0x01);                    /* FCR: FIFO on */
	assert_int_equal(in(UART_IIR) >> 6, 3); /* 16550A */
	out(UART_LCR, 0xbf);
	assert_int_not_equal(in(UART_IIR), 0);  /* no EFR: not a 16650 */
	out(UART_LCR, 0x03);
	assert_int_equal(in(UART_LSR), 0x60);
}

static void test_divisor_latch(void **state)
{
	out(UART_LCR, 0x83);
	out(UART_RBR, 0x01);
	out(UART_IER, 0x00);
	assert_int_equal(in(UART_RBR), 0x01);
	out(UART_LCR, 0x03);
	assert_int_equal(nsent, 0);             /* DLL is no data */
	assert_int_equal(in(UART_IER), 0);
}

static void test_thre_interrupt(void **state)
{
	out(UART_MCR, 0x08);                    /* OUT2: the PC's IRQ gate */
	assert_false(uart16550_irq(&s));
	out(UART_IER, 0x02);                    /* enabling it interrupts */
	assert_true(uart16550_irq(&s));
	assert_int_equal(in(UART_IIR) & 0x0f, 0x02);
	assert_false(uart16550_irq(&s));        /* the IIR read cleared it */
	assert_int_equal(in(UART_IIR) & 0x0f, 0x01);
	out(UART_RBR, 'x');                     /* sent at once: empty again */
	assert_true(uart16550_irq(&s));
	assert_int_equal(nsent, 1);
	assert_int_equal(sent[0], 'x');
	/* Linux's UART_BUG_THRE test: off, on, and it asserts again. */
	out(UART_IER, 0);
	out(UART_IER, 0x02);
	assert_int_equal(in(UART_IIR) & 0x0f, 0x02);
	out(UART_MCR, 0x00);
	out(UART_RBR, 'y');
	assert_false(uart16550_irq(&s));        /* OUT2 off: no IRQ */
}

static void test_receive_fifo(void **state)
{
	out(UART_IIR, 0x81);                    /* FIFO, trigger 8 */
	out(UART_MCR, 0x08);
	out(UART_IER, 0x05);
	for (int i = 0; i < 7; i++)
		assert_true(uart16550_receive(&s, (uint8_t)('a' + i)));
	assert_int_equal(in(UART_IIR) & 0x0f, 0x0c);    /* below trigger: timeout */
	assert_true(uart16550_receive(&s, 'h'));
	assert_int_equal(in(UART_IIR) & 0x0f, 0x04);
	for (int i = 8; i < 16; i++)
		assert_true(uart16550_receive(&s, '.'));
	assert_false(uart16550_receive(&s, '!'));       /* overrun */
	assert_int_equal(in(UART_IIR) & 0x0f, 0x06);
	assert_int_equal(in(UART_LSR) & 0x03, 0x03);    /* DR | OE */
	assert_int_equal(in(UART_LSR) & 0x02, 0);       /* OE read once */
	assert_int_equal(in(UART_RBR), 'a');
	for (int i = 1; i < 16; i++)
		in(UART_RBR);
	assert_int_equal(in(UART_LSR) & 0x01, 0);
	assert_false(uart16550_irq(&s));
	assert_int_equal(in(UART_RBR), 0);             /* empty: no wrap-around */
}

static void test_loopback(void **state)
{
	out(UART_MCR, 0x18);
	out(UART_IER, 0x01);
	out(UART_RBR, 'q');
	assert_int_equal(nsent, 0);
	assert_false(uart16550_irq(&s));        /* loopback cuts the IRQ output */
	assert_int_equal(in(UART_LSR) & 0x01, 1);
	assert_int_equal(in(UART_RBR), 'q');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_autoconfig_probe, setup),
		cmocka_unit_test_setup(test_divisor_latch, setup),
		cmocka_unit_test_setup(test_thre_interrupt, setup),
		cmocka_unit_test_setup(test_receive_fifo, setup),
		cmocka_unit_test_setup(test_loopback, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
