/* libFuzzer harness: the bzImage checks and VM layout (vmm/linux_boot.c),
 * on any bytes taken as a kernel image.
 *
 * The boot sector's first 13 bytes, which the loader never reads, choose
 * the rest of the request: bytes 0-1 the VM's RAM in MiB (1..4096),
 * 2-5 the initrd's size, 6-7 the command line's length, 8 where in it a
 * NUL goes (none if past its end), 9-12 one RAM byte more when they
 * read 1 (an unaligned size).
 *
 * Checks, beyond ASan/UBSan (the input is exactly 'size' bytes long: a
 * read past it is caught):
 *  - a refusal leaves the output untouched and gives a non-empty reason;
 *  - an accepted image lies within the file and every documented range;
 *  - an accepted plan puts the kernel, its init_size, the initrd, the
 *    command line and the zero page inside RAM, the initrd page aligned,
 *    above the kernel and below initrd_addr_max, nothing overlapping;
 *  - the zero page holds exactly the header bytes, addresses and map. */
#include <stdbool.h>
#include <string.h>

#include "tests/fuzz/fuzz.h"
#include "vmm/linux_boot.h"

#define MIB (1ull << 20)

static void check_reason(const struct lb_error *err)
{
	size_t n = strnlen(err->reason, LB_REASON_MAX);

	FUZZ_CHECK(n > 0 && n < LB_REASON_MAX, "reason of length %zu", n);
	FUZZ_CHECK(err->code != LB_OK, "refused with LB_OK");
}

static void check_kernel(const struct lb_kernel *k, size_t size)
{
	size_t rn = strnlen(k->release, LB_RELEASE_MAX);

	FUZZ_CHECK(k->protocol >= LB_PROTOCOL_MIN, "protocol %x", k->protocol);
	FUZZ_CHECK(k->hdr_end >= LB_INIT_SIZE + 4 &&
		   k->hdr_end <= LB_BP_HDR_END_MAX, "hdr_end %x", k->hdr_end);
	FUZZ_CHECK(k->setup_bytes >= k->hdr_end && k->setup_bytes <= size,
		   "setup_bytes %u of %zu", k->setup_bytes, size);
	FUZZ_CHECK(k->pm_bytes > 0 && k->pm_bytes <= size - k->setup_bytes,
		   "pm_bytes %llu", (unsigned long long)k->pm_bytes);
	FUZZ_CHECK(k->xloadflags & LB_XLF_KERNEL_64, "no 64-bit entry");
	FUZZ_CHECK(k->kernel_alignment &&
		   !(k->kernel_alignment & (k->kernel_alignment - 1)) &&
		   !(k->pref_address & (k->kernel_alignment - 1)) &&
		   k->pref_address >= LB_HIGH_RAM, "alignment");
	FUZZ_CHECK(k->init_size > 0, "init_size 0");
	FUZZ_CHECK(rn < LB_RELEASE_MAX, "release not terminated");
	for (size_t i = 0; i < rn; i++)
		FUZZ_CHECK(k->release[i] > ' ' && k->release[i] < 0x7F,
			   "release byte %zu", i);
}

static bool disjoint(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a + an <= b || b + bn <= a;
}

static void check_plan(const struct lb_kernel *k, const struct lb_layout *l,
		       uint64_t ram, uint64_t initrd_size, size_t cmd_len)
{
	uint64_t need = k->init_size > k->pm_bytes ? k->init_size : k->pm_bytes;

	FUZZ_CHECK(l->ram_bytes == ram, "ram");
	FUZZ_CHECK(l->kernel == k->pref_address && l->kernel_end ==
		   l->kernel + need && l->kernel_end <= ram, "kernel");
	FUZZ_CHECK(l->entry == l->kernel + LB_ENTRY_64_OFFSET, "entry");
	FUZZ_CHECK(l->cmdline_len == cmd_len && cmd_len <= k->cmdline_size &&
		   cmd_len <= LB_CMDLINE_MAX, "cmdline_len %u", l->cmdline_len);
	FUZZ_CHECK(l->cmdline + cmd_len + 1 <= LB_LOW_RAM_END &&
		   disjoint(l->cmdline, cmd_len + 1, l->zero_page,
			    LB_ZERO_PAGE_SIZE) &&
		   l->zero_page + LB_ZERO_PAGE_SIZE <= LB_LOW_RAM_END,
		   "low memory");
	FUZZ_CHECK(l->initrd_size == initrd_size, "initrd_size");
	if (initrd_size) {
		FUZZ_CHECK(!(l->initrd & (LB_INITRD_ALIGN - 1)) &&
			   l->initrd >= l->kernel_end &&
			   l->initrd + initrd_size <= ram &&
			   l->initrd + initrd_size - 1 <= k->initrd_addr_max,
			   "initrd at %llx", (unsigned long long)l->initrd);
	} else {
		FUZZ_CHECK(l->initrd == 0, "initrd without one");
	}
}

