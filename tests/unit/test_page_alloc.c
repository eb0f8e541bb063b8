/* Host tests for mm/page_alloc.c. The "physical" block is an aligned
 * host buffer, whose own addresses the allocator hands out. Every refused
 * call is checked to change nothing: not the counters, not one bit of the
 * bitmap. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm/page_alloc.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MIB (1024ull * 1024)

/* A block of 'size' bytes aligned to 'align', and its allocator. The
 * buffer is rounded up to the alignment, as aligned_alloc requires. */
struct fixture {
	uint8_t          *mem;
	uint64_t          base;
	uint64_t          size;
	struct page_alloc pa;
};

static void fixture_new(struct fixture *f, uint64_t align, uint64_t size)
{
	f->mem = aligned_alloc(align, (size + align - 1) & ~(align - 1));
	assert_non_null(f->mem);
	f->base = (uint64_t)(uintptr_t)f->mem;
	f->size = size;
	memset(f->mem, 0xa5, size);
	assert_int_equal(page_alloc_init(&f->pa, f->base, size), 0);
}

static void fixture_free(struct fixture *f)
{
	free(f->mem);
}

/* The allocator's whole state, to show a refused call changed nothing. */
struct snapshot {
	struct page_alloc pa;
	uint64_t          bitmap[64];
};

static void snap(const struct page_alloc *pa, struct snapshot *s)
{
	uint64_t words = (pa->npages + 63) / 64;

	assert_true(words <= ARRAY_SIZE(s->bitmap));
	memset(s, 0, sizeof(*s));
	s->pa = *pa;
	memcpy(s->bitmap, pa->bitmap, words * 8);
}

static void assert_unchanged(const struct page_alloc *pa,
			     const struct snapshot *s)
{
	struct snapshot now;

	snap(pa, &now);
	assert_int_equal(now.pa.base, s->pa.base);
	assert_int_equal(now.pa.npages, s->pa.npages);
	assert_int_equal(now.pa.nfree, s->pa.nfree);
	assert_ptr_equal(now.pa.bitmap, s->pa.bitmap);
	assert_int_equal(now.pa.map_pages, s->pa.map_pages);
	assert_memory_equal(now.bitmap, s->bitmap, sizeof(now.bitmap));
}

static bool is_used(const struct page_alloc *pa, uint64_t addr)
{
	uint64_t i = (addr - pa->base) / PAGE_SIZE;

	return pa->bitmap[i / 64] >> (i % 64) & 1;
}

/* In the block, past the bitmap, page aligned, zeroed, marked used. */
static void assert_fresh(const struct fixture *f, uint64_t addr, uint64_t n)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)addr;

	assert_int_not_equal(addr, 0);
	assert_int_equal(addr % PAGE_SIZE, 0);
	assert_true(addr >= f->base + f->pa.map_pages * PAGE_SIZE);
	assert_true(addr + n * PAGE_SIZE <= f->base + f->size);
	for (uint64_t i = 0; i < n * PAGE_SIZE; i++)
		if (p[i])
			fail_msg("byte %llu of 0x%llx is 0x%02x",
				 (unsigned long long)i,
				 (unsigned long long)addr, p[i]);
	for (uint64_t i = 0; i < n; i++)
		assert_true(is_used(&f->pa, addr + i * PAGE_SIZE));
}

/* --- init -------------------------------------------------------------- */

static void test_init(void **state)
{
	struct fixture f;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	assert_int_equal(f.pa.base, f.base);
	assert_int_equal(f.pa.npages, 64);
	assert_int_equal(f.pa.map_pages, 1);
	assert_int_equal(f.pa.nfree, 63);
	assert_ptr_equal(f.pa.bitmap, f.mem);
	/* Only the bitmap's own page is in use. */
	assert_int_equal(f.pa.bitmap[0], 1);
	fixture_free(&f);
}

/* A tail shorter than a page is not managed. */
static void test_init_partial_page(void **state)
{
	uint8_t *mem = aligned_alloc(PAGE_SIZE, 4 * PAGE_SIZE);
	struct page_alloc pa;

	assert_non_null(mem);
	assert_int_equal(page_alloc_init(&pa, (uintptr_t)mem,
					 3 * PAGE_SIZE + 4095), 0);
	assert_int_equal(pa.npages, 3);
	assert_int_equal(pa.nfree, 2);
	free(mem);
}

