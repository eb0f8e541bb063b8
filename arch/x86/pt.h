/* Nested page tables: the four-level guest-physical to host-physical
 * translation of one VM, with 4 KiB and 2 MiB leaves, in either entry
 * format the hardware walks: Intel EPT [SDM 3C 29.3] or the AMD64
 * long-mode format that AMD nested paging uses [APM vol 2, 15.25]. The
 * format is data (struct pt_format), not code: the walk is the same.
 *
 * Pure C: the tables are reached only through struct pt_mem, so the same
 * code runs in the hypervisor and in the host tests. Every operation
 * checks all its arguments and the state of the whole range, and takes
 * every table it will need, before it writes a single entry: a call that
 * fails changes nothing. A call that rewrites or removes a present entry
 * sets *flush, and the caller must then invalidate the processor's
 * cached translations for this table (INVEPT, or a TLB flush of the ASID)
 * before the guest runs again or a freed table is reused. */
#ifndef ARCH_X86_PT_H
#define ARCH_X86_PT_H

#include <stdbool.h>
#include <stdint.h>

#define PT_ENTRIES      512
#define PT_LEVELS       4
#define PT_PAGE_4K      0x1000ull
#define PT_PAGE_2M      0x200000ull
#define PT_GPA_LIMIT    (1ull << 48)    /* what a 4-level walk translates */
#define PT_HPA_LIMIT    (1ull << 52)    /* architectural MAXPHYADDR bound */

/* --- permissions, as given to pt_map/pt_protect -------------------------- */
#define PT_PERM_R       1u
#define PT_PERM_W       2u
#define PT_PERM_X       4u
#define PT_PERM_MASK    (PT_PERM_R | PT_PERM_W | PT_PERM_X)

/* --- errors --------------------------------------------------------------- */
#define PT_E_INVAL      (-1)    /* misaligned, empty, wrapping, out of range,
                                   or a perm the format refuses */
#define PT_E_EXISTS     (-2)    /* pt_map over a page that is already mapped */
#define PT_E_NOENT      (-3)    /* a page of the range is not mapped */
#define PT_E_NOMEM      (-4)    /* alloc_table failed */

/* One hardware entry format. An entry holds an address (addr) and flags;
 * a leaf is a PTE, or a PDE with 'large' set. Every other bit is written
 * zero, so no reserved bit is ever set. */
struct pt_format {
	const char *name;
	uint64_t present;       /* the entry is present if any of these is set */
	uint64_t table;         /* flags of every non-leaf entry */
	uint64_t leaf;          /* flags every leaf carries (memory type...) */
	uint64_t r, w, x;       /* the leaf bit of PT_PERM_R, _W, _X */
	bool     nx;            /* x is a no-execute bit: set when X is not granted */
	uint64_t large;         /* in a PDE: maps 2 MiB (never made in a PDPTE) */
	uint64_t keep;          /* ours, a bit the CPU ignores: never prune */
	uint64_t addr;          /* the address bits, 51:12 */
	uint8_t  legal;         /* bit p set: permission set p (PT_PERM_*) is valid */
};

/* How the page-table code reaches table memory. */
struct pt_mem {
	void *ctx;
	/* HPA of a zeroed 4 KiB page, 0 on failure. */
	uint64_t (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, uint64_t hpa);
	/* HPA -> pointer to the page's 512 entries. */
	uint64_t *(*table)(void *ctx, uint64_t hpa);
	/* Every store to an entry goes through here: one 64-bit store. */
	void (*write)(void *ctx, uint64_t *slot, uint64_t val);
};

struct pt {
	struct pt_mem           mem;
	struct pt_format        fmt;    /* a copy: one load less per use */
	uint64_t                root;   /* HPA of the PML4 */
};

/* Allocate an empty PML4 for tables in format 'fmt'. Returns 0, or
 * PT_E_NOMEM. */
int pt_init(struct pt *p, const struct pt_mem *mem,
	    const struct pt_format *fmt);

/* Free every table, the PML4 included. Writes no entry: the tables must no
 * longer be in use on any CPU. */
void pt_destroy(struct pt *p);

