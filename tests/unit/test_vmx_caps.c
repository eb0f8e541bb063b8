/* Host tests for arch/x86/vmx/vmx_caps_decode.c: the capabilities read
 * from a Bochs corei7_skylake_x's MSR values, each one lost when the bit
 * behind it is cleared, the dependencies on EPT and on the secondary
 * controls, and the order vmx_caps_missing reports in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/vmx/vmx_caps.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define BIT(n) (1ull << (n))

/* Bochs corei7_skylake_x, where flipvisor reports every capability as
 * present. Control MSRs hold allowed-0 in the low half and allowed-1 in
 * the high half [SDM 3C A.3]. */
static const struct vmx_msrs bochs = {
	/* revision 0x2b, 4 KiB VMCS, WB, INS/OUTS info, TRUE controls */
	.basic      = 0x2b | 0x1000ull << 32 | 6ull << 50 | BIT(54) | BIT(55),
	/* TRUE_PINBASED: allowed-1 bits 0-7, with the preemption timer (6) */
	.pinbased   = 0x000000ff00000016ull,
	/* TRUE_PROCBASED: allowed-1 includes secondary controls (31) */
	.procbased  = 0xfff9fffe04006172ull,
	/* PROCBASED2: allowed-1 includes EPT (1), VPID (5), UG (7) */
	.procbased2 = 0x0053ffbf00000000ull,
	/* EPT_VPID_CAP: 4-level walk (6), WB (14), INVEPT (20), single
	 * context (25), and the rest a Skylake has */
	.ept_vpid   = 0x00000f0106734141ull,
	.misc       = 0x00000000300481e5ull,
};

static const struct vmx_caps all_yes = {
	.ept                = true,
	.vpid               = true,
	.unrestricted_guest = true,
	.preemption_timer   = true,
	.invept_single      = true,
	.ept_4level         = true,
	.ept_wb             = true,
	.revision           = 0x2b,
};

static void assert_caps(const struct vmx_caps *got, const struct vmx_caps *want)
{
	assert_int_equal(got->ept, want->ept);
	assert_int_equal(got->vpid, want->vpid);
	assert_int_equal(got->unrestricted_guest, want->unrestricted_guest);
	assert_int_equal(got->preemption_timer, want->preemption_timer);
	assert_int_equal(got->invept_single, want->invept_single);
	assert_int_equal(got->ept_4level, want->ept_4level);
	assert_int_equal(got->ept_wb, want->ept_wb);
	assert_int_equal(got->revision, want->revision);
}

/* Decode into an output that holds garbage, so a field left unwritten
 * shows. */
static struct vmx_caps decode(const struct vmx_msrs *m)
{
	struct vmx_caps c;

	memset(&c, 0xff, sizeof(c));
	vmx_caps_decode(m, &c);
	return c;
}

static void test_bochs(void **state)
{
	struct vmx_caps c = decode(&bochs);

	assert_caps(&c, &all_yes);
	assert_null(vmx_caps_missing(&c));
}

/* The decoder is handed whichever control MSRs BASIC[55] selects; it
 * reads the same meaning from either. */
static void test_bochs_without_true_ctls(void **state)
{
	struct vmx_msrs m = bochs;
	struct vmx_caps c;

	m.basic &= ~BIT(55);
	c = decode(&m);
	assert_caps(&c, &all_yes);
}

static void test_nothing(void **state)
{
	static const struct vmx_msrs zero;
	static const struct vmx_caps none;
	struct vmx_caps c = decode(&zero);

	assert_caps(&c, &none);
	assert_string_equal(vmx_caps_missing(&c), "EPT");
}

/* One cleared MSR bit, and the capabilities it must take away. */
struct flip {
	const char *name;
	size_t      msr;        /* offsetof(struct vmx_msrs, ...) */
	unsigned    bit;
	bool        ept, vpid, ug, timer, invept, walk4, wb;
};

#define MSR(f) offsetof(struct vmx_msrs, f)

