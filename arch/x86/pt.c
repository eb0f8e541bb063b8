/* Extended page tables [SDM 3C 29.3]. Levels are numbered by what their
 * entries map: 3 = PML4E (512 GiB), 2 = PDPTE (1 GiB), 1 = PDE (2 MiB),
 * 0 = PTE (4 KiB). Each operation runs in two halves, seL4 style: a check
 * that reads the tables and takes every new table into a stash, and can
 * fail; then the writes, which cannot. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/vmx/ept.h"

/* A non-leaf entry allows everything; the leaf decides [SDM 3C 29.3.3]. */
#define EPT_NONLEAF     EPT_PERM_MASK

static uint64_t span(int level)
{
	return 1ull << (12 + 9 * level);
}

static unsigned index_of(uint64_t gpa, int level)
{
	return gpa >> (12 + 9 * level) & (EPT_ENTRIES - 1);
}

/* The first address past the level-sized block holding 'a'. */
static uint64_t next_block(uint64_t a, int level)
{
	return (a & ~(span(level) - 1)) + span(level);
}

/* An entry is present when any of R, W, X is set [SDM 3C 29.3.2]. */
static bool present(uint64_t entry)
{
	return entry & EPT_PERM_MASK;
}

static bool is_leaf(uint64_t entry, int level)
{
	return level == 0 || (level == 1 && (entry & EPT_LARGE));
}

/* A 2 MiB leaf holds address bits 51:21 only [SDM 3C 29.3.2, table 29-4]. */
static uint64_t leaf_addr(uint64_t entry, int level)
{
	return entry & EPT_ADDR_MASK & ~(span(level) - 1);
}

static uint64_t *next_table(const struct ept *e, uint64_t entry)
{
	return e->mem.table(e->mem.ctx, entry & EPT_ADDR_MASK);
}

static uint64_t *table(const struct ept *e, uint64_t hpa)
{
	return e->mem.table(e->mem.ctx, hpa);
}

static void put(const struct ept *e, uint64_t *slot, uint64_t val)
{
	e->mem.write(e->mem.ctx, slot, val);
}

/* --- the stash: tables taken before any entry is written, linked through
 * their entry 0 (they are not yet reachable from the root). --- */

static uint64_t stash_take(const struct ept *e, uint64_t *stash)
{
	uint64_t hpa = *stash;
	uint64_t *t = table(e, hpa);

	*stash = t[0];
	put(e, &t[0], 0);
	return hpa;
}

static void stash_drain(const struct ept *e, uint64_t stash)
{
	while (stash)
		e->mem.free_table(e->mem.ctx, stash_take(e, &stash));
}

static int stash_fill(const struct ept *e, uint64_t n, uint64_t *stash)
{
	*stash = 0;
	while (n--) {
		uint64_t hpa = e->mem.alloc_table(e->mem.ctx);

		if (!hpa) {
			stash_drain(e, *stash);
			*stash = 0;
			return EPT_E_NOMEM;
		}
		put(e, &table(e, hpa)[0], *stash);
		*stash = hpa;
	}
	return 0;
}

/* --- walking --- */

/* The slot for 'gpa' at 'level'. A missing table on the way is taken from
 * 'stash' and linked in, or, without a stash, ends the walk with NULL, as
 * does a leaf above 'level'. */
static uint64_t *walk(const struct ept *e, uint64_t gpa, int level,
		      uint64_t *stash)
{
	uint64_t *t = table(e, e->root);

	for (int l = EPT_LEVELS - 1; l > level; l--) {
		uint64_t *slot = &t[index_of(gpa, l)];

		if (!present(*slot)) {
			if (!stash)
				return NULL;
			put(e, slot, stash_take(e, stash) | EPT_NONLEAF);
		} else if (is_leaf(*slot, l)) {
			return NULL;
		}
		t = next_table(e, *slot);
	}
	return &t[index_of(gpa, level)];
}

/* The deepest slot for 'gpa': a leaf, or the not-present entry that ends
 * the walk. Its level goes to *level. */
static uint64_t *find(const struct ept *e, uint64_t gpa, int *level)
{
	uint64_t *t = table(e, e->root);

	for (int l = EPT_LEVELS - 1;; l--) {
		uint64_t *slot = &t[index_of(gpa, l)];

		if (!present(*slot) || is_leaf(*slot, l)) {
			*level = l;
			return slot;
		}
		t = next_table(e, *slot);
	}
}

/* Whether every page of [gpa, end) is mapped (or, with !mapped, none). */
static bool range_is(const struct ept *e, uint64_t gpa, uint64_t end,
		     bool mapped)
{
	int level;

	for (uint64_t a = gpa; a < end; a = next_block(a, level))
		if (present(*find(e, a, &level)) != mapped)
			return false;
	return true;
}

/* --- checks --- */

static int check_range(uint64_t gpa, uint64_t size)
{
	if (!size || (gpa | size) & (EPT_PAGE_4K - 1))
		return EPT_E_INVAL;
	if (gpa >= EPT_GPA_LIMIT || size > EPT_GPA_LIMIT - gpa)
		return EPT_E_INVAL;
	return 0;
}

