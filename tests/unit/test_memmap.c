/* Host tests for mm/memmap.c: sorting, merging, overlap precedence, the
 * owned block carved out of loader memory as boot does it, the entries
 * dropped or cut, the queries, a realistic OVMF map, and a few hundred
 * random maps checked byte by byte against the definition "each address
 * takes the highest type among the inputs covering it". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "mm/memmap.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define KIB (1024ull)
#define MIB (1024ull * KIB)
#define GIB (1024ull * MIB)
#define PG(n) ((uint64_t)(n) << 12)

#define R(b, s, t) { (b), (s), (t) }

static void print_map(const char *what, const struct mm_region *m, size_t n)
{
	print_message("%s (%zu entries):\n", what, n);
	for (size_t i = 0; i < n; i++)
		print_message("  [%zu] 0x%016llx +0x%llx %s\n", i,
			      (unsigned long long)m[i].base,
			      (unsigned long long)m[i].size,
			      memmap_type_name(m[i].type));
}

static void assert_map_equal(const struct mm_region *got, int ngot,
			     const struct mm_region *want, size_t nwant)
{
	bool same = ngot == (int)nwant;

	for (size_t i = 0; same && i < nwant; i++)
		same = got[i].base == want[i].base &&
		       got[i].size == want[i].size &&
		       got[i].type == want[i].type;
	if (!same) {
		print_map("got", got, ngot < 0 ? 0 : (size_t)ngot);
		print_map("want", want, nwant);
		fail_msg("maps differ");
	}
}

/* Normalize 'in' with room for 2 * n and compare with 'want'. */
static void assert_normalizes(const struct mm_region *in, size_t n,
			      const struct mm_region *want, size_t nwant)
{
	struct mm_region out[2 * n + 1];
	int m;

	memset(out, 0xa5, sizeof(out));
	m = memmap_normalize(in, n, out, 2 * n);
	assert_map_equal(out, m, want, nwant);
}

#define NORMALIZES(in, want) \
	assert_normalizes(in, ARRAY_SIZE(in), want, ARRAY_SIZE(want))

/* --- normalize --------------------------------------------------------- */

static void test_empty(void **state)
{
	static const struct mm_region zero[] = {
		R(0x1000, 0, MM_USABLE), R(0, 0, MM_MMIO),
	};
	struct mm_region out[1];

	assert_int_equal(memmap_normalize(NULL, 0, out, 0), 0);
	assert_int_equal(memmap_normalize(zero, ARRAY_SIZE(zero), out, 0), 0);
}

static void test_sort(void **state)
{
	static const struct mm_region in[] = {
		R(0xfec00000, 0x1000, MM_MMIO),
		R(0x100000, 0x700000, MM_USABLE),
		R(0x100000000, GIB, MM_USABLE),
		R(0, 0xa0000, MM_USABLE),
		R(0xe0000, 0x20000, MM_RESERVED),
	};
	static const struct mm_region want[] = {
		R(0, 0xa0000, MM_USABLE),
		R(0xe0000, 0x20000, MM_RESERVED),
		R(0x100000, 0x700000, MM_USABLE),
		R(0xfec00000, 0x1000, MM_MMIO),
		R(0x100000000, GIB, MM_USABLE),
	};

	NORMALIZES(in, want);
}

static void test_merge_adjacent(void **state)
{
	static const struct mm_region in[] = {
		R(0x3000, 0x1000, MM_USABLE),
		R(0x0000, 0x1000, MM_USABLE),
		R(0x1000, 0x2000, MM_USABLE),
		R(0x8000, 0x1000, MM_ACPI),
		R(0x9000, 0x7000, MM_ACPI),
	};
	static const struct mm_region want[] = {
		R(0, 0x4000, MM_USABLE),
		R(0x8000, 0x8000, MM_ACPI),
	};

	NORMALIZES(in, want);
}

