/* Host tests for vmm/linux_boot.c: the bzImage checks and the VM layout.
 *
 * A crafted minimal bzImage header, then one mutation per way an image,
 * a RAM size, an initrd or a command line is refused (each refusal also
 * leaves the output untouched), the layout's edges, the e820 map, and
 * Debian's own kernel and initramfs from the ESP `make` builds (skipped
 * when build/esp/linux/ is absent) loaded into a VM-sized buffer. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/linux_boot.h"

#define MIB (1ull << 20)
#define GIB (1ull << 30)

/* The crafted image: 1 setup sector after the boot sector, 4 KiB of
 * protected-mode kernel; 16 MiB pref_address, 8 MiB init_size. */
#define T_SETUP     1024u
#define T_PM        4096u
#define T_SIZE      (T_SETUP + T_PM)
#define T_INIT_SIZE (8 * MIB)
#define T_PREF      (16 * MIB)
#define T_VERSION   "6.6.6-test (nobody@example) #1"

static uint8_t img[T_SIZE];

static void put16(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, size_t off, uint32_t v)
{
	put16(p, off, v);
	put16(p, off + 2, v >> 16);
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	return p[off] | p[off + 1] << 8 | p[off + 2] << 16 | (uint32_t)p[off + 3] << 24;
}

static uint64_t get64(const uint8_t *p, size_t off)
{
	return get32(p, off) | (uint64_t)get32(p, off + 4) << 32;
}

static int craft(void **state)
{
	memset(img, 0, sizeof(img));
	img[LB_SETUP_SECTS] = T_SETUP / 512 - 1;
	put32(img, LB_SYSSIZE, T_PM / 16);
	put16(img, LB_BOOT_FLAG, LB_BOOT_FLAG_MAGIC);
	img[LB_JUMP] = LB_JUMP_OPCODE;
	img[LB_JUMP + 1] = 0x6A;                 /* header ends at 0x26C */
	put32(img, LB_HEADER, LB_HEADER_MAGIC);
	put16(img, LB_VERSION, 0x020F);
	put16(img, LB_KERNEL_VERSION, 0x300 - 0x200);
	memcpy(img + 0x300, T_VERSION, sizeof(T_VERSION));
	img[LB_LOADFLAGS] = LB_LOADED_HIGH;
	put32(img, LB_CODE32_START, 0x100000);
	put32(img, LB_INITRD_ADDR_MAX, 0x7FFFFFFF);
	put32(img, LB_KERNEL_ALIGNMENT, 0x200000);
	img[LB_RELOCATABLE_KERNEL] = 1;
	put16(img, LB_XLOADFLAGS, LB_XLF_KERNEL_64 | LB_XLF_ABOVE_4G);
	put32(img, LB_CMDLINE_SIZE, 2047);
	put32(img, LB_PREF_ADDRESS, (uint32_t)T_PREF);
	put32(img, LB_INIT_SIZE, (uint32_t)T_INIT_SIZE);
	for (unsigned i = 0; i < T_PM; i++)
		img[T_SETUP + i] = (uint8_t)(i * 7 + 1);
	return 0;
}

/* The image must be refused with 'code' and a reason containing 'why';
 * 'k' must stay as it was. */
static void refuse_kernel(size_t size, enum lb_err code, const char *why)
{
	struct lb_kernel k, before;
	struct lb_error err = { 0 };

	memset(&k, 0xA5, sizeof(k));
	before = k;
	assert_int_equal(lb_check_kernel(img, size, &k, &err), -1);
	if (err.code != code || !strstr(err.reason, why))
		fail_msg("got %s \"%s\", want %s containing \"%s\"",
			 lb_err_name(err.code), err.reason, lb_err_name(code), why);
	assert_memory_equal(&k, &before, sizeof(k));
}

static void accept_kernel(struct lb_kernel *k)
{
	struct lb_error err = { 0 };

	if (lb_check_kernel(img, sizeof(img), k, &err) != 0)
		fail_msg("refused: %s", err.reason);
}