/* Write without read is a misconfiguration [SDM 3C 29.3.3.1]. */
static bool perm_ok(unsigned perm)
{
	return perm && !(perm & ~EPT_PERM_MASK) &&
	       !((perm & EPT_PERM_W) && !(perm & EPT_PERM_R));
}

/* --- map --- */

/* A 2 MiB leaf where both sides allow it, else 4 KiB. */
static uint64_t map_piece(uint64_t gpa, uint64_t hpa, uint64_t end)
{
	if (((gpa | hpa) & (EPT_PAGE_2M - 1)) == 0 && end - gpa >= EPT_PAGE_2M)
		return EPT_PAGE_2M;
	return EPT_PAGE_4K;
}

/* How many tables mapping [gpa, end) will add: one per block, at each
 * level, whose entry one level up is missing. PTs only where a 4 KiB
 * piece falls. */
static uint64_t tables_needed(const struct ept *e, uint64_t gpa,
			      uint64_t hpa, uint64_t end)
{
	uint64_t n = 0;

	for (int l = EPT_LEVELS - 2; l >= 0; l--) {
		for (uint64_t a = gpa; a < end; a = next_block(a, l + 1)) {
			uint64_t *slot;

			if (l == 0 && map_piece(a, hpa + (a - gpa), end) ==
					      EPT_PAGE_2M)
				continue;
			slot = walk(e, a, l + 1, NULL);
			n += !slot || !present(*slot);
		}
	}
	return n;
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm, bool *flush)
{
	uint64_t end = gpa + size, stash, piece;
	int rc;

	*flush = false;
	if (check_range(gpa, size) || !perm_ok(perm) ||
	    hpa & (EPT_PAGE_4K - 1) || hpa >= EPT_HPA_LIMIT ||
	    size > EPT_HPA_LIMIT - hpa)
		return EPT_E_INVAL;
	if (!range_is(e, gpa, end, false))
		return EPT_E_EXISTS;
	rc = stash_fill(e, tables_needed(e, gpa, hpa, end), &stash);
	if (rc)
		return rc;

	/* Only not-present entries become present: no INVEPT [SDM 3C 29.4.3.1]. */
	for (uint64_t a = gpa; a < end; a += piece, hpa += piece) {
		bool large;

		piece = map_piece(a, hpa, end);
		large = piece == EPT_PAGE_2M;
		put(e, walk(e, a, large ? 1 : 0, &stash),
		    hpa | perm | EPT_MT_WB << EPT_MT_SHIFT |
			    (large ? EPT_LARGE : 0));
	}
	stash_drain(e, stash);          /* nothing: the count is exact */
	return 0;
}

int ept_keep_tables(struct ept *e, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size, stash;
	int rc = check_range(gpa, size), level;

	if (rc)
		return rc;
	for (uint64_t a = gpa; a < end; a = next_block(a, 1))
		if (present(*find(e, a, &level)) && level > 0)
			return EPT_E_EXISTS;
	/* An HPA never 2 MiB aligned with gpa: count page tables everywhere. */
	rc = stash_fill(e, tables_needed(e, gpa, EPT_PAGE_4K, end), &stash);
	if (rc)
		return rc;
	for (uint64_t a = gpa; a < end; a = next_block(a, 1)) {
		uint64_t *t = table(e, e->root);

		walk(e, a, 0, &stash);
		/* The bit is ignored by the CPU in non-leaf entries
		 * [SDM 3C Table 29-3..29-5]: no invalidation needed. */
		for (int l = EPT_LEVELS - 1; l > 0; l--) {
			uint64_t *slot = &t[index_of(a, l)];

			if (!(*slot & EPT_KEEP))
				put(e, slot, *slot | EPT_KEEP);
			t = next_table(e, *slot);
		}
	}
	stash_drain(e, stash);
	return 0;
}

/* --- unmap and protect --- */

/* Whether the leaf holding 'a' is a 2 MiB one that [gpa, end) covers only
 * in part and whose permissions change to 'perm' (0: removed). */
static bool split_due(const struct ept *e, uint64_t a, uint64_t gpa,
		      uint64_t end, unsigned perm)
{
	uint64_t base = a & ~(EPT_PAGE_2M - 1);
	int level;
	uint64_t entry = *find(e, a, &level);

	return level == 1 && (base < gpa || end - base < EPT_PAGE_2M) &&
	       (entry & EPT_PERM_MASK) != perm;
}

/* Replace a 2 MiB leaf with a table of 512 4 KiB leaves carrying the same
 * addresses and attributes. The table is complete before the one store
 * that links it, so the guest sees the old leaf or the whole table. */
static void split(const struct ept *e, uint64_t *pde, uint64_t pt)
{
	uint64_t big = *pde, *t = table(e, pt);
	uint64_t attr = big & ~(EPT_ADDR_MASK | EPT_LARGE);
	uint64_t base = leaf_addr(big, 1);

	for (unsigned i = 0; i < EPT_ENTRIES; i++)
		put(e, &t[i], (base + i * EPT_PAGE_4K) | attr);
	put(e, pde, pt | EPT_NONLEAF);
}

