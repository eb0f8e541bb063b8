/* Loading a Linux bzImage into a VM by the Linux x86 boot protocol, 64-bit
 * entry (docs/linux.md, "Boot path"; the kernel's
 * Documentation/arch/x86/boot.rst, cited below as [boot.rst SECTION]).
 *
 * Pure C: no firmware, no hardware, so the same file is linked into the
 * hypervisor and into the host unit tests and fuzz harness. The image,
 * the initrd's size and the command line are untrusted: lb_check_kernel()
 * and lb_plan() validate everything and can fail with a reason the
 * config layer prints as "flipvisor.cfg:LINE: reason"; lb_load() then
 * writes guest RAM and cannot fail.
 *
 * Not wired into VM start-up yet (docs/linux.md, "Status"). */
#ifndef VMM_LINUX_BOOT_H
#define VMM_LINUX_BOOT_H

#include <stddef.h>
#include <stdint.h>

/* --- The real-mode kernel header [boot.rst "The Real-Mode Kernel Header"],
 * offsets in the file and, the same, in struct boot_params. */
#define LB_HDR_OFF             0x1F1   /* setup_header starts here */
#define LB_SETUP_SECTS         0x1F1   /* u8, 0 means 4 */
#define LB_SYSSIZE             0x1F4   /* u32, protected-mode size / 16 */
#define LB_VID_MODE            0x1FA   /* u16, write */
#define LB_BOOT_FLAG           0x1FE   /* u16, 0xAA55 */
#define LB_JUMP                0x200   /* u8 0xEB, u8 offset: header end */
#define LB_HEADER              0x202   /* u32, "HdrS" */
#define LB_VERSION             0x206   /* u16, protocol (major << 8) | minor */
#define LB_KERNEL_VERSION      0x20E   /* u16, version string - 0x200 */
#define LB_TYPE_OF_LOADER      0x210   /* u8, write */
#define LB_LOADFLAGS           0x211   /* u8 */
#define LB_CODE32_START        0x214   /* u32, write: where we loaded it */
#define LB_RAMDISK_IMAGE       0x218   /* u32, write */
#define LB_RAMDISK_SIZE        0x21C   /* u32, write */
#define LB_CMD_LINE_PTR        0x228   /* u32, write */
#define LB_INITRD_ADDR_MAX     0x22C   /* u32, highest byte an initrd may use */
#define LB_KERNEL_ALIGNMENT    0x230   /* u32 */
#define LB_RELOCATABLE_KERNEL  0x234   /* u8 */
#define LB_XLOADFLAGS          0x236   /* u16 */
#define LB_CMDLINE_SIZE        0x238   /* u32, longest command line, no NUL */
#define LB_PREF_ADDRESS        0x258   /* u64 */
#define LB_INIT_SIZE           0x260   /* u32, memory needed from the start */

#define LB_BOOT_FLAG_MAGIC     0xAA55
#define LB_HEADER_MAGIC        0x53726448u  /* "HdrS" */
#define LB_JUMP_OPCODE         0xEB         /* short jmp over the header */
#define LB_SECTOR              512
#define LB_SETUP_SECTS_DEFAULT 4
/* 2.12 brought xloadflags, which says whether the 64-bit entry exists. */
#define LB_PROTOCOL_MIN        0x020C
#define LB_LOADED_HIGH         (1u << 0)    /* loadflags: a bzImage */
#define LB_XLF_KERNEL_64       (1u << 0)    /* xloadflags: entry at +0x200 */
#define LB_XLF_ABOVE_4G        (1u << 1)    /* XLF_CAN_BE_LOADED_ABOVE_4G */
#define LB_ENTRY_64_OFFSET     0x200  /* [boot.rst "64-bit Boot Protocol"] */
#define LB_LOADER_UNDEFINED    0xFF   /* type_of_loader: no assigned id */
#define LB_VID_MODE_NORMAL     0xFFFF /* [boot.rst "Special Command Line Options"] */

/* --- struct boot_params, "the zero page" (arch/x86/include/uapi/asm/
 * bootparam.h; Documentation/arch/x86/zero-page.rst). */
#define LB_ZERO_PAGE_SIZE      4096
#define LB_BP_ACPI_RSDP_ADDR   0x070   /* u64 */
#define LB_BP_EXT_RAMDISK_IMAGE 0x0C0  /* u32, high half of ramdisk_image */
#define LB_BP_EXT_RAMDISK_SIZE 0x0C4
#define LB_BP_EXT_CMD_LINE_PTR 0x0C8
#define LB_BP_E820_ENTRIES     0x1E8   /* u8 */
#define LB_BP_HDR_END_MAX      0x290   /* setup_header must end by here */
#define LB_BP_E820_TABLE       0x2D0   /* 20-byte entries */
#define LB_E820_MAX            128     /* E820_MAX_ENTRIES_ZEROPAGE */
#define LB_E820_ENTRY_SIZE     20      /* u64 addr, u64 size, u32 type */
#define LB_E820_RAM            1
#define LB_E820_RESERVED       2

/* --- Where things go in a Linux VM's RAM (GPA 0 = start of its RAM).
 * 0x1000-0x4FFF hold the identity page tables and GDT the arch code
 * writes for every VM (vmm/guest_boot.c); the rest is ours. */
