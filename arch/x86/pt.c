/* Nested page tables, EPT or long-mode format (pt.h). Levels are numbered
 * by what their entries map: 3 = PML4E (512 GiB), 2 = PDPTE (1 GiB),
 * 1 = PDE (2 MiB), 0 = PTE (4 KiB). Each operation runs in two halves,
 * seL4 style: a check that reads the tables and takes every new table
 * into a stash, and can fail; then the writes, which cannot. Every bit of
 * an entry comes from the format, p->fmt. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86/pt.h"

static uint64_t span(int level)
{
	return 1ull << (12 + 9 * level);
}

static unsigned index_of(uint64_t gpa, int level)
{
	return gpa >> (12 + 9 * level) & (PT_ENTRIES - 1);
}

/* The first address past the level-sized block holding 'a'. */
static uint64_t next_block(uint64_t a, int level)
{
	return (a & ~(span(level) - 1)) + span(level);
}

static bool present(const struct pt *p, uint64_t entry)
{
	return entry & p->fmt.present;
}

static bool is_leaf(const struct pt *p, uint64_t entry, int level)
{
	return level == 0 || (level == 1 && (entry & p->fmt.large));
}

/* A 2 MiB leaf holds address bits 51:21 only; in the long-mode format
 * bit 12 of it is PAT, never set here [SDM 3C table 29-4, APM vol 2 5.3]. */
static uint64_t leaf_addr(const struct pt *p, uint64_t entry, int level)
{
	return entry & p->fmt.addr & ~(span(level) - 1);
}

/* The leaf bits that say 'perm', which pt_perm_ok() accepted. */
static uint64_t perm_bits(const struct pt_format *f, unsigned perm)
{
	return (perm & PT_PERM_R ? f->r : 0) | (perm & PT_PERM_W ? f->w : 0) |
	       (!!(perm & PT_PERM_X) != f->nx ? f->x : 0);
}

/* The PT_PERM_* a leaf grants. */
static unsigned perm_of(const struct pt_format *f, uint64_t leaf)
{
	return (leaf & f->r ? PT_PERM_R : 0) | (leaf & f->w ? PT_PERM_W : 0) |
	       (!(leaf & f->x) == f->nx ? PT_PERM_X : 0);
}

static uint64_t *next_table(const struct pt *p, uint64_t entry)
{
	return p->mem.table(p->mem.ctx, entry & p->fmt.addr);
}

static uint64_t *table(const struct pt *p, uint64_t hpa)
{
	return p->mem.table(p->mem.ctx, hpa);
}

static void put(const struct pt *p, uint64_t *slot, uint64_t val)
{
	p->mem.write(p->mem.ctx, slot, val);
}

/* --- the stash: tables taken before any entry is written, linked through
 * their entry 0 (they are not yet reachable from the root). --- */

static uint64_t stash_take(const struct pt *p, uint64_t *stash)
{
	uint64_t hpa = *stash;
	uint64_t *t = table(p, hpa);

	*stash = t[0];
	put(p, &t[0], 0);
	return hpa;
}

static void stash_drain(const struct pt *p, uint64_t stash)
{
	while (stash)
		p->mem.free_table(p->mem.ctx, stash_take(p, &stash));
}

static int stash_fill(const struct pt *p, uint64_t n, uint64_t *stash)
{
	*stash = 0;
	while (n--) {
		uint64_t hpa = p->mem.alloc_table(p->mem.ctx);

		if (!hpa) {
			stash_drain(p, *stash);
			*stash = 0;
			return PT_E_NOMEM;
		}
		put(p, &table(p, hpa)[0], *stash);
		*stash = hpa;
	}
	return 0;
}

/* --- walking --- */

/* The slot for 'gpa' at 'level'. A missing table on the way is taken from
 * 'stash' and linked in, or, without a stash, ends the walk with NULL, as
 * does a leaf above 'level'. */
static uint64_t *walk(const struct pt *p, uint64_t gpa, int level,
		      uint64_t *stash)
{
	uint64_t *t = table(p, p->root);

	for (int l = PT_LEVELS - 1; l > level; l--) {
		uint64_t *slot = &t[index_of(gpa, l)];

		if (!present(p, *slot)) {
			if (!stash)
				return NULL;
			put(p, slot, stash_take(p, stash) | p->fmt.table);
		} else if (is_leaf(p, *slot, l)) {
			return NULL;
		}
		t = next_table(p, *slot);
	}
	return &t[index_of(gpa, level)];
}

