/* The physical memory map, in the hypervisor's own terms. Boot code turns
 * the firmware's map into mm_region entries; this pure-C file sorts them,
 * resolves overlaps and answers questions about them. */
#ifndef MM_MEMMAP_H
#define MM_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In rising order of precedence: where firmware reports overlapping
 * ranges, the more restrictive type wins. */
enum mm_type {
	MM_USABLE = 0,  /* free RAM once boot services are gone */
	MM_LOADER,      /* our image and what it allocated before the exit */
	MM_OWNED,       /* the block the hypervisor took for itself and guests */
	MM_ACPI,        /* ACPI tables (reclaimable, but we keep them) */
	MM_ACPI_NVS,
	MM_FIRMWARE,    /* UEFI runtime services code and data */
	MM_RESERVED,
	MM_MMIO,
	MM_NR_TYPES
};

struct mm_region {
	uint64_t     base;
	uint64_t     size;
	enum mm_type type;
};

const char *memmap_type_name(enum mm_type t);

/* Sort 'in', resolve overlaps and merge neighbours of one type into 'out'
 * (room for 'cap' entries; 2 * n always suffices). Zero-sized entries are
 * dropped, ranges that wrap past 2^64 are cut at the top. Returns the
 * number of entries written, or -1 when 'out' is too small. */
int memmap_normalize(const struct mm_region *in, size_t n,
		     struct mm_region *out, size_t cap);

/* Bytes of type 't' in a normalized map. */
uint64_t memmap_total(const struct mm_region *map, size_t n, enum mm_type t);

/* End of the highest region backed by RAM (any type but MMIO/reserved). */
uint64_t memmap_ram_top(const struct mm_region *map, size_t n);

/* Whether [base, base + size) overlaps any region that is RAM. */
bool memmap_overlaps_ram(const struct mm_region *map, size_t n,
			 uint64_t base, uint64_t size);

#endif