static void test_no_merge_gap(void **state)
{
	static const struct mm_region in[] = {
		R(0x2000, 0x1000, MM_USABLE),
		R(0x0000, 0x1000, MM_USABLE),
		R(0x3001, 0x1000, MM_USABLE),   /* one byte apart */
	};
	static const struct mm_region want[] = {
		R(0x0000, 0x1000, MM_USABLE),
		R(0x2000, 0x1000, MM_USABLE),
		R(0x3001, 0x1000, MM_USABLE),
	};

	NORMALIZES(in, want);
}

static void test_no_merge_types(void **state)
{
	static const struct mm_region in[] = {
		R(0x0000, 0x1000, MM_USABLE),
		R(0x1000, 0x1000, MM_LOADER),
		R(0x2000, 0x1000, MM_USABLE),
		R(0x3000, 0x1000, MM_ACPI),
		R(0x4000, 0x1000, MM_ACPI_NVS),
	};

	NORMALIZES(in, in);
}

/* Partial overlap: the higher type keeps all of its range, whichever of
 * the two the firmware listed first. */
static void test_overlap_precedence(void **state)
{
	static const struct mm_region in[] = {
		R(0x0000, 0x10000, MM_USABLE),
		R(0x8000, 0x10000, MM_RESERVED),
	};
	static const struct mm_region rev[] = { in[1], in[0] };
	static const struct mm_region want[] = {
		R(0x0000, 0x8000, MM_USABLE),
		R(0x8000, 0x10000, MM_RESERVED),
	};
	static const struct mm_region in2[] = {
		R(0x0000, 0x10000, MM_FIRMWARE),
		R(0x8000, 0x10000, MM_ACPI),
	};
	static const struct mm_region want2[] = {
		R(0x0000, 0x10000, MM_FIRMWARE),
		R(0x10000, 0x8000, MM_ACPI),
	};

	NORMALIZES(in, want);
	NORMALIZES(rev, want);
	NORMALIZES(in2, want2);
}

/* A higher region inside a lower one splits it in three; a lower one
 * inside a higher one vanishes. */
static void test_overlap_inside(void **state)
{
	static const struct mm_region in[] = {
		R(0, MIB, MM_USABLE),
		R(0x40000, 0x10000, MM_ACPI),
	};
	static const struct mm_region want[] = {
		R(0, 0x40000, MM_USABLE),
		R(0x40000, 0x10000, MM_ACPI),
		R(0x50000, MIB - 0x50000, MM_USABLE),
	};
	static const struct mm_region in2[] = {
		R(0x40000, 0x10000, MM_USABLE),
		R(0, MIB, MM_RESERVED),
	};
	static const struct mm_region want2[] = {
		R(0, MIB, MM_RESERVED),
	};

	NORMALIZES(in, want);
	NORMALIZES(in2, want2);
}

/* The same range twice, and three types stacked on one range. */
static void test_overlap_identical(void **state)
{
	static const struct mm_region in[] = {
		R(0x1000, 0x1000, MM_USABLE),
		R(0x1000, 0x1000, MM_USABLE),
	};
	static const struct mm_region want[] = {
		R(0x1000, 0x1000, MM_USABLE),
	};
	static const struct mm_region in2[] = {
		R(0x1000, 0x1000, MM_ACPI),
		R(0x1000, 0x1000, MM_MMIO),
		R(0x1000, 0x1000, MM_LOADER),
	};
	static const struct mm_region want2[] = {
		R(0x1000, 0x1000, MM_MMIO),
	};

	NORMALIZES(in, want);
	NORMALIZES(in2, want2);
}

/* Overlaps resolved first, merging after: two usable pieces around a
 * reserved one that another usable range covers still merge only where
 * they touch. */
static void test_overlap_then_merge(void **state)
{
	static const struct mm_region in[] = {
		R(0x0000, 0x4000, MM_USABLE),
		R(0x2000, 0x4000, MM_USABLE),
		R(0x5000, 0x1000, MM_RESERVED),
		R(0x6000, 0x2000, MM_USABLE),
	};
	static const struct mm_region want[] = {
		R(0x0000, 0x5000, MM_USABLE),
		R(0x5000, 0x1000, MM_RESERVED),
		R(0x6000, 0x2000, MM_USABLE),
	};

	NORMALIZES(in, want);
}

