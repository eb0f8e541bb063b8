/* The loader side of the Linux x86 boot protocol (vmm/linux_boot.h,
 * docs/linux.md "Boot path"). Every field is read from an untrusted
 * image with explicit bounds; every sum of untrusted values is checked
 * before it is used as an address. */
#include <stdarg.h>
#include <stdbool.h>

#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/linux_boot.h"

#define MIB (1ull << 20)

static uint32_t rd16(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] | (uint32_t)p[off + 1] << 8;
}

static uint32_t rd32(const uint8_t *p, size_t off)
{
	return rd16(p, off) | rd16(p, off + 2) << 16;
}

static uint64_t rd64(const uint8_t *p, size_t off)
{
	return (uint64_t)rd32(p, off) | (uint64_t)rd32(p, off + 4) << 32;
}

static void wr16(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = (uint8_t)v;
	p[off + 1] = (uint8_t)(v >> 8);
}

static void wr32(uint8_t *p, size_t off, uint32_t v)
{
	wr16(p, off, v);
	wr16(p, off + 2, v >> 16);
}

static void wr64(uint8_t *p, size_t off, uint64_t v)
{
	wr32(p, off, (uint32_t)v);
	wr32(p, off + 4, (uint32_t)(v >> 32));
}

static int lb_fail(struct lb_error *err, enum lb_err code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lb_fail(struct lb_error *err, enum lb_err code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	fmt_vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static uint64_t mib_up(uint64_t bytes)
{
	return (bytes + MIB - 1) / MIB;
}

/* The version string's first word ("6.1.0-50-cloud-amd64"): what uname -r
 * says in the guest. Optional; bounded by the setup area [boot.rst
 * "kernel_version"]. */
static void read_release(const uint8_t *image, uint32_t setup_bytes,
			 char out[LB_RELEASE_MAX])
{
	uint32_t at = rd16(image, LB_KERNEL_VERSION);
	size_t n = 0;

	if (at != 0) {
		for (uint32_t i = at + LB_JUMP; i < setup_bytes &&
		     n < LB_RELEASE_MAX - 1; i++) {
			uint8_t c = image[i];

			if (c <= ' ' || c >= 0x7F)
				break;
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
}

int lb_check_kernel(const uint8_t *image, size_t size, struct lb_kernel *k,
		    struct lb_error *err)
{
	struct lb_kernel r;
	uint32_t sects;

	if (size < LB_VERSION + 2)
		return lb_fail(err, LB_ERR_TRUNCATED,
			       "kernel is %lu bytes, too short for a Linux boot header",
			       (unsigned long)size);
	if (rd16(image, LB_BOOT_FLAG) != LB_BOOT_FLAG_MAGIC ||
	    rd32(image, LB_HEADER) != LB_HEADER_MAGIC)
		return lb_fail(err, LB_ERR_NOT_BZIMAGE,
			       "kernel is not a Linux bzImage (no 0xAA55/HdrS header)");
	memset(&r, 0, sizeof(r));
	r.protocol = (uint16_t)rd16(image, LB_VERSION);
	if (r.protocol < LB_PROTOCOL_MIN)
		return lb_fail(err, LB_ERR_OLD_PROTOCOL,
			       "kernel boot protocol %u.%02u is older than 2.12",
			       r.protocol >> 8, r.protocol & 0xFF);

	/* The header ends where its leading jump lands [boot.rst "jump"]; it
	 * must hold every field read below and fit in boot_params. */
	r.hdr_end = LB_HEADER + image[LB_JUMP + 1];
	if (image[LB_JUMP] != LB_JUMP_OPCODE || r.hdr_end < LB_INIT_SIZE + 4 ||
	    r.hdr_end > LB_BP_HDR_END_MAX)
		return lb_fail(err, LB_ERR_BAD_HEADER,
			       "kernel setup header ends at 0x%x (want 0x%x..0x%x)",
			       r.hdr_end, LB_INIT_SIZE + 4, LB_BP_HDR_END_MAX);
	sects = image[LB_SETUP_SECTS] ? image[LB_SETUP_SECTS] : LB_SETUP_SECTS_DEFAULT;
	/* At least 2 sectors: always past hdr_end (<= 0x290). */
	r.setup_bytes = (sects + 1) * LB_SECTOR;
	if (size < r.setup_bytes)
		return lb_fail(err, LB_ERR_TRUNCATED,
			       "kernel is %lu bytes, its real-mode setup alone %u",
			       (unsigned long)size, r.setup_bytes);

	if (!(image[LB_LOADFLAGS] & LB_LOADED_HIGH))
		return lb_fail(err, LB_ERR_NOT_BZIMAGE,
			       "kernel is a zImage, not a bzImage (LOADED_HIGH clear)");
	r.xloadflags = (uint16_t)rd16(image, LB_XLOADFLAGS);
	if (!(r.xloadflags & LB_XLF_KERNEL_64))
		return lb_fail(err, LB_ERR_NO_64BIT_ENTRY,
			       "kernel has no 64-bit entry point (XLF_KERNEL_64 clear)");

	/* syssize counts 16-byte paragraphs of the protected-mode kernel;
	 * a signed image may carry more bytes after it, never fewer. */
	r.pm_bytes = (uint64_t)rd32(image, LB_SYSSIZE) * 16;
	if (r.pm_bytes == 0)
		return lb_fail(err, LB_ERR_BAD_HEADER, "kernel syssize is 0");
	if (r.pm_bytes > size - r.setup_bytes)
		return lb_fail(err, LB_ERR_TRUNCATED,
			       "kernel is %lu bytes, its header says %llu",
			       (unsigned long)size,
			       (unsigned long long)(r.setup_bytes + r.pm_bytes));

	r.kernel_alignment = rd32(image, LB_KERNEL_ALIGNMENT);
	r.relocatable = image[LB_RELOCATABLE_KERNEL];
	r.pref_address = rd64(image, LB_PREF_ADDRESS);
	r.init_size = rd32(image, LB_INIT_SIZE);
	r.initrd_addr_max = rd32(image, LB_INITRD_ADDR_MAX);
	r.cmdline_size = rd32(image, LB_CMDLINE_SIZE);
	if (!is_pow2(r.kernel_alignment) || r.kernel_alignment > LB_ALIGN_MAX)
		return lb_fail(err, LB_ERR_BAD_HEADER,
			       "kernel_alignment 0x%x is not a power of two up to 1 GiB",
			       r.kernel_alignment);
	if (r.pref_address < LB_HIGH_RAM ||
	    (r.pref_address & (r.kernel_alignment - 1)))
		return lb_fail(err, LB_ERR_BAD_HEADER,
			       "kernel pref_address 0x%llx is below 1 MiB or not aligned to 0x%x",
			       (unsigned long long)r.pref_address,
			       r.kernel_alignment);
	if (r.init_size == 0)
		return lb_fail(err, LB_ERR_BAD_HEADER, "kernel init_size is 0");

	read_release(image, r.setup_bytes, r.release);
	*k = r;
	return 0;
}

int lb_plan(const struct lb_kernel *k, uint64_t ram_bytes,
	    uint64_t initrd_size, const char *cmdline, size_t cmdline_len,
	    struct lb_layout *l, struct lb_error *err)
{
	struct lb_layout r;
	uint64_t need, top, lo;

	if (ram_bytes < 2 * LB_HIGH_RAM || ram_bytes > LB_RAM_MAX ||
	    (ram_bytes & (LB_INITRD_ALIGN - 1)))
		return lb_fail(err, LB_ERR_RAM,
			       "VM RAM of %llu bytes is not 4 KiB pages between 2 MiB and 4 GiB",
			       (unsigned long long)ram_bytes);

	/* The decompressor runs from pref_address (= LOAD_PHYSICAL_ADDR)
	 * whatever lower address a relocatable kernel is loaded at, and
	 * needs init_size bytes there [boot.rst "init_size"]: load it there. */
	memset(&r, 0, sizeof(r));
	r.ram_bytes = ram_bytes;
	r.kernel = k->pref_address;
	need = k->init_size > k->pm_bytes ? k->init_size : k->pm_bytes;
	if (r.kernel >= ram_bytes || need > ram_bytes - r.kernel)
		return lb_fail(err, LB_ERR_RAM,
			       "kernel needs RAM up to %llu MiB, the VM has %llu MiB",
			       (unsigned long long)mib_up(k->pref_address + need),
			       (unsigned long long)(ram_bytes / MIB));
	r.kernel_end = r.kernel + need;
	r.entry = r.kernel + LB_ENTRY_64_OFFSET;

	if (cmdline_len > k->cmdline_size || cmdline_len > LB_CMDLINE_MAX)
		return lb_fail(err, LB_ERR_CMDLINE_TOO_LONG,
			       "command line is %lu characters, this kernel takes at most %u",
			       (unsigned long)cmdline_len,
			       k->cmdline_size < LB_CMDLINE_MAX ? k->cmdline_size :
			       LB_CMDLINE_MAX);
	for (size_t i = 0; i < cmdline_len; i++)
		if (cmdline[i] == '\0')
			return lb_fail(err, LB_ERR_CMDLINE_NUL,
				       "command line holds a NUL byte at %lu",
				       (unsigned long)i);
	r.zero_page = LB_ZERO_PAGE_GPA;
	r.cmdline = LB_CMDLINE_GPA;
	r.cmdline_len = (uint32_t)cmdline_len;

	/* The initrd goes as high as it may: below initrd_addr_max and the
	 * end of RAM, page aligned, above everything the kernel needs. */
	if (initrd_size) {
		top = (uint64_t)k->initrd_addr_max + 1;
		if (top > ram_bytes)
			top = ram_bytes;
		lo = (r.kernel_end + LB_INITRD_ALIGN - 1) & ~(LB_INITRD_ALIGN - 1);
		if (top <= lo || initrd_size > top - lo)
			return lb_fail(err, LB_ERR_INITRD_TOO_LARGE,
				       "initrd is %llu bytes, only %llu fit in the VM's RAM above the kernel",
				       (unsigned long long)initrd_size,
				       (unsigned long long)(top > lo ? top - lo : 0));
		/* top - initrd_size >= lo, which is aligned: so is the result. */
		r.initrd = (top - initrd_size) & ~(LB_INITRD_ALIGN - 1);
		r.initrd_size = initrd_size;
	}
	*l = r;
	return 0;
}

unsigned lb_build_e820(uint64_t ram_bytes, uint8_t *out, unsigned max)
{
	const uint64_t map[][2] = {
		{ 0, LB_LOW_RAM_END },
		{ LB_HIGH_RAM, ram_bytes - LB_HIGH_RAM },
	};
	unsigned n = 0;

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]) && n < max; i++) {
		uint8_t *e = out + n++ * LB_E820_ENTRY_SIZE;

		wr64(e, 0, map[i][0]);
		wr64(e, 8, map[i][1]);
		wr32(e, 16, LB_E820_RAM);
	}
	return n;
}

void lb_build_zero_page(uint8_t zp[LB_ZERO_PAGE_SIZE], const uint8_t *image,
			const struct lb_kernel *k, const struct lb_layout *l)
{
	/* A zeroed page with the image's own setup header in it, then the
	 * fields marked "write" [boot.rst "64-bit Boot Protocol", "Details
	 * of Header Fields"]. lb_plan() keeps every address below 4 GiB, so
	 * the ext_* high halves stay 0. */
	memset(zp, 0, LB_ZERO_PAGE_SIZE);
	memcpy(zp + LB_HDR_OFF, image + LB_HDR_OFF, k->hdr_end - LB_HDR_OFF);
	wr16(zp, LB_VID_MODE, LB_VID_MODE_NORMAL);
	zp[LB_TYPE_OF_LOADER] = LB_LOADER_UNDEFINED;
	wr32(zp, LB_CODE32_START, (uint32_t)l->kernel);
	wr32(zp, LB_RAMDISK_IMAGE, (uint32_t)l->initrd);
	wr32(zp, LB_RAMDISK_SIZE, (uint32_t)l->initrd_size);
	wr32(zp, LB_CMD_LINE_PTR, (uint32_t)l->cmdline);
	zp[LB_BP_E820_ENTRIES] = (uint8_t)lb_build_e820(l->ram_bytes,
		zp + LB_BP_E820_TABLE, LB_E820_MAX);
}

void lb_load(uint8_t *ram, const uint8_t *image, const struct lb_kernel *k,
	     const uint8_t *initrd, const char *cmdline,
	     const struct lb_layout *l)
{
	memcpy(ram + l->kernel, image + k->setup_bytes, k->pm_bytes);
	if (l->initrd_size)
		memcpy(ram + l->initrd, initrd, l->initrd_size);
	memcpy(ram + l->cmdline, cmdline, l->cmdline_len);
	ram[l->cmdline + l->cmdline_len] = '\0';
	lb_build_zero_page(ram + l->zero_page, image, k, l);
}

void lb_set_acpi_rsdp(uint8_t zp[LB_ZERO_PAGE_SIZE], uint64_t gpa)
{
	wr64(zp, LB_BP_ACPI_RSDP_ADDR, gpa);
}

const char *lb_err_name(enum lb_err e)
{
	static const char *const names[] = {
		[LB_OK]                   = "ok",
		[LB_ERR_TRUNCATED]        = "truncated",
		[LB_ERR_NOT_BZIMAGE]      = "not a bzImage",
		[LB_ERR_OLD_PROTOCOL]     = "boot protocol too old",
		[LB_ERR_NO_64BIT_ENTRY]   = "no 64-bit entry",
		[LB_ERR_BAD_HEADER]       = "bad setup header",
		[LB_ERR_RAM]              = "does not fit in RAM",
		[LB_ERR_INITRD_TOO_LARGE] = "initrd too large",
		[LB_ERR_CMDLINE_TOO_LONG] = "command line too long",
		[LB_ERR_CMDLINE_NUL]      = "NUL in command line",
	};

	return (unsigned)e < sizeof(names) / sizeof(names[0]) && names[e] ?
	       names[e] : "?";
}
