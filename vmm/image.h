/* A guest image from a file (the 'image' key of flipvisor.cfg,
 * docs/config.md): a flat binary or an ELF64 executable, checked against
 * the VM's RAM, then copied into it.
 *
 * Pure C: no firmware, no hardware. The same file is linked into the
 * hypervisor, the host unit tests and the fuzz harness. The file comes
 * from a USB stick or a TFTP server: every byte is untrusted. */
#ifndef VMM_IMAGE_H
#define VMM_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_SEGS_MAX  16      /* PT_LOAD segments an ELF may have */
#define IMAGE_WHY_MAX   160     /* reason text, NUL included */

/* A file's bytes as the boot code read them. */
struct guest_file {
	const uint8_t *data;
	uint64_t       len;
};

/* One piece of guest RAM to fill: 'file_len' bytes from the file, then
 * zeroes up to 'mem_len'. */
struct image_seg {
	uint64_t gpa;
	uint64_t file_off;
	uint64_t file_len;
	uint64_t mem_len;
};

/* Where everything goes, once image_check() accepted the file. Every
 * segment lies inside RAM, outside [GUEST_PML4_GPA, GUEST_BOOT_END) and
 * apart from the others; 'entry' lies in a segment's file bytes. */
struct image_layout {
	uint64_t         entry;         /* RIP at the first VM entry */
	uint32_t         nr_segs;
	uint32_t         is_elf;        /* 0: flat binary */
	struct image_seg segs[IMAGE_SEGS_MAX];
};

/* Check 'len' bytes of 'data' as a guest image for 'ram_bytes' of RAM.
 * Returns 0 and fills 'out', or -1 with a reason in 'why' (lowercase, no
 * file name: the caller prefixes it) and 'out' untouched. */
int image_check(const uint8_t *data, uint64_t len, uint64_t ram_bytes,
		struct image_layout *out, char *why, size_t why_len);

/* Copy an accepted image into guest RAM ('ram' is GPA 0 as the
 * hypervisor sees it). Cannot fail: image_check() checked every bound. */
void image_place(const struct image_layout *l, const uint8_t *data,
		 uint8_t *ram);

/* A TFTP server that cannot tell a file's size leaves the rest of a
 * zeroed buffer of 'buf_len' bytes as it was. The length to check: the
 * whole buffer for an ELF (its headers say where its bytes are), else up
 * to the last non-zero byte (the zeroes after it are what the VM's RAM
 * holds anyway). */
uint64_t image_unsized_len(const uint8_t *data, uint64_t buf_len);

#endif