/* HPA of the PML4: what EPTP or nCR3 points at. */
static inline uint64_t pt_root(const struct pt *p)
{
	return p->root;
}

/* Whether 'perm' (PT_PERM_*) is a valid permission set in this format. */
bool pt_perm_ok(const struct pt_format *fmt, unsigned perm);

/* Map [gpa, gpa + size) to [hpa, hpa + size) with 'perm' (PT_PERM_*, one
 * pt_perm_ok() accepts), memory type WB. All three page aligned; 2 MiB
 * entries wherever gpa and hpa are both 2 MiB aligned and 2 MiB remain.
 * PT_E_EXISTS if any page is already mapped. */
int pt_map(struct pt *p, uint64_t gpa, uint64_t hpa, uint64_t size,
	   unsigned perm, bool *flush);

/* Remove [gpa, gpa + size), which must be wholly mapped (PT_E_NOENT);
 * a 2 MiB entry partly covered is split first. Tables left empty are
 * freed. */
int pt_unmap(struct pt *p, uint64_t gpa, uint64_t size, bool *flush);

/* Set 'perm' on every page of the wholly mapped [gpa, gpa + size),
 * splitting a 2 MiB entry partly covered whose permissions change. */
int pt_protect(struct pt *p, uint64_t gpa, uint64_t size, unsigned perm,
	       bool *flush);

/* Build every table down to the page tables for [gpa, gpa + size) and
 * keep them for the tables' lifetime: unmapping the last page there frees
 * nothing, so mapping it again allocates nothing. For a range that is
 * mapped and unmapped all the time (a receive window). PT_E_EXISTS if
 * a 2 MiB leaf covers part of it; PT_E_NOMEM leaves nothing changed.
 * Needs no invalidation. */
int pt_keep_tables(struct pt *p, uint64_t gpa, uint64_t size);

/* A receive window: 'slots' 4 KiB pages from 'gpa', whose leaf entries
 * lie in one kept page table, so a slot is mapped or unmapped by one
 * store to its entry, with no walk. pte points into the tables of the
 * struct pt it came from: valid until pt_destroy. */
struct pt_window {
	uint64_t *pte;          /* slot 0's PTE; slot i's is pte[i] */
	uint64_t  gpa;          /* slot 0's GPA */
	uint32_t  slots;
};

/* Keep the tables of the window (pt_keep_tables) and fill *w with its
 * entries, once. PT_E_INVAL unless gpa is page aligned, 1 <= slots <=
 * PT_ENTRIES, and the range lies in one 2 MiB block; otherwise as
 * pt_keep_tables (*w untouched on failure). pt_map never lays a 2 MiB
 * leaf over the kept table, so the entries stay the ones the hardware
 * walks. */
int pt_window_keep(struct pt *p, uint64_t gpa, uint32_t slots,
		   struct pt_window *w);

/* Map window slot 'slot' to the page at 'hpa' with 'perm', as pt_map of
 * that one page: PT_E_INVAL for a slot past the window, a perm the
 * format refuses or a bad hpa; PT_E_EXISTS if the slot is mapped. Never
 * needs an invalidation (*flush false). */
int pt_window_map(struct pt *p, const struct pt_window *w, uint32_t slot,
		  uint64_t hpa, unsigned perm, bool *flush);

/* Clear window slot 'slot''s entry, as pt_unmap of that page, its table
 * kept: PT_E_INVAL past the window, PT_E_NOENT if not mapped. *flush is
 * true after a clear: the old translation may be cached. */
int pt_window_unmap(struct pt *p, const struct pt_window *w, uint32_t slot,
		    bool *flush);

/* Translate 'gpa' (any alignment). Each out pointer may be NULL.
 * PT_E_NOENT if unmapped, PT_E_INVAL if gpa >= PT_GPA_LIMIT. */
int pt_lookup(const struct pt *p, uint64_t gpa, uint64_t *hpa,
	      unsigned *perm, uint64_t *page_size);

/* Call fn once per leaf entry, in rising GPA order. */
void pt_for_each_leaf(const struct pt *p,
		      void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				 uint64_t size, unsigned perm),
		      void *arg);

#endif