static void test_crafted_ok(void **state)
{
	struct lb_kernel k;

	accept_kernel(&k);
	assert_int_equal(k.protocol, 0x020F);
	assert_int_equal(k.setup_bytes, T_SETUP);
	assert_int_equal(k.hdr_end, 0x26C);
	assert_int_equal(k.pm_bytes, T_PM);
	assert_int_equal(k.pref_address, T_PREF);
	assert_int_equal(k.init_size, T_INIT_SIZE);
	assert_int_equal(k.cmdline_size, 2047);
	assert_string_equal(k.release, "6.6.6-test");
	/* setup_sects 0 means 4 [boot.rst "setup_sects"]. */
	img[LB_SETUP_SECTS] = 0;
	put32(img, LB_SYSSIZE, (T_SIZE - 5 * 512) / 16);
	accept_kernel(&k);
	assert_int_equal(k.setup_bytes, 5 * 512);
}

static void test_truncated(void **state)
{
	refuse_kernel(0, LB_ERR_TRUNCATED, "too short");
	refuse_kernel(LB_VERSION + 1, LB_ERR_TRUNCATED, "too short");
	refuse_kernel(T_SETUP - 1, LB_ERR_TRUNCATED, "real-mode setup");
	refuse_kernel(T_SETUP, LB_ERR_TRUNCATED, "its header says 5120");
	refuse_kernel(T_SIZE - 1, LB_ERR_TRUNCATED, "its header says 5120");
}

static void test_not_bzimage(void **state)
{
	/* A text file of a kernel's size. */
	for (unsigned i = 0; i < T_SIZE; i++)
		img[i] = "#!/bin/sh\necho not a kernel\n"[i % 28];
	refuse_kernel(T_SIZE, LB_ERR_NOT_BZIMAGE, "not a Linux bzImage");
}

static void test_not_bzimage_magic(void **state)
{
	put16(img, LB_BOOT_FLAG, 0x55AA);
	refuse_kernel(T_SIZE, LB_ERR_NOT_BZIMAGE, "not a Linux bzImage");
	craft(state);
	img[LB_HEADER] = 'h';
	refuse_kernel(T_SIZE, LB_ERR_NOT_BZIMAGE, "not a Linux bzImage");
	craft(state);
	img[LB_LOADFLAGS] = 0;
	refuse_kernel(T_SIZE, LB_ERR_NOT_BZIMAGE, "zImage");
}

static void test_old_protocol(void **state)
{
	put16(img, LB_VERSION, 0x020B);
	refuse_kernel(T_SIZE, LB_ERR_OLD_PROTOCOL, "2.11 is older than 2.12");
	put16(img, LB_VERSION, 0x0100);
	refuse_kernel(T_SIZE, LB_ERR_OLD_PROTOCOL, "1.00");
	put16(img, LB_VERSION, LB_PROTOCOL_MIN);
	struct lb_kernel k;
	accept_kernel(&k);
}

static void test_no_64bit_entry(void **state)
{
	put16(img, LB_XLOADFLAGS, LB_XLF_ABOVE_4G);
	refuse_kernel(T_SIZE, LB_ERR_NO_64BIT_ENTRY, "XLF_KERNEL_64");
}

static void test_bad_header(void **state)
{
	img[LB_JUMP + 1] = 0x50;                  /* ends before init_size */
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "header ends at 0x252");
	img[LB_JUMP + 1] = 0x8F;                  /* past boot_params' room */
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "header ends at 0x291");
	craft(state);
	img[LB_JUMP] = 0x90;
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "header ends");
	craft(state);
	put32(img, LB_SYSSIZE, 0);
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "syssize is 0");
	craft(state);
	put32(img, LB_KERNEL_ALIGNMENT, 0x300000);
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "kernel_alignment 0x300000");
	put32(img, LB_KERNEL_ALIGNMENT, 0);
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "kernel_alignment 0x0");
	put32(img, LB_KERNEL_ALIGNMENT, 0x80000000);
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "kernel_alignment 0x80000000");
	craft(state);
	put32(img, LB_PREF_ADDRESS, 0x1000);
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "pref_address 0x1000");
	put32(img, LB_PREF_ADDRESS, (uint32_t)T_PREF + 0x1000);
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "not aligned");
	craft(state);
	put32(img, LB_INIT_SIZE, 0);
	refuse_kernel(T_SIZE, LB_ERR_BAD_HEADER, "init_size is 0");
}

