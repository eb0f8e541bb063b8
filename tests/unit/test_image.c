/* Host tests for vmm/image.c: flat binaries and ELF64 executables that
 * are accepted and placed byte for byte, and every way a file is
 * refused, checking each time that a refusal leaves the layout alone
 * and gives a fitting, NUL-terminated reason. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/elf64.h"
#include "vmm/hypercall_abi.h"
#include "vmm/image.h"

#define MIB        (1ull << 20)
#define RAM        (8 * MIB)
#define FILE_MAX   0x4000
#define PH_OFF     64                   /* program headers right after */

/* An ELF file under construction: a valid header, 'nph' program
 * headers, then room for segment bytes. */
struct elf_file {
	uint8_t  bytes[FILE_MAX];
	uint64_t len;
};

static struct elf_file ef;

static struct elf64_ehdr *ehdr(void)
{
	return (struct elf64_ehdr *)ef.bytes;
}

static struct elf64_phdr *phdr(unsigned i)
{
	return (struct elf64_phdr *)(ef.bytes + PH_OFF) + i;
}

static void elf_init(unsigned nph)
{
	struct elf64_ehdr *e = ehdr();

	memset(&ef, 0, sizeof(ef));
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_phoff = PH_OFF;
	e->e_phentsize = sizeof(struct elf64_phdr);
	e->e_phnum = (uint16_t)nph;
	e->e_ehsize = sizeof(*e);
	ef.len = FILE_MAX;
}

static void load(unsigned i, uint64_t off, uint64_t gpa, uint64_t filesz,
		 uint64_t memsz)
{
	*phdr(i) = (struct elf64_phdr){
		.p_type = PT_LOAD, .p_offset = off, .p_vaddr = gpa,
		.p_paddr = gpa, .p_filesz = filesz, .p_memsz = memsz,
		.p_align = 0x1000,
	};
}

/* The usual shape: code at 0x200000, data with .bss after it. */
static void elf_typical(void)
{
	elf_init(3);
	load(0, 0x1000, 0x200000, 0x100, 0x100);
	load(1, 0x2000, 0x201000, 0x80, 0x1000);
	phdr(2)->p_type = 0x6474e551;           /* PT_GNU_STACK: ignored */
	ehdr()->e_entry = 0x200010;
	for (unsigned i = 0x1000; i < 0x2080; i++)
		ef.bytes[i] = (uint8_t)(i * 7 + 1) | 1;
}

static void assert_accepts(const uint8_t *data, uint64_t len, uint64_t ram,
			   struct image_layout *l)
{
	char why[IMAGE_WHY_MAX] = "";

	if (image_check(data, len, ram, l, why, sizeof(why)) != 0)
		fail_msg("refused: %s", why);
}

/* -1, a reason that holds 'want', is terminated, not cut, starts
 * lowercase (or with "ELF"); the layout exactly as it was. */
static void assert_refuses(const uint8_t *data, uint64_t len, uint64_t ram,
			   const char *want)
{
	struct image_layout l, before;
	char why[IMAGE_WHY_MAX];

	memset(&l, 0xa5, sizeof(l));
	memcpy(&before, &l, sizeof(l));
	memset(why, 'X', sizeof(why));
	assert_int_equal(image_check(data, len, ram, &l, why, sizeof(why)), -1);
	assert_non_null(memchr(why, '\0', sizeof(why)));
	if (!strstr(why, want))
		fail_msg("reason \"%s\" lacks \"%s\"", why, want);
	assert_true(strlen(why) < IMAGE_WHY_MAX - 1);    /* not cut */
	assert_true((why[0] >= 'a' && why[0] <= 'z') ||
		    strncmp(why, "ELF ", 4) == 0);
	assert_memory_equal(&l, &before, sizeof(l));
}

static void elf_refuses(const char *want)
{
	assert_refuses(ef.bytes, ef.len, RAM, want);
}

/* --- flat binaries --------------------------------------------------- */

