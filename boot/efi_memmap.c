/* The firmware memory map and the exit from boot services. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"

#define MAP_SLACK 32    /* descriptors of headroom for late splits */

static enum mm_type efi_to_mm(UINT32 efi_type)
{
	switch (efi_type) {
	case EfiConventionalMemory:
	case EfiBootServicesCode:       /* free once boot services are gone */
	case EfiBootServicesData:
		return MM_USABLE;
	case EfiLoaderCode:
	case EfiLoaderData:
		return MM_LOADER;
	case EfiACPIReclaimMemory:
		return MM_ACPI;
	case EfiACPIMemoryNVS:
		return MM_ACPI_NVS;
	case EfiRuntimeServicesCode:
	case EfiRuntimeServicesData:
		return MM_FIRMWARE;
	case EfiMemoryMappedIO:
	case EfiMemoryMappedIOPortSpace:
		return MM_MMIO;
	default:                        /* reserved, unusable, PAL, persistent */
		return MM_RESERVED;
	}
}

EFI_STATUS efi_map_alloc(struct efi_map_buf *mb)
{
	UINTN size = 0, key, dsize;
	UINT32 dver;
	EFI_STATUS st;
	size_t ndesc;

	st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, NULL, &key, &dsize,
			       &dver);
	if (st != EFI_BUFFER_TOO_SMALL)
		return EFI_ERROR(st) ? st : EFI_DEVICE_ERROR;

	/* Our own allocations below split the map further: leave room. */
	ndesc = size / dsize + MAP_SLACK;
	mb->desc_cap = ndesc * dsize;
	mb->desc = AllocatePool(mb->desc_cap);
	/* One extra raw entry for the owned block; normalizing can at most
	 * double the count. */
	mb->region_cap = 2 * (ndesc + 1);
	mb->raw = AllocatePool((ndesc + 1) * sizeof(*mb->raw));
	mb->regions = AllocatePool(mb->region_cap * sizeof(*mb->regions));
	if (!mb->desc || !mb->raw || !mb->regions)
		return EFI_OUT_OF_RESOURCES;
	return EFI_SUCCESS;
}

EFI_STATUS efi_exit_boot_services(EFI_HANDLE image, struct efi_map_buf *mb,
				  size_t *nraw)
{
	UINTN size, key, dsize = 0;
	UINT32 dver;
	EFI_STATUS st = EFI_ABORTED;

	/* The first ExitBootServices may fail because the map changed since
	 * GetMemoryMap (a timer event allocated, say): then only GetMemoryMap
	 * and ExitBootServices may be called, so just try again. */
	for (int tries = 0; tries < 8; tries++) {
		size = mb->desc_cap;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, &size, mb->desc,
				       &key, &dsize, &dver);
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, key);
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	if (EFI_ERROR(st))
		return st;

	*nraw = 0;
	for (UINTN off = 0; off + dsize <= size; off += dsize) {
		EFI_MEMORY_DESCRIPTOR *d = (void *)((UINT8 *)mb->desc + off);

		UINT64 pages = d->NumberOfPages;

		/* A page count too large to express in bytes is firmware
		 * garbage: keep it, cut to the top of the address space. */
		mb->raw[(*nraw)++] = (struct mm_region){
			.base = d->PhysicalStart,
			.size = pages > UINT64_MAX >> EFI_PAGE_SHIFT ?
				UINT64_MAX - d->PhysicalStart :
				pages << EFI_PAGE_SHIFT,
			.type = efi_to_mm(d->Type),
		};
	}
	return EFI_SUCCESS;
}