/* What boot does: the owned block is LoaderData in the firmware's map;
 * boot appends it as MM_OWNED and normalizes. */
static void test_owned_carved(void **state)
{
	static const struct mm_region middle[] = {
		R(0x100000, 0x10000000, MM_LOADER),
		R(0x2000000, 0x4000000, MM_OWNED),
	};
	static const struct mm_region middle_want[] = {
		R(0x100000, 0x1f00000, MM_LOADER),
		R(0x2000000, 0x4000000, MM_OWNED),
		R(0x6000000, 0xa100000, MM_LOADER),
	};
	static const struct mm_region at_start[] = {
		R(0x100000, 0x10000000, MM_LOADER),
		R(0x100000, 0x4000000, MM_OWNED),
	};
	static const struct mm_region at_start_want[] = {
		R(0x100000, 0x4000000, MM_OWNED),
		R(0x4100000, 0xc000000, MM_LOADER),
	};
	static const struct mm_region at_end[] = {
		R(0x100000, 0x10000000, MM_LOADER),
		R(0xc100000, 0x4000000, MM_OWNED),
	};
	static const struct mm_region at_end_want[] = {
		R(0x100000, 0xc000000, MM_LOADER),
		R(0xc100000, 0x4000000, MM_OWNED),
	};
	static const struct mm_region whole[] = {
		R(0x100000, 0x4000000, MM_LOADER),
		R(0x100000, 0x4000000, MM_OWNED),
	};
	static const struct mm_region whole_want[] = {
		R(0x100000, 0x4000000, MM_OWNED),
	};

	NORMALIZES(middle, middle_want);
	NORMALIZES(at_start, at_start_want);
	NORMALIZES(at_end, at_end_want);
	NORMALIZES(whole, whole_want);
}

/* A zero-sized entry is dropped, even one of a higher type that would
 * otherwise split its neighbour. */
static void test_zero_size_dropped(void **state)
{
	static const struct mm_region in[] = {
		R(0x0000, 0x10000, MM_USABLE),
		R(0x8000, 0, MM_MMIO),
		R(0x20000, 0, MM_USABLE),
		R(0, 0, MM_RESERVED),
	};
	static const struct mm_region want[] = {
		R(0x0000, 0x10000, MM_USABLE),
	};

	NORMALIZES(in, want);
}

static void test_bad_type_dropped(void **state)
{
	static const struct mm_region in[] = {
		R(0x0000, 0x10000, MM_USABLE),
		R(0x4000, 0x1000, MM_NR_TYPES),
		R(0x8000, 0x1000, (enum mm_type)99),
		R(0xc000, 0x1000, (enum mm_type)-1),
		R(0x40000, 0x1000, MM_NR_TYPES),      /* alone in a gap */
	};
	static const struct mm_region want[] = {
		R(0x0000, 0x10000, MM_USABLE),
	};

	NORMALIZES(in, want);
	assert_string_equal(memmap_type_name(MM_NR_TYPES), "?");
	assert_string_equal(memmap_type_name((enum mm_type)-1), "?");
	assert_string_equal(memmap_type_name(MM_USABLE), "usable");
	assert_string_equal(memmap_type_name(MM_MMIO), "mmio");
}

/* A range past 2^64 ends at the last representable end, 2^64 - 1. */
static void test_wrap_cut(void **state)
{
	static const struct mm_region in[] = {
		R(0xfffffffffff00000, 0x200000, MM_RESERVED),
		R(0x1000, 0x1000, MM_USABLE),
	};
	static const struct mm_region want[] = {
		R(0x1000, 0x1000, MM_USABLE),
		R(0xfffffffffff00000, 0xfffff, MM_RESERVED),
	};
	/* Ends exactly at 2^64: base + size is 0 in 64 bits. */
	static const struct mm_region exact[] = {
		R(0xfffffffffffff000, 0x1000, MM_MMIO),
	};
	static const struct mm_region exact_want[] = {
		R(0xfffffffffffff000, 0xfff, MM_MMIO),
	};
	/* Base 0 and the largest size: no wrap, nothing to cut. */
	static const struct mm_region all[] = {
		R(0, UINT64_MAX, MM_RESERVED),
		R(0x1000, 0x1000, MM_MMIO),
	};
	static const struct mm_region all_want[] = {
		R(0, 0x1000, MM_RESERVED),
		R(0x1000, 0x1000, MM_MMIO),
		R(0x2000, UINT64_MAX - 0x2000, MM_RESERVED),
	};
	/* Wraps far past the top, over a region it would otherwise hide. */
	static const struct mm_region far[] = {
		R(0xffffffff00000000, UINT64_MAX, MM_USABLE),
		R(0x1000, 0x1000, MM_ACPI),
	};
	static const struct mm_region far_want[] = {
		R(0x1000, 0x1000, MM_ACPI),
		R(0xffffffff00000000, 0xffffffff, MM_USABLE),
	};

	NORMALIZES(in, want);
	NORMALIZES(exact, exact_want);
	NORMALIZES(all, all_want);
	NORMALIZES(far, far_want);
}