static void test_flat(void **state)
{
	static uint8_t ram[2 * MIB], big[MIB + 1];
	const uint8_t code[] = { 0xfa, 0xf4, 0xeb, 0xfc };   /* cli; hlt; jmp */
	struct image_layout l;

	assert_accepts(code, sizeof(code), 2 * MIB, &l);
	assert_int_equal(l.is_elf, 0);
	assert_int_equal(l.entry, GUEST_LOAD_GPA);
	assert_int_equal(l.nr_segs, 1);
	memset(ram, 0xee, sizeof(ram));
	image_place(&l, code, ram);
	assert_memory_equal(ram + GUEST_LOAD_GPA, code, sizeof(code));
	assert_int_equal(ram[GUEST_LOAD_GPA + sizeof(code)], 0xee);
	assert_int_equal(ram[GUEST_LOAD_GPA - 1], 0xee);

	/* Exactly to the top of RAM fits; one byte more does not. */
	assert_accepts(big, MIB, 2 * MIB, &l);
	assert_refuses(big, MIB + 1, 2 * MIB,
		       "flat image of 1048577 bytes does not fit the VM's 2 MiB "
		       "of RAM from 0x100000 (at most 1048576 bytes)");
	/* RAM that ends below the load address holds no flat image. */
	assert_refuses(code, 1, MIB, "at most 0 bytes");
	assert_refuses(code, 0, RAM, "the file is empty");
	/* "\177EL" alone is not the ELF magic: a flat image. */
	assert_accepts((const uint8_t *)"\177ELx", 4, RAM, &l);
	assert_int_equal(l.is_elf, 0);
}

/* --- ELF: accepted ------------------------------------------------------ */

static void test_elf_typical(void **state)
{
	static uint8_t ram[RAM];
	struct image_layout l;

	elf_typical();
	assert_accepts(ef.bytes, ef.len, RAM, &l);
	assert_int_equal(l.is_elf, 1);
	assert_int_equal(l.entry, 0x200010);
	assert_int_equal(l.nr_segs, 2);

	memset(ram, 0xee, sizeof(ram));
	image_place(&l, ef.bytes, ram);
	assert_memory_equal(ram + 0x200000, ef.bytes + 0x1000, 0x100);
	assert_memory_equal(ram + 0x201000, ef.bytes + 0x2000, 0x80);
	/* p_memsz past p_filesz is zeroed, and nothing else is touched. */
	for (unsigned i = 0x80; i < 0x1000; i++)
		assert_int_equal(ram[0x201000 + i], 0);
	assert_int_equal(ram[0x200100], 0xee);
	assert_int_equal(ram[0x1fffff], 0xee);
	assert_int_equal(ram[0x202000], 0xee);
}

/* Segments may touch the edges of what is allowed, never cross them. */
static void test_elf_edges(void **state)
{
	struct image_layout l;

	/* Up to the last byte of RAM, and right up to and after the boot
	 * pages 0x1000-0x4fff. */
	elf_init(3);
	load(0, 0x1000, RAM - 0x1000, 0x10, 0x1000);
	load(1, 0x1000, 0, 0x10, GUEST_PML4_GPA);
	load(2, 0x1000, GUEST_BOOT_END, 0x10, 0x10);
	ehdr()->e_entry = RAM - 0x1000 + 0xf;          /* last file byte */
	assert_accepts(ef.bytes, ef.len, RAM, &l);
	assert_int_equal(l.nr_segs, 3);

	/* p_memsz 0 loads nothing, wherever it claims to be. */
	elf_typical();
	ehdr()->e_phnum = 4;
	load(3, 0, 0x2000, 0, 0);
	assert_accepts(ef.bytes, ef.len, RAM, &l);
	assert_int_equal(l.nr_segs, 2);

	/* IMAGE_SEGS_MAX segments are fine. */
	elf_init(IMAGE_SEGS_MAX);
	for (unsigned i = 0; i < IMAGE_SEGS_MAX; i++)
		load(i, 0x1000, 0x200000 + i * 0x1000, 0x10, 0x1000);
	ehdr()->e_entry = 0x200000;
	assert_accepts(ef.bytes, ef.len, RAM, &l);
	assert_int_equal(l.nr_segs, IMAGE_SEGS_MAX);
}