/* One bitmap page covers 32768 pages; one page more needs a second. */
static void test_init_two_bitmap_pages(void **state)
{
	const uint64_t npages = PAGE_SIZE * 8 + 1;
	struct fixture f;
	uint64_t a;

	f.mem = aligned_alloc(PAGE_SIZE, npages * PAGE_SIZE);
	assert_non_null(f.mem);
	f.base = (uintptr_t)f.mem;
	f.size = npages * PAGE_SIZE;
	assert_int_equal(page_alloc_init(&f.pa, f.base, f.size), 0);
	assert_int_equal(f.pa.map_pages, 2);
	assert_int_equal(f.pa.nfree, npages - 2);
	assert_int_equal(f.pa.bitmap[0], 3);
	assert_int_equal(page_free(&f.pa, f.base + PAGE_SIZE, 1), -1);
	a = page_alloc(&f.pa, 1, PAGE_SIZE);
	assert_int_equal(a, f.base + 2 * PAGE_SIZE);
	/* The very last page, tracked by the second bitmap page. */
	assert_int_equal(page_alloc(&f.pa, npages - 3, PAGE_SIZE),
			 f.base + 3 * PAGE_SIZE);
	assert_int_equal(f.pa.nfree, 0);
	assert_true(is_used(&f.pa, f.base + (npages - 1) * PAGE_SIZE));
	fixture_free(&f);
}

/* Too small: nothing beyond the bitmap. A refused init writes nothing. */
static void test_init_too_small(void **state)
{
	static const uint64_t sizes[] = { 0, 1, 4095, PAGE_SIZE, 2 * PAGE_SIZE - 1 };
	uint8_t *mem = aligned_alloc(PAGE_SIZE, 2 * PAGE_SIZE);
	uint8_t copy[2 * PAGE_SIZE];
	struct page_alloc pa, before;

	assert_non_null(mem);
	memset(mem, 0xa5, 2 * PAGE_SIZE);
	memcpy(copy, mem, sizeof(copy));
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(&pa, 0x5a, sizeof(pa));
		before = pa;
		assert_int_equal(page_alloc_init(&pa, (uintptr_t)mem, sizes[i]), -1);
		assert_memory_equal(&pa, &before, sizeof(pa));
		assert_memory_equal(mem, copy, sizeof(copy));
	}
	/* Two pages: the bitmap and one to give out. */
	assert_int_equal(page_alloc_init(&pa, (uintptr_t)mem, 2 * PAGE_SIZE), 0);
	assert_int_equal(pa.nfree, 1);
	assert_int_equal(page_alloc(&pa, 1, PAGE_SIZE),
			 (uintptr_t)mem + PAGE_SIZE);
	assert_int_equal(page_alloc(&pa, 1, PAGE_SIZE), 0);
	free(mem);
}

static void test_init_unaligned(void **state)
{
	static const uint64_t offsets[] = { 1, 8, 2048, 4095 };
	uint8_t *mem = aligned_alloc(PAGE_SIZE, 16 * PAGE_SIZE);
	uint8_t copy[16 * PAGE_SIZE];
	struct page_alloc pa, before;

	assert_non_null(mem);
	memset(mem, 0xa5, sizeof(copy));
	memcpy(copy, mem, sizeof(copy));
	for (size_t i = 0; i < ARRAY_SIZE(offsets); i++) {
		memset(&pa, 0x5a, sizeof(pa));
		before = pa;
		assert_int_equal(page_alloc_init(&pa, (uintptr_t)mem + offsets[i],
						 8 * PAGE_SIZE), -1);
		assert_memory_equal(&pa, &before, sizeof(pa));
		assert_memory_equal(mem, copy, sizeof(copy));
	}
	free(mem);
}

/* --- alloc ------------------------------------------------------------- */