static void test_cap_too_small(void **state)
{
	static const struct mm_region in[] = {
		R(0, MIB, MM_USABLE),
		R(0x40000, 0x10000, MM_ACPI),
	};
	/* Five pieces that merge into one. */
	static const struct mm_region merging[] = {
		R(0x4000, 0x1000, MM_USABLE), R(0x1000, 0x1000, MM_USABLE),
		R(0x0000, 0x1000, MM_USABLE), R(0x3000, 0x1000, MM_USABLE),
		R(0x2000, 0x1000, MM_USABLE),
	};
	struct mm_region out[4];

	assert_int_equal(memmap_normalize(in, 2, out, 0), -1);
	assert_int_equal(memmap_normalize(in, 2, out, 1), -1);
	assert_int_equal(memmap_normalize(in, 2, out, 2), -1);
	assert_int_equal(memmap_normalize(in, 2, out, 3), 3);
	assert_int_equal(memmap_normalize(in, 2, out, 4), 3);
	/* Merging needs no extra room. */
	assert_int_equal(memmap_normalize(merging, 5, out, 1), 1);
	assert_int_equal(out[0].size, 0x5000);
	assert_int_equal(memmap_normalize(merging, 5, out, 0), -1);
}

/* --- the queries ------------------------------------------------------- */

static const struct mm_region query_map[] = {
	R(0x0000, 0x1000, MM_RESERVED),
	R(0x1000, 0x1000, MM_USABLE),
	R(0x2000, 0x1000, MM_MMIO),
	R(0x5000, 0x1000, MM_ACPI_NVS),
	R(0x6000, 0x2000, MM_USABLE),
	R(0x8000, 0x1000, MM_FIRMWARE),
	R(0x100000, 0x100000, MM_MMIO),
};

static void test_total(void **state)
{
	const struct mm_region *m = query_map;
	size_t n = ARRAY_SIZE(query_map);

	assert_int_equal(memmap_total(m, n, MM_USABLE), 0x3000);
	assert_int_equal(memmap_total(m, n, MM_MMIO), 0x101000);
	assert_int_equal(memmap_total(m, n, MM_RESERVED), 0x1000);
	assert_int_equal(memmap_total(m, n, MM_ACPI_NVS), 0x1000);
	assert_int_equal(memmap_total(m, n, MM_OWNED), 0);
	assert_int_equal(memmap_total(m, 0, MM_USABLE), 0);
}