/* The deepest slot for 'gpa': a leaf, or the not-present entry that ends
 * the walk. Its level goes to *level. */
static uint64_t *find(const struct pt *p, uint64_t gpa, int *level)
{
	uint64_t *t = table(p, p->root);

	for (int l = PT_LEVELS - 1;; l--) {
		uint64_t *slot = &t[index_of(gpa, l)];

		if (!present(p, *slot) || is_leaf(p, *slot, l)) {
			*level = l;
			return slot;
		}
		t = next_table(p, *slot);
	}
}

/* walk(p, gpa, 0, NULL), the 4 KiB entry for 'gpa' or NULL, that also
 * hands back the entries it passed: up[l - 1] is the one at level l,
 * and up[0], which links the page table, has the keep bit if
 * pt_keep_tables kept it. One walk: the single-page unmap and keep
 * below need no more. */
static uint64_t *pte_of(const struct pt *p, uint64_t gpa,
			uint64_t *up[PT_LEVELS - 1])
{
	uint64_t *t = table(p, p->root);

	for (int l = PT_LEVELS - 1; l > 0; l--) {
		uint64_t *slot = &t[index_of(gpa, l)];

		if (!present(p, *slot) || is_leaf(p, *slot, l))
			return NULL;
		up[l - 1] = slot;
		t = next_table(p, *slot);
	}
	return &t[index_of(gpa, 0)];
}

/* Set the keep bit in 'slot' unless it is there. The bit is one the
 * CPU ignores: no invalidation. */
static void keep(const struct pt *p, uint64_t *slot)
{
	if (!(*slot & p->fmt.keep))
		put(p, slot, *slot | p->fmt.keep);
}

/* Whether every page of [gpa, end) is mapped (or, with !mapped, none). */
static bool range_is(const struct pt *p, uint64_t gpa, uint64_t end,
		     bool mapped)
{
	int level;

	for (uint64_t a = gpa; a < end; a = next_block(a, level))
		if (present(p, *find(p, a, &level)) != mapped)
			return false;
	return true;
}

/* --- checks --- */

static int check_range(uint64_t gpa, uint64_t size)
{
	if (!size || (gpa | size) & (PT_PAGE_4K - 1))
		return PT_E_INVAL;
	if (gpa >= PT_GPA_LIMIT || size > PT_GPA_LIMIT - gpa)
		return PT_E_INVAL;
	return 0;
}

bool pt_perm_ok(const struct pt_format *fmt, unsigned perm)
{
	return perm <= PT_PERM_MASK && (fmt->legal >> perm & 1);
}

/* --- map --- */

/* A 2 MiB leaf where both sides allow it and no page table is there
 * (an empty one kept by pt_keep_tables: a leaf over it would drop it,
 * and a window's entries with it), else 4 KiB. */
static uint64_t map_piece(const struct pt *p, uint64_t gpa, uint64_t hpa,
			  uint64_t end)
{
	uint64_t *pde;

	if (((gpa | hpa) & (PT_PAGE_2M - 1)) || end - gpa < PT_PAGE_2M)
		return PT_PAGE_4K;
	pde = walk(p, gpa, 1, NULL);
	return pde && present(p, *pde) ? PT_PAGE_4K : PT_PAGE_2M;
}

/* How many tables mapping [gpa, end) will add: one per block, at each
 * level, whose entry one level up is missing. PTs only where a 4 KiB
 * piece falls. */
static uint64_t tables_needed(const struct pt *p, uint64_t gpa,
			      uint64_t hpa, uint64_t end)
{
	uint64_t n = 0;

	for (int l = PT_LEVELS - 2; l >= 0; l--) {
		for (uint64_t a = gpa; a < end; a = next_block(a, l + 1)) {
			uint64_t *slot;

			if (l == 0 && map_piece(p, a, hpa + (a - gpa), end) ==
					      PT_PAGE_2M)
				continue;
			slot = walk(p, a, l + 1, NULL);
			n += !slot || !present(p, *slot);
		}
	}
	return n;
}

