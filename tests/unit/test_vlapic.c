/* Host tests for vmm/dev/vlapic.c: the x2APIC's priority logic (IRR, ISR,
 * TPR, PPR, EOI), its register access rules (#GP for read-only, write-only
 * and absent registers and reserved bits), the APIC_BASE state machine,
 * self-IPIs, the error register and the timer in its three modes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/dev/vlapic.h"

#define TPR       0x808
#define PPR       0x80a
#define EOI       0x80b
#define LDR       0x80d
#define SVR       0x80f
#define ISR0      0x810
#define IRR0      0x820
#define ESR       0x828
#define ICR       0x830
#define LVT_TIMER 0x832
#define LVT_LINT0 0x835
#define LVT_ERROR 0x837
#define TMICT     0x838
#define TMCCT     0x839
#define TDCR      0x83e
#define SELF_IPI  0x83f

static struct vlapic a;

static int setup(void **state)
{
	vlapic_init(&a, 0, 0);
	return 0;
}

static enum vlapic_msr_result wr(uint32_t msr, uint64_t v, uint64_t now)
{
	return vlapic_msr(&a, msr, true, &v, now);
}

static uint64_t rd(uint32_t msr, uint64_t now)
{
	uint64_t v = 0xdead;

	assert_int_equal(vlapic_msr(&a, msr, false, &v, now), VLAPIC_OK);
	return v;
}

/* Take the next vector as the vCPU would, and check it is 'want'. */
static void take(int want)
{
	int v = vlapic_next_vector(&a);

	assert_int_equal(v, want);
	if (v >= 0)
		vlapic_accept(&a, (uint8_t)v);
}

static void test_priority_and_eoi(void **state)
{
	assert_int_equal(wr(SELF_IPI, 0x31, 0), VLAPIC_OK);
	assert_int_equal(wr(SELF_IPI, 0x52, 0), VLAPIC_OK);
	assert_int_equal(rd(IRR0 + 1, 0), 1u << (0x31 - 32));
	take(0x52);                     /* highest first */
	assert_int_equal(rd(PPR, 0), 0x50);
	/* 0x31 is below the priority of the one in service. */
	assert_int_equal(vlapic_next_vector(&a), -1);
	assert_int_equal(wr(SELF_IPI, 0x55, 0), VLAPIC_OK);
	assert_int_equal(vlapic_next_vector(&a), -1);   /* same class: waits */
	assert_int_equal(wr(SELF_IPI, 0x61, 0), VLAPIC_OK);
	take(0x61);                     /* nests above 0x52 */
	assert_int_equal(rd(ISR0 + 3, 0), 1u << (0x61 - 96));
	assert_int_equal(wr(EOI, 0, 0), VLAPIC_OK);     /* pops 0x61, the highest */
	assert_int_equal(rd(ISR0 + 3, 0), 0);
	assert_int_equal(rd(ISR0 + 2, 0), 1u << (0x52 - 64));
	assert_int_equal(vlapic_next_vector(&a), -1);   /* 0x55 still below 0x52's class */
	assert_int_equal(wr(EOI, 0, 0), VLAPIC_OK);
	take(0x55);
	assert_int_equal(wr(EOI, 0, 0), VLAPIC_OK);
	take(0x31);
	assert_int_equal(wr(EOI, 0, 0), VLAPIC_OK);
	take(-1);
	assert_int_equal(rd(PPR, 0), 0);
}

static void test_tpr_blocks(void **state)
{
	assert_int_equal(wr(TPR, 0x40, 0), VLAPIC_OK);
	assert_int_equal(wr(SELF_IPI, 0x45, 0), VLAPIC_OK);
	assert_int_equal(vlapic_next_vector(&a), -1);
	assert_int_equal(rd(PPR, 0), 0x40);
	assert_int_equal(wr(TPR, 0x3f, 0), VLAPIC_OK);
	take(0x45);
}

