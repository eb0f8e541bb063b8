/* libFuzzer harness: the guest image checker (vmm/image.c), on any file.
 *
 * Input: one byte choosing the VM's RAM (2, 4 or 8 MiB), then the file.
 *
 * Checks, beyond ASan/UBSan on the checker (the file is a buffer of
 * exactly its size: a read past its end is caught):
 *  - a refused file leaves the layout untouched and gives a non-empty,
 *    NUL-terminated reason that was not cut;
 *  - an accepted one has 1..IMAGE_SEGS_MAX segments, each with its file
 *    bytes inside the file and no more of them than of memory, its
 *    memory inside RAM and clear of the boot pages 0x1000-0x4fff, apart
 *    from the others; the entry point in a segment's file bytes; flat
 *    unless the file starts with the ELF magic;
 *  - image_place() then writes exactly the segments: their file bytes,
 *    zeroes up to p_memsz, and not one byte around them or in the boot
 *    pages;
 *  - image_unsized_len() keeps an ELF whole and cuts a flat file just
 *    after its last non-zero byte. */
#include <stdbool.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/hypercall_abi.h"
#include "vmm/image.h"

#define MIB        (1ull << 20)
#define RAM_MAX    (8 * MIB)
#define POISON     0xcc
#define GUARD      64           /* bytes checked on each side of a segment */

static uint8_t *ram;            /* RAM_MAX bytes, POISON where not placed */

static bool inside_a_seg(const struct image_layout *l, uint64_t gpa)
{
	for (uint32_t i = 0; i < l->nr_segs; i++)
		if (gpa >= l->segs[i].gpa &&
		    gpa - l->segs[i].gpa < l->segs[i].mem_len)
			return true;
	return false;
}

static void check_layout(const struct image_layout *l, const uint8_t *file,
			 uint64_t len, uint64_t ram_bytes)
{
	bool entry_ok = false;

	FUZZ_CHECK(l->nr_segs >= 1 && l->nr_segs <= IMAGE_SEGS_MAX,
		   "%u segments", l->nr_segs);
	FUZZ_CHECK(l->is_elf == (len >= 4 && memcmp(file, "\177ELF", 4) == 0),
		   "is_elf %u", l->is_elf);
	for (uint32_t i = 0; i < l->nr_segs; i++) {
		const struct image_seg *s = &l->segs[i];

		FUZZ_CHECK(s->file_len <= s->mem_len && s->mem_len > 0,
			   "segment %u: file_len %lu mem_len %lu", i,
			   (unsigned long)s->file_len, (unsigned long)s->mem_len);
		FUZZ_CHECK(s->file_off <= len && s->file_len <= len - s->file_off,
			   "segment %u: file bytes outside the file", i);
		FUZZ_CHECK(s->gpa < ram_bytes && s->mem_len <= ram_bytes - s->gpa,
			   "segment %u: 0x%lx+0x%lx outside RAM", i,
			   (unsigned long)s->gpa, (unsigned long)s->mem_len);
		FUZZ_CHECK(s->gpa + s->mem_len <= GUEST_PML4_GPA ||
			   s->gpa >= GUEST_BOOT_END,
			   "segment %u overlaps the boot pages", i);
		for (uint32_t j = 0; j < i; j++)
			FUZZ_CHECK(s->gpa + s->mem_len <= l->segs[j].gpa ||
				   l->segs[j].gpa + l->segs[j].mem_len <= s->gpa,
				   "segments %u and %u overlap", j, i);
		if (l->entry >= s->gpa && l->entry - s->gpa < s->file_len)
			entry_ok = true;
	}
	FUZZ_CHECK(entry_ok, "entry 0x%lx not in file bytes",
		   (unsigned long)l->entry);
}

/* Exactly the segments' bytes changed; then poison them again. */
static void check_placed(const struct image_layout *l, const uint8_t *file)
{
	for (uint32_t i = 0; i < l->nr_segs; i++) {
		const struct image_seg *s = &l->segs[i];
		uint64_t lo = s->gpa > GUARD ? s->gpa - GUARD : 0;
		uint64_t hi = s->gpa + s->mem_len + GUARD;

		FUZZ_CHECK(memcmp(ram + s->gpa, file + s->file_off,
				  s->file_len) == 0, "segment %u bytes", i);
		for (uint64_t a = s->gpa + s->file_len; a < s->gpa + s->mem_len; a++)
			FUZZ_CHECK(ram[a] == 0, "segment %u not zero at 0x%lx", i,
				   (unsigned long)a);
		for (uint64_t a = lo; a < hi && a < RAM_MAX; a++) {
			if (a == s->gpa)
				a += s->mem_len;        /* the segment itself */
			if (a < hi && a < RAM_MAX)
				FUZZ_CHECK(inside_a_seg(l, a) || ram[a] == POISON,
					   "byte 0x%lx outside the segments "
					   "written", (unsigned long)a);
		}
	}
	for (uint64_t a = GUEST_PML4_GPA; a < GUEST_BOOT_END; a++)
		FUZZ_CHECK(ram[a] == POISON, "boot page byte 0x%lx written",
			   (unsigned long)a);
	for (uint32_t i = 0; i < l->nr_segs; i++)
		memset(ram + l->segs[i].gpa, POISON, l->segs[i].mem_len);
}

static void check_unsized(const uint8_t *file, uint64_t len)
{
	uint64_t n = image_unsized_len(file, len);

	if (len >= 4 && memcmp(file, "\177ELF", 4) == 0) {
		FUZZ_CHECK(n == len, "ELF cut to %lu of %lu", (unsigned long)n,
			   (unsigned long)len);
		return;
	}
	FUZZ_CHECK(n <= len && (n == 0 || file[n - 1] != 0),
		   "flat cut to %lu", (unsigned long)n);
	for (uint64_t i = n; i < len; i++)
		FUZZ_CHECK(file[i] == 0, "non-zero byte %lu cut off",
			   (unsigned long)i);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image_layout l, before;
	char why[IMAGE_WHY_MAX];
	uint64_t ram_bytes, len;
	uint8_t *file;

	if (size < 1)
		return 0;
	if (!ram) {
		ram = malloc(RAM_MAX);
		FUZZ_CHECK(ram != NULL, "no memory");
		memset(ram, POISON, RAM_MAX);
	}
	ram_bytes = (2 * MIB) << (data[0] % 3);
	len = size - 1;
	/* A buffer of exactly the file's size, so ASan sees any overrun. */
	file = malloc(len ? len : 1);
	FUZZ_CHECK(file != NULL, "no memory");
	memcpy(file, data + 1, len);

	memset(&l, 0xa5, sizeof(l));
	memcpy(&before, &l, sizeof(l));
	memset(why, 'X', sizeof(why));
	if (image_check(file, len, ram_bytes, &l, why, sizeof(why)) != 0) {
		size_t n = strnlen(why, sizeof(why));

		FUZZ_CHECK(memcmp(&l, &before, sizeof(l)) == 0,
			   "a refused file changed the layout");
		FUZZ_CHECK(n > 0 && n < sizeof(why) - 1, "reason of length %zu",
			   n);
	} else {
		check_layout(&l, file, len, ram_bytes);
		image_place(&l, file, ram);
		check_placed(&l, file);
	}
	check_unsized(file, len);
	free(file);
	return 0;
}