static const struct flip flips[] = {
	/* name, MSR, bit; then ept vpid ug timer invept walk4 wb after it */
	{ "pin: preemption timer",      MSR(pinbased),    32 + 6,
	  1, 1, 1, 0, 1, 1, 1 },
	{ "proc: secondary controls",   MSR(procbased),   32 + 31,
	  0, 0, 0, 1, 0, 0, 0 },
	{ "proc2: EPT",                 MSR(procbased2),  32 + 1,
	  0, 1, 0, 1, 0, 0, 0 },
	{ "proc2: VPID",                MSR(procbased2),  32 + 5,
	  1, 0, 1, 1, 1, 1, 1 },
	{ "proc2: unrestricted guest",  MSR(procbased2),  32 + 7,
	  1, 1, 0, 1, 1, 1, 1 },
	{ "ept_vpid: 4-level walk",     MSR(ept_vpid),    6,
	  1, 1, 1, 1, 1, 0, 1 },
	{ "ept_vpid: WB",               MSR(ept_vpid),    14,
	  1, 1, 1, 1, 1, 1, 0 },
	{ "ept_vpid: INVEPT",           MSR(ept_vpid),    20,
	  1, 1, 1, 1, 0, 1, 1 },
	{ "ept_vpid: INVEPT single",    MSR(ept_vpid),    25,
	  1, 1, 1, 1, 0, 1, 1 },
	/* Allowed-0 halves and unrelated bits change nothing. */
	{ "pin: allowed-0 bit 6",       MSR(pinbased),    6,
	  1, 1, 1, 1, 1, 1, 1 },
	{ "proc2: allowed-0 bit 1",     MSR(procbased2),  1,
	  1, 1, 1, 1, 1, 1, 1 },
	{ "ept_vpid: all-context",      MSR(ept_vpid),    26,
	  1, 1, 1, 1, 1, 1, 1 },
	{ "basic: TRUE controls",       MSR(basic),       55,
	  1, 1, 1, 1, 1, 1, 1 },
};

static void test_flip(void **state)
{
	const struct flip *f = *state;
	struct vmx_msrs m = bochs;
	struct vmx_caps want = all_yes, c;
	uint64_t *msr = (uint64_t *)((char *)&m + f->msr);

	/* Set first, so the allowed-0 rows clear a bit that was there. */
	*msr |= BIT(f->bit);
	c = decode(&m);
	assert_caps(&c, &all_yes);

	*msr &= ~BIT(f->bit);
	want.ept = f->ept;
	want.vpid = f->vpid;
	want.unrestricted_guest = f->ug;
	want.preemption_timer = f->timer;
	want.invept_single = f->invept;
	want.ept_4level = f->walk4;
	want.ept_wb = f->wb;
	c = decode(&m);
	assert_caps(&c, &want);
}

/* Without EPT the EPT capabilities mean nothing, whatever EPT_VPID_CAP
 * claims. */
static void test_ept_caps_need_ept(void **state)
{
	struct vmx_msrs m = bochs;
	struct vmx_caps c;

	m.procbased2 &= ~BIT(32 + 1);
	m.ept_vpid = UINT64_MAX;
	c = decode(&m);
	assert_false(c.ept);
	assert_false(c.unrestricted_guest);
	assert_false(c.invept_single);
	assert_false(c.ept_4level);
	assert_false(c.ept_wb);
	assert_true(c.vpid);
	assert_true(c.preemption_timer);
	assert_string_equal(vmx_caps_missing(&c), "EPT");
}

/* Without secondary controls PROCBASED2 does not exist: what the field
 * holds is ignored, even all ones. */
static void test_proc2_needs_secondary(void **state)
{
	static const struct vmx_caps want = {
		.preemption_timer = true,
		.revision         = 0x2b,
	};
	struct vmx_msrs m = bochs;
	struct vmx_caps c;

	m.procbased &= ~BIT(32 + 31);
	m.procbased2 = UINT64_MAX;
	m.ept_vpid = UINT64_MAX;
	c = decode(&m);
	assert_caps(&c, &want);
	/* The allowed-0 bit 31 is not the allowed-1 one. */
	m.procbased |= BIT(31);
	c = decode(&m);
	assert_caps(&c, &want);
}

/* Each capability alone on a bare machine: the EPT ones need EPT too. */
static void test_minimal_sets(void **state)
{
	struct vmx_msrs m = { 0 };
	struct vmx_caps c;

	m.pinbased = BIT(32 + 6);
	c = decode(&m);
	assert_true(c.preemption_timer);
	assert_false(c.ept || c.vpid || c.unrestricted_guest);

	m = (struct vmx_msrs){ 0 };
	m.procbased = BIT(32 + 31);
	m.procbased2 = BIT(32 + 5);
	c = decode(&m);
	assert_true(c.vpid);
	assert_false(c.ept || c.unrestricted_guest || c.preemption_timer);

	m.procbased2 = BIT(32 + 7);
	c = decode(&m);
	assert_false(c.unrestricted_guest);
	m.procbased2 = BIT(32 + 7) | BIT(32 + 1);
	c = decode(&m);
	assert_true(c.ept && c.unrestricted_guest);
	assert_false(c.invept_single || c.ept_4level || c.ept_wb);

	m.ept_vpid = BIT(25);
	c = decode(&m);
	assert_false(c.invept_single);
	m.ept_vpid = BIT(20);
	c = decode(&m);
	assert_false(c.invept_single);
	m.ept_vpid = BIT(20) | BIT(25);
	c = decode(&m);
	assert_true(c.invept_single);
	assert_false(c.ept_4level || c.ept_wb);
}