static void test_ram_top(void **state)
{
	static const struct mm_region mmio_top[] = {
		R(0, 0xa0000, MM_USABLE),
		R(0x100000, 0x7f00000, MM_USABLE),
		R(0xb0000000, 0x10000000, MM_RESERVED),
		R(0xffc00000, 0x400000, MM_MMIO),
	};
	static const struct mm_region above_4g[] = {
		R(0, 0x80000000, MM_USABLE),
		R(0xfec00000, 0x1000, MM_MMIO),
		R(0x100000000, 0x80000000, MM_USABLE),
		R(0xfd00000000, 0x300000000, MM_RESERVED),
	};
	/* Every type but MMIO and reserved counts as RAM. */
	static const struct mm_region types[] = {
		R(0x1000, 0x1000, MM_USABLE),
		R(0x2000, 0x1000, MM_ACPI_NVS),
		R(0x3000, 0x1000, MM_FIRMWARE),
		R(0x4000, 0x1000, MM_MMIO),
	};
	static const struct mm_region none[] = {
		R(0x1000, 0x1000, MM_MMIO),
		R(0x2000, 0x1000, MM_RESERVED),
	};
	static const struct mm_region top[] = {
		R(0xfffffffffffff000, 0xfff, MM_LOADER),
	};

	assert_int_equal(memmap_ram_top(mmio_top, 4), 0x8000000);
	assert_int_equal(memmap_ram_top(above_4g, 4), 0x180000000);
	assert_int_equal(memmap_ram_top(types, 4), 0x4000);
	assert_int_equal(memmap_ram_top(types, 2), 0x3000);
	assert_int_equal(memmap_ram_top(none, 2), 0);
	assert_int_equal(memmap_ram_top(NULL, 0), 0);
	assert_int_equal(memmap_ram_top(top, 1), UINT64_MAX);
	assert_int_equal(memmap_ram_top(query_map, ARRAY_SIZE(query_map)),
			 0x9000);
}

static void test_overlaps_ram(void **state)
{
	const struct mm_region *m = query_map;
	size_t n = ARRAY_SIZE(query_map);

	/* Touching RAM [0x1000, 0x2000) at either end is no overlap. */
	assert_false(memmap_overlaps_ram(m, n, 0x0000, 0x1000));
	assert_false(memmap_overlaps_ram(m, n, 0x2000, 0x1000));
	assert_true(memmap_overlaps_ram(m, n, 0x0000, 0x1001));
	assert_true(memmap_overlaps_ram(m, n, 0x0fff, 2));
	assert_true(memmap_overlaps_ram(m, n, 0x1fff, 1));
	assert_true(memmap_overlaps_ram(m, n, 0x1fff, 0x2000));
	/* MMIO and the gap up to the ACPI NVS at 0x5000 are no RAM. */
	assert_false(memmap_overlaps_ram(m, n, 0x2000, 0x3000));
	assert_true(memmap_overlaps_ram(m, n, 0x2000, 0x3001));
	assert_true(memmap_overlaps_ram(m, n, 0x4fff, 2));
	/* Over RAM entirely, and RAM entirely inside. */
	assert_true(memmap_overlaps_ram(m, n, 0x6800, 0x100));
	assert_true(memmap_overlaps_ram(m, n, 0, 0x200000));
	/* Past the firmware range at [0x8000, 0x9000): MMIO only. */
	assert_false(memmap_overlaps_ram(m, n, 0x9000, 0x1000000));
	assert_true(memmap_overlaps_ram(m, n, 0x8fff, 0x1000000));
	/* A size that wraps is cut at the top, not turned into a tiny one. */
	assert_true(memmap_overlaps_ram(m, n, 0x8000, UINT64_MAX));
	assert_false(memmap_overlaps_ram(m, n, 0x9000, UINT64_MAX));
	assert_false(memmap_overlaps_ram(NULL, 0, 0, UINT64_MAX));
}

/* [base, base) is empty: it overlaps nothing, even inside RAM. */
static void test_overlaps_ram_empty(void **state)
{
	const struct mm_region *m = query_map;
	size_t n = ARRAY_SIZE(query_map);

	assert_false(memmap_overlaps_ram(m, n, 0x1800, 0));
	assert_false(memmap_overlaps_ram(m, n, 0x1000, 0));
	assert_false(memmap_overlaps_ram(m, n, 0x3000, 0));
}

/* --- a real map -------------------------------------------------------- */

/* OVMF on QEMU q35 with 512 MiB, as boot/efi_memmap.c converts it: the
 * firmware's type in each comment. The LoaderData at 0x1900000 holds the
 * block boot allocated for itself; the last entry is the MM_OWNED range
 * boot appends for it. */
