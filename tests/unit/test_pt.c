/* Host tests for arch/x86/pt.c against a fake table memory that records
 * every entry store (the Hedron idea): the write log shows the order of
 * stores, a hook can check every intermediate state, a failure can be
 * injected into any allocation, and a snapshot of the whole arena proves
 * that a refused or failed call changed nothing.
 *
 * Every test runs once per entry format, EPT and AMD NPT. Every store is
 * checked against the format's encodings written out here from the
 * manuals, not taken from struct pt_format. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/pt.h"
#include "arch/x86/svm/npt_format.h"
#include "arch/x86/vmx/ept.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define K4      PT_PAGE_4K
#define M2      PT_PAGE_2M
#define G1      (1ull << 30)
#define G512    (1ull << 39)
#define R       PT_PERM_R
#define W       PT_PERM_W
#define X       PT_PERM_X
#define RW      (R | W)
#define RX      (R | X)
#define RWX     (R | W | X)

/* The random test's GPA window: 16 MiB across a 1 GiB boundary. */
#define WIN_BASE  (G1 - 8 * M2)
#define WIN_PAGES 4096

/* --- the formats, from the manuals -------------------------------------- */

#define ADDR    0x000ffffffffff000ull   /* bits 51:12 in both formats */
#define LARGE   (1ull << 7)             /* EPT bit 7, long-mode PS */

/* What each format must write, bit by bit. */
struct fmt_case {
	const struct pt_format *f;
	uint64_t present;       /* an entry with any of these is present */
	uint64_t table;         /* a non-leaf entry's flags */
	uint64_t leaf[8];       /* a 4 KiB leaf's flags per perm; 0: illegal */
	uint64_t every;         /* set in every present entry, any level */
	uint64_t ignored;       /* bits the CPU ignores in every entry */
};

static const struct fmt_case fmt_cases[] = {
	/* [SDM 3C 29.3.2, tables 29-1 to 29-6]: R 0, W 1, X 2; a leaf's
	 * memory type in 5:3, WB = 6; W without R is a misconfiguration
	 * [29.3.3.1]; bit 11 ignored everywhere. */
	{
		.f       = &pt_format_ept,
		.present = 0x7,
		.table   = 0x7,
		.leaf    = { [1] = 0x31, [3] = 0x33, [4] = 0x34, [5] = 0x35,
			     [7] = 0x37 },
		.every   = 0,
		.ignored = 1ull << 11,
	},
	/* [APM vol 2, 5.3]: P 0, R/W 1, U/S 2, PWT 3 = PCD 4 = 0 (WB),
	 * AVL 11:9, NX 63; U/S at every level [15.25.5]. */
	{
		.f       = &pt_format_npt,
		.present = 0x1,
		.table   = 0x7,
		.leaf    = { [1] = 0x8000000000000005ull,
			     [3] = 0x8000000000000007ull,
			     [5] = 0x5, [7] = 0x7 },
		.every   = 0x5,
		.ignored = 0xe00,
	},
};

/* The format of the group running. */
static const struct fmt_case *fc;

static bool is_ept(void)
{
	return fc->f == &pt_format_ept;
}

/* --- fake table memory ------------------------------------------------ */

#define ARENA_PAGES 256
#define ARENA_BASE  0x100000ull         /* fake HPA of page 0 */
#define LOG_MAX     8192
#define POISON      0xdbu               /* fills every free page */

struct write_rec {
	uint64_t *slot;
	uint64_t  val;
};

struct fake_mem {
	uint64_t pages[ARENA_PAGES][PT_ENTRIES];
	bool     used[ARENA_PAGES];
	unsigned in_use;
	unsigned allocs;                /* successful allocations, ever */
	long     fail_in;               /* fail the allocation after this many; -1 never */
	bool     failed;                /* the injected failure happened */
	struct write_rec log[LOG_MAX];
	size_t   nlog;
	void   (*on_write)(void);       /* runs after every store */
	bool     destroying;            /* inside pt_destroy */
};

static struct fake_mem fm;

static void fm_reset(void)
{
	memset(fm.pages, POISON, sizeof(fm.pages));
	memset(fm.used, 0, sizeof(fm.used));
	fm.in_use = 0;
	fm.allocs = 0;
	fm.fail_in = -1;
	fm.failed = false;
	fm.nlog = 0;
	fm.on_write = NULL;
	fm.destroying = false;
}

static uint64_t page_hpa(unsigned i)
{
	return ARENA_BASE + (uint64_t)i * K4;
}

static unsigned page_index(uint64_t hpa)
{
	if (hpa < ARENA_BASE || hpa >= page_hpa(ARENA_PAGES) || hpa % K4)
		fail_msg("HPA %#llx is not an arena page", (unsigned long long)hpa);
	return (hpa - ARENA_BASE) / K4;
}

/* Which arena page a slot lies in; it must be allocated. */
static unsigned slot_page(const uint64_t *slot)
{
	const uint64_t *first = &fm.pages[0][0];

	if (slot < first || slot >= first + ARENA_PAGES * PT_ENTRIES)
		fail_msg("slot %p outside the arena", (const void *)slot);
	return (slot - first) / PT_ENTRIES;
}

static uint64_t fake_alloc(void *ctx)
{
	(void)ctx;
	if (fm.fail_in == 0) {
		fm.fail_in = -1;
		fm.failed = true;
		return 0;
	}
	if (fm.fail_in > 0)
		fm.fail_in--;
	for (unsigned i = 0; i < ARENA_PAGES; i++) {
		if (!fm.used[i]) {
			fm.used[i] = true;
			fm.in_use++;
			fm.allocs++;
			memset(fm.pages[i], 0, sizeof(fm.pages[i]));
			return page_hpa(i);
		}
	}
	fail_msg("arena full");
	return 0;
}

static void fake_free(void *ctx, uint64_t hpa)
{
	unsigned i = page_index(hpa);

	(void)ctx;
	if (!fm.used[i])
		fail_msg("double free of %#llx", (unsigned long long)hpa);
	/* No table may still point at it (but pt_destroy frees a whole
	 * tree that no CPU uses any more, parents after their children).
	 * No leaf points into the arena (check_entry). */
	for (unsigned p = 0; p < ARENA_PAGES; p++) {
		for (unsigned j = 0; !fm.destroying && fm.used[p] &&
				     j < PT_ENTRIES; j++) {
			uint64_t v = fm.pages[p][j];

			if ((v & fc->present) && (v & ADDR) == hpa)
				fail_msg("freeing %#llx still linked",
					 (unsigned long long)hpa);
		}
	}
	fm.used[i] = false;
	fm.in_use--;
	memset(fm.pages[i], POISON, sizeof(fm.pages[i]));
}

static uint64_t *fake_table(void *ctx, uint64_t hpa)
{
	unsigned i = page_index(hpa);

	(void)ctx;
	if (!fm.used[i])
		fail_msg("table() of free page %#llx", (unsigned long long)hpa);
	return fm.pages[i];
}

static bool in_arena(uint64_t hpa)
{
	return hpa >= ARENA_BASE && hpa < page_hpa(ARENA_PAGES);
}

/* The perm whose leaf flags these are (LARGE aside), or -1. */
static int leaf_perm(uint64_t flags)
{
	for (int p = 1; p < 8; p++)
		if (fc->leaf[p] && fc->leaf[p] == flags)
			return p;
	return -1;
}

/* Every value stored must be 0, a pointer to a live table (the format's
 * table flags, maybe the keep bit), or a leaf with exactly the flags of a
 * legal perm: no reserved bit, never a misaligned 2 MiB page. The one
 * not-present non-zero value is the stash's link to the next spare table,
 * in entry 0 of a spare table. The tests never map an HPA in the arena,
 * so an entry pointing there is a table pointer. */
static void check_entry(const uint64_t *slot, uint64_t v)
{
	if (!v)
		return;
	if (!(v & fc->present)) {
		assert_int_equal((slot - &fm.pages[0][0]) % PT_ENTRIES, 0);
		assert_true(fm.used[page_index(v)]);
		return;
	}
	assert_int_equal(v & fc->every, fc->every);
	if (in_arena(v & ADDR)) {
		assert_int_equal(v & ~ADDR & ~fc->f->keep, fc->table);
		assert_true(fm.used[page_index(v & ADDR)]);
		return;
	}
	assert_true(leaf_perm(v & ~ADDR & ~LARGE) > 0);
	if (v & LARGE)
		assert_int_equal(v & ADDR & (M2 - 1), 0);
}

static void fake_write(void *ctx, uint64_t *slot, uint64_t val)
{
	(void)ctx;
	if (!fm.used[slot_page(slot)])
		fail_msg("store into free page");
	check_entry(slot, val);
	if (fm.nlog < LOG_MAX)
		fm.log[fm.nlog++] = (struct write_rec){ slot, val };
	*slot = val;
	if (fm.on_write)
		fm.on_write();
}

static const struct pt_mem fake_mem = {
	.ctx = &fm,
	.alloc_table = fake_alloc,
	.free_table = fake_free,
	.table = fake_table,
	.write = fake_write,
};

static void destroy(struct pt *e)
{
	fm.destroying = true;
	pt_destroy(e);
	fm.destroying = false;
}

/* --- snapshots: everything a call could change --------------------------- */