int pt_map(struct pt *p, uint64_t gpa, uint64_t hpa, uint64_t size,
	   unsigned perm, bool *flush)
{
	uint64_t end = gpa + size, stash, piece, leaf;
	int rc;

	*flush = false;
	if (check_range(gpa, size) || !pt_perm_ok(&p->fmt, perm) ||
	    hpa & (PT_PAGE_4K - 1) || hpa >= PT_HPA_LIMIT ||
	    size > PT_HPA_LIMIT - hpa)
		return PT_E_INVAL;
	leaf = p->fmt.leaf | perm_bits(&p->fmt, perm);
	/* One page whose page table is there: the general path below would
	 * write the same entry after four more walks. Page exchange maps
	 * one page a frame this way (docs/performance.md, "Page exchange
	 * by one walk"). */
	if (size == PT_PAGE_4K) {
		uint64_t *pte = walk(p, gpa, 0, NULL);

		if (pte) {
			if (present(p, *pte))
				return PT_E_EXISTS;
			put(p, pte, hpa | leaf);
			return 0;
		}
	}
	if (!range_is(p, gpa, end, false))
		return PT_E_EXISTS;
	rc = stash_fill(p, tables_needed(p, gpa, hpa, end), &stash);
	if (rc)
		return rc;

	/* Only not-present entries become present, and no translation is
	 * cached from a not-present entry: no invalidation [SDM 3C 29.4.3.4;
	 * AMD-V flushes anyway: arch/x86/svm/svm_npt.c]. */
	for (uint64_t a = gpa; a < end; a += piece, hpa += piece) {
		bool large;

		piece = map_piece(p, a, hpa, end);
		large = piece == PT_PAGE_2M;
		put(p, walk(p, a, large ? 1 : 0, &stash),
		    hpa | leaf | (large ? p->fmt.large : 0));
	}
	stash_drain(p, stash);          /* nothing: the count is exact */
	return 0;
}

int pt_keep_tables(struct pt *p, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size, stash;
	int rc = check_range(gpa, size), level;
	uint64_t *up[PT_LEVELS - 1];

	if (rc)
		return rc;
	/* One page whose page table is there, as page exchange keeps each
	 * page the guest posts (vmm/net/net_ops.c): no table to take, and
	 * the entries to mark are those the walk passed. */
	if (size == PT_PAGE_4K && pte_of(p, gpa, up)) {
		for (int l = PT_LEVELS - 1; l > 0; l--)
			keep(p, up[l - 1]);
		return 0;
	}
	for (uint64_t a = gpa; a < end; a = next_block(a, 1))
		if (present(p, *find(p, a, &level)) && level > 0)
			return PT_E_EXISTS;
	/* An HPA never 2 MiB aligned with gpa: count page tables everywhere. */
	rc = stash_fill(p, tables_needed(p, gpa, PT_PAGE_4K, end), &stash);
	if (rc)
		return rc;
	for (uint64_t a = gpa; a < end; a = next_block(a, 1)) {
		uint64_t *t = table(p, p->root);

		walk(p, a, 0, &stash);
		for (int l = PT_LEVELS - 1; l > 0; l--) {
			uint64_t *slot = &t[index_of(a, l)];

			keep(p, slot);
			t = next_table(p, *slot);
		}
	}
	stash_drain(p, stash);
	return 0;
}

/* --- a window: slots mapped and unmapped by their leaf entry alone --- */

int pt_window_keep(struct pt *p, uint64_t gpa, uint32_t slots,
		   struct pt_window *w)
{
	uint64_t size = (uint64_t)slots * PT_PAGE_4K;
	int rc;

	/* One page table holds every entry: [gpa, gpa + size) in one
	 * 2 MiB block, so slot i's entry is pte[i]. */
	if (!slots || slots > PT_ENTRIES || check_range(gpa, size) ||
	    (gpa ^ (gpa + size - 1)) & ~(PT_PAGE_2M - 1))
		return PT_E_INVAL;
	rc = pt_keep_tables(p, gpa, size);
	if (rc)
		return rc;
	*w = (struct pt_window){
		.pte = walk(p, gpa, 0, NULL), .gpa = gpa, .slots = slots,
	};
	return 0;
}