static const struct mm_region ovmf_raw[] = {
	R(0x00000000, PG(0x9f),    MM_USABLE),    /* BootServicesCode */
	R(0x0009f000, PG(0x1),     MM_USABLE),    /* BootServicesData */
	R(0x00100000, PG(0x700),   MM_USABLE),    /* ConventionalMemory */
	R(0x00800000, PG(0x8),     MM_ACPI_NVS),  /* ACPIMemoryNVS */
	R(0x00808000, PG(0x3),     MM_USABLE),    /* ConventionalMemory */
	R(0x0080b000, PG(0x1),     MM_ACPI_NVS),  /* ACPIMemoryNVS */
	R(0x0080c000, PG(0x4),     MM_ACPI_NVS),  /* ACPIMemoryNVS */
	R(0x00810000, PG(0xf0),    MM_ACPI_NVS),  /* ACPIMemoryNVS */
	R(0x00900000, PG(0x1000),  MM_USABLE),    /* BootServicesData */
	R(0x01900000, PG(0x4200),  MM_LOADER),    /* LoaderData */
	R(0x05b00000, PG(0x18a00), MM_USABLE),    /* ConventionalMemory */
	R(0x1e500000, PG(0x200),   MM_LOADER),    /* LoaderCode: us */
	R(0x1e700000, PG(0x800),   MM_USABLE),    /* BootServicesData */
	R(0x1ef00000, PG(0x100),   MM_FIRMWARE),  /* RuntimeServicesData */
	R(0x1f000000, PG(0x7b),    MM_USABLE),    /* BootServicesCode */
	R(0x1f07b000, PG(0x4),     MM_ACPI),      /* ACPIReclaimMemory */
	R(0x1f07f000, PG(0x80),    MM_ACPI_NVS),  /* ACPIMemoryNVS */
	R(0x1f0ff000, PG(0xb01),   MM_USABLE),    /* BootServicesData */
	R(0x1fc00000, PG(0x200),   MM_FIRMWARE),  /* RuntimeServicesCode */
	R(0x1fe00000, PG(0x200),   MM_FIRMWARE),  /* RuntimeServicesData */
	R(0xb0000000, PG(0x10000), MM_RESERVED),  /* Reserved: PCIe ECAM */
	R(0xffc00000, PG(0x400),   MM_MMIO),      /* MemoryMappedIO: flash */
	R(0xfd00000000, PG(0x300000), MM_RESERVED), /* Reserved: HT hole */
	R(0x01a00000, 64 * MIB,    MM_OWNED),     /* appended by boot */
};

static const struct mm_region ovmf_want[] = {
	R(0x00000000, 0xa0000,                 MM_USABLE),
	R(0x00100000, 0x700000,                MM_USABLE),
	R(0x00800000, 0x8000,                  MM_ACPI_NVS),
	R(0x00808000, 0x3000,                  MM_USABLE),
	R(0x0080b000, 0x900000 - 0x80b000,     MM_ACPI_NVS),
	R(0x00900000, 0x1000000,               MM_USABLE),
	R(0x01900000, 0x100000,                MM_LOADER),
	R(0x01a00000, 0x4000000,               MM_OWNED),
	R(0x05a00000, 0x100000,                MM_LOADER),
	R(0x05b00000, 0x1e500000 - 0x5b00000,  MM_USABLE),
	R(0x1e500000, 0x200000,                MM_LOADER),
	R(0x1e700000, 0x800000,                MM_USABLE),
	R(0x1ef00000, 0x100000,                MM_FIRMWARE),
	R(0x1f000000, 0x7b000,                 MM_USABLE),
	R(0x1f07b000, 0x4000,                  MM_ACPI),
	R(0x1f07f000, 0x80000,                 MM_ACPI_NVS),
	R(0x1f0ff000, 0x1fc00000 - 0x1f0ff000, MM_USABLE),
	R(0x1fc00000, 0x400000,                MM_FIRMWARE),
	R(0xb0000000, 0x10000000,              MM_RESERVED),
	R(0xffc00000, 0x400000,                MM_MMIO),
	R(0xfd00000000, 0x300000000,           MM_RESERVED),
};