struct snapshot {
	uint64_t pages[ARENA_PAGES][PT_ENTRIES];
	bool     used[ARENA_PAGES];
	unsigned in_use;
	uint64_t root;
};

static struct snapshot snap;

static void take_snapshot(const struct pt *e)
{
	memcpy(snap.pages, fm.pages, sizeof(snap.pages));
	memcpy(snap.used, fm.used, sizeof(snap.used));
	snap.in_use = fm.in_use;
	snap.root = e->root;
}

static void assert_unchanged(const struct pt *e)
{
	assert_int_equal(fm.in_use, snap.in_use);
	assert_memory_equal(fm.used, snap.used, sizeof(snap.used));
	assert_true(memcmp(fm.pages, snap.pages, sizeof(snap.pages)) == 0);
	assert_int_equal(e->root, snap.root);
}

/* --- helpers ----------------------------------------------------------- */

static void new_pt(struct pt *e)
{
	assert_int_equal(pt_init(e, &fake_mem, fc->f), 0);
}

static void map_ok(struct pt *e, uint64_t gpa, uint64_t hpa, uint64_t size,
		   unsigned perm)
{
	bool flush = true;

	assert_int_equal(pt_map(e, gpa, hpa, size, perm, &flush), 0);
	assert_false(flush);
}

static void unmap_ok(struct pt *e, uint64_t gpa, uint64_t size)
{
	bool flush = false;

	assert_int_equal(pt_unmap(e, gpa, size, &flush), 0);
	assert_true(flush);
}

static void protect_ok(struct pt *e, uint64_t gpa, uint64_t size,
		       unsigned perm)
{
	bool flush = false;

	assert_int_equal(pt_protect(e, gpa, size, perm, &flush), 0);
	assert_true(flush);
}

static void expect_map(const struct pt *e, uint64_t gpa, uint64_t hpa,
		       unsigned perm, uint64_t page_size)
{
	uint64_t h = 0, ps = 0;
	unsigned p = 0;

	assert_int_equal(pt_lookup(e, gpa, &h, &p, &ps), 0);
	assert_int_equal(h, hpa);
	assert_int_equal(p, perm);
	assert_int_equal(ps, page_size);
}

static void expect_unmapped(const struct pt *e, uint64_t gpa)
{
	assert_int_equal(pt_lookup(e, gpa, NULL, NULL, NULL), PT_E_NOENT);
}

/* Every page of [gpa, gpa + size) maps linearly from hpa. */
static void expect_range(const struct pt *e, uint64_t gpa, uint64_t hpa,
			 uint64_t size, unsigned perm, uint64_t page_size)
{
	for (uint64_t off = 0; off < size; off += K4)
		expect_map(e, gpa + off, hpa + off, perm, page_size);
}

/* The leaves as pt_for_each_leaf reports them. */
struct leaf {
	uint64_t gpa, hpa, size;
	unsigned perm;
};

struct leaves {
	struct leaf l[WIN_PAGES];
	size_t n;
};

static void collect_leaf(void *arg, uint64_t gpa, uint64_t hpa, uint64_t size,
			 unsigned perm)
{
	struct leaves *ls = arg;

	assert_true(ls->n < ARRAY_SIZE(ls->l));
	ls->l[ls->n++] = (struct leaf){ gpa, hpa, size, perm };
}

static struct leaves leaves;

static void get_leaves(const struct pt *e)
{
	leaves.n = 0;
	pt_for_each_leaf(e, collect_leaf, &leaves);
}

/* Walk the tree the way the CPU does and check its shape: every table
 * reachable once, no empty table below the root, no 1 GiB leaf. Returns
 * the number of tables. */
static unsigned count_tables(uint64_t hpa, int level, bool root)
{
	const uint64_t *t = fake_table(NULL, hpa);
	unsigned n = 1, present = 0;

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		if (!(t[i] & fc->present)) {
			assert_int_equal(t[i], 0);
			continue;
		}
		present++;
		if (level == 0 || (level == 1 && (t[i] & LARGE)))
			continue;
		assert_false(t[i] & LARGE);
		n += count_tables(t[i] & ADDR, level - 1, false);
	}
	if (!root)
		assert_true(present > 0);
	return n;
}

static void check_tree(const struct pt *e)
{
	assert_int_equal(count_tables(e->root, PT_LEVELS - 1, true), fm.in_use);
}

/* --- basic mapping ----------------------------------------------------- */

static void test_init_destroy(void **state)
{
	struct pt e;

	fm_reset();
	new_pt(&e);
	assert_int_equal(fm.in_use, 1);
	assert_int_equal(e.root, ARENA_BASE);
	assert_int_equal(pt_root(&e), ARENA_BASE);      /* nCR3 */
	/* [SDM 3C 25.6.11]: WB (6), walk length 4 - 1 in bits 5:3. */
	if (is_ept())
		assert_int_equal(ept_eptp(&e), ARENA_BASE | 3 << 3 | 6);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);

	fm.fail_in = 0;
	assert_int_equal(pt_init(&e, &fake_mem, fc->f), PT_E_NOMEM);
	assert_int_equal(fm.in_use, 0);
}