#define LB_ZERO_PAGE_GPA       0x7000ull
#define LB_CMDLINE_GPA         0x8000ull
#define LB_CMDLINE_MAX         4095          /* characters: a 4 KiB slot */
#define LB_LOW_RAM_END         0x9FC00ull    /* conventional memory below the EBDA */
#define LB_HIGH_RAM            0x100000ull   /* 1 MiB: the protected-mode kernel's floor */
#define LB_INITRD_ALIGN        0x1000ull
#define LB_RAM_MAX             (1ull << 32)  /* one 32-bit field per address, no ext_ */
#define LB_ALIGN_MAX           (1u << 30)    /* a kernel_alignment we can honour */

#define LB_RELEASE_MAX         64      /* uname -r, NUL included */
#define LB_REASON_MAX          160

enum lb_err {
	LB_OK = 0,
	LB_ERR_TRUNCATED,        /* file shorter than its header says */
	LB_ERR_NOT_BZIMAGE,      /* no 0xAA55/"HdrS", or not loaded high */
	LB_ERR_OLD_PROTOCOL,     /* boot protocol < 2.12 */
	LB_ERR_NO_64BIT_ENTRY,   /* xloadflags without XLF_KERNEL_64 */
	LB_ERR_BAD_HEADER,       /* a field out of its documented range */
	LB_ERR_RAM,              /* the kernel does not fit in the VM's RAM */
	LB_ERR_INITRD_TOO_LARGE,
	LB_ERR_CMDLINE_TOO_LONG,
	LB_ERR_CMDLINE_NUL,      /* a NUL inside the command line */
};

struct lb_error {
	enum lb_err code;
	char        reason[LB_REASON_MAX];   /* for "flipvisor.cfg:LINE: reason" */
};

/* What lb_check_kernel() read from a valid bzImage. */
struct lb_kernel {
	uint16_t protocol;       /* 0x020F = 2.15 */
	uint32_t setup_bytes;    /* (setup_sects + 1) * 512: file offset of the
				  * protected-mode kernel */
	uint32_t hdr_end;        /* end of the setup header, 0x202 + jump[1] */
	uint64_t pm_bytes;       /* syssize * 16: what is loaded */
	uint32_t kernel_alignment;
	uint8_t  relocatable;
	uint16_t xloadflags;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	char     release[LB_RELEASE_MAX]; /* first word of the version string */
};

/* Where lb_load() puts each piece, in guest-physical addresses, and the
 * 64-bit entry: RIP = entry, RSI = zero_page [boot.rst "64-bit Boot
 * Protocol"]. */
struct lb_layout {
	uint64_t kernel;         /* protected-mode kernel, runtime start */
	uint64_t kernel_end;     /* kernel + max(init_size, pm_bytes) */
	uint64_t entry;          /* kernel + 0x200: startup_64 */
	uint64_t zero_page;
	uint64_t cmdline;
	uint32_t cmdline_len;    /* without the NUL */
	uint64_t initrd;         /* 0 when there is none */
	uint64_t initrd_size;
	uint64_t ram_bytes;
};

/* Check 'size' bytes of 'image' as a bzImage this loader can start. On
 * success returns 0 and fills 'k'; else returns -1 and fills 'err'. */
int lb_check_kernel(const uint8_t *image, size_t size, struct lb_kernel *k,
		    struct lb_error *err);

/* Plan a VM of 'ram_bytes' of RAM for kernel 'k' with an initrd of
 * 'initrd_size' bytes (0: none) and the command line 'cmdline' of
 * 'cmdline_len' characters (need not be NUL terminated). Returns 0 and
 * fills 'l', or -1 and fills 'err'. */
int lb_plan(const struct lb_kernel *k, uint64_t ram_bytes,
	    uint64_t initrd_size, const char *cmdline, size_t cmdline_len,
	    struct lb_layout *l, struct lb_error *err);

/* The VM's memory map: RAM below the EBDA and from 1 MiB to its end.
 * Writes at most 'max' 20-byte entries to 'out'; returns how many. */
unsigned lb_build_e820(uint64_t ram_bytes, uint8_t *out, unsigned max);

/* Fill the 4 KiB 'zp' with the zero page for 'l': the image's own setup
 * header, then the fields a loader writes, then the e820 map. */
void lb_build_zero_page(uint8_t zp[LB_ZERO_PAGE_SIZE], const uint8_t *image,
			const struct lb_kernel *k, const struct lb_layout *l);

/* Write the kernel, the initrd, the command line and the zero page into
 * 'ram' (the VM's RAM, l->ram_bytes long, GPA 0 at ram[0]) as planned.
 * Cannot fail: lb_check_kernel() and lb_plan() have checked it all. */
void lb_load(uint8_t *ram, const uint8_t *image, const struct lb_kernel *k,
	     const uint8_t *initrd, const char *cmdline,
	     const struct lb_layout *l);

const char *lb_err_name(enum lb_err e);

/* Tell the kernel where the ACPI RSDP is: boot_params.acpi_rsdp_addr,
 * so it need not scan for it (zero-page.rst). */
void lb_set_acpi_rsdp(uint8_t zp[LB_ZERO_PAGE_SIZE], uint64_t gpa);

#endif