static void test_register_rules(void **state)
{
	uint64_t v = 0;

	assert_int_equal(wr(EOI, 1, 0), VLAPIC_GP);     /* EOI takes only 0 */
	assert_int_equal(wr(PPR, 0, 0), VLAPIC_GP);     /* read-only */
	assert_int_equal(wr(LDR, 0, 0), VLAPIC_GP);     /* read-only in x2APIC mode */
	assert_int_equal(vlapic_msr(&a, EOI, false, &v, 0), VLAPIC_GP); /* write-only */
	assert_int_equal(vlapic_msr(&a, SELF_IPI, false, &v, 0), VLAPIC_GP);
	assert_int_equal(vlapic_msr(&a, 0x833, false, &v, 0), VLAPIC_GP); /* no thermal LVT */
	assert_int_equal(wr(TPR, 1ull << 32, 0), VLAPIC_GP);   /* upper half reserved */
	assert_int_equal(wr(ESR, 1, 0), VLAPIC_GP);
	assert_int_equal(wr(LVT_TIMER, 3u << 17, 0), VLAPIC_GP); /* reserved mode */
	assert_int_equal(wr(SELF_IPI, 0x100, 0), VLAPIC_GP);
	assert_int_equal(vlapic_msr(&a, 0x900, false, &v, 0), VLAPIC_NOT_MINE);
	assert_int_equal(rd(LDR, 0), 1);                /* cluster 0, bit 0 */
	assert_int_equal(rd(0x803, 0) & 0xff, 0x14);
	assert_int_equal(rd(LVT_LINT0, 0), 0x700);      /* ExtINT, as firmware leaves it */
	assert_true(vlapic_extint_open(&a));
	/* Nothing was raised by any of the refused writes. */
	assert_int_equal(vlapic_next_vector(&a), -1);
}

static void test_illegal_vector_sets_esr(void **state)
{
	assert_int_equal(wr(LVT_ERROR, 0xfe, 0), VLAPIC_OK);
	assert_int_equal(wr(SELF_IPI, 5, 0), VLAPIC_OK);
	/* The illegal vector never reaches IRR; the error interrupt does. */
	take(0xfe);
	assert_int_equal(rd(ESR, 0), 0);                /* not latched yet */
	assert_int_equal(wr(ESR, 0, 0), VLAPIC_OK);
	assert_int_equal(rd(ESR, 0), 0x20);             /* send illegal vector */
	assert_int_equal(wr(ESR, 0, 0), VLAPIC_OK);
	assert_int_equal(rd(ESR, 0), 0);
	/* INIT to itself: refused, one CPU. */
	assert_int_equal(wr(ICR, 0x4500, 0), VLAPIC_OK);
	assert_int_equal(wr(ESR, 0, 0), VLAPIC_OK);
	assert_int_equal(rd(ESR, 0), 0x80);
}

static void test_icr_destinations(void **state)
{
	assert_int_equal(wr(ICR, 0x40ull | (1ull << 18), 0), VLAPIC_OK);  /* self */
	take(0x40);
	assert_int_equal(wr(ICR, 0x41ull | (3ull << 18), 0), VLAPIC_OK);  /* all but self */
	assert_int_equal(vlapic_next_vector(&a), -1);
	assert_int_equal(wr(ICR, 0x42ull | (7ull << 32), 0), VLAPIC_OK);   /* another ID */
	assert_int_equal(vlapic_next_vector(&a), -1);
	assert_int_equal(wr(EOI, 0, 0), VLAPIC_OK);
	assert_int_equal(wr(ICR, 0x43ull, 0), VLAPIC_OK);                  /* ID 0: us */
	take(0x43);
	assert_int_equal(wr(ICR, 1ull << 12, 0), VLAPIC_GP);  /* reserved bit */
}

static void test_sw_disable_masks(void **state)
{
	assert_int_equal(wr(SVR, 0xff, 0), VLAPIC_OK);
	assert_int_equal(rd(LVT_LINT0, 0) & (1u << 16), 1u << 16);
	assert_false(vlapic_extint_open(&a));
	assert_int_equal(wr(LVT_TIMER, 0x20, 0), VLAPIC_OK);
	assert_int_equal(rd(LVT_TIMER, 0), 0x20 | (1u << 16));   /* stays masked */
	assert_int_equal(wr(SVR, 0x1ff, 0), VLAPIC_OK);
	assert_int_equal(wr(LVT_TIMER, 0x20, 0), VLAPIC_OK);
	assert_int_equal(rd(LVT_TIMER, 0), 0x20);
}

