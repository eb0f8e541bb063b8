/* Helpers of the UEFI entry that run while boot services last. */
#ifndef BOOT_EFI_BOOT_H
#define BOOT_EFI_BOOT_H

#include <efi.h>

#include "vmm/memmap.h"

#define CFG_FILE_MAX (64 * 1024)

/* Read flipvisor.cfg into a pool buffer: from the file system the image
 * was loaded from, else by TFTP from the server it was PXE-booted from.
 * Returns EFI_NOT_FOUND when neither has it. '*where' names the source. */
EFI_STATUS efi_read_config(EFI_HANDLE image, CHAR8 **buf, UINTN *len,
			   const char **where);

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