/* --- ELF: refused ------------------------------------------------------- */

static void test_elf_header(void **state)
{
	elf_typical();
	assert_refuses(ef.bytes, 63, RAM,
		       "ELF file of 63 bytes is shorter than its 64-byte header");

	elf_typical();
	ehdr()->e_ident[EI_CLASS] = 1;
	elf_refuses("not an ELF64 file (EI_CLASS 1, want 2: ELFCLASS64)");
	elf_typical();
	ehdr()->e_ident[EI_DATA] = 2;
	elf_refuses("not a little-endian ELF (EI_DATA 2");
	elf_typical();
	ehdr()->e_ident[EI_VERSION] = 0;
	elf_refuses("ELF version 0/1 (want 1: EV_CURRENT)");
	elf_typical();
	ehdr()->e_version = 2;
	elf_refuses("ELF version 1/2");
	elf_typical();
	ehdr()->e_machine = 3;                  /* EM_386 */
	elf_refuses("not an x86-64 ELF (e_machine 3, want 62: EM_X86_64)");
	elf_typical();
	ehdr()->e_type = ET_DYN;
	elf_refuses("a position-independent ELF (ET_DYN)");
	elf_typical();
	ehdr()->e_type = 1;                     /* ET_REL */
	elf_refuses("not an ELF executable (e_type 1, want 2: ET_EXEC)");
	elf_typical();
	ehdr()->e_phnum = 0;
	elf_refuses("ELF e_phnum 0: no usable program header table");
	elf_typical();
	ehdr()->e_phnum = PN_XNUM;
	elf_refuses("ELF e_phnum 65535");
	elf_typical();
	ehdr()->e_phentsize = 32;
	elf_refuses("ELF e_phentsize 32 (want 56)");
}

static void test_elf_phdr_table(void **state)
{
	/* The table past the end, and its end wrapping around. */
	elf_typical();
	ehdr()->e_phoff = FILE_MAX - 2 * 56 + 1;
	elf_refuses("ELF program headers (3 at offset 0x3f91) run past the end "
		    "of the file (16384 bytes)");
	elf_typical();
	ehdr()->e_phoff = UINT64_MAX - 8;
	elf_refuses("run past the end of the file");
	elf_typical();
	ehdr()->e_phoff = FILE_MAX + 1;
	elf_refuses("run past the end of the file");
	/* A table exactly at the end is fine. */
	elf_typical();
	memcpy(ef.bytes + FILE_MAX - 3 * 56, phdr(0), 3 * 56);
	ehdr()->e_phoff = FILE_MAX - 3 * 56;
	assert_accepts(ef.bytes, ef.len, RAM, &(struct image_layout){ 0 });
}

static void test_elf_segments(void **state)
{
	elf_typical();
	phdr(1)->p_filesz = 0x1001;
	elf_refuses("segment 1: p_filesz 0x1001 exceeds p_memsz 0x1000");

	/* File bytes past the end, with and without wrapping. */
	elf_typical();
	phdr(1)->p_offset = FILE_MAX - 0x7f;
	elf_refuses("segment 1: its 0x80 bytes at offset 0x3f81 run past the end "
		    "of the file (16384 bytes)");
	elf_typical();
	phdr(1)->p_offset = UINT64_MAX - 0x10;
	elf_refuses("segment 1: its 0x80 bytes at offset 0xffffffffffffffef");

	elf_typical();
	phdr(0)->p_paddr = 0x300000;
	elf_refuses("segment 0: p_vaddr 0x200000 is not p_paddr 0x300000");

	/* Memory past RAM, at RAM's end, and wrapping around. */
	elf_typical();
	load(1, 0x2000, RAM - 0x800, 0x80, 0x801);
	elf_refuses("segment 1: 0x801 bytes at 0x7ff800 run past the VM's 8 MiB "
		    "of RAM");
	elf_typical();
	load(1, 0x2000, RAM, 0x80, 0x80);
	elf_refuses("segment 1: 0x80 bytes at 0x800000 run past");
	elf_typical();
	load(1, 0x2000, UINT64_MAX - 0xfff, 0x80, 0x2000);
	elf_refuses("segment 1: 0x2000 bytes at 0xfffffffffffff000 run past");

	/* The pages the hypervisor writes at entry, from either side. */
	elf_typical();
	load(1, 0x2000, 0, 0x80, GUEST_PML4_GPA + 1);
	elf_refuses("segment 1: 0x1001 bytes at 0x0 overlap 0x1000-0x4fff, where "
		    "the hypervisor puts the guest's page tables and GDT");
	elf_typical();
	load(1, 0x2000, GUEST_BOOT_END - 1, 0x1, 0x1);
	elf_refuses("overlap 0x1000-0x4fff");
	elf_typical();
	load(1, 0x2000, 0x2000, 0x1, 0x1);
	elf_refuses("overlap 0x1000-0x4fff");
}