/* lb_plan() must refuse with 'code' and leave 'l' untouched. */
static void refuse_plan(uint64_t ram, uint64_t initrd, const char *cmdline,
			size_t len, enum lb_err code, const char *why)
{
	struct lb_kernel k;
	struct lb_layout l, before;
	struct lb_error err = { 0 };

	accept_kernel(&k);
	memset(&l, 0x5A, sizeof(l));
	before = l;
	assert_int_equal(lb_plan(&k, ram, initrd, cmdline, len, &l, &err), -1);
	if (err.code != code || !strstr(err.reason, why))
		fail_msg("got %s \"%s\", want %s containing \"%s\"",
			 lb_err_name(err.code), err.reason, lb_err_name(code), why);
	assert_memory_equal(&l, &before, sizeof(l));
}

static void plan(uint64_t ram, uint64_t initrd, struct lb_layout *l)
{
	struct lb_kernel k;
	struct lb_error err = { 0 };

	accept_kernel(&k);
	if (lb_plan(&k, ram, initrd, "console=ttyS0", 13, l, &err) != 0)
		fail_msg("refused: %s", err.reason);
}

static void test_plan_layout(void **state)
{
	struct lb_layout l;

	plan(256 * MIB, 1000000, &l);
	assert_int_equal(l.kernel, T_PREF);
	assert_int_equal(l.entry, T_PREF + 0x200);
	assert_int_equal(l.kernel_end, T_PREF + T_INIT_SIZE);
	assert_int_equal(l.zero_page, LB_ZERO_PAGE_GPA);
	assert_int_equal(l.cmdline, LB_CMDLINE_GPA);
	assert_int_equal(l.cmdline_len, 13);
	/* As high as it goes, page aligned, inside RAM. */
	assert_int_equal(l.initrd, (256 * MIB - 1000000) & ~0xFFFull);
	assert_int_equal(l.initrd_size, 1000000);
	/* No initrd: none placed. */
	plan(256 * MIB, 0, &l);
	assert_int_equal(l.initrd, 0);
	assert_int_equal(l.initrd_size, 0);
	/* initrd_addr_max below the end of RAM bounds it. */
	put32(img, LB_INITRD_ADDR_MAX, 48 * MIB - 1);
	plan(256 * MIB, 4096, &l);
	assert_int_equal(l.initrd, 48 * MIB - 4096);
}

static void test_ram(void **state)
{
	struct lb_layout l;

	/* Exactly enough: the kernel's init_size ends at the end of RAM. */
	plan(T_PREF + T_INIT_SIZE, 0, &l);
	refuse_plan(T_PREF + T_INIT_SIZE - 4096, 0, "", 0, LB_ERR_RAM,
		    "up to 24 MiB, the VM has 23 MiB");
	refuse_plan(T_PREF, 0, "", 0, LB_ERR_RAM, "the VM has 16 MiB");
	refuse_plan(1 * MIB, 0, "", 0, LB_ERR_RAM, "between 2 MiB and 4 GiB");
	refuse_plan(256 * MIB + 1, 0, "", 0, LB_ERR_RAM, "4 KiB pages");
	refuse_plan(4 * GIB + 4096, 0, "", 0, LB_ERR_RAM, "4 GiB");
	/* A huge pref_address cannot wrap the sum around. */
	put32(img, LB_PREF_ADDRESS, 0);
	put32(img, LB_PREF_ADDRESS + 4, 0xFFFFFFFF);
	put32(img, LB_KERNEL_ALIGNMENT, 0x1000);
	refuse_plan(256 * MIB, 0, "", 0, LB_ERR_RAM, "the VM has 256 MiB");
}

static void test_initrd_too_large(void **state)
{
	struct lb_layout l;
	const uint64_t ram = 32 * MIB, room = ram - T_PREF - T_INIT_SIZE;

	plan(ram, room, &l);
	assert_int_equal(l.initrd, T_PREF + T_INIT_SIZE);
	refuse_plan(ram, room + 1, "", 0, LB_ERR_INITRD_TOO_LARGE,
		    "is 8388609 bytes, only 8388608 fit");
	refuse_plan(ram, 64 * GIB, "", 0, LB_ERR_INITRD_TOO_LARGE, "only");
	refuse_plan(ram, UINT64_MAX, "", 0, LB_ERR_INITRD_TOO_LARGE, "only");
	/* An init_size that is not page aligned: the initrd's page would
	 * start inside the kernel's memory. */
	put32(img, LB_INIT_SIZE, (uint32_t)T_INIT_SIZE + 0x10);
	refuse_plan(ram, room - 0x10, "", 0, LB_ERR_INITRD_TOO_LARGE,
		    "only 8384512 fit");
	plan(ram, room - 0x1000, &l);
	assert_int_equal(l.initrd, T_PREF + T_INIT_SIZE + 0x1000);
	craft(state);
	/* initrd_addr_max at the kernel's end: no room at all. */
	put32(img, LB_INITRD_ADDR_MAX, (uint32_t)(T_PREF + T_INIT_SIZE - 1));
	refuse_plan(256 * MIB, 1, "", 0, LB_ERR_INITRD_TOO_LARGE, "only 0 fit");
}

