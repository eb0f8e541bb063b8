/* Host tests for arch/x86/npt.c: how many invalidations each change to a
 * nested page table costs, counted by the backend's flush callback, in
 * both formats. A map (not-present -> present) needs none on VT-x [SDM
 * 3C 29.4.3.4]; AMD-V flushes anyway (svm_npt.c: flush_on_fill). An
 * unmap or a narrower permission needs one; a batch of deferred unmaps
 * needs exactly one, at npt_sync. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "arch/x86/npt.h"
#include "arch/x86/svm/npt_format.h"
#include "arch/x86/vmx/ept.h"
#include "vmm/virt.h"

#define POOL_PAGES   256
#define SLOT_GPA     (1ull << 32)       /* a receive window's first slot */
#define FRAME_HPA    (1ull << 36)       /* a pool frame: never touched */

static uint32_t flushes;
static struct page_alloc pa;
static uint8_t *mem;

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fail_msg("panic");
	abort();
}

static void count_flush(struct npt *npt)
{
	(void)npt;
	flushes++;
}

static int setup(void **state)
{
	(void)state;
	mem = aligned_alloc(PAGE_SIZE, POOL_PAGES * PAGE_SIZE);
	assert_non_null(mem);
	assert_int_equal(page_alloc_init(&pa, (uintptr_t)mem,
					 POOL_PAGES * PAGE_SIZE), 0);
	flushes = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

/* What a receive path does to one table: maps, a batch of deferred
 * unmaps, maps again into the same slots. 'fill' is what each map costs. */
static void lifecycle(struct npt *n, uint32_t fill)
{
	uint32_t before;

	/* The guest's RAM in 2 MiB leaves, then 8 window slots. */
	before = flushes;
	assert_int_equal(npt_map(n, 0, 1ull << 30, 4ull << 20,
				 NPT_R | NPT_W | NPT_X), 0);
	assert_int_equal(flushes - before, fill);
	for (uint32_t i = 0; i < 8; i++) {
		before = flushes;
		assert_int_equal(npt_map(n, SLOT_GPA + i * PAGE_SIZE,
					 FRAME_HPA + i * PAGE_SIZE, PAGE_SIZE,
					 NPT_R), 0);
		assert_int_equal(flushes - before, fill);
	}
	/* A refused map (over a mapped slot) changes nothing, flushes nothing. */
	before = flushes;
	assert_true(npt_map(n, SLOT_GPA, FRAME_HPA, PAGE_SIZE, NPT_R) < 0);
	assert_int_equal(flushes, before);

	/* A release of 8 slots: 8 deferred unmaps, one flush at the sync. */
	before = flushes;
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(npt_unmap_deferred(n, SLOT_GPA + i * PAGE_SIZE,
						    PAGE_SIZE), 0);
	assert_int_equal(flushes, before);
	assert_true(npt_sync(n));
	assert_int_equal(flushes - before, 1);
	assert_false(npt_sync(n));              /* nothing due: no flush */
	assert_int_equal(flushes - before, 1);

	/* The same slots mapped again, after the sync. */
	before = flushes;
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(npt_map(n, SLOT_GPA + i * PAGE_SIZE,
					 FRAME_HPA + (i + 8) * PAGE_SIZE,
					 PAGE_SIZE, NPT_R), 0);
	assert_int_equal(flushes - before, 8 * fill);

	/* An unmap at once, a narrower and an equal permission. */
	before = flushes;
	assert_int_equal(npt_unmap(n, SLOT_GPA, PAGE_SIZE), 0);
	assert_int_equal(flushes - before, 1);
	before = flushes;
	assert_int_equal(npt_protect(n, 0, 2ull << 20, NPT_R), 0);
	assert_int_equal(flushes - before, 1);
	before = flushes;
	assert_int_equal(npt_protect(n, 0, 2ull << 20, NPT_R), 0);
	assert_int_equal(flushes, before);
	/* Unmapping what is not mapped: refused, no flush. */
	assert_true(npt_unmap(n, SLOT_GPA, PAGE_SIZE) < 0);
	assert_int_equal(flushes, before);
}

/* The receive window by its entries (npt_window_*): the same flushes as
 * npt_map and npt_unmap_deferred, the mappings npt_lookup sees, a slot
 * past the window refused, one window per table. */
static void window_lifecycle(struct npt *n, uint32_t fill)
{
	uint32_t before = flushes;
	uint64_t hpa;
	unsigned perm;

	assert_int_equal(npt_window_keep(n, SLOT_GPA, 8), 0);
	assert_true(npt_window_keep(n, SLOT_GPA + (2ull << 20), 8) < 0);
	assert_int_equal(flushes, before);
	for (uint32_t i = 0; i < 8; i++) {
		before = flushes;
		assert_int_equal(npt_window_map(n, i, FRAME_HPA + i * PAGE_SIZE,
						NPT_R), 0);
		assert_int_equal(flushes - before, fill);
		assert_int_equal(npt_lookup(n, SLOT_GPA + i * PAGE_SIZE, &hpa,
					    &perm), 0);
		assert_int_equal(hpa, FRAME_HPA + i * PAGE_SIZE);
		assert_int_equal(perm, NPT_R);
	}
	before = flushes;
	assert_true(npt_window_map(n, 8, FRAME_HPA, NPT_R) < 0);
	assert_true(npt_window_map(n, 0, FRAME_HPA, NPT_R) < 0);
	assert_true(npt_lookup(n, SLOT_GPA + 8 * PAGE_SIZE, &hpa, &perm) < 0);
	assert_int_equal(flushes, before);

	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(npt_window_unmap_deferred(n, i), 0);
	assert_int_equal(flushes, before);
	assert_true(npt_lookup(n, SLOT_GPA, &hpa, &perm) < 0);
	assert_true(npt_sync(n));
	assert_int_equal(flushes - before, 1);
	/* Refused: past the window, or not mapped; nothing falls due. */
	assert_true(npt_window_unmap_deferred(n, 8) < 0);
	assert_true(npt_window_unmap_deferred(n, 0) < 0);
	assert_false(npt_sync(n));
	assert_int_equal(flushes - before, 1);
}

static void test_window_ept(void **state)
{
	struct npt *n = npt_new(&pa, &pt_format_ept, count_flush);

	(void)state;
	assert_non_null(n);
	window_lifecycle(n, 0);
	npt_free(n);
}

static void test_window_npt(void **state)
{
	struct npt *n = npt_new(&pa, &pt_format_npt, count_flush);

	(void)state;
	assert_non_null(n);
	n->flush_on_fill = true;
	window_lifecycle(n, 1);
	npt_free(n);
}

static void test_ept_fill_needs_no_invept(void **state)
{
	struct npt *n = npt_new(&pa, &pt_format_ept, count_flush);

	(void)state;
	assert_non_null(n);
	assert_false(n->flush_on_fill);
	assert_int_equal(flushes, 0);
	lifecycle(n, 0);
	npt_free(n);
}

/* AMD-V's tables as svm_npt_create makes them: a map flushes too. */
static void test_npt_fill_flushes_on_amd(void **state)
{
	struct npt *n = npt_new(&pa, &pt_format_npt, count_flush);

	(void)state;
	assert_non_null(n);
	n->flush_on_fill = true;
	lifecycle(n, 1);
	npt_free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ept_fill_needs_no_invept,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_npt_fill_flushes_on_amd,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_ept, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_window_npt, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