static void test_alloc_zeroed(void **state)
{
	struct fixture f;
	uint64_t a, b, c;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	/* First fit: right after the bitmap, then onwards. */
	a = page_alloc(&f.pa, 1, PAGE_SIZE);
	assert_int_equal(a, f.base + PAGE_SIZE);
	assert_fresh(&f, a, 1);
	assert_int_equal(f.pa.nfree, 62);
	b = page_alloc(&f.pa, 3, PAGE_SIZE);
	assert_int_equal(b, a + PAGE_SIZE);
	assert_fresh(&f, b, 3);
	assert_int_equal(f.pa.nfree, 59);
	c = page_alloc(&f.pa, 1, PAGE_SIZE);
	assert_int_equal(c, b + 3 * PAGE_SIZE);
	assert_fresh(&f, c, 1);
	/* Zeroing stops at the allocation's end. */
	assert_int_equal(f.mem[c + PAGE_SIZE - f.base], 0xa5);
	fixture_free(&f);
}

/* Every page of the block handed out once, in one-page allocations. */
static void test_alloc_all_singly(void **state)
{
	struct fixture f;
	uint64_t a;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	for (uint64_t i = 1; i < 64; i++) {
		a = page_alloc(&f.pa, 1, PAGE_SIZE);
		assert_int_equal(a, f.base + i * PAGE_SIZE);
		assert_fresh(&f, a, 1);
		assert_int_equal(f.pa.nfree, 63 - i);
	}
	assert_int_equal(page_alloc(&f.pa, 1, PAGE_SIZE), 0);
	fixture_free(&f);
}

/* 2 MiB alignment in an 8 MiB block aligned to 2 MiB: the bitmap holds
 * the first 2 MiB frame, so the frames at 2, 4 and 6 MiB remain. */
static void test_alloc_align_2m(void **state)
{
	struct snapshot s;
	struct fixture f;
	uint64_t a;

	fixture_new(&f, 2 * MIB, 8 * MIB);
	assert_int_equal(f.pa.npages, 2048);
	assert_int_equal(f.pa.map_pages, 1);

	a = page_alloc(&f.pa, 1, 2 * MIB);
	assert_int_equal(a, f.base + 2 * MIB);
	assert_fresh(&f, a, 1);
	a = page_alloc(&f.pa, 512, 2 * MIB);
	assert_int_equal(a, f.base + 4 * MIB);
	assert_fresh(&f, a, 512);
	a = page_alloc(&f.pa, 1, 2 * MIB);
	assert_int_equal(a, f.base + 6 * MIB);
	assert_int_equal(f.pa.nfree, 2047 - 514);

	/* Plenty free, but no 2 MiB frame start. */
	snap(&f.pa, &s);
	assert_int_equal(page_alloc(&f.pa, 1, 2 * MIB), 0);
	assert_unchanged(&f.pa, &s);
	/* Smaller alignments still fit between them. */
	a = page_alloc(&f.pa, 2, 8192);
	assert_int_equal(a, f.base + 8192);
	a = page_alloc(&f.pa, 3, 16384);
	assert_int_equal(a, f.base + 16384);
	assert_fresh(&f, a, 3);
	fixture_free(&f);
}

/* A block that does not start on the alignment: the first aligned
 * address inside it, not base + align. */
static void test_alloc_align_offset_base(void **state)
{
	uint8_t *mem = aligned_alloc(2 * MIB, 8 * MIB);
	uint64_t buf = (uintptr_t)mem;
	struct page_alloc pa;

	assert_non_null(mem);
	assert_int_equal(page_alloc_init(&pa, buf + 3 * PAGE_SIZE,
					 8 * MIB - 3 * PAGE_SIZE), 0);
	assert_int_equal(page_alloc(&pa, 1, 2 * MIB), buf + 2 * MIB);
	assert_int_equal(page_alloc(&pa, 1, 2 * MIB), buf + 4 * MIB);
	assert_int_equal(page_alloc(&pa, 1, 2 * MIB), buf + 6 * MIB);
	assert_int_equal(page_alloc(&pa, 1, 2 * MIB), 0);
	/* Page-aligned requests start after the bitmap, at base + 4 KiB. */
	assert_int_equal(page_alloc(&pa, 1, PAGE_SIZE), buf + 4 * PAGE_SIZE);
	assert_int_equal(page_alloc(&pa, 1, 8192), buf + 6 * PAGE_SIZE);
	free(mem);
}