static void test_map_4k(void **state)
{
	struct pt e;

	fm_reset();
	new_pt(&e);
	map_ok(&e, 0x5000, 0x40001000, K4, RW);
	assert_int_equal(fm.in_use, 4);        /* PML4, PDPT, PD, PT */
	expect_map(&e, 0x5000, 0x40001000, RW, K4);
	expect_map(&e, 0x5abc, 0x40001abc, RW, K4);
	expect_unmapped(&e, 0x4000);
	expect_unmapped(&e, 0x6000);

	/* The leaf itself: HPA, perm, WB, nothing else. */
	assert_int_equal(fm.log[fm.nlog - 1].val, 0x40001000 | fc->leaf[RW]);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_map_2m(void **state)
{
	struct pt e;
	uint64_t pde;

	fm_reset();
	new_pt(&e);
	map_ok(&e, 4 * M2, 0x80000000, M2, RWX);
	assert_int_equal(fm.in_use, 3);        /* no PT */
	pde = fm.log[fm.nlog - 1].val;
	assert_int_equal(pde, 0x80000000 | fc->leaf[RWX] | LARGE);
	expect_range(&e, 4 * M2, 0x80000000, M2, RWX, M2);
	expect_unmapped(&e, 4 * M2 - K4);
	expect_unmapped(&e, 5 * M2);
	get_leaves(&e);
	assert_int_equal(leaves.n, 1);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_map_mixed(void **state)
{
	static const struct leaf want[] = {
		{ 2 * M2 - 2 * K4, 0x40000000 - 2 * K4, K4, RX },
		{ 2 * M2 - K4,     0x40000000 - K4,     K4, RX },
		{ 2 * M2,          0x40000000,          M2, RX },
		{ 3 * M2,          0x40000000 + M2,     M2, RX },
		{ 4 * M2,          0x40000000 + 2 * M2, K4, RX },
		{ 4 * M2 + K4,     0x40000000 + 2 * M2 + K4, K4, RX },
	};
	struct pt e;

	fm_reset();
	new_pt(&e);
	/* 4 MiB - 8 KiB .. 8 MiB + 8 KiB: 4K, 4K, 2M, 2M, 4K, 4K. */
	map_ok(&e, 2 * M2 - 2 * K4, 0x40000000 - 2 * K4, 2 * M2 + 4 * K4, RX);
	get_leaves(&e);
	assert_int_equal(leaves.n, ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(leaves.l[i].gpa, want[i].gpa);
		assert_int_equal(leaves.l[i].hpa, want[i].hpa);
		assert_int_equal(leaves.l[i].size, want[i].size);
		assert_int_equal(leaves.l[i].perm, want[i].perm);
	}
	assert_int_equal(fm.in_use, 5);        /* PML4, PDPT, PD, 2 PTs */
	check_tree(&e);
	destroy(&e);

	/* GPA and HPA 2 MiB aligned differently: 4 KiB leaves only. */
	fm_reset();
	new_pt(&e);
	map_ok(&e, 0, 0x40001000, 2 * M2, R);
	expect_range(&e, 0, 0x40001000, 2 * M2, R, K4);
	get_leaves(&e);
	assert_int_equal(leaves.n, 1024);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* A range across a 512 GiB boundary needs a table of every level on each
 * side; the top page of the GPA space and of the HPA space are reachable. */
static void test_map_limits(void **state)
{
	struct pt e;
	bool flush;

	fm_reset();
	new_pt(&e);
	map_ok(&e, G512 - K4, 0x40000000, 2 * K4, RW);
	assert_int_equal(fm.in_use, 7);
	expect_map(&e, G512 - K4, 0x40000000, RW, K4);
	expect_map(&e, G512, 0x40001000, RW, K4);
	map_ok(&e, PT_GPA_LIMIT - K4, PT_HPA_LIMIT - K4, K4, R);
	expect_map(&e, PT_GPA_LIMIT - 1, PT_HPA_LIMIT - 1, R, K4);
	map_ok(&e, PT_GPA_LIMIT - 2 * M2, PT_HPA_LIMIT - 2 * M2, M2, R);
	expect_map(&e, PT_GPA_LIMIT - M2 - 1, PT_HPA_LIMIT - M2 - 1, R, M2);
	assert_int_equal(pt_lookup(&e, PT_GPA_LIMIT, NULL, NULL, NULL),
			 PT_E_INVAL);
	check_tree(&e);
	assert_int_equal(pt_unmap(&e, G512 - K4, 2 * K4, &flush), 0);
	assert_int_equal(pt_unmap(&e, PT_GPA_LIMIT - 2 * M2, M2, &flush), 0);
	assert_int_equal(pt_unmap(&e, PT_GPA_LIMIT - K4, K4, &flush), 0);
	assert_int_equal(fm.in_use, 1);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_lookup_unmapped(void **state)
{
	struct pt e;
	uint64_t hpa = 7, ps = 7;
	unsigned perm = 7;

	fm_reset();
	new_pt(&e);
	assert_int_equal(pt_lookup(&e, 0, &hpa, &perm, &ps), PT_E_NOENT);
	assert_int_equal(hpa, 7);
	assert_int_equal(perm, 7);
	assert_int_equal(ps, 7);
	map_ok(&e, G1, 0x40000000, K4, R);
	expect_unmapped(&e, 0);
	expect_unmapped(&e, G1 + K4);          /* same PT */
	expect_unmapped(&e, G1 + M2);          /* same PD */
	expect_unmapped(&e, 2 * G1);           /* same PDPT */
	expect_unmapped(&e, G512 + G1);        /* other PML4E */
	get_leaves(&e);
	assert_int_equal(leaves.n, 1);
	destroy(&e);
}

static void test_for_each_order(void **state)
{
	struct pt e;

	fm_reset();
	new_pt(&e);
	map_ok(&e, G512 + M2, 0x1000000, M2, R);
	map_ok(&e, 3 * K4, 0x2000000, K4, RW);
	map_ok(&e, G1 + 4 * M2, 0x3000000, K4, RX);
	map_ok(&e, K4, 0x4000000, K4, R);
	map_ok(&e, 2 * M2, 0x5000000, M2, RWX);
	get_leaves(&e);
	assert_int_equal(leaves.n, 5);
	for (size_t i = 1; i < leaves.n; i++)
		assert_true(leaves.l[i - 1].gpa + leaves.l[i - 1].size <=
			    leaves.l[i].gpa);
	assert_int_equal(leaves.l[0].gpa, K4);
	assert_int_equal(leaves.l[4].gpa, G512 + M2);
	assert_int_equal(leaves.l[4].size, M2);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- refusals leave everything as it was --------------------------------- */

static void test_overlap_refused(void **state)
{
	static const struct {
		uint64_t gpa, size;
	} clash[] = {
		{ 8 * M2, M2 },                 /* exactly the 2 MiB leaf */
		{ 8 * M2 + 5 * K4, K4 },        /* 4K inside the 2 MiB leaf */
		{ 9 * M2 - K4, 2 * K4 },        /* straddles its end */
		{ 7 * M2, 2 * M2 },             /* 2M before + the leaf */
		{ 16 * M2, M2 },                /* 2M over an existing 4K */
		{ 16 * M2 + 3 * K4, K4 },       /* exactly the 4K page */
		{ 16 * M2 + K4, 4 * K4 },       /* partial over the 4K */
		{ 0, G1 },                      /* a big range hitting both */
	};
	struct pt e;
	bool flush = true;

	fm_reset();
	new_pt(&e);
	map_ok(&e, 8 * M2, 0x40000000, M2, RW);
	map_ok(&e, 16 * M2 + 3 * K4, 0x50000000, K4, RW);
	take_snapshot(&e);
	for (size_t i = 0; i < ARRAY_SIZE(clash); i++) {
		fm.nlog = 0;
		assert_int_equal(pt_map(&e, clash[i].gpa, 0x60000000,
					 clash[i].size, RW, &flush),
				 PT_E_EXISTS);
		assert_false(flush);
		assert_int_equal(fm.nlog, 0);
		assert_unchanged(&e);
	}
	/* Touching but not overlapping is fine. */
	map_ok(&e, 7 * M2, 0x60000000, M2, R);
	map_ok(&e, 9 * M2, 0x60200000, K4, R);
	map_ok(&e, 16 * M2 + 2 * K4, 0x70000000, K4, R);
	map_ok(&e, 16 * M2 + 4 * K4, 0x70001000, K4, R);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_noent_refused(void **state)
{
	static const struct {
		uint64_t gpa, size;
	} holes[] = {
		{ 0, K4 },                      /* nothing there */
		{ 8 * M2 - K4, 2 * K4 },        /* starts before the 2M leaf */
		{ 9 * M2 - K4, 2 * K4 },        /* ends after it */
		{ 8 * M2, 3 * M2 },             /* 2M leaf, hole, 4K, hole */
		{ 10 * M2, 3 * K4 },            /* 4K, 4K, hole */
		{ 10 * M2 + 2 * K4, K4 },       /* the hole */
	};
	struct pt e;
	bool flush = true;

	fm_reset();
	new_pt(&e);
	map_ok(&e, 8 * M2, 0x40000000, M2, RW);
	map_ok(&e, 10 * M2, 0x50000000, 2 * K4, RW);
	take_snapshot(&e);
	for (size_t i = 0; i < ARRAY_SIZE(holes); i++) {
		fm.nlog = 0;
		assert_int_equal(pt_unmap(&e, holes[i].gpa, holes[i].size,
					   &flush),
				 PT_E_NOENT);
		assert_false(flush);
		flush = true;
		assert_int_equal(pt_protect(&e, holes[i].gpa, holes[i].size,
					     R, &flush),
				 PT_E_NOENT);
		assert_false(flush);
		assert_int_equal(fm.nlog, 0);
		assert_unchanged(&e);
	}
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* Arguments each call must refuse with PT_E_INVAL before looking at
 * the tables: 'map_only' rows are about the HPA or a perm only pt_map
 * takes. The map is tried at gpa + 1 GiB for those, where the range is
 * free; the others aim at the mapped 2 MiB at 16 MiB, so a missed check
 * would show as EXISTS, or as success from unmap/protect. */
struct bad_args {
	const char *name;
	uint64_t gpa, hpa, size;
	unsigned perm;
	bool map_only;
};

static const struct bad_args bad_args[] = {
	{ "gpa misaligned", 8 * M2 + 1, 0x40000000, K4, RW, false },
	{ "hpa misaligned", 8 * M2, 0x40000800, K4, RW, true },
	{ "size misaligned", 8 * M2, 0x40000000, K4 + 8, RW, false },
	{ "size 0", 8 * M2, 0x40000000, 0, RW, false },
	{ "gpa range wraps", -K4, 0x40000000, 2 * K4, RW, false },
	{ "gpa = 2^48", PT_GPA_LIMIT, 0x40000000, K4, RW, false },
	{ "gpa end > 2^48", PT_GPA_LIMIT - K4, 0x40000000, 2 * K4, RW, false },
	{ "hpa = 2^52", 8 * M2, PT_HPA_LIMIT, K4, RW, true },
	{ "hpa end > 2^52", 8 * M2, PT_HPA_LIMIT - K4, 2 * K4, RW, true },
	{ "hpa range wraps", 8 * M2, -K4, 2 * K4, RW, true },
	{ "perm 0", 8 * M2, 0x40000000, K4, 0, false },
	{ "perm W", 8 * M2, 0x40000000, K4, W, false },
	{ "perm WX", 8 * M2, 0x40000000, K4, W | X, false },
	{ "perm bit 3", 8 * M2, 0x40000000, K4, R | 8, false },
};

static void test_invalid(void **state)
{
	const struct bad_args *b = *state;
	struct pt e;
	bool flush = true;

	fm_reset();
	new_pt(&e);
	map_ok(&e, 8 * M2, 0x40000000, M2, RW);
	take_snapshot(&e);
	fm.nlog = 0;
	assert_int_equal(pt_map(&e, b->gpa + (b->map_only ? G1 : 0), b->hpa,
				 b->size, b->perm, &flush),
			 PT_E_INVAL);
	assert_false(flush);
	if (!b->map_only) {
		flush = true;
		assert_int_equal(pt_protect(&e, b->gpa, b->size, b->perm,
					     &flush),
				 PT_E_INVAL);
		assert_false(flush);
	}
	/* unmap takes no perm: only the range rows apply. */
	if (!b->map_only && b->perm == RW) {
		flush = true;
		assert_int_equal(pt_unmap(&e, b->gpa, b->size, &flush),
				 PT_E_INVAL);
		assert_false(flush);
	}
	assert_int_equal(fm.nlog, 0);
	assert_unchanged(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* EPT: execute-only is a valid encoding; whether this CPU supports it
 * (EPT capability MSR bit 0) is the caller's to check [SDM 3C 29.3.3.1].
 * NPT: a present entry is readable, so execute-only cannot be said. */
static void test_exec_only(void **state)
{
	struct pt e;
	bool flush = true;

	fm_reset();
	new_pt(&e);
	if (!is_ept()) {
		map_ok(&e, 0, 0x40000000, K4, RX);
		take_snapshot(&e);
		fm.nlog = 0;
		assert_int_equal(pt_map(&e, K4, 0x40001000, K4, X, &flush),
				 PT_E_INVAL);
		assert_false(flush);
		flush = true;
		assert_int_equal(pt_protect(&e, 0, K4, X, &flush), PT_E_INVAL);
		assert_false(flush);
		assert_int_equal(fm.nlog, 0);
		assert_unchanged(&e);
		expect_map(&e, 0, 0x40000000, RX, K4);
		destroy(&e);
		assert_int_equal(fm.in_use, 0);
		return;
	}
	map_ok(&e, 0, 0x40000000, K4, X);
	expect_map(&e, 0, 0x40000000, X, K4);
	protect_ok(&e, 0, K4, RX);
	expect_map(&e, 0, 0x40000000, RX, K4);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- splitting --------------------------------------------------------- */

/* The EPT under test and the 2 MiB leaf it held before a split, for the
 * per-store check below. */
static struct pt *watched;
static uint64_t watch_gpa, watch_hpa, watch_changed;
static unsigned watch_perm, watch_new_perm;

/* After every store, every page of the old 2 MiB leaf translates to its
 * old HPA with the old permissions, except the one page being changed,
 * which has either its old or its new state. */
static void watch_store(void)
{
	for (uint64_t off = 0; off < M2; off += K4) {
		uint64_t h, ps;
		unsigned p;
		int rc = pt_lookup(watched, watch_gpa + off, &h, &p, &ps);

		if (watch_gpa + off == watch_changed) {
			if (rc == PT_E_NOENT && watch_new_perm == 0)
				continue;
			assert_int_equal(rc, 0);
			assert_true(p == watch_perm || p == watch_new_perm);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(p, watch_perm);
		}
		assert_int_equal(h, watch_hpa + off);
	}
}

static void watch(struct pt *e, uint64_t gpa, uint64_t hpa, unsigned perm,
		  uint64_t changed, unsigned new_perm)
{
	watched = e;
	watch_gpa = gpa;
	watch_hpa = hpa;
	watch_perm = perm;
	watch_changed = changed;
	watch_new_perm = new_perm;
	fm.on_write = watch_store;
}

/* The log holds one store to the PDE, after all 512 stores filling the
 * new table it points to. Returns the log index of the PDE store. */
static size_t check_split_order(const uint64_t *pde, uint64_t big)
{
	size_t at = SIZE_MAX;
	uint64_t *pt;
	unsigned filled = 0;

	for (size_t i = 0; i < fm.nlog; i++) {
		if (fm.log[i].slot == pde) {
			assert_int_equal(at, SIZE_MAX);
			at = i;
		}
	}
	assert_true(at != SIZE_MAX);
	assert_int_equal(fm.log[at].val & ~ADDR, fc->table);
	pt = fake_table(NULL, fm.log[at].val & ADDR);
	for (size_t i = 0; i < at; i++) {
		size_t idx;

		if (fm.log[i].slot < pt || fm.log[i].slot >= pt + PT_ENTRIES ||
		    !fm.log[i].val)
			continue;
		idx = fm.log[i].slot - pt;
		/* Same address bits, same attributes, no large bit. */
		assert_int_equal(fm.log[i].val,
				 ((big & ADDR) + idx * K4) |
					 (big & ~(ADDR | LARGE)));
		filled++;
	}
	assert_int_equal(filled, PT_ENTRIES);
	return at;
}

static uint64_t *pde_slot(const struct pt *e, uint64_t gpa)
{
	uint64_t *t = fake_table(NULL, e->root);

	for (int l = 3; l > 1; l--)
		t = fake_table(NULL, t[gpa >> (12 + 9 * l) & 511] & ADDR);
	return &t[gpa >> 21 & 511];
}

static void test_unmap_split(void **state)
{
	const uint64_t gpa = 6 * M2, hpa = 0x40000000, hole = gpa + 37 * K4;
	struct pt e;
	uint64_t *pde, big;
	size_t at;

	fm_reset();
	new_pt(&e);
	map_ok(&e, gpa, hpa, M2, RX);
	pde = pde_slot(&e, gpa);
	big = *pde;
	assert_true(big & LARGE);

	fm.nlog = 0;
	watch(&e, gpa, hpa, RX, hole, 0);
	unmap_ok(&e, hole, K4);
	fm.on_write = NULL;

	at = check_split_order(pde, big);
	/* Then exactly one more store: the hole's PTE cleared. */
	assert_int_equal(fm.nlog, at + 2);
	assert_int_equal(fm.log[at + 1].val, 0);
	expect_unmapped(&e, hole);
	for (uint64_t off = 0; off < M2; off += K4)
		if (gpa + off != hole)
			expect_map(&e, gpa + off, hpa + off, RX, K4);
	check_tree(&e);

	/* Unmapping the rest leaves just the root. */
	unmap_ok(&e, gpa, hole - gpa);
	unmap_ok(&e, hole + K4, gpa + M2 - hole - K4);
	assert_int_equal(fm.in_use, 1);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* An unmap across two 2 MiB leaves, covering each in part, splits both. */
static void test_unmap_split_two(void **state)
{
	struct pt e;

	fm_reset();
	new_pt(&e);
	map_ok(&e, G1 - M2, 0x40000000, 2 * M2, RW);    /* two PDs */
	unmap_ok(&e, G1 - K4, 2 * K4);
	expect_range(&e, G1 - M2, 0x40000000, M2 - K4, RW, K4);
	expect_unmapped(&e, G1 - K4);
	expect_unmapped(&e, G1);
	expect_range(&e, G1 + K4, 0x40200000 + K4, M2 - K4, RW, K4);
	assert_int_equal(fm.in_use, 6);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_unmap_whole_2m(void **state)
{
	struct pt e;

	fm_reset();
	new_pt(&e);
	map_ok(&e, 0, 0x40000000, 3 * M2, RW);
	fm.nlog = 0;
	unmap_ok(&e, M2, M2);
	assert_int_equal(fm.nlog, 1);          /* the PDE, no split */
	assert_int_equal(fm.in_use, 3);
	expect_map(&e, 0, 0x40000000, RW, M2);
	expect_unmapped(&e, M2);
	expect_map(&e, 2 * M2, 0x40400000, RW, M2);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_protect_split(void **state)
{
	const uint64_t gpa = 2 * G1 + 10 * M2, hpa = 0x80000000;
	const uint64_t page = gpa + M2 - K4;
	struct pt e;
	uint64_t *pde, big;
	size_t at;

	fm_reset();
	new_pt(&e);
	map_ok(&e, gpa, hpa, M2, RWX);
	pde = pde_slot(&e, gpa);
	big = *pde;

	fm.nlog = 0;
	watch(&e, gpa, hpa, RWX, page, R);
	protect_ok(&e, page, K4, R);
	fm.on_write = NULL;

	at = check_split_order(pde, big);
	assert_int_equal(fm.nlog, at + 2);
	expect_range(&e, gpa, hpa, M2 - K4, RWX, K4);
	expect_map(&e, page, hpa + M2 - K4, R, K4);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_protect_whole_2m(void **state)
{
	struct pt e;
	bool flush = true;

	fm_reset();
	new_pt(&e);
	map_ok(&e, M2, 0x40000000, 2 * M2, RWX);
	fm.nlog = 0;
	protect_ok(&e, M2, M2, R);
	assert_int_equal(fm.nlog, 1);
	assert_int_equal(fm.in_use, 3);
	expect_range(&e, M2, 0x40000000, M2, R, M2);
	expect_range(&e, 2 * M2, 0x40200000, M2, RWX, M2);

	/* Back to RWX, across both: two stores, still large. */
	protect_ok(&e, M2, 2 * M2, RWX);
	assert_int_equal(fm.nlog, 2);
	expect_range(&e, M2, 0x40000000, 2 * M2, RWX, M2);

	/* Nothing to change: no store, no split, no flush. */
	fm.nlog = 0;
	assert_int_equal(pt_protect(&e, M2 + K4, K4, RWX, &flush), 0);
	assert_false(flush);
	assert_int_equal(fm.nlog, 0);
	assert_int_equal(fm.in_use, 3);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- freeing ----------------------------------------------------------- */

static void test_empty_tables_freed(void **state)
{
	struct pt e;
	uint64_t root_before[PT_ENTRIES];

	fm_reset();
	new_pt(&e);
	memcpy(root_before, fake_table(NULL, e.root), sizeof(root_before));
	map_ok(&e, 3 * G512 + 5 * G1 + 7 * M2 + 9 * K4, 0x40000000, K4, RW);
	assert_int_equal(fm.in_use, 4);
	fm.nlog = 0;
	unmap_ok(&e, 3 * G512 + 5 * G1 + 7 * M2 + 9 * K4, K4);
	assert_int_equal(fm.in_use, 1);
	/* Leaf first, then each parent entry, bottom up: 4 stores. */
	assert_int_equal(fm.nlog, 4);
	for (size_t i = 0; i < fm.nlog; i++)
		assert_int_equal(fm.log[i].val, 0);
	assert_memory_equal(fake_table(NULL, e.root), root_before,
			    sizeof(root_before));

	/* A table still holding another entry stays. */
	map_ok(&e, 0, 0x40000000, K4, R);
	map_ok(&e, M2, 0x40200000, K4, R);
	unmap_ok(&e, 0, K4);
	assert_int_equal(fm.in_use, 4);        /* PML4, PDPT, PD, PT of M2 */
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* Kept tables (a receive window) survive the last unmap: the next map
 * allocates nothing. Keeping needs no flush and refuses a range under a
 * 2 MiB leaf. */
static void test_keep_tables(void **state)
{
	struct pt e;
	bool flush;
	uint64_t w = 2 * G1;                    /* a window at 2 GiB */

	fm_reset();
	new_pt(&e);
	assert_int_equal(pt_keep_tables(&e, w, 16 * K4), 0);
	assert_int_equal(fm.in_use, 4);         /* PML4, PDPT, PD, PT */
	map_ok(&e, w + 3 * K4, 0x40000000, K4, R);
	assert_int_equal(fm.in_use, 4);
	unmap_ok(&e, w + 3 * K4, K4);
	assert_int_equal(fm.in_use, 4);         /* nothing pruned */
	map_ok(&e, w + 3 * K4, 0x40001000, K4, R);
	assert_int_equal(fm.in_use, 4);
	/* Keeping again is a no-op. */
	assert_int_equal(pt_keep_tables(&e, w, 16 * K4), 0);
	assert_int_equal(fm.in_use, 4);
	/* Outside the kept range, pruning works as before. */
	map_ok(&e, 0, 0x50000000, K4, R);
	unmap_ok(&e, 0, K4);
	assert_int_equal(fm.in_use, 4);
	/* Not below a 2 MiB leaf. */
	map_ok(&e, 4 * G1, 0x60000000, M2, RW);
	assert_int_equal(pt_keep_tables(&e, 4 * G1, K4), PT_E_EXISTS);
	assert_int_equal(pt_map(&e, 4 * G1 + M2, 0x70000000, K4, R, &flush), 0);
	assert_false(flush);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

static void test_destroy_frees_all(void **state)
{
	struct pt a, b;

	fm_reset();
	new_pt(&a);
	new_pt(&b);
	map_ok(&a, 0, 0x40000000, 64 * M2 + 5 * K4, RW);
	map_ok(&a, 3 * G512 + K4, 0x50000000, K4, R);
	map_ok(&b, G1 - 3 * K4, 0x60000000, 6 * K4, RWX);
	protect_ok(&a, M2 + K4, K4, R);
	destroy(&a);
	check_tree(&b);
	destroy(&b);
	assert_int_equal(fm.in_use, 0);
}

/* --- out of memory at every allocation ----------------------------------- */

struct nomem_case {
	const char *name;
	void (*setup)(struct pt *e);
	int (*op)(struct pt *e, bool *flush);
	unsigned min_allocs;            /* the op needs at least this many */
};

static void setup_empty(struct pt *e)
{
	(void)e;
}

static void setup_2m(struct pt *e)
{
	map_ok(e, G1 - 2 * M2, 0x40000000, 4 * M2, RWX);
	map_ok(e, 5 * G1, 0x50000000, K4, R);
}

static int op_map_4k(struct pt *e, bool *f)
{
	return pt_map(e, 0x1000, 0x40000000, K4, RW, f);
}

static int op_map_wide(struct pt *e, bool *f)
{
	/* 4K pieces and 2M pieces across two PML4Es. */
	return pt_map(e, G512 - M2 - K4, 0x40000000 - K4, 2 * M2 + 2 * K4,
		       RW, f);
}

static int op_map_beside(struct pt *e, bool *f)
{
	/* Just past setup_2m's leaves, in their PD: one new PT. */
	return pt_map(e, G1 + 2 * M2, 0x60000000 + K4, 2 * K4, RW, f);
}

static int op_unmap_split(struct pt *e, bool *f)
{
	return pt_unmap(e, G1 - 2 * M2 + 9 * K4, K4, f);
}

static int op_unmap_split_two(struct pt *e, bool *f)
{
	return pt_unmap(e, G1 - K4, 2 * K4, f);
}

static int op_protect_split(struct pt *e, bool *f)
{
	return pt_protect(e, G1 - M2 + 3 * K4, M2, RX, f);
}

static int op_protect_split_one(struct pt *e, bool *f)
{
	return pt_protect(e, G1 + 7 * K4, K4, R, f);
}

static const struct nomem_case nomem_cases[] = {
	{ "map 4K", setup_empty, op_map_4k, 3 },
	{ "map wide", setup_empty, op_map_wide, 6 },
	{ "map beside", setup_2m, op_map_beside, 1 },
	{ "unmap split", setup_2m, op_unmap_split, 1 },
	{ "unmap split two", setup_2m, op_unmap_split_two, 2 },
	{ "protect split two", setup_2m, op_protect_split, 2 },
	{ "protect split one", setup_2m, op_protect_split_one, 1 },
};

static void test_nomem(void **state)
{
	const struct nomem_case *c = *state;
	struct pt e;
	bool flush;

	for (long k = 0;; k++) {
		unsigned before;
		int rc;

		fm_reset();
		new_pt(&e);
		c->setup(&e);
		take_snapshot(&e);
		before = fm.allocs;
		fm.nlog = 0;
		fm.fail_in = k;
		flush = true;
		rc = c->op(&e, &flush);
		if (rc == 0) {
			assert_false(fm.failed);
			assert_int_equal(k, fm.allocs - before);
			assert_true(k >= c->min_allocs);
			break;
		}
		assert_int_equal(rc, PT_E_NOMEM);
		assert_true(fm.failed);
		assert_false(flush);
		assert_unchanged(&e);
		/* Only stores to stashed tables, never to a reachable one. */
		for (size_t i = 0; i < fm.nlog; i++)
			assert_false(snap.used[slot_page(fm.log[i].slot)]);
		destroy(&e);
		assert_int_equal(fm.in_use, 0);
	}
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- flush flags --------------------------------------------------------- */

static void test_flush_flags(void **state)
{
	struct pt e;
	bool flush;

	fm_reset();
	new_pt(&e);
	flush = true;
	assert_int_equal(pt_map(&e, 0, 0x40000000, 4 * M2 + K4, RW, &flush), 0);
	assert_false(flush);                    /* pure addition */
	flush = false;
	assert_int_equal(pt_protect(&e, 0, M2, RWX, &flush), 0);
	assert_true(flush);                     /* more rights: conservative */
	flush = false;
	assert_int_equal(pt_protect(&e, M2, K4, R, &flush), 0);
	assert_true(flush);                     /* fewer rights, with split */
	flush = true;
	assert_int_equal(pt_protect(&e, M2, K4, R, &flush), 0);
	assert_false(flush);                    /* already so */
	flush = false;
	assert_int_equal(pt_unmap(&e, 4 * M2, K4, &flush), 0);
	assert_true(flush);
	flush = false;
	assert_int_equal(pt_unmap(&e, 2 * M2 + K4, K4, &flush), 0);
	assert_true(flush);                     /* removal with split */
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- no host frame writable in two VMs ----------------------------------- */

struct hrange {
	uint64_t hpa, size;
	unsigned vm;
};

struct hranges {
	struct hrange r[2048];
	size_t n;
	unsigned vm;
};

static void collect_writable(void *arg, uint64_t gpa, uint64_t hpa,
			     uint64_t size, unsigned perm)
{
	struct hranges *hr = arg;

	(void)gpa;
	if (!(perm & W))
		return;
	assert_true(hr->n < ARRAY_SIZE(hr->r));
	hr->r[hr->n++] = (struct hrange){ hpa, size, hr->vm };
}

/* Whether some host frame is writable in two of the 'n' EPTs. */
static bool shared_writable(struct pt *const *vms, unsigned n)
{
	static struct hranges hr;

	hr.n = 0;
	for (hr.vm = 0; hr.vm < n; hr.vm++)
		pt_for_each_leaf(vms[hr.vm], collect_writable, &hr);
	for (size_t i = 0; i < hr.n; i++)
		for (size_t j = i + 1; j < hr.n; j++)
			if (hr.r[i].vm != hr.r[j].vm &&
			    hr.r[i].hpa < hr.r[j].hpa + hr.r[j].size &&
			    hr.r[j].hpa < hr.r[i].hpa + hr.r[i].size)
				return true;
	return false;
}

static void test_no_shared_writable(void **state)
{
	struct pt a, b, c;
	struct pt *vms[] = { &a, &b, &c };
	bool flush;

	fm_reset();
	new_pt(&a);
	new_pt(&b);
	new_pt(&c);
	/* Each VM's RAM at GPA 0 from its own host block, mixed sizes. */
	map_ok(&a, 0, 0x40000000, 8 * M2, RWX);
	map_ok(&b, 0, 0x41000000, 8 * M2 + 3 * K4, RWX);
	map_ok(&c, K4, 0x43001000, 4 * M2, RW);
	assert_false(shared_writable(vms, 3));

	/* One frame shared read-only into all three is allowed, and so is
	 * the same frame writable twice within one VM. */
	map_ok(&a, G1, 0x50000000, K4, R);
	map_ok(&b, G1, 0x50000000, K4, RX);
	map_ok(&c, G1, 0x50000000, K4, R);
	map_ok(&a, 2 * G1, 0x40000000 + 5 * K4, K4, RW);
	assert_false(shared_writable(vms, 3));

	/* A's frame, writable in C: caught, though it is 4K inside A's 2M. */
	map_ok(&c, 2 * G1, 0x40000000 + 7 * M2 + 9 * K4, K4, RW);
	assert_true(shared_writable(vms, 3));
	/* Made read-only in C, the sharing is allowed again. */
	protect_ok(&c, 2 * G1, K4, R);
	assert_false(shared_writable(vms, 3));
	/* The shared read-only frame turned writable in B and C: caught. */
	protect_ok(&b, G1, K4, RW);
	assert_false(shared_writable(vms, 3));
	protect_ok(&c, G1, K4, RW);
	assert_true(shared_writable(vms, 3));
	assert_int_equal(pt_unmap(&c, G1, K4, &flush), 0);
	assert_false(shared_writable(vms, 3));

	destroy(&a);
	destroy(&b);
	destroy(&c);
	assert_int_equal(fm.in_use, 0);
}

/* The check after every single store, as a guest on another CPU would
 * see the tables. */
static struct pt *const *hook_vms;
static unsigned hook_nvms, hook_calls;

static void no_shared_writable_hook(void)
{
	hook_calls++;
	assert_false(shared_writable(hook_vms, hook_nvms));
}

/* Moving a frame from one VM to another, unmap first: the invariant
 * holds at every intermediate state, the split of A's 2 MiB leaf
 * included. Mapped into B first, it would not. */
static void test_move_frame(void **state)
{
	struct pt a, b;
	struct pt *vms[] = { &a, &b };
	const uint64_t frame = 0x40000000 + 5 * K4;

	fm_reset();
	new_pt(&a);
	new_pt(&b);
	map_ok(&a, 0, 0x40000000, M2, RW);
	map_ok(&b, 0, 0x40200000, M2, RW);

	hook_vms = vms;
	hook_nvms = 2;
	hook_calls = 0;
	fm.on_write = no_shared_writable_hook;
	unmap_ok(&a, 5 * K4, K4);
	map_ok(&b, 2 * M2, frame, K4, RW);
	fm.on_write = NULL;
	assert_true(hook_calls > PT_ENTRIES);
	expect_unmapped(&a, 5 * K4);
	expect_map(&b, 2 * M2, frame, RW, K4);

	/* Back to A in the wrong order: the checker sees the overlap. */
	map_ok(&a, 5 * K4, frame, K4, RW);
	assert_true(shared_writable(vms, 2));
	unmap_ok(&b, 2 * M2, K4);
	assert_false(shared_writable(vms, 2));
	destroy(&a);
	destroy(&b);
	assert_int_equal(fm.in_use, 0);
}

/* --- random operations against a model ----------------------------------- */

#define RAND_OPS   3000
#define RAND_ROUND 60            /* ops between clearing the window */

struct model_page {
	bool     mapped;
	uint64_t hpa;
	unsigned perm;
};

static struct model_page model[WIN_PAGES];
static uint64_t lcg_state;

static uint32_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return lcg_state >> 33;
}

static uint32_t rnd(uint32_t n)
{
	return lcg() % n;
}

/* X alone: legal in EPT, refused in NPT. */
static const unsigned perms[] = { R, RW, RX, RWX, X };

/* A page count: a few pages, or about a number of 2 MiB blocks. */
static uint64_t rnd_pages(void)
{
	switch (rnd(3)) {
	case 0:
		return 1 + rnd(8);
	case 1:
		return 512 * (1 + rnd(3));
	default:
		return 512 * rnd(3) + 1 + rnd(1023);
	}
}

/* A start page: anywhere, or on a 2 MiB boundary. */
static uint64_t rnd_start(void)
{
	uint64_t p = rnd(WIN_PAGES);

	return rnd(2) ? p & ~511ull : p;
}

static bool model_all(uint64_t p, uint64_t n, bool mapped)
{
	for (uint64_t i = p; i < p + n; i++)
		if (model[i].mapped != mapped)
			return false;
	return true;
}

static void model_check(const struct pt *e)
{
	for (uint64_t i = 0; i < WIN_PAGES; i++) {
		uint64_t gpa = WIN_BASE + i * K4, hpa, ps;
		unsigned perm;
		int rc = pt_lookup(e, gpa, &hpa, &perm, &ps);

		if (!model[i].mapped) {
			assert_int_equal(rc, PT_E_NOENT);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(hpa, model[i].hpa);
		assert_int_equal(perm, model[i].perm);
		if (ps == M2)
			assert_int_equal((gpa - hpa) % M2, 0);
	}
	/* Nothing outside the window. */
	get_leaves(e);
	for (size_t i = 0; i < leaves.n; i++) {
		assert_true(leaves.l[i].gpa >= WIN_BASE);
		assert_true(leaves.l[i].gpa + leaves.l[i].size <=
			    WIN_BASE + WIN_PAGES * K4);
	}
	check_tree(e);
}

/* Move [*p, *p + *n) onto a run of pages that are all 'mapped' (or all
 * free) at or after *p: the whole run, or a part of it, often starting on
 * a 2 MiB boundary and covering whole 2 MiB blocks. */
static void aim(bool mapped, uint64_t *pp, uint64_t *np)
{
	uint64_t p = *pp, len, q;

	while (p < WIN_PAGES && model[p].mapped != mapped)
		p++;
	for (len = 0; p + len < WIN_PAGES && model[p + len].mapped == mapped;
	     len++)
		;
	if (!len)
		return;
	if (rnd(3)) {
		q = p + rnd(len);
		if (rnd(2) && ((q + 511) & ~511ull) < p + len)
			q = (q + 511) & ~511ull;
		len -= q - p;
		p = q;
		len = rnd(2) && len >= 512 ? len & ~511ull : 1 + rnd(len);
	}
	*pp = p;
	*np = len;
}

static void random_op(struct pt *e, unsigned *stats)
{
	uint64_t p, n, hpa, gpa;
	unsigned perm = perms[rnd(ARRAY_SIZE(perms))], kind = rnd(10);
	bool flush, want_flush = false, fail = rnd(8) == 0;
	int rc, want;

	p = rnd_start();
	n = rnd_pages();
	/* Mostly aim at a free run (map) or a mapped one, so most succeed. */
	if (rnd(4))
		aim(kind >= 4, &p, &n);
	if (p >= WIN_PAGES || n == 0)
		return;
	if (p + n > WIN_PAGES)
		n = WIN_PAGES - p;
	gpa = WIN_BASE + p * K4;
	take_snapshot(e);
	if (fail)
		fm.fail_in = rnd(3);
	fm.failed = false;

	if (kind < 4) {
		/* HPA congruent to the GPA mod 2 MiB half of the time. */
		hpa = 0x100000000ull + rnd(64) * M2 +
		      (rnd(2) ? p % 512 : rnd(512)) * K4;
		want = !fc->leaf[perm] ? PT_E_INVAL :
		       model_all(p, n, false) ? 0 : PT_E_EXISTS;
		rc = pt_map(e, gpa, hpa, n * K4, perm, &flush);
		if (rc == 0)
			for (uint64_t i = 0; i < n; i++)
				model[p + i] = (struct model_page){
					true, hpa + i * K4, perm };
		stats[0] += rc == 0;
	} else if (kind < 7) {
		want = model_all(p, n, true) ? 0 : PT_E_NOENT;
		rc = pt_unmap(e, gpa, n * K4, &flush);
		want_flush = true;
		if (rc == 0)
			for (uint64_t i = 0; i < n; i++)
				model[p + i].mapped = false;
		stats[1] += rc == 0;
	} else {
		want = !fc->leaf[perm] ? PT_E_INVAL :
		       model_all(p, n, true) ? 0 : PT_E_NOENT;
		for (uint64_t i = 0; want == 0 && i < n; i++)
			want_flush |= model[p + i].perm != perm;
		rc = pt_protect(e, gpa, n * K4, perm, &flush);
		if (rc == 0)
			for (uint64_t i = 0; i < n; i++)
				model[p + i].perm = perm;
		stats[2] += rc == 0;
	}
	fm.fail_in = -1;

	if (fm.failed && rc == PT_E_NOMEM) {
		assert_int_equal(want, 0);
		assert_false(flush);
		assert_unchanged(e);
		stats[3]++;
		return;
	}
	assert_int_equal(rc, want);
	if (rc)
		assert_unchanged(e);
	assert_int_equal(flush, rc == 0 && want_flush);
	stats[4] += rc == PT_E_INVAL;
}

/* Unmap every mapped run: then only the root remains. */
static void unmap_all(struct pt *e)
{
	for (uint64_t p = 0; p < WIN_PAGES;) {
		uint64_t n = 0;

		while (p + n < WIN_PAGES && model[p + n].mapped)
			model[p + n++].mapped = false;
		if (n)
			unmap_ok(e, WIN_BASE + p * K4, n * K4);
		p += n ? n : 1;
	}
	model_check(e);
	assert_int_equal(fm.in_use, 1);
}

/* Rounds of random operations from an empty window, so that 2 MiB leaves
 * keep being made, split and freed. */
static void test_random(void **state)
{
	struct pt e;
	unsigned stats[5] = { 0 }, large = 0;

	fm_reset();
	memset(model, 0, sizeof(model));
	lcg_state = 0x5eed;
	new_pt(&e);
	for (unsigned i = 1; i <= RAND_OPS; i++) {
		random_op(&e, stats);
		fm.nlog = 0;
		model_check(&e);
		for (size_t j = 0; j < leaves.n; j++)
			large += leaves.l[j].size == M2;
		if (i % RAND_ROUND == 0)
			unmap_all(&e);
	}
	print_message("random (%s): %u maps, %u unmaps, %u protects, %u out "
		      "of memory, %u perms refused; %u allocations, %u 2M "
		      "leaves seen\n", fc->f->name, stats[0], stats[1],
		      stats[2], stats[3], stats[4], fm.allocs, large);
	assert_true(stats[0] > 100 && stats[1] > 100 && stats[2] > 100);
	assert_true(stats[3] > 10 && large > 100);
	/* X alone is refused by NPT only. */
	assert_true(is_ept() ? stats[4] == 0 : stats[4] > 10);
	unmap_all(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- the format, bit by bit --------------------------------------------- */

/* The entry at 'level' (3 = PML4E ... 0 = PTE) on the walk to 'gpa'. */
static uint64_t entry_at(const struct pt *e, uint64_t gpa, int level)
{
	uint64_t *t = fake_table(NULL, e->root);

	for (int l = 3; l > level; l--)
		t = fake_table(NULL, t[gpa >> (12 + 9 * l) & 511] & ADDR);
	return t[gpa >> (12 + 9 * level) & 511];
}

/* For every legal perm, every level of a 4 KiB and of a 2 MiB mapping:
 * table entries carry exactly the table flags, leaves exactly the perm's
 * flags (plus the large bit), NX (bit 63) is set exactly when X is not
 * granted in NPT and never in EPT, and NPT's U/S is set at every level. */
static void test_encoding(void **state)
{
	const uint64_t gpa = 3 * G512 + 5 * G1 + 7 * M2 + 9 * K4;
	const uint64_t big = 3 * G512 + 5 * G1 + 8 * M2;
	const uint64_t hpa = 0x123456789000ull, big_hpa = 0x2468ace00000ull;
	struct pt e;

	for (unsigned perm = 1; perm < 8; perm++) {
		uint64_t leaf, pde;

		if (!fc->leaf[perm])
			continue;
		fm_reset();
		new_pt(&e);
		map_ok(&e, gpa, hpa, K4, perm);
		map_ok(&e, big, big_hpa, M2, perm);
		for (int l = 3; l > 0; l--) {
			uint64_t t = entry_at(&e, gpa, l);

			assert_int_equal(t & ~ADDR, fc->table);
			assert_int_equal(t & fc->every, fc->every);
			assert_false(t & 1ull << 63);
		}
		leaf = entry_at(&e, gpa, 0);
		pde = entry_at(&e, big, 1);
		assert_int_equal(leaf, hpa | fc->leaf[perm]);
		assert_int_equal(pde, big_hpa | fc->leaf[perm] | LARGE);
		assert_int_equal(leaf & fc->every, fc->every);
		assert_int_equal(!!(leaf & 1ull << 63),
				 !is_ept() && !(perm & X));
		assert_int_equal(!!(pde & 1ull << 63),
				 !is_ept() && !(perm & X));
		destroy(&e);
	}
	/* Two whole entries, as the manuals draw them. */
	fm_reset();
	new_pt(&e);
	map_ok(&e, gpa, 0x40001000, K4, RW);
	assert_int_equal(entry_at(&e, gpa, 0), is_ept() ? 0x40001033ull :
				0x8000000040001007ull);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* Which PT_PERM_* sets each format takes, on map and on protect (EPT: W
 * needs R; NPT: R always, so no W-only, no X-only); bits above X never.
 * A refusal changes nothing; an accepted perm reads back the same. */
static void test_perm_legality(void **state)
{
	struct pt e;
	bool flush;

	for (unsigned perm = 0; perm < 16; perm++) {
		bool legal = perm < 8 && fc->leaf[perm];

		assert_int_equal(pt_perm_ok(fc->f, perm), legal);
		fm_reset();
		new_pt(&e);
		map_ok(&e, 0, 0x40000000, K4, R);
		take_snapshot(&e);
		fm.nlog = 0;
		flush = true;
		assert_int_equal(pt_map(&e, K4, 0x40001000, K4, perm, &flush),
				 legal ? 0 : PT_E_INVAL);
		assert_false(flush);
		assert_int_equal(pt_protect(&e, 0, K4, perm, &flush),
				 legal ? 0 : PT_E_INVAL);
		assert_int_equal(flush, legal && perm != R);
		if (legal) {
			expect_map(&e, 0, 0x40000000, perm, K4);
			expect_map(&e, K4, 0x40001000, perm, K4);
		} else {
			assert_int_equal(fm.nlog, 0);
			assert_unchanged(&e);
		}
		destroy(&e);
	}
	assert_false(pt_perm_ok(fc->f, W));
	assert_false(pt_perm_ok(fc->f, W | X));
	assert_int_equal(pt_perm_ok(fc->f, X), is_ept());
	assert_true(pt_perm_ok(fc->f, R) && pt_perm_ok(fc->f, RWX));
	assert_int_equal(fm.in_use, 0);
}

/* The keep bit is ours: one bit the CPU ignores in every entry of the
 * format, clear of every bit the format uses, and set by pt_keep_tables
 * on non-leaf entries only. */
static void test_keep_bit(void **state)
{
	const struct pt_format *f = fc->f;
	const uint64_t used = f->present | f->table | f->leaf | f->r | f->w |
			      f->x | f->large | f->addr;
	const uint64_t w = 2 * G1;
	struct pt e;

	assert_int_equal(__builtin_popcountll(f->keep), 1);
	assert_int_equal(f->keep & fc->ignored, f->keep);
	assert_int_equal(f->keep & used, 0);
	for (unsigned perm = 1; perm < 8; perm++)
		assert_int_equal(fc->leaf[perm] & f->keep, 0);

	fm_reset();
	new_pt(&e);
	assert_int_equal(pt_keep_tables(&e, w, 16 * K4), 0);
	map_ok(&e, w + K4, 0x40000000, K4, RW);
	for (int l = 3; l > 0; l--)
		assert_int_equal(entry_at(&e, w, l) & ~ADDR,
				 fc->table | f->keep);
	assert_int_equal(entry_at(&e, w + K4, 0), 0x40000000 | fc->leaf[RW]);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* Page exchange's case (vmm/net/net_ops.c): one page whose page table
 * is already there, a guest page about to be posted, is kept; then
 * unmapping it and every other page of that table frees nothing, and
 * mapping it back takes no table. Keeping marks every entry above. */
static void test_keep_one_mapped_page(void **state)
{
	const uint64_t g = 3 * G1 + 5 * M2;     /* a RAM block, 4 KiB pages */
	struct pt e;

	fm_reset();
	new_pt(&e);
	map_ok(&e, g, 0x40000000, 2 * K4, RW);
	assert_int_equal(fm.in_use, 4);         /* PML4, PDPT, PD, PT */
	assert_int_equal(pt_keep_tables(&e, g + K4, K4), 0);
	assert_int_equal(fm.in_use, 4);
	for (int l = 3; l > 0; l--)
		assert_int_equal(entry_at(&e, g, l) & fc->f->keep, fc->f->keep);
	assert_int_equal(entry_at(&e, g + K4, 0),
			 0x40001000 | fc->leaf[RW]);   /* the leaf unchanged */
	unmap_ok(&e, g + K4, K4);
	unmap_ok(&e, g, K4);
	assert_int_equal(fm.in_use, 4);         /* nothing pruned */
	map_ok(&e, g + K4, 0x50000000, K4, RW);
	assert_int_equal(fm.in_use, 4);
	/* Keeping a kept page again changes nothing. */
	assert_int_equal(pt_keep_tables(&e, g + K4, K4), 0);
	assert_int_equal(fm.in_use, 4);
	check_tree(&e);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- a window: slots by their leaf entry (pt_window_*) -------------------- */

/* One store, to slot 'slot''s entry in the CPU's walk, of 'val'. */
static void expect_one_store(const struct pt *e, uint64_t gpa, uint64_t val)
{
	uint64_t *t = fake_table(NULL, e->root);

	for (int l = 3; l > 0; l--)
		t = fake_table(NULL, t[gpa >> (12 + 9 * l) & 511] & ADDR);
	assert_int_equal(fm.nlog, 1);
	assert_ptr_equal(fm.log[0].slot, &t[gpa >> 12 & 511]);
	assert_int_equal(fm.log[0].val, val);
}

/* A window slot maps the right HPA read-only by one store to its PTE,
 * which the generic walk (pt_lookup, pt_for_each_leaf) then finds; an
 * unmap clears that entry alone and wants a flush; the table stays. */
static void test_window_map(void **state)
{
	const uint64_t g = 2 * G1, hpa = 0x40003000;
	struct pt_window w;
	struct pt e;
	bool flush = true;

	fm_reset();
	new_pt(&e);
	assert_int_equal(pt_window_keep(&e, g, 16, &w), 0);
	assert_int_equal(w.slots, 16);
	assert_int_equal(w.gpa, g);
	assert_int_equal(fm.in_use, 4);         /* PML4, PDPT, PD, PT */

	fm.nlog = 0;
	assert_int_equal(pt_window_map(&e, &w, 3, hpa, R, &flush), 0);
	assert_false(flush);
	expect_one_store(&e, g + 3 * K4, hpa | fc->leaf[R]);
	expect_map(&e, g + 3 * K4 + 0x123, hpa + 0x123, R, K4);
	expect_unmapped(&e, g + 2 * K4);
	expect_unmapped(&e, g + 4 * K4);
	get_leaves(&e);
	assert_int_equal(leaves.n, 1);
	assert_int_equal(leaves.l[0].gpa, g + 3 * K4);
	assert_int_equal(leaves.l[0].hpa, hpa);
	assert_int_equal(leaves.l[0].perm, R);
	check_tree(&e);

	fm.nlog = 0;
	assert_int_equal(pt_window_unmap(&e, &w, 3, &flush), 0);
	assert_true(flush);
	expect_one_store(&e, g + 3 * K4, 0);
	expect_unmapped(&e, g + 3 * K4);
	assert_int_equal(fm.in_use, 4);         /* nothing pruned */

	/* The same entries as the generic calls: each undoes the other. */
	map_ok(&e, g + 5 * K4, hpa, K4, R);
	assert_int_equal(pt_window_unmap(&e, &w, 5, &flush), 0);
	expect_unmapped(&e, g + 5 * K4);
	assert_int_equal(pt_window_map(&e, &w, 15, hpa, R, &flush), 0);
	unmap_ok(&e, g + 15 * K4, K4);
	assert_int_equal(fm.in_use, 4);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* Every refusal changes nothing: a slot past the window, a bad HPA or
 * perm, a mapped slot mapped again, an unmapped one unmapped. */
static void test_window_refused(void **state)
{
	const uint64_t g = 2 * G1, hpa = 0x40000000;
	struct pt_window w;
	struct pt e;
	bool flush;

	fm_reset();
	new_pt(&e);
	assert_int_equal(pt_window_keep(&e, g, 16, &w), 0);
	assert_int_equal(pt_window_map(&e, &w, 3, hpa, R, &flush), 0);
	take_snapshot(&e);
	fm.nlog = 0;
	assert_int_equal(pt_window_map(&e, &w, 16, hpa, R, &flush), PT_E_INVAL);
	assert_int_equal(pt_window_map(&e, &w, UINT32_MAX, hpa, R, &flush),
			 PT_E_INVAL);
	assert_int_equal(pt_window_map(&e, &w, 4, hpa + 1, R, &flush),
			 PT_E_INVAL);
	assert_int_equal(pt_window_map(&e, &w, 4, PT_HPA_LIMIT, R, &flush),
			 PT_E_INVAL);
	assert_int_equal(pt_window_map(&e, &w, 4, hpa, W, &flush), PT_E_INVAL);
	assert_int_equal(pt_window_map(&e, &w, 4, hpa, 8, &flush), PT_E_INVAL);
	assert_int_equal(pt_window_map(&e, &w, 3, hpa + K4, R, &flush),
			 PT_E_EXISTS);
	assert_false(flush);
	assert_int_equal(pt_window_unmap(&e, &w, 16, &flush), PT_E_INVAL);
	assert_int_equal(pt_window_unmap(&e, &w, 4, &flush), PT_E_NOENT);
	assert_false(flush);
	assert_int_equal(fm.nlog, 0);
	assert_unchanged(&e);
	expect_map(&e, g + 3 * K4, hpa, R, K4);
	destroy(&e);
}

/* A window lies in one page table, page aligned, 1 to 512 slots, under
 * no 2 MiB leaf; a refused keep changes nothing and fills nothing. */
static void test_window_keep_refused(void **state)
{
	struct pt_window w = { .slots = 7 };
	struct pt e;

	fm_reset();
	new_pt(&e);
	map_ok(&e, 4 * G1, 0x60000000, M2, RW);
	take_snapshot(&e);
	assert_int_equal(pt_window_keep(&e, 2 * G1, 0, &w), PT_E_INVAL);
	assert_int_equal(pt_window_keep(&e, 2 * G1, 513, &w), PT_E_INVAL);
	assert_int_equal(pt_window_keep(&e, 2 * G1 + 1, 1, &w), PT_E_INVAL);
	assert_int_equal(pt_window_keep(&e, 2 * G1 + M2 - K4, 2, &w),
			 PT_E_INVAL);
	assert_int_equal(pt_window_keep(&e, PT_GPA_LIMIT, 1, &w),
			 PT_E_INVAL);
	assert_int_equal(pt_window_keep(&e, 4 * G1, 1, &w), PT_E_EXISTS);
	assert_unchanged(&e);
	assert_int_equal(w.slots, 7);
	/* A whole page table is one window. */
	assert_int_equal(pt_window_keep(&e, 2 * G1, 512, &w), 0);
	assert_int_equal(w.slots, 512);
	destroy(&e);
}

/* pt_map of a 2 MiB range over a window's kept, empty page table lays
 * 4 KiB leaves in it: a 2 MiB leaf would unlink the table whose entries
 * the window writes. */
static void test_window_survives_2m_map(void **state)
{
	const uint64_t g = 2 * G1;
	struct pt_window w;
	struct pt e;
	bool flush;

	fm_reset();
	new_pt(&e);
	assert_int_equal(pt_window_keep(&e, g, 512, &w), 0);
	map_ok(&e, g, 0x60000000, M2, RW);
	expect_range(&e, g, 0x60000000, M2, RW, K4);
	assert_int_equal(fm.in_use, 4);
	assert_int_equal(pt_window_map(&e, &w, 0, 0x40000000, R, &flush),
			 PT_E_EXISTS);
	unmap_ok(&e, g, M2);
	assert_int_equal(fm.in_use, 4);
	assert_int_equal(pt_window_map(&e, &w, 0, 0x40000000, R, &flush), 0);
	expect_map(&e, g, 0x40000000, R, K4);
	destroy(&e);
	assert_int_equal(fm.in_use, 0);
}

/* --- the list ------------------------------------------------------------- */

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_init_destroy),
	cmocka_unit_test(test_map_4k),
	cmocka_unit_test(test_map_2m),
	cmocka_unit_test(test_map_mixed),
	cmocka_unit_test(test_map_limits),
	cmocka_unit_test(test_lookup_unmapped),
	cmocka_unit_test(test_for_each_order),
	cmocka_unit_test(test_overlap_refused),
	cmocka_unit_test(test_noent_refused),
	cmocka_unit_test(test_exec_only),
	cmocka_unit_test(test_unmap_split),
	cmocka_unit_test(test_unmap_split_two),
	cmocka_unit_test(test_unmap_whole_2m),
	cmocka_unit_test(test_protect_split),
	cmocka_unit_test(test_protect_whole_2m),
	cmocka_unit_test(test_empty_tables_freed),
	cmocka_unit_test(test_keep_tables),
	cmocka_unit_test(test_keep_one_mapped_page),
	cmocka_unit_test(test_destroy_frees_all),
	cmocka_unit_test(test_flush_flags),
	cmocka_unit_test(test_no_shared_writable),
	cmocka_unit_test(test_move_frame),
	cmocka_unit_test(test_random),
	cmocka_unit_test(test_encoding),
	cmocka_unit_test(test_perm_legality),
	cmocka_unit_test(test_keep_bit),
	cmocka_unit_test(test_window_map),
	cmocka_unit_test(test_window_refused),
	cmocka_unit_test(test_window_keep_refused),
	cmocka_unit_test(test_window_survives_2m_map),
};

/* One named test per out-of-memory case and per row of bad_args[]. */
static struct CMUnitTest nomem_tests[ARRAY_SIZE(nomem_cases)];
static struct CMUnitTest invalid_tests[ARRAY_SIZE(bad_args)];

/* All the tests, in format 'c'. */
static int run_format(const struct fmt_case *c)
{
	char name[3][64];
	int failed;

	fc = c;
	snprintf(name[0], sizeof(name[0]), "%s", c->f->name);
	snprintf(name[1], sizeof(name[1]), "%s invalid arguments", c->f->name);
	snprintf(name[2], sizeof(name[2]), "%s out of memory", c->f->name);
	failed = cmocka_run_group_tests_name(name[0], tests, NULL, NULL);
	failed += cmocka_run_group_tests_name(name[1], invalid_tests, NULL,
					      NULL);
	failed += cmocka_run_group_tests_name(name[2], nomem_tests, NULL,
					      NULL);
	return failed;
}

int main(void)
{
	int failed = 0;

	for (size_t i = 0; i < ARRAY_SIZE(nomem_cases); i++)
		nomem_tests[i] = (struct CMUnitTest){
			.name          = nomem_cases[i].name,
			.test_func     = test_nomem,
			.initial_state = (void *)&nomem_cases[i],
		};
	for (size_t i = 0; i < ARRAY_SIZE(bad_args); i++)
		invalid_tests[i] = (struct CMUnitTest){
			.name          = bad_args[i].name,
			.test_func     = test_invalid,
			.initial_state = (void *)&bad_args[i],
		};
	for (size_t i = 0; i < ARRAY_SIZE(fmt_cases); i++)
		failed += run_format(&fmt_cases[i]);
	return failed ? 1 : 0;
}