/* Free every table meeting [gpa, end) that holds no entry, lowest level
 * first, clearing the parent entry before the table goes. */
static void prune(const struct ept *e, uint64_t gpa, uint64_t end)
{
	for (int l = 0; l < EPT_LEVELS - 1; l++) {
		for (uint64_t a = gpa; a < end; a = next_block(a, l + 1)) {
			uint64_t *slot = walk(e, a, l + 1, NULL), hpa, *t;
			unsigned i;

			if (!slot || !present(*slot) || is_leaf(*slot, l + 1) ||
			    *slot & EPT_KEEP)
				continue;
			hpa = *slot & EPT_ADDR_MASK;
			t = table(e, hpa);
			for (i = 0; i < EPT_ENTRIES && !t[i]; i++)
				;
			if (i < EPT_ENTRIES)
				continue;
			put(e, slot, 0);
			e->mem.free_table(e->mem.ctx, hpa);
		}
	}
}

/* Set 'perm' on every leaf of [gpa, end), or remove them when perm is 0. */
static int change(struct ept *e, uint64_t gpa, uint64_t size, unsigned perm,
		  bool *flush)
{
	uint64_t end = gpa + size, last = end - 1, stash;
	bool two = (gpa ^ last) & ~(EPT_PAGE_2M - 1);
	unsigned splits;
	int rc, level;

	*flush = false;
	if (check_range(gpa, size))
		return EPT_E_INVAL;
	if (!range_is(e, gpa, end, true))
		return EPT_E_NOENT;
	/* Only the leaves holding the first and last page can be partial. */
	splits = split_due(e, gpa, gpa, end, perm) +
		 (two && split_due(e, last, gpa, end, perm));
	rc = stash_fill(e, splits, &stash);
	if (rc)
		return rc;

	*flush = splits != 0;           /* a split rewrites a present entry */
	if (split_due(e, gpa, gpa, end, perm))
		split(e, find(e, gpa, &level), stash_take(e, &stash));
	if (split_due(e, last, gpa, end, perm))
		split(e, find(e, last, &level), stash_take(e, &stash));
	for (uint64_t a = gpa; a < end; a = next_block(a, level)) {
		uint64_t *slot = find(e, a, &level);
		uint64_t val = perm ? (*slot & ~EPT_PERM_MASK) | perm : 0;

		if (val != *slot) {
			put(e, slot, val);
			*flush = true;
		}
	}
	if (!perm)
		prune(e, gpa, end);
	return 0;
}

int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size, bool *flush)
{
	return change(e, gpa, size, 0, flush);
}

int ept_protect(struct ept *e, uint64_t gpa, uint64_t size, unsigned perm,
		bool *flush)
{
	if (!perm_ok(perm)) {
		*flush = false;
		return EPT_E_INVAL;
	}
	return change(e, gpa, size, perm, flush);
}

/* --- the rest --- */

int ept_init(struct ept *e, const struct ept_mem *mem)
{
	e->mem = *mem;
	e->root = mem->alloc_table(mem->ctx);
	return e->root ? 0 : EPT_E_NOMEM;
}

static void free_tree(const struct ept *e, uint64_t hpa, int level)
{
	uint64_t *t = table(e, hpa);

	for (unsigned i = 0; level > 0 && i < EPT_ENTRIES; i++)
		if (present(t[i]) && !is_leaf(t[i], level))
			free_tree(e, t[i] & EPT_ADDR_MASK, level - 1);
	e->mem.free_table(e->mem.ctx, hpa);
}

void ept_destroy(struct ept *e)
{
	if (e->root)
		free_tree(e, e->root, EPT_LEVELS - 1);
	e->root = 0;
}

uint64_t ept_eptp(const struct ept *e)
{
	return e->root | (EPT_LEVELS - 1ull) << EPTP_WALK_SHIFT | EPTP_MT_WB;
}

int ept_lookup(const struct ept *e, uint64_t gpa, uint64_t *hpa,
	       unsigned *perm, uint64_t *page_size)
{
	int level;
	uint64_t entry;

	if (gpa >= EPT_GPA_LIMIT)
		return EPT_E_INVAL;
	entry = *find(e, gpa, &level);
	if (!present(entry))
		return EPT_E_NOENT;
	if (hpa)
		*hpa = leaf_addr(entry, level) | (gpa & (span(level) - 1));
	if (perm)
		*perm = entry & EPT_PERM_MASK;
	if (page_size)
		*page_size = span(level);
	return 0;
}

void ept_for_each_leaf(const struct ept *e,
		       void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				  uint64_t size, unsigned perm),
		       void *arg)
{
	int level;

	for (uint64_t a = 0; a < EPT_GPA_LIMIT; a = next_block(a, level)) {
		uint64_t entry = *find(e, a, &level);

		if (present(entry))
			fn(arg, a, leaf_addr(entry, level), span(level),
			   entry & EPT_PERM_MASK);
	}
}