/* An alignment larger than the block finds nothing, and says so. */
static void test_alloc_align_huge(void **state)
{
	struct snapshot s;
	struct fixture f;

	fixture_new(&f, 2 * MIB, 8 * MIB);
	snap(&f.pa, &s);
	assert_int_equal(page_alloc(&f.pa, 1, 1ull << 40), 0);
	assert_int_equal(page_alloc(&f.pa, 1, 1ull << 62), 0);
	assert_unchanged(&f.pa, &s);
	fixture_free(&f);
}

static void test_alloc_bad_args(void **state)
{
	static const uint64_t aligns[] = {
		0, 1, 2048, 4095, 4097, 3 * PAGE_SIZE, 6000, 2 * MIB + PAGE_SIZE,
		UINT64_MAX,
	};
	struct snapshot s;
	struct fixture f;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	snap(&f.pa, &s);
	for (size_t i = 0; i < ARRAY_SIZE(aligns); i++)
		assert_int_equal(page_alloc(&f.pa, 1, aligns[i]), 0);
	assert_int_equal(page_alloc(&f.pa, 0, PAGE_SIZE), 0);
	assert_unchanged(&f.pa, &s);
	fixture_free(&f);
}

static void test_alloc_exhaustion(void **state)
{
	struct snapshot s;
	struct fixture f;
	uint64_t a;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	/* More than there is, in one piece: refused, nothing taken. */
	snap(&f.pa, &s);
	assert_int_equal(page_alloc(&f.pa, 64, PAGE_SIZE), 0);
	assert_int_equal(page_alloc(&f.pa, UINT64_MAX, PAGE_SIZE), 0);
	assert_unchanged(&f.pa, &s);

	/* Exactly all of it. */
	a = page_alloc(&f.pa, 63, PAGE_SIZE);
	assert_int_equal(a, f.base + PAGE_SIZE);
	assert_fresh(&f, a, 63);
	assert_int_equal(f.pa.nfree, 0);
	snap(&f.pa, &s);
	assert_int_equal(page_alloc(&f.pa, 1, PAGE_SIZE), 0);
	assert_unchanged(&f.pa, &s);
	fixture_free(&f);
}

/* Enough free pages, but never two in a row, and only at odd indices. */
static void test_alloc_fragmented(void **state)
{
	struct snapshot s;
	struct fixture f;
	uint64_t a;

	fixture_new(&f, 2 * MIB, 64 * PAGE_SIZE);
	a = page_alloc(&f.pa, 63, PAGE_SIZE);
	for (uint64_t i = 0; i < 63; i += 2)
		assert_int_equal(page_free(&f.pa, a + i * PAGE_SIZE, 1), 0);
	assert_int_equal(f.pa.nfree, 32);
	snap(&f.pa, &s);
	assert_int_equal(page_alloc(&f.pa, 2, PAGE_SIZE), 0);
	/* The block is 2 MiB aligned: every 8 KiB aligned page is in use. */
	assert_int_equal(page_alloc(&f.pa, 1, 8192), 0);
	assert_unchanged(&f.pa, &s);
	assert_int_equal(page_alloc(&f.pa, 1, PAGE_SIZE), a);
	assert_int_equal(page_alloc(&f.pa, 1, PAGE_SIZE), a + 2 * PAGE_SIZE);
	fixture_free(&f);
}

/* --- free -------------------------------------------------------------- */