int pt_window_map(struct pt *p, const struct pt_window *w, uint32_t slot,
		  uint64_t hpa, unsigned perm, bool *flush)
{
	*flush = false;
	if (slot >= w->slots || !pt_perm_ok(&p->fmt, perm) ||
	    hpa & (PT_PAGE_4K - 1) || hpa >= PT_HPA_LIMIT)
		return PT_E_INVAL;
	if (present(p, w->pte[slot]))
		return PT_E_EXISTS;
	/* Not present -> present: no invalidation, as pt_map. */
	put(p, &w->pte[slot], hpa | p->fmt.leaf | perm_bits(&p->fmt, perm));
	return 0;
}

int pt_window_unmap(struct pt *p, const struct pt_window *w, uint32_t slot,
		    bool *flush)
{
	*flush = false;
	if (slot >= w->slots)
		return PT_E_INVAL;
	if (!present(p, w->pte[slot]))
		return PT_E_NOENT;
	/* The table is kept: nothing to prune. */
	put(p, &w->pte[slot], 0);
	*flush = true;
	return 0;
}

/* --- unmap and protect --- */

/* Whether the leaf holding 'a' is a 2 MiB one that [gpa, end) covers only
 * in part and whose permissions change to 'perm' (0: removed). */
static inline bool split_due(const struct pt *p, uint64_t a, uint64_t gpa,
		      uint64_t end, unsigned perm)
{
	uint64_t base = a & ~(PT_PAGE_2M - 1);
	int level;
	uint64_t entry = *find(p, a, &level);

	return level == 1 && (base < gpa || end - base < PT_PAGE_2M) &&
	       perm_of(&p->fmt, entry) != perm;
}

/* Replace a 2 MiB leaf with a table of 512 4 KiB leaves carrying the same
 * addresses and attributes. The table is complete before the one store
 * that links it, so the guest sees the old leaf or the whole table. */
static void split(const struct pt *p, uint64_t *pde, uint64_t pt)
{
	uint64_t big = *pde, *t = table(p, pt);
	uint64_t attr = big & ~(p->fmt.addr | p->fmt.large);
	uint64_t base = leaf_addr(p, big, 1);

	for (unsigned i = 0; i < PT_ENTRIES; i++)
		put(p, &t[i], (base + i * PT_PAGE_4K) | attr);
	put(p, pde, pt | p->fmt.table);
}

/* Whether table 't' holds no entry at all (prune, unmap_pte). */
static bool table_empty(const uint64_t *t)
{
	unsigned i;

	for (i = 0; i < PT_ENTRIES && !t[i]; i++)
		;
	return i == PT_ENTRIES;
}

/* Free every table meeting [gpa, end) that holds no entry, lowest level
 * first, clearing the parent entry before the table goes. */
static void prune(const struct pt *p, uint64_t gpa, uint64_t end)
{
	for (int l = 0; l < PT_LEVELS - 1; l++) {
		for (uint64_t a = gpa; a < end; a = next_block(a, l + 1)) {
			uint64_t *slot = walk(p, a, l + 1, NULL), hpa;

			if (!slot || !present(p, *slot) ||
			    is_leaf(p, *slot, l + 1) || *slot & p->fmt.keep)
				continue;
			hpa = *slot & p->fmt.addr;
			if (!table_empty(table(p, hpa)))
				continue;
			put(p, slot, 0);
			p->mem.free_table(p->mem.ctx, hpa);
		}
	}
}