static void test_oneshot_and_divide(void **state)
{
	assert_int_equal(wr(LVT_TIMER, 0x30, 1000), VLAPIC_OK);
	assert_int_equal(wr(TDCR, 0x1, 1000), VLAPIC_OK);      /* divide by 4 */
	assert_int_equal(wr(TMICT, 100, 1000), VLAPIC_OK);
	assert_int_equal(vlapic_next_expiry(&a), 1400);
	assert_int_equal(rd(TMCCT, 1200), 50);
	vlapic_advance(&a, 1399);
	assert_int_equal(vlapic_next_vector(&a), -1);
	vlapic_advance(&a, 1400);
	take(0x30);
	assert_int_equal(rd(TMCCT, 1500), 0);
	assert_int_equal(vlapic_next_expiry(&a), 0);
	vlapic_advance(&a, 5000);                       /* one-shot: once */
	assert_int_equal(a.timer_fired, 1);
	/* A new divisor keeps the count where it is. */
	assert_int_equal(wr(TMICT, 100, 10000), VLAPIC_OK);
	assert_int_equal(wr(TDCR, 0xb, 10200), VLAPIC_OK);     /* divide by 1 */
	assert_int_equal(rd(TMCCT, 10200), 50);
	assert_int_equal(vlapic_next_expiry(&a), 10250);
}

static void test_periodic_coalesces(void **state)
{
	assert_int_equal(wr(LVT_TIMER, 0x30 | (1u << 17), 0), VLAPIC_OK);
	assert_int_equal(wr(TDCR, 0xb, 0), VLAPIC_OK);
	assert_int_equal(wr(TMICT, 10, 100), VLAPIC_OK);
	vlapic_advance(&a, 135);                        /* three periods gone */
	take(0x30);
	take(-1);
	assert_int_equal(vlapic_next_expiry(&a), 140);
	assert_int_equal(rd(TMCCT, 137), 3);
	assert_int_equal(wr(TMICT, 0, 137), VLAPIC_OK); /* 0 stops it */
	assert_int_equal(vlapic_next_expiry(&a), 0);
}

static void test_tsc_deadline(void **state)
{
	vlapic_init(&a, 0, 1000);       /* guest TSC = host + 1000 */
	assert_int_equal(wr(MSR_IA32_TSC_DEADLINE, 5000, 0), VLAPIC_OK);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE, 0), 0); /* ignored: not in that mode */
	assert_int_equal(wr(LVT_TIMER, 0xef | (2u << 17), 0), VLAPIC_OK);
	assert_int_equal(wr(MSR_IA32_TSC_DEADLINE, 5000, 0), VLAPIC_OK);
	assert_int_equal(vlapic_next_expiry(&a), 4000);
	vlapic_advance(&a, 3999);
	take(-1);
	vlapic_advance(&a, 4000);
	take(0xef);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE, 0), 0); /* disarmed when it fired */
	/* Leaving the mode disarms. */
	assert_int_equal(wr(MSR_IA32_TSC_DEADLINE, 9000, 0), VLAPIC_OK);
	assert_int_equal(wr(LVT_TIMER, 0xef, 0), VLAPIC_OK);
	assert_int_equal(vlapic_next_expiry(&a), 0);
}

static void test_apic_base(void **state)
{
	uint64_t x2 = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;

	assert_int_equal(rd(MSR_IA32_APIC_BASE, 0), x2);
	assert_int_equal(wr(MSR_IA32_APIC_BASE, x2, 0), VLAPIC_OK);
	/* x2APIC -> xAPIC directly faults [SDM 3A 11.12.5]. Moving the
	 * base: not offered. */
	assert_int_equal(wr(MSR_IA32_APIC_BASE, x2 & ~APIC_BASE_EXTD, 0), VLAPIC_GP);
	assert_int_equal(wr(MSR_IA32_APIC_BASE, x2 + 0x1000, 0), VLAPIC_GP);
	assert_int_equal(wr(MSR_IA32_APIC_BASE, x2 | (1ull << 63), 0), VLAPIC_GP);
	assert_int_equal(rd(MSR_IA32_APIC_BASE, 0), x2);
	/* Disabled: registers fault, the 8259 reaches the CPU directly. */
	assert_int_equal(wr(SELF_IPI, 0x40, 0), VLAPIC_OK);
	assert_int_equal(wr(MSR_IA32_APIC_BASE, APIC_BASE_ADDR | APIC_BASE_BSP, 0), VLAPIC_OK);
	assert_int_equal(wr(TPR, 0, 0), VLAPIC_GP);
	assert_int_equal(vlapic_next_vector(&a), -1);
	assert_true(vlapic_extint_open(&a));
	/* And back to x2APIC directly is not a legal transition, nor is
	 * EXTD without EN. */
	assert_int_equal(wr(MSR_IA32_APIC_BASE, x2, 0), VLAPIC_GP);
	assert_int_equal(wr(MSR_IA32_APIC_BASE, x2 & ~APIC_BASE_EN, 0), VLAPIC_GP);
	assert_int_equal(rd(MSR_IA32_APIC_BASE, 0), APIC_BASE_ADDR | APIC_BASE_BSP);
}