static void test_free_reuse(void **state)
{
	struct fixture f;
	uint64_t a, b;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	a = page_alloc(&f.pa, 2, PAGE_SIZE);
	b = page_alloc(&f.pa, 1, PAGE_SIZE);
	memset((void *)(uintptr_t)a, 0x77, 2 * PAGE_SIZE);
	assert_int_equal(page_free(&f.pa, a, 2), 0);
	assert_int_equal(f.pa.nfree, 62);
	assert_false(is_used(&f.pa, a));
	assert_false(is_used(&f.pa, a + PAGE_SIZE));
	assert_true(is_used(&f.pa, b));
	/* First fit takes the hole again, zeroed again. */
	assert_int_equal(page_alloc(&f.pa, 1, PAGE_SIZE), a);
	assert_fresh(&f, a, 1);
	assert_int_equal(page_alloc(&f.pa, 1, PAGE_SIZE), a + PAGE_SIZE);
	assert_fresh(&f, a + PAGE_SIZE, 1);
	assert_int_equal(page_alloc(&f.pa, 1, PAGE_SIZE), b + PAGE_SIZE);
	/* Free part of an allocation, then the rest. */
	assert_int_equal(page_free(&f.pa, a + PAGE_SIZE, 1), 0);
	assert_int_equal(page_free(&f.pa, a, 1), 0);
	assert_int_equal(page_alloc(&f.pa, 2, PAGE_SIZE), a);
	fixture_free(&f);
}

static void test_double_free(void **state)
{
	struct snapshot s;
	struct fixture f;
	uint64_t a;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	a = page_alloc(&f.pa, 1, PAGE_SIZE);
	page_alloc(&f.pa, 1, PAGE_SIZE);
	assert_int_equal(page_free(&f.pa, a, 1), 0);
	snap(&f.pa, &s);
	assert_int_equal(page_free(&f.pa, a, 1), -1);
	assert_unchanged(&f.pa, &s);
	/* A page that was never allocated at all. */
	assert_int_equal(page_free(&f.pa, f.base + 40 * PAGE_SIZE, 1), -1);
	assert_unchanged(&f.pa, &s);
	fixture_free(&f);
}

static void test_free_bitmap_refused(void **state)
{
	struct snapshot s;
	struct fixture f;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	page_alloc(&f.pa, 63, PAGE_SIZE);
	snap(&f.pa, &s);
	assert_int_equal(page_free(&f.pa, f.base, 1), -1);
	/* Even together with pages that are allocated. */
	assert_int_equal(page_free(&f.pa, f.base, 2), -1);
	assert_int_equal(page_free(&f.pa, f.base, 64), -1);
	assert_unchanged(&f.pa, &s);
	fixture_free(&f);
}

static void test_free_bad_range(void **state)
{
	struct snapshot s;
	struct fixture f;
	uint64_t a, end;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	end = f.base + 64 * PAGE_SIZE;
	a = page_alloc(&f.pa, 63, PAGE_SIZE);
	snap(&f.pa, &s);

	assert_int_equal(page_free(&f.pa, f.base - PAGE_SIZE, 1), -1);
	assert_int_equal(page_free(&f.pa, f.base - PAGE_SIZE, 3), -1);
	assert_int_equal(page_free(&f.pa, 0, 1), -1);
	assert_int_equal(page_free(&f.pa, end, 1), -1);
	assert_int_equal(page_free(&f.pa, end + 100 * PAGE_SIZE, 1), -1);
	assert_int_equal(page_free(&f.pa, UINT64_MAX & ~(PAGE_SIZE - 1), 1), -1);
	/* Starts inside, runs past the end. */
	assert_int_equal(page_free(&f.pa, end - PAGE_SIZE, 2), -1);
	assert_int_equal(page_free(&f.pa, a, 64), -1);
	assert_int_equal(page_free(&f.pa, a, UINT64_MAX), -1);
	/* Misaligned, and empty. */
	assert_int_equal(page_free(&f.pa, a + 1, 1), -1);
	assert_int_equal(page_free(&f.pa, a + 2048, 1), -1);
	assert_int_equal(page_free(&f.pa, a + PAGE_SIZE - 1, 1), -1);
	assert_int_equal(page_free(&f.pa, a, 0), -1);
	assert_unchanged(&f.pa, &s);

	/* The last page, exactly. */
	assert_int_equal(page_free(&f.pa, end - PAGE_SIZE, 1), 0);
	fixture_free(&f);
}