static void test_revision(void **state)
{
	static const struct {
		uint64_t basic;
		uint32_t revision;
	} rows[] = {
		{ 0x2b, 0x2b },
		{ 0x8000002bull, 0x2b },                /* bit 31 masked */
		{ 0x00da10000000002bull, 0x2b },        /* high half ignored */
		{ 0x7fffffff, 0x7fffffff },
		{ 0xffffffff, 0x7fffffff },
		{ UINT64_MAX, 0x7fffffff },
		{ 0xffffffff00000000ull, 0 },
		{ 0, 0 },
	};
	struct vmx_msrs m = bochs;

	for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
		struct vmx_caps c;

		m.basic = rows[i].basic;
		c = decode(&m);
		assert_int_equal(c.revision, rows[i].revision);
		assert_true(c.ept);
	}
}

/* The documented order, and the field each name stands for. */
static const struct {
	const char *name;
	size_t      field;
} order[] = {
	{ "EPT",                   offsetof(struct vmx_caps, ept) },
	{ "VPID",                  offsetof(struct vmx_caps, vpid) },
	{ "unrestricted guest",    offsetof(struct vmx_caps, unrestricted_guest) },
	{ "preemption timer",      offsetof(struct vmx_caps, preemption_timer) },
	{ "INVEPT single-context", offsetof(struct vmx_caps, invept_single) },
	{ "4-level EPT walk",      offsetof(struct vmx_caps, ept_4level) },
	{ "WB EPT memory type",    offsetof(struct vmx_caps, ept_wb) },
};

static void clear_cap(struct vmx_caps *c, size_t field)
{
	*(bool *)((char *)c + field) = false;
}

static void test_missing_each(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		struct vmx_caps c = all_yes;

		clear_cap(&c, order[i].field);
		assert_string_equal(vmx_caps_missing(&c), order[i].name);
	}
}

/* With several missing, the first in the order is named: clear i and
 * every later one, then i and every earlier one. */
static void test_missing_first(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(order); i++) {
		struct vmx_caps late = all_yes, early = all_yes;

		for (size_t j = i; j < ARRAY_SIZE(order); j++)
			clear_cap(&late, order[j].field);
		for (size_t j = 0; j <= i; j++)
			clear_cap(&early, order[j].field);
		assert_string_equal(vmx_caps_missing(&late), order[i].name);
		assert_string_equal(vmx_caps_missing(&early), order[0].name);
	}
}

/* The revision plays no part in what is missing. */
static void test_missing_ignores_revision(void **state)
{
	struct vmx_caps c = all_yes;

	c.revision = 0;
	assert_null(vmx_caps_missing(&c));
	c.revision = 0x7fffffff;
	assert_null(vmx_caps_missing(&c));
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_bochs),
	cmocka_unit_test(test_bochs_without_true_ctls),
	cmocka_unit_test(test_nothing),
	cmocka_unit_test(test_ept_caps_need_ept),
	cmocka_unit_test(test_proc2_needs_secondary),
	cmocka_unit_test(test_minimal_sets),
	cmocka_unit_test(test_revision),
	cmocka_unit_test(test_missing_each),
	cmocka_unit_test(test_missing_first),
	cmocka_unit_test(test_missing_ignores_revision),
};

/* One named test per row of flips[]. */
static struct CMUnitTest flip_tests[ARRAY_SIZE(flips)];

int main(void)
{
	int failed;

	for (size_t i = 0; i < ARRAY_SIZE(flips); i++)
		flip_tests[i] = (struct CMUnitTest){
			.name          = flips[i].name,
			.test_func     = test_flip,
			.initial_state = (void *)&flips[i],
		};

	failed = cmocka_run_group_tests_name("vmx_caps", tests, NULL, NULL);
	failed += cmocka_run_group_tests_name("vmx_caps bit flips", flip_tests,
					      NULL, NULL);
	return failed ? 1 : 0;
}