static void test_ovmf(void **state)
{
	struct mm_region out[2 * ARRAY_SIZE(ovmf_raw)];
	int m = memmap_normalize(ovmf_raw, ARRAY_SIZE(ovmf_raw), out,
				 ARRAY_SIZE(out));
	uint64_t usable = 0xa0000 + 0x700000 + 0x3000 + 0x1000000 +
			  (0x1e500000 - 0x5b00000) + 0x800000 + 0x7b000 +
			  (0x1fc00000 - 0x1f0ff000);
	uint64_t sum = 0;

	assert_map_equal(out, m, ovmf_want, ARRAY_SIZE(ovmf_want));
	assert_int_equal(memmap_total(out, m, MM_USABLE), usable);
	assert_int_equal(memmap_total(out, m, MM_OWNED), 64 * MIB);
	assert_int_equal(memmap_total(out, m, MM_LOADER), 4 * MIB);
	assert_int_equal(memmap_total(out, m, MM_ACPI), 0x4000);
	assert_int_equal(memmap_ram_top(out, m), 512 * MIB);
	/* Every type's total adds up to what the RAM below 512 MiB holds,
	 * less the legacy hole at [0xa0000, 0x100000). */
	for (int t = MM_USABLE; t < MM_RESERVED; t++)
		sum += memmap_total(out, m, t);
	assert_int_equal(sum, 512 * MIB - 0x60000);
	/* paging_init's question, for a few 2 MiB frames. */
	assert_true(memmap_overlaps_ram(out, m, 0, 2 * MIB));
	assert_true(memmap_overlaps_ram(out, m, 510 * MIB, 2 * MIB));
	assert_false(memmap_overlaps_ram(out, m, 512 * MIB, 2 * MIB));
	assert_false(memmap_overlaps_ram(out, m, 0xffe00000, 2 * MIB));
}

/* Firmware order does not matter: reversed and interleaved give the same
 * map, and a normalized map normalizes to itself. */
static void test_ovmf_any_order(void **state)
{
	enum { N = ARRAY_SIZE(ovmf_raw) };
	struct mm_region in[N], out[2 * N], again[2 * N];
	int m;

	for (size_t i = 0; i < N; i++)
		in[i] = ovmf_raw[N - 1 - i];
	m = memmap_normalize(in, N, out, 2 * N);
	assert_map_equal(out, m, ovmf_want, ARRAY_SIZE(ovmf_want));

	for (size_t i = 0; i < N; i++)
		in[i] = ovmf_raw[(i * 7) % N];      /* 7 is prime to 24 */
	m = memmap_normalize(in, N, out, 2 * N);
	assert_map_equal(out, m, ovmf_want, ARRAY_SIZE(ovmf_want));

	m = memmap_normalize(ovmf_want, ARRAY_SIZE(ovmf_want), again, 2 * N);
	assert_map_equal(again, m, ovmf_want, ARRAY_SIZE(ovmf_want));
}

/* --- random maps ------------------------------------------------------- */

static uint64_t lcg_state;

/* Knuth's MMIX constants; the high half has the better bits. */
static uint32_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg_state >> 32);
}

static uint64_t lcg_below(uint64_t n)
{
	return lcg() % n;
}

/* What the output must say for 'a': the highest valid type among the
 * inputs covering it, or -1. An input covers [base, min(base + size,
 * 2^64 - 1)). */
static int reference_type(const struct mm_region *in, size_t n, uint64_t a)
{
	int type = -1;

	for (size_t i = 0; i < n; i++) {
		uint64_t end = in[i].size > UINT64_MAX - in[i].base ?
			       UINT64_MAX : in[i].base + in[i].size;

		if ((unsigned)in[i].type < MM_NR_TYPES && in[i].base <= a &&
		    a < end && (int)in[i].type > type)
			type = (int)in[i].type;
	}
	return type;
}

static int lookup_type(const struct mm_region *map, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++)
		if (map[i].base <= a && a - map[i].base < map[i].size)
			return (int)map[i].type;
	return -1;
}

