/* Extended page tables: the four-level guest-physical to host-physical
 * translation of one VM, with 4 KiB and 2 MiB leaves [SDM 3C 29.3].
 *
 * Pure C: the tables are reached only through struct ept_mem, so the same
 * code runs in the hypervisor and in the host tests. Every operation
 * checks all its arguments and the state of the whole range, and takes
 * every table it will need, before it writes a single entry: a call that
 * fails changes nothing. A call that rewrites or removes a present entry
 * sets *flush, and the caller must then run INVEPT for this EPTP before
 * the guest runs again or a freed table is reused. */
#ifndef ARCH_X86_VMX_EPT_H
#define ARCH_X86_VMX_EPT_H

#include <stdbool.h>
#include <stdint.h>

/* --- entry format [SDM 3C 29.3.2, tables 29-1 to 29-6] ----------------- */
#define EPT_READ        (1ull << 0)
#define EPT_WRITE       (1ull << 1)
#define EPT_EXEC        (1ull << 2)     /* supervisor-mode execute */
#define EPT_PERM_MASK   (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT    3               /* memory type, leaf entries only */
#define EPT_MT_MASK     (7ull << EPT_MT_SHIFT)
#define EPT_MT_UC       0ull
#define EPT_MT_WB       6ull
#define EPT_IGNORE_PAT  (1ull << 6)     /* leaf entries only */
#define EPT_LARGE       (1ull << 7)     /* PDE maps 2 MiB (PDPTE 1 GiB: never made) */
#define EPT_KEEP        (1ull << 11)    /* ours, in an ignored bit: never prune this table */
#define EPT_ADDR_MASK   0x000ffffffffff000ull   /* bits 51:12 */

#define EPT_ENTRIES     512
#define EPT_LEVELS      4
#define EPT_PAGE_4K     0x1000ull
#define EPT_PAGE_2M     0x200000ull
#define EPT_GPA_LIMIT   (1ull << 48)    /* what a 4-level walk translates */
#define EPT_HPA_LIMIT   (1ull << 52)    /* architectural MAXPHYADDR bound */

/* --- EPT pointer [SDM 3C 25.6.11] ---------------------------------------- */
#define EPTP_MT_WB      6ull            /* memory type of the paging structures */
#define EPTP_WALK_SHIFT 3               /* page-walk length minus one */

/* --- permissions, as given to ept_map/ept_protect ------------------------ */
#define EPT_PERM_R      1u
#define EPT_PERM_W      2u
#define EPT_PERM_X      4u

/* --- errors --------------------------------------------------------------- */
#define EPT_E_INVAL     (-1)    /* misaligned, empty, wrapping, out of range, bad perm */
#define EPT_E_EXISTS    (-2)    /* ept_map over a page that is already mapped */
#define EPT_E_NOENT     (-3)    /* a page of the range is not mapped */
#define EPT_E_NOMEM     (-4)    /* alloc_table failed */

/* How the EPT code reaches table memory. */
struct ept_mem {
	void *ctx;
	/* HPA of a zeroed 4 KiB page, 0 on failure. */
	uint64_t (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, uint64_t hpa);
	/* HPA -> pointer to the page's 512 entries. */
	uint64_t *(*table)(void *ctx, uint64_t hpa);
	/* Every store to an entry goes through here: one 64-bit store. */
	void (*write)(void *ctx, uint64_t *slot, uint64_t val);
};

struct ept {
	struct ept_mem mem;
	uint64_t root;          /* HPA of the PML4 */
};

/* Allocate an empty PML4. Returns 0, or EPT_E_NOMEM. */
int ept_init(struct ept *e, const struct ept_mem *mem);

/* Free every table, the PML4 included. Writes no entry: the EPT must no
 * longer be in use on any CPU. */
void ept_destroy(struct ept *e);

/* The VMCS EPT-pointer field: 4-level walk, write-back structures. */
uint64_t ept_eptp(const struct ept *e);

/* Map [gpa, gpa + size) to [hpa, hpa + size) with 'perm' (EPT_PERM_*: not
 * 0, and W only with R [SDM 3C 29.3.3.1]), memory type WB. All three page
 * aligned; 2 MiB entries wherever gpa and hpa are both 2 MiB aligned and
 * 2 MiB remain. EPT_E_EXISTS if any page is already mapped. */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned perm, bool *flush);

/* Remove [gpa, gpa + size), which must be wholly mapped (EPT_E_NOENT);
 * a 2 MiB entry partly covered is split first. Tables left empty are
 * freed. */
int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size, bool *flush);

/* Set 'perm' on every page of the wholly mapped [gpa, gpa + size),
 * splitting a 2 MiB entry partly covered whose permissions change. */
int ept_protect(struct ept *e, uint64_t gpa, uint64_t size, unsigned perm,
		bool *flush);

/* Build every table down to the page tables for [gpa, gpa + size) and
 * keep them for the EPT's lifetime: unmapping the last page there frees
 * nothing, so mapping it again allocates nothing. For a range that is
 * mapped and unmapped all the time (a receive window). EPT_E_EXISTS if
 * a 2 MiB leaf covers part of it; EPT_E_NOMEM leaves nothing changed.
 * Needs no INVEPT. */
int ept_keep_tables(struct ept *e, uint64_t gpa, uint64_t size);

/* Translate 'gpa' (any alignment). Each out pointer may be NULL.
 * EPT_E_NOENT if unmapped, EPT_E_INVAL if gpa >= EPT_GPA_LIMIT. */
int ept_lookup(const struct ept *e, uint64_t gpa, uint64_t *hpa,
	       unsigned *perm, uint64_t *page_size);

/* Call fn once per leaf entry, in rising GPA order. */
void ept_for_each_leaf(const struct ept *e,
		       void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				  uint64_t size, unsigned perm),
		       void *arg);

#endif
