/* What the UEFI entry hands the hypervisor once boot services are gone.
 * Everything here lives in memory the hypervisor owns or the image. */
#ifndef VMM_BOOT_INFO_H
#define VMM_BOOT_INFO_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/config.h"
#include "vmm/image.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"

struct boot_info {
	uint64_t           image_base;  /* where the firmware loaded us */
	uint64_t           image_size;
	uint64_t           owned_base;  /* the block taken for ourselves */
	uint64_t           owned_size;
	struct mm_region  *map;         /* normalized physical memory map */
	size_t             map_len;
	uint64_t           rsdp;        /* ACPI RSDP, 0 when none was found */
	uint64_t           wall_s;      /* Unix time at TSC 'wall_tsc' (0: unknown) */
	uint64_t           wall_tsc;
	struct config      cfg;
	bool               cfg_ok;      /* false: the file was bad, no guests */
	/* cfg.vms[i]'s image file, or the bzImage of a Linux VM, read at
	 * boot (loader memory, kept); len 0 for the built-in guest-stub.
	 * initrds[i]: a Linux VM's initramfs, len 0 for none. */
	struct guest_file  images[CFG_MAX_VMS];
	struct guest_file  initrds[CFG_MAX_VMS];
	struct page_alloc  pages;       /* over the owned block */
};

/* The hypervisor proper; never returns. */
void hv_main(struct boot_info *bi) __attribute__((noreturn));

#endif