static void random_map(struct mm_region *in, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* Mostly in 64 pages, so ranges overlap and touch often;
		 * now and then unaligned, or at the very top. */
		uint64_t base = PG(lcg_below(64));
		uint64_t size = PG(lcg_below(17));

		if (lcg_below(8) == 0)
			base += lcg_below(0x1000);
		if (lcg_below(8) == 0)
			size += lcg_below(0x1000);
		if (lcg_below(16) == 0)
			base = UINT64_MAX - PG(lcg_below(8)) - lcg_below(4);
		if (lcg_below(32) == 0)
			size = UINT64_MAX - lcg_below(4);
		in[i] = (struct mm_region){
			base, size, (enum mm_type)lcg_below(MM_NR_TYPES + 1)
		};
	}
}

static void check_random_map(const struct mm_region *in, size_t n)
{
	struct mm_region out[2 * n + 1], again[2 * n + 1];
	int m = memmap_normalize(in, n, out, 2 * n);

	if (m < 0) {
		print_map("input", in, n);
		fail_msg("2 * n entries were not enough");
	}

	/* Well formed: non-empty, valid, sorted, disjoint, not wrapping,
	 * and no two neighbours that touch with one type. */
	for (int i = 0; i < m; i++) {
		assert_true(out[i].size > 0);
		assert_true((unsigned)out[i].type < MM_NR_TYPES);
		assert_true(out[i].size <= UINT64_MAX - out[i].base);
		if (i == 0)
			continue;
		assert_true(out[i - 1].base + out[i - 1].size <= out[i].base);
		assert_false(out[i - 1].base + out[i - 1].size == out[i].base &&
			     out[i - 1].type == out[i].type);
	}

	/* Every address that matters: each input's edges and its
	 * neighbours, each output's edges, and random ones. */
	for (size_t i = 0; i < n; i++) {
		uint64_t end = in[i].size > UINT64_MAX - in[i].base ?
			       UINT64_MAX : in[i].base + in[i].size;
		uint64_t probes[] = { in[i].base - 1, in[i].base, in[i].base + 1,
				      end - 1, end, end + 1 };

		for (size_t p = 0; p < ARRAY_SIZE(probes); p++)
			if (lookup_type(out, m, probes[p]) !=
			    reference_type(in, n, probes[p])) {
				print_map("input", in, n);
				print_map("output", out, m);
				fail_msg("type at 0x%llx", (unsigned long long)probes[p]);
			}
	}
	for (int k = 0; k < 64; k++) {
		uint64_t a = lcg_below(PG(72));

		if (lookup_type(out, m, a) != reference_type(in, n, a)) {
			print_map("input", in, n);
			print_map("output", out, m);
			fail_msg("type at 0x%llx", (unsigned long long)a);
		}
	}

	/* Normalized is a fixed point, and exactly m entries are needed. */
	assert_map_equal(again, memmap_normalize(out, m, again, 2 * n), out, m);
	if (m > 0)
		assert_int_equal(memmap_normalize(in, n, again, m - 1), -1);
}

static void test_random_maps(void **state)
{
	struct mm_region in[16];

	lcg_state = 0x5eed;
	for (int round = 0; round < 500; round++) {
		size_t n = 1 + lcg_below(ARRAY_SIZE(in));

		random_map(in, n);
		check_random_map(in, n);
	}
}

int main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_merge_adjacent),
		cmocka_unit_test(test_no_merge_gap),
		cmocka_unit_test(test_no_merge_types),
		cmocka_unit_test(test_overlap_precedence),
		cmocka_unit_test(test_overlap_inside),
		cmocka_unit_test(test_overlap_identical),
		cmocka_unit_test(test_overlap_then_merge),
		cmocka_unit_test(test_owned_carved),
		cmocka_unit_test(test_zero_size_dropped),
		cmocka_unit_test(test_bad_type_dropped),
		cmocka_unit_test(test_wrap_cut),
		cmocka_unit_test(test_cap_too_small),
		cmocka_unit_test(test_total),
		cmocka_unit_test(test_ram_top),
		cmocka_unit_test(test_overlaps_ram),
		cmocka_unit_test(test_overlaps_ram_empty),
		cmocka_unit_test(test_ovmf),
		cmocka_unit_test(test_ovmf_any_order),
		cmocka_unit_test(test_random_maps),
	};

	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