static bool mm(uint32_t off, bool write, uint32_t *v)
{
	return vlapic_mmio(&a, off, write, v, 0);
}

static uint32_t mrd(uint32_t off)
{
	uint32_t v = 0xdead;

	assert_true(mm(off, false, &v));
	return v;
}

static bool mwr(uint32_t off, uint32_t v)
{
	return mm(off, true, &v);
}

/* x2APIC -> disabled -> xAPIC (Linux's way out of x2APIC mode), then the
 * page's registers; back to x2APIC from xAPIC is allowed. */
static void to_xapic(void)
{
	uint64_t x2 = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;
	uint64_t xa = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_BSP;

	vlapic_init(&a, 0, 0);
	/* In x2APIC mode the page is refused. */
	assert_false(mwr(0x80, 0));
	assert_int_equal(wr(MSR_IA32_APIC_BASE, xa, 0), VLAPIC_GP);
	assert_int_equal(wr(MSR_IA32_APIC_BASE, APIC_BASE_ADDR | APIC_BASE_BSP, 0),
			 VLAPIC_OK);
	/* Disabled: the page is refused too. */
	assert_false(mwr(0x80, 0));
	assert_int_equal(wr(MSR_IA32_APIC_BASE, xa, 0), VLAPIC_OK);
	assert_int_equal(rd(MSR_IA32_APIC_BASE, 0), xa);
	(void)x2;
}

static void test_xapic_transitions(void **state)
{
	uint64_t x2 = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | APIC_BASE_BSP;
	uint64_t v;

	to_xapic();
	/* x2APIC MSRs fault in xAPIC mode [SDM 3A 11.12.1.2]. */
	assert_int_equal(vlapic_msr(&a, TPR, false, &v, 0), VLAPIC_GP);
	/* TSC deadline is an MSR in both modes. */
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE, 0), 0);
	/* xAPIC -> x2APIC is allowed; the page is then refused. */
	assert_int_equal(wr(MSR_IA32_APIC_BASE, x2, 0), VLAPIC_OK);
	assert_false(mwr(0x80, 0));
	assert_int_equal(rd(TPR, 0), 0);
	/* xAPIC -> disabled too. */
	to_xapic();
	assert_int_equal(wr(MSR_IA32_APIC_BASE, APIC_BASE_ADDR | APIC_BASE_BSP, 0),
			 VLAPIC_OK);
	assert_true(vlapic_extint_open(&a));
}