static void test_elf_layout(void **state)
{
	/* Segments overlapping each other, either way round. */
	elf_typical();
	load(1, 0x2000, 0x2000ff, 0x1, 0x1);
	elf_refuses("segment 1 at 0x2000ff overlaps an earlier one at 0x200000");
	elf_typical();
	load(1, 0x2000, 0x1fff00, 0x80, 0x101);
	elf_refuses("segment 1 at 0x1fff00 overlaps an earlier one at 0x200000");

	elf_init(IMAGE_SEGS_MAX + 1);
	for (unsigned i = 0; i <= IMAGE_SEGS_MAX; i++)
		load(i, 0x1000, 0x200000 + i * 0x1000, 0x10, 0x1000);
	ehdr()->e_entry = 0x200000;
	elf_refuses("more than 16 PT_LOAD segments");

	elf_typical();
	phdr(2)->p_type = PT_INTERP;
	elf_refuses("segment 2 is PT_INTERP: a dynamically linked program");

	/* Nothing to load: no PT_LOAD, or only empty ones. */
	elf_typical();
	phdr(0)->p_type = 4;                    /* PT_NOTE */
	phdr(1)->p_type = 4;
	elf_refuses("ELF has no PT_LOAD segment to load");
	elf_typical();
	phdr(0)->p_filesz = phdr(0)->p_memsz = 0;
	phdr(1)->p_filesz = phdr(1)->p_memsz = 0;
	elf_refuses("ELF has no PT_LOAD segment to load");
}

static void test_elf_entry(void **state)
{
	/* Outside every segment, one past the file bytes, in .bss. */
	elf_typical();
	ehdr()->e_entry = 0x100000;
	elf_refuses("entry point 0x100000 is not in the file bytes of any "
		    "PT_LOAD segment");
	elf_typical();
	ehdr()->e_entry = 0x200100;
	elf_refuses("entry point 0x200100");
	elf_typical();
	ehdr()->e_entry = 0x201080;
	elf_refuses("entry point 0x201080");
	elf_typical();
	ehdr()->e_entry = 0x1fffff;
	elf_refuses("entry point 0x1fffff");
}

/* --- sizes from a TFTP server that could not tell ----------------------- */

static void test_unsized_len(void **state)
{
	uint8_t buf[64] = { 1, 2, 0, 3 };

	assert_int_equal(image_unsized_len(buf, sizeof(buf)), 4);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(image_unsized_len(buf, sizeof(buf)), 0);
	assert_int_equal(image_unsized_len(buf, 0), 0);
	/* An ELF says where its bytes are: the whole buffer is checked. */
	memcpy(buf, ELFMAG, SELFMAG);
	assert_int_equal(image_unsized_len(buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(image_unsized_len(buf, 3), 3);
}

static const struct CMUnitTest tests[] = {
	cmocka_unit_test(test_flat),
	cmocka_unit_test(test_elf_typical),
	cmocka_unit_test(test_elf_edges),
	cmocka_unit_test(test_elf_header),
	cmocka_unit_test(test_elf_phdr_table),
	cmocka_unit_test(test_elf_segments),
	cmocka_unit_test(test_elf_layout),
	cmocka_unit_test(test_elf_entry),
	cmocka_unit_test(test_unsized_len),
};

int main(void)
{
	return cmocka_run_group_tests_name("image", tests, NULL, NULL);
}