static void test_cmdline(void **state)
{
	static char line[LB_CMDLINE_MAX + 2];
	struct lb_layout l;
	struct lb_kernel k;
	struct lb_error err;

	memset(line, 'a', sizeof(line));
	refuse_plan(256 * MIB, 0, line, 2048, LB_ERR_CMDLINE_TOO_LONG,
		    "is 2048 characters, this kernel takes at most 2047");
	accept_kernel(&k);
	assert_int_equal(lb_plan(&k, 256 * MIB, 0, line, 2047, &l, &err), 0);
	/* A kernel taking more than our 4 KiB slot is held to the slot. */
	put32(img, LB_CMDLINE_SIZE, 1 << 20);
	refuse_plan(256 * MIB, 0, line, LB_CMDLINE_MAX + 1,
		    LB_ERR_CMDLINE_TOO_LONG, "at most 4095");
	accept_kernel(&k);
	assert_int_equal(lb_plan(&k, 256 * MIB, 0, line, LB_CMDLINE_MAX, &l,
				 &err), 0);
	refuse_plan(256 * MIB, 0, "quiet\0init=/x", 13, LB_ERR_CMDLINE_NUL,
		    "NUL byte at 5");
}

static void test_e820(void **state)
{
	uint8_t e[3 * LB_E820_ENTRY_SIZE];

	memset(e, 0xEE, sizeof(e));
	assert_int_equal(lb_build_e820(256 * MIB, e, 3), 2);
	assert_int_equal(get64(e, 0), 0);
	assert_int_equal(get64(e, 8), LB_LOW_RAM_END);
	assert_int_equal(get32(e, 16), LB_E820_RAM);
	assert_int_equal(get64(e, 20), LB_HIGH_RAM);
	assert_int_equal(get64(e, 28), 256 * MIB - LB_HIGH_RAM);
	assert_int_equal(get32(e, 36), LB_E820_RAM);
	assert_int_equal(e[40], 0xEE);                 /* nothing past it */
	assert_int_equal(lb_build_e820(256 * MIB, e, 1), 1);
}

/* The zero page and guest RAM after lb_load(), for any kernel. */
static void check_loaded(const uint8_t *ram, const uint8_t *image,
			 const struct lb_kernel *k, const struct lb_layout *l,
			 const uint8_t *initrd, const char *cmdline)
{
	const uint8_t *zp = ram + l->zero_page;

	assert_memory_equal(zp + LB_HDR_OFF + 0x11, image + LB_HDR_OFF + 0x11,
			    LB_TYPE_OF_LOADER - LB_HDR_OFF - 0x11);
	assert_int_equal(get32(zp, LB_HEADER), LB_HEADER_MAGIC);
	assert_int_equal(zp[LB_TYPE_OF_LOADER], LB_LOADER_UNDEFINED);
	assert_int_equal(get32(zp, LB_CODE32_START), l->kernel);
	assert_int_equal(get32(zp, LB_RAMDISK_IMAGE), l->initrd);
	assert_int_equal(get32(zp, LB_RAMDISK_SIZE), l->initrd_size);
	assert_int_equal(get32(zp, LB_CMD_LINE_PTR), l->cmdline);
	assert_int_equal(get32(zp, LB_BP_EXT_RAMDISK_IMAGE), 0);
	assert_int_equal(get32(zp, LB_BP_EXT_CMD_LINE_PTR), 0);
	assert_int_equal(zp[LB_BP_E820_ENTRIES], 2);
	assert_int_equal(get64(zp, LB_BP_E820_TABLE + 28), l->ram_bytes - LB_HIGH_RAM);
	/* Nothing of the image past its header leaks into the zero page. */
	for (unsigned i = k->hdr_end; i < LB_BP_E820_TABLE; i++)
		assert_int_equal(zp[i], 0);
	assert_memory_equal(ram + l->kernel, image + k->setup_bytes, k->pm_bytes);
	if (l->initrd_size)
		assert_memory_equal(ram + l->initrd, initrd, l->initrd_size);
	assert_memory_equal(ram + l->cmdline, cmdline, l->cmdline_len);
	assert_int_equal(ram[l->cmdline + l->cmdline_len], 0);
}