static void test_xapic_registers(void **state)
{
	vlapic_init(&a, 3, 0);
	to_xapic();
	/* vlapic_init in to_xapic gave ID 0: use that one. */
	assert_int_equal(mrd(0x20), 0);                 /* ID, bits 31:24 */
	assert_int_equal(mrd(0x30), 0x30014);           /* version */
	assert_false(mwr(0x20, 0x01000000));            /* ID read-only */
	/* Only a register's first dword, inside the page. */
	assert_false(mwr(0x84, 0));
	assert_false(mwr(0x88, 0));
	assert_false(mwr(0x1000, 0));
	/* TPR, PPR, SVR, LVT as in x2APIC mode. */
	assert_true(mwr(0x80, 0x20));
	assert_int_equal(mrd(0x80), 0x20);
	assert_int_equal(mrd(0xa0), 0x20);
	assert_false(mwr(0xa0, 0));                     /* PPR read-only */
	assert_true(mwr(0xf0, 0x1ff));
	assert_int_equal(mrd(0xf0), 0x1ff);
	assert_true(mwr(0x350, 0x700));                 /* LINT0 ExtINT */
	assert_int_equal(mrd(0x350), 0x700);
	assert_false(mwr(0x340, 0));                    /* no perf LVT */
	/* DFR: model bits only, the rest reads as ones; LDR writable. */
	assert_int_equal(mrd(0xe0), 0xffffffff);
	assert_true(mwr(0xe0, 0x0));
	assert_int_equal(mrd(0xe0), 0x0fffffff);
	assert_true(mwr(0xe0, 0xffffffff));
	assert_true(mwr(0xd0, 0x01ffffff));
	assert_int_equal(mrd(0xd0), 0x01000000);
	/* EOI and ESR take any value in xAPIC mode; EOI pops the ISR. */
	assert_true(mwr(0x80, 0));
	assert_true(mwr(0x310, 0));                     /* ICR high: dest 0 */
	assert_true(mwr(0x300, 0x40000 | 0x41));        /* self shorthand */
	take(0x41);
	assert_int_equal(mrd(0x100 + 0x20), 1u << 1);   /* ISR1: vector 0x41 */
	assert_true(mwr(0xb0, 0x1234));
	assert_int_equal(mrd(0x100 + 0x20), 0);
	assert_true(mwr(0x280, 0xffffffff));
	assert_int_equal(mrd(0x280), 0);
	assert_false(mm(0xb0, false, &(uint32_t){0}));  /* EOI write-only */
	assert_false(mwr(0x3f0, 0x41));                 /* no SELF IPI in xAPIC */
	/* ICR: physical destination in bits 63:56; reserved bits refused. */
	assert_true(mwr(0x310, 0x00000000));
	assert_true(mwr(0x300, 0x42));
	take(0x42);
	assert_true(mwr(0xb0, 0));
	assert_true(mwr(0x310, 0x05000000));            /* to APIC 5: nobody */
	assert_true(mwr(0x300, 0x43));
	take(-1);
	assert_int_equal(mrd(0x310), 0x05000000);
	assert_int_equal(mrd(0x300), 0x43);
	assert_true(mwr(0x310, 0xff000000));            /* broadcast */
	assert_true(mwr(0x300, 0x44));
	take(0x44);
	assert_true(mwr(0xb0, 0));
	assert_false(mwr(0x300, 1u << 12));             /* reserved bit */
	/* Logical, flat model: LDR 0x01 matches destination bit 0. */
	assert_true(mwr(0x310, 0x01000000));
	assert_true(mwr(0x300, 0x800 | 0x45));
	take(0x45);
	assert_true(mwr(0xb0, 0));
	assert_true(mwr(0x310, 0x02000000));
	assert_true(mwr(0x300, 0x800 | 0x46));
	take(-1);
	/* Cluster model: cluster 0 nibble, member bit 0. */
	assert_true(mwr(0xe0, 0x0));
	assert_true(mwr(0x310, 0x01000000));
	assert_true(mwr(0x300, 0x800 | 0x47));
	take(0x47);
	assert_true(mwr(0xb0, 0));
	assert_true(mwr(0x310, 0x11000000));            /* cluster 1 */
	assert_true(mwr(0x300, 0x800 | 0x48));
	take(-1);
	/* Timer registers through the page. */
	assert_true(mwr(0x3e0, 0xb));
	assert_true(mwr(0x320, 0xef));
	assert_true(mwr(0x380, 100));
	assert_int_equal(mrd(0x380), 100);
	assert_int_equal(mrd(0x390), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_priority_and_eoi, setup),
		cmocka_unit_test_setup(test_tpr_blocks, setup),
		cmocka_unit_test_setup(test_register_rules, setup),
		cmocka_unit_test_setup(test_illegal_vector_sets_esr, setup),
		cmocka_unit_test_setup(test_icr_destinations, setup),
		cmocka_unit_test_setup(test_sw_disable_masks, setup),
		cmocka_unit_test_setup(test_oneshot_and_divide, setup),
		cmocka_unit_test_setup(test_periodic_coalesces, setup),
		cmocka_unit_test_setup(test_tsc_deadline, setup),
		cmocka_unit_test_setup(test_apic_base, setup),
		cmocka_unit_test_setup(test_xapic_transitions, setup),
		cmocka_unit_test_setup(test_xapic_registers, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