/* Set 'perm' on every leaf of [gpa, end), or remove them when perm is 0. */
static int change(struct pt *p, uint64_t gpa, uint64_t size, unsigned perm,
		  bool *flush)
{
	const struct pt_format *f = &p->fmt;
	uint64_t end = gpa + size, last = end - 1, stash;
	uint64_t perm_mask = f->r | f->w | f->x, bits = perm_bits(f, perm);
	bool two = (gpa ^ last) & ~(PT_PAGE_2M - 1);
	bool first, second;
	int rc, level;

	*flush = false;
	if (check_range(gpa, size))
		return PT_E_INVAL;
	if (!range_is(p, gpa, end, true))
		return PT_E_NOENT;
	/* Only the leaves holding the first and last page can be partial;
	 * in one 2 MiB block, one split serves both. */
	first = split_due(p, gpa, gpa, end, perm);
	second = two && split_due(p, last, gpa, end, perm);
	rc = stash_fill(p, first + second, &stash);
	if (rc)
		return rc;

	*flush = first || second;       /* a split rewrites a present entry */
	if (first)
		split(p, find(p, gpa, &level), stash_take(p, &stash));
	if (second)
		split(p, find(p, last, &level), stash_take(p, &stash));
	for (uint64_t a = gpa; a < end; a = next_block(a, level)) {
		uint64_t *slot = find(p, a, &level);
		uint64_t val = perm ? (*slot & ~perm_mask) | bits : 0;

		if (val != *slot) {
			put(p, slot, val);
			*flush = true;
		}
	}
	if (!perm)
		prune(p, gpa, end);
	return 0;
}

/* Unmap one present 4 KiB leaf, as change() would: the entry cleared,
 * a flush due, and the tables above pruned only if its page table may
 * go: not kept, and now empty. A kept table, or one that still holds an
 * entry, keeps every table above it linked, so prune() would free
 * none. */
static void unmap_pte(struct pt *p, uint64_t gpa, uint64_t *pte, bool kept,
		      bool *flush)
{
	put(p, pte, 0);
	*flush = true;
	if (!kept && table_empty(pte - index_of(gpa, 0)))
		prune(p, gpa, gpa + PT_PAGE_4K);
}

int pt_unmap(struct pt *p, uint64_t gpa, uint64_t size, bool *flush)
{
	if (size == PT_PAGE_4K && !check_range(gpa, size)) {
		uint64_t *up[PT_LEVELS - 1];
		uint64_t *pte = pte_of(p, gpa, up);

		if (pte && present(p, *pte)) {
			unmap_pte(p, gpa, pte, *up[0] & p->fmt.keep, flush);
			return 0;
		}
	}
	return change(p, gpa, size, 0, flush);
}

int pt_protect(struct pt *p, uint64_t gpa, uint64_t size, unsigned perm,
	       bool *flush)
{
	if (!pt_perm_ok(&p->fmt, perm)) {
		*flush = false;
		return PT_E_INVAL;
	}
	return change(p, gpa, size, perm, flush);
}

/* --- the rest --- */

int pt_init(struct pt *p, const struct pt_mem *mem,
	    const struct pt_format *fmt)
{
	p->mem = *mem;
	p->fmt = *fmt;
	p->root = mem->alloc_table(mem->ctx);
	return p->root ? 0 : PT_E_NOMEM;
}

static void free_tree(const struct pt *p, uint64_t hpa, int level)
{
	uint64_t *t = table(p, hpa);

	for (unsigned i = 0; level > 0 && i < PT_ENTRIES; i++)
		if (present(p, t[i]) && !is_leaf(p, t[i], level))
			free_tree(p, t[i] & p->fmt.addr, level - 1);
	p->mem.free_table(p->mem.ctx, hpa);
}

void pt_destroy(struct pt *p)
{
	if (p->root)
		free_tree(p, p->root, PT_LEVELS - 1);
	p->root = 0;
}

int pt_lookup(const struct pt *p, uint64_t gpa, uint64_t *hpa,
	      unsigned *perm, uint64_t *page_size)
{
	int level;
	uint64_t entry;

	if (gpa >= PT_GPA_LIMIT)
		return PT_E_INVAL;
	entry = *find(p, gpa, &level);
	if (!present(p, entry))
		return PT_E_NOENT;
	if (hpa)
		*hpa = leaf_addr(p, entry, level) | (gpa & (span(level) - 1));
	if (perm)
		*perm = perm_of(&p->fmt, entry);
	if (page_size)
		*page_size = span(level);
	return 0;
}

void pt_for_each_leaf(const struct pt *p,
		      void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				 uint64_t size, unsigned perm),
		      void *arg)
{
	int level;

	for (uint64_t a = 0; a < PT_GPA_LIMIT; a = next_block(a, level)) {
		uint64_t entry = *find(p, a, &level);

		if (present(p, entry))
			fn(arg, a, leaf_addr(p, entry, level), span(level),
			   perm_of(&p->fmt, entry));
	}
}
