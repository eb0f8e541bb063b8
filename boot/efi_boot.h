/* Helpers of the UEFI entry that run while boot services last. */
#ifndef BOOT_EFI_BOOT_H
#define BOOT_EFI_BOOT_H

#include <efi.h>

#include "vmm/boot_info.h"
#include "mm/memmap.h"

#define CFG_FILE_MAX (64 * 1024)
#define EFI_PATH_MAX CFG_PATH_MAX      /* characters of a file's path */

/* A file read while boot services last, in pages of EfiLoaderData. */
struct efi_file {
	UINT8      *buf;
	UINTN       len;        /* the file's bytes in buf */
	UINTN       pages;      /* of buf */
	BOOLEAN     sized;      /* FALSE: the TFTP server could not tell the
				 * size; buf holds len bytes, zero past the
				 * file's end, and the reader must find it */
	const char *where;      /* "boot volume" or "tftp server" */
};

/* Read 'path' ('/'-separated, below the root, at most EFI_PATH_MAX
 * characters) from the file system the image was loaded from, else by
 * TFTP from the server it was PXE-booted from. Returns EFI_NOT_FOUND
 * when neither has it, EFI_BAD_BUFFER_SIZE when it has more than 'max'
 * bytes (f->len then holds its size, when known). */
EFI_STATUS efi_read_file(EFI_HANDLE image, const char *path, UINTN max,
			 struct efi_file *f);
void efi_file_free(struct efi_file *f);

/* Read and check the image file of every [vm] that names one, into
 * bi->images[] (boot/efi_image.c). Each bad one is reported as
 * "flipvisor.cfg:LINE: ..."; returns false if any was bad. */
bool efi_load_images(EFI_HANDLE image, struct boot_info *bi);

/* Room for the memory map, allocated while allocation is still allowed:
 * the firmware map and our regions both fit. */
struct efi_map_buf {
	EFI_MEMORY_DESCRIPTOR *desc;
	UINTN                  desc_cap;       /* bytes */
	struct mm_region      *raw;
	struct mm_region      *regions;
	size_t                 region_cap;
};

EFI_STATUS efi_map_alloc(struct efi_map_buf *mb);

/* Take the final map and leave boot services, retrying on a stale map
 * key [UEFI 2.9 7.4 ExitBootServices]. Nothing may allocate, print to the
 * UEFI console, or otherwise touch boot services in between. On success
 * the map is converted into mb->raw; *nraw holds its length. */
EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct efi_map_buf *mb,
				  size_t *nraw);

#endif
