/* Memory map normalization. Firmware maps are unsorted, may overlap and
 * split one kind of memory into many pieces; the hypervisor wants one
 * sorted list with a single type per byte. */
#include "mm/memmap.h"

static const char *const type_names[MM_NR_TYPES] = {
	[MM_USABLE]   = "usable",
	[MM_LOADER]   = "loader",
	[MM_OWNED]    = "owned",
	[MM_ACPI]     = "acpi",
	[MM_ACPI_NVS] = "acpi-nvs",
	[MM_FIRMWARE] = "firmware",
	[MM_RESERVED] = "reserved",
	[MM_MMIO]     = "mmio",
};

const char *memmap_type_name(enum mm_type t)
{
	return (unsigned)t < MM_NR_TYPES ? type_names[t] : "?";
}

/* End of a region, cut at 2^64 - 1 when base + size would wrap. */
static uint64_t region_end(const struct mm_region *r)
{
	return r->size > UINT64_MAX - r->base ? UINT64_MAX : r->base + r->size;
}

static bool type_is_ram(enum mm_type t)
{
	return t != MM_MMIO && t != MM_RESERVED;
}

/* Sweep over every boundary in rising order; each elementary interval
 * takes the highest-precedence type covering it. O(n^2), and n is the
 * length of a firmware map: a few hundred at most. */
int memmap_normalize(const struct mm_region *in, size_t n,
		     struct mm_region *out, size_t cap)
{
	uint64_t cur = UINT64_MAX;
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (in[i].size && (unsigned)in[i].type < MM_NR_TYPES &&
		    in[i].base < cur)
			cur = in[i].base;

	while (cur != UINT64_MAX) {
		uint64_t next = UINT64_MAX;
		int type = -1;

		for (size_t i = 0; i < n; i++) {
			uint64_t b = in[i].base, e = region_end(&in[i]);

			if (!in[i].size || (unsigned)in[i].type >= MM_NR_TYPES)
				continue;
			if (b > cur && b < next)
				next = b;
			if (e > cur && e < next)
				next = e;
			if (b <= cur && cur < e && (int)in[i].type > type)
				type = (int)in[i].type;
		}
		if (type >= 0) {
			if (m && out[m - 1].type == (enum mm_type)type &&
			    region_end(&out[m - 1]) == cur) {
				out[m - 1].size += next - cur;
			} else {
				if (m == cap)
					return -1;
				out[m++] = (struct mm_region){ cur, next - cur,
							       (enum mm_type)type };
			}
		}
		cur = next;
	}
	return (int)m;
}

uint64_t memmap_total(const struct mm_region *map, size_t n, enum mm_type t)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < n; i++)
		if (map[i].type == t)
			sum += map[i].size;
	return sum;
}

uint64_t memmap_ram_top(const struct mm_region *map, size_t n)
{
	uint64_t top = 0;

	for (size_t i = 0; i < n; i++)
		if (type_is_ram(map[i].type) && region_end(&map[i]) > top)
			top = region_end(&map[i]);
	return top;
}

bool memmap_overlaps_ram(const struct mm_region *map, size_t n,
			 uint64_t base, uint64_t size)
{
	uint64_t end = size > UINT64_MAX - base ? UINT64_MAX : base + size;

	if (!size)
		return false;
	for (size_t i = 0; i < n; i++)
		if (type_is_ram(map[i].type) && map[i].base < end &&
		    base < region_end(&map[i]))
			return true;
	return false;
}