static void test_load_crafted(void **state)
{
	static const char cmd[] = "console=ttyS0 flipvisor.test=poweroff";
	const uint64_t ram_bytes = 32 * MIB;
	uint8_t initrd[5000];
	struct lb_kernel k;
	struct lb_layout l;
	struct lb_error err;
	uint8_t *ram = calloc(1, ram_bytes);

	assert_non_null(ram);
	for (unsigned i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i ^ 0x5A);
	accept_kernel(&k);
	assert_int_equal(lb_plan(&k, ram_bytes, sizeof(initrd), cmd,
				 strlen(cmd), &l, &err), 0);
	lb_load(ram, img, &k, initrd, cmd, &l);
	check_loaded(ram, img, &k, &l, initrd, cmd);
	free(ram);
}

static uint8_t *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

/* Debian's kernel and our initramfs as `make` puts them on the ESP. */
static void test_debian_kernel(void **state)
{
	static const char cmd[] = "console=ttyS0 quiet flipvisor.test=poweroff";
	const uint64_t ram_bytes = 256 * MIB;
	size_t ksize, isize;
	uint8_t *image = slurp(SRCDIR "/build/esp/linux/vmlinuz", &ksize);
	uint8_t *initrd = slurp(SRCDIR "/build/esp/linux/initrd.img", &isize);
	struct lb_kernel k;
	struct lb_layout l;
	struct lb_error err;
	uint8_t *ram;

	if (!image || !initrd) {
		free(image);
		free(initrd);
		print_message("no build/esp/linux/ (run make): skipped\n");
		skip();
	}
	if (lb_check_kernel(image, ksize, &k, &err) != 0)
		fail_msg("Debian's kernel refused: %s", err.reason);
	assert_true(k.protocol >= LB_PROTOCOL_MIN);
	assert_true(k.xloadflags & LB_XLF_KERNEL_64);
	assert_true(k.relocatable);
	assert_true(k.setup_bytes + k.pm_bytes <= ksize);
	assert_true(strchr(k.release, '-') != NULL);
	print_message("Debian kernel %s: protocol %x, init_size %u MiB\n",
		      k.release, k.protocol, k.init_size >> 20);

	/* Its init_size does not fit in 64 MiB from 16 MiB on. */
	assert_int_equal(lb_plan(&k, 64 * MIB, isize, cmd, strlen(cmd), &l,
				 &err), -1);
	assert_int_equal(err.code, LB_ERR_RAM);
	/* An initrd as large as the VM's RAM does not either. */
	assert_int_equal(lb_plan(&k, ram_bytes, ram_bytes, cmd, strlen(cmd),
				 &l, &err), -1);
	assert_int_equal(err.code, LB_ERR_INITRD_TOO_LARGE);

	if (lb_plan(&k, ram_bytes, isize, cmd, strlen(cmd), &l, &err) != 0)
		fail_msg("256 MiB refused: %s", err.reason);
	assert_true(l.initrd >= l.kernel_end);
	assert_true(l.initrd + l.initrd_size <= ram_bytes);
	ram = calloc(1, ram_bytes);
	assert_non_null(ram);
	lb_load(ram, image, &k, initrd, cmd, &l);
	check_loaded(ram, image, &k, &l, initrd, cmd);
	free(ram);
	free(image);
	free(initrd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_crafted_ok, craft),
		cmocka_unit_test_setup(test_truncated, craft),
		cmocka_unit_test_setup(test_not_bzimage, craft),
		cmocka_unit_test_setup(test_not_bzimage_magic, craft),
		cmocka_unit_test_setup(test_old_protocol, craft),
		cmocka_unit_test_setup(test_no_64bit_entry, craft),
		cmocka_unit_test_setup(test_bad_header, craft),
		cmocka_unit_test_setup(test_plan_layout, craft),
		cmocka_unit_test_setup(test_ram, craft),
		cmocka_unit_test_setup(test_initrd_too_large, craft),
		cmocka_unit_test_setup(test_cmdline, craft),
		cmocka_unit_test(test_e820),
		cmocka_unit_test_setup(test_load_crafted, craft),
		cmocka_unit_test(test_debian_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