static uint32_t get32(const uint8_t *p, size_t off)
{
	return p[off] | p[off + 1] << 8 | p[off + 2] << 16 |
	       (uint32_t)p[off + 3] << 24;
}

static void check_zero_page(const uint8_t *zp, const uint8_t *image,
			    const struct lb_kernel *k, const struct lb_layout *l)
{
	static const uint8_t zero[LB_ZERO_PAGE_SIZE];

	FUZZ_CHECK(memcmp(zp, zero, LB_BP_E820_ENTRIES) == 0 &&
		   memcmp(zp + LB_BP_E820_ENTRIES + 1, zero,
			  LB_HDR_OFF - LB_BP_E820_ENTRIES - 1) == 0,
		   "bytes before the header");
	FUZZ_CHECK(memcmp(zp + LB_HEADER, image + LB_HEADER,
			  LB_TYPE_OF_LOADER - LB_HEADER) == 0, "header copy");
	FUZZ_CHECK(memcmp(zp + k->hdr_end, zero, LB_BP_E820_TABLE - k->hdr_end)
		   == 0, "bytes past the header");
	FUZZ_CHECK(get32(zp, LB_CODE32_START) == l->kernel &&
		   get32(zp, LB_RAMDISK_IMAGE) == l->initrd &&
		   get32(zp, LB_RAMDISK_SIZE) == l->initrd_size &&
		   get32(zp, LB_CMD_LINE_PTR) == l->cmdline, "addresses");
	FUZZ_CHECK(zp[LB_BP_E820_ENTRIES] == 2, "e820 entries %u",
		   zp[LB_BP_E820_ENTRIES]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char cmd[LB_CMDLINE_MAX + 64];
	static uint8_t zp[LB_ZERO_PAGE_SIZE];
	struct fz z = { data, size };
	struct lb_kernel k, kb;
	struct lb_layout l, lb;
	struct lb_error err;
	uint64_t ram, initrd_size;
	size_t cmd_len, nul;

	memset(&k, 0xA5, sizeof(k));
	kb = k;
	memset(&err, 0, sizeof(err));
	if (lb_check_kernel(data, size, &k, &err) != 0) {
		check_reason(&err);
		FUZZ_CHECK(memcmp(&k, &kb, sizeof(k)) == 0,
			   "a refused image changed the output");
		return 0;
	}
	check_kernel(&k, size);

	ram = ((uint64_t)fz_u16(&z) % 4096 + 1) * MIB;
	initrd_size = fz_u32(&z);
	cmd_len = fz_u16(&z) % sizeof(cmd);
	nul = fz_u8(&z);
	ram += fz_u32(&z) == 1;
	memset(cmd, 'x', sizeof(cmd));
	if (nul < cmd_len)
		cmd[nul] = '\0';

	memset(&l, 0x5A, sizeof(l));
	lb = l;
	if (lb_plan(&k, ram, initrd_size, cmd, cmd_len, &l, &err) != 0) {
		check_reason(&err);
		FUZZ_CHECK(memcmp(&l, &lb, sizeof(l)) == 0,
			   "a refused plan changed the output");
		return 0;
	}
	FUZZ_CHECK(nul >= cmd_len, "a NUL inside the command line passed");
	check_plan(&k, &l, ram, initrd_size, cmd_len);
	lb_build_zero_page(zp, data, &k, &l);
	check_zero_page(zp, data, &k, &l);
	return 0;
}