/* A range that is only partly allocated is refused as a whole. */
static void test_free_partial_refused(void **state)
{
	struct snapshot s;
	struct fixture f;
	uint64_t a, b;

	fixture_new(&f, PAGE_SIZE, 64 * PAGE_SIZE);
	a = page_alloc(&f.pa, 1, PAGE_SIZE);
	b = page_alloc(&f.pa, 2, PAGE_SIZE);
	assert_int_equal(b, a + PAGE_SIZE);
	snap(&f.pa, &s);
	/* Free page after the end, at the start, in the middle. */
	assert_int_equal(page_free(&f.pa, a, 4), -1);
	assert_int_equal(page_free(&f.pa, b, 3), -1);
	assert_unchanged(&f.pa, &s);
	assert_int_equal(page_free(&f.pa, a, 1), 0);
	snap(&f.pa, &s);
	assert_int_equal(page_free(&f.pa, a, 3), -1);
	assert_unchanged(&f.pa, &s);
	/* Neighbouring allocations may go back in one call. */
	assert_int_equal(page_free(&f.pa, b, 2), 0);
	assert_int_equal(f.pa.nfree, 63);
	fixture_free(&f);
}

/* --- random use -------------------------------------------------------- */

struct live {
	uint64_t addr;
	uint64_t n;
};

/* Random allocations and frees against a list of what is live: never
 * two allocations share a page, the counter matches the list, and a
 * free of anything but a live allocation is refused. */
static void test_random(void **state)
{
	static struct live live[256];
	uint64_t rng = 42;
	size_t nlive = 0;
	struct fixture f;

	fixture_new(&f, 2 * MIB, 8 * MIB);
	for (int step = 0; step < 4000; step++) {
		uint64_t used = f.pa.map_pages, r;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		r = rng >> 33;
		if (nlive < ARRAY_SIZE(live) && (r & 1 || !nlive)) {
			uint64_t n = 1 + (r >> 1) % 24;
			uint64_t align = PAGE_SIZE << ((r >> 8) % 5);
			uint64_t a = page_alloc(&f.pa, n, align);

			if (!a)
				continue;
			assert_int_equal(a % align, 0);
			assert_fresh(&f, a, n);
			for (size_t i = 0; i < nlive; i++)
				assert_true(a + n * PAGE_SIZE <= live[i].addr ||
					    live[i].addr + live[i].n * PAGE_SIZE <= a);
			memset((void *)(uintptr_t)a, 0x3c, n * PAGE_SIZE);
			live[nlive++] = (struct live){ a, n };
		} else {
			size_t k = (r >> 1) % nlive;

			assert_int_equal(page_free(&f.pa, live[k].addr, live[k].n), 0);
			assert_int_equal(page_free(&f.pa, live[k].addr, live[k].n), -1);
			live[k] = live[--nlive];
		}
		for (size_t i = 0; i < nlive; i++)
			used += live[i].n;
		assert_int_equal(f.pa.nfree, f.pa.npages - used);
	}
	while (nlive) {
		nlive--;
		assert_int_equal(page_free(&f.pa, live[nlive].addr, live[nlive].n), 0);
	}
	assert_int_equal(f.pa.nfree, f.pa.npages - f.pa.map_pages);
	fixture_free(&f);
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_init_partial_page),
		cmocka_unit_test(test_init_two_bitmap_pages),
		cmocka_unit_test(test_init_too_small),
		cmocka_unit_test(test_init_unaligned),
		cmocka_unit_test(test_alloc_zeroed),
		cmocka_unit_test(test_alloc_all_singly),
		cmocka_unit_test(test_alloc_align_2m),
		cmocka_unit_test(test_alloc_align_offset_base),
		cmocka_unit_test(test_alloc_align_huge),
		cmocka_unit_test(test_alloc_bad_args),
		cmocka_unit_test(test_alloc_exhaustion),
		cmocka_unit_test(test_alloc_fragmented),
		cmocka_unit_test(test_free_reuse),
		cmocka_unit_test(test_double_free),
		cmocka_unit_test(test_free_bitmap_refused),
		cmocka_unit_test(test_free_bad_range),
		cmocka_unit_test(test_free_partial_refused),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests_name("page_alloc", tests, NULL, NULL);
}
