/* Reading files before the firmware goes away: flipvisor.cfg and the
 * guests' image files, from the boot volume or over TFTP. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"
#include "lib/string.h"

/* Pages of EfiLoaderData: after ExitBootServices the hypervisor's map
 * calls them "loader" and never hands them out (docs/boot.md), so a
 * buffer kept for later stays intact. */
static EFI_STATUS file_alloc(struct efi_file *f, UINTN bytes)
{
	EFI_PHYSICAL_ADDRESS addr;
	EFI_STATUS st;

	f->pages = EFI_SIZE_TO_PAGES(bytes ? bytes : 1);
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages,
			       EfiLoaderData, f->pages, &addr);
	if (EFI_ERROR(st))
		return EFI_OUT_OF_RESOURCES;
	f->buf = (UINT8 *)(UINTN)addr;
	return EFI_SUCCESS;
}

void efi_file_free(struct efi_file *f)
{
	if (f->buf)
		uefi_call_wrapper(BS->FreePages, 2,
				  (EFI_PHYSICAL_ADDRESS)(UINTN)f->buf, f->pages);
	f->buf = NULL;
	f->len = 0;
}

static EFI_STATUS read_from_volume(EFI_HANDLE dev, const char *path, UINTN max,
				   struct efi_file *f)
{
	CHAR16 wpath[EFI_PATH_MAX + 2];
	EFI_FILE_IO_INTERFACE *fs;
	EFI_FILE_HANDLE root, file;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN size, i;

	/* "guests/a.elf" is \guests\a.elf on the volume [UEFI 2.9 13.5]. */
	wpath[0] = L'\\';
	for (i = 0; path[i]; i++)
		wpath[i + 1] = path[i] == '/' ? L'\\' : (CHAR16)path[i];
	wpath[i + 1] = 0;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, dev,
			       &gEfiSimpleFileSystemProtocolGuid, (void **)&fs);
	if (EFI_ERROR(st))
		return EFI_NOT_FOUND;
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(root->Open, 5, root, &file, wpath,
			       EFI_FILE_MODE_READ, 0);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st))
		return EFI_NOT_FOUND;

	info = LibFileInfo(file);
	if (!info) {
		st = EFI_DEVICE_ERROR;
		goto out;
	}
	size = info->FileSize;
	FreePool(info);
	if (size > max) {
		f->len = size;
		st = EFI_BAD_BUFFER_SIZE;
		goto out;
	}
	st = file_alloc(f, size);
	if (EFI_ERROR(st))
		goto out;
	f->len = size;
	f->sized = TRUE;
	st = uefi_call_wrapper(file->Read, 3, file, &f->len, f->buf);
	if (!EFI_ERROR(st) && f->len != size)
		st = EFI_END_OF_FILE;           /* shorter than it said */
	if (EFI_ERROR(st))
		efi_file_free(f);
out:
	uefi_call_wrapper(file->Close, 1, file);
	return st;
}

/* A network boot has no file system: fetch the file from the TFTP server
 * that served our image (the DHCP ACK's siaddr). */
static EFI_STATUS read_from_tftp(EFI_HANDLE dev, const char *path, UINTN max,
				 struct efi_file *f)
{
	EFI_PXE_BASE_CODE_PROTOCOL *pxe;
	EFI_IP_ADDRESS server;
	EFI_STATUS st;
	UINT64 size = 0;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, dev,
			       &gEfiPxeBaseCodeProtocolGuid, (void **)&pxe);
	if (EFI_ERROR(st) || !pxe->Mode || !pxe->Mode->DhcpAckReceived)
		return EFI_NOT_FOUND;

	ZeroMem(&server, sizeof(server));
	CopyMem(server.v4.Addr, pxe->Mode->DhcpAck.Dhcpv4.BootpSiAddr, 4);
	/* The size first, where the PXE stack can tell it. iPXE (QEMU's PXE
	 * ROM) cannot (EFI_UNSUPPORTED), and its READ_FILE leaves BufferSize
	 * at the buffer's size: then the buffer starts zeroed, holds 'max'
	 * bytes, and the caller finds the end (f->sized is FALSE). A file
	 * larger than the buffer fails with EFI_BUFFER_TOO_SMALL. */
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe,
			       EFI_PXE_BASE_CODE_TFTP_GET_FILE_SIZE, NULL, FALSE,
			       &size, NULL, &server, (UINT8 *)path, NULL, FALSE);
	if (st == EFI_UNSUPPORTED) {
		size = max;
		f->sized = FALSE;
	} else if (EFI_ERROR(st)) {
		return st == EFI_TFTP_ERROR ? EFI_NOT_FOUND : st;
	} else if (size > max) {
		f->len = size;
		return EFI_BAD_BUFFER_SIZE;
	} else {
		f->sized = TRUE;
	}
	st = file_alloc(f, size);
	if (EFI_ERROR(st))
		return st;
	if (!f->sized)
		ZeroMem(f->buf, size);
	f->len = size;
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe,
			       EFI_PXE_BASE_CODE_TFTP_READ_FILE, f->buf, FALSE,
			       &size, NULL, &server, (UINT8 *)path, NULL, FALSE);
	if (EFI_ERROR(st)) {
		efi_file_free(f);
		if (st == EFI_BUFFER_TOO_SMALL)
			return EFI_BAD_BUFFER_SIZE;
		return st == EFI_TFTP_ERROR ? EFI_NOT_FOUND : st;
	}
	if (size < f->len)
		f->len = size;
	return EFI_SUCCESS;
}

EFI_STATUS efi_read_file(EFI_HANDLE image, const char *path, UINTN max,
			 struct efi_file *f)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;

	ZeroMem(f, sizeof(*f));
	if (strlen(path) > EFI_PATH_MAX)
		return EFI_INVALID_PARAMETER;
	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &gEfiLoadedImageProtocolGuid, (void **)&li);
	if (EFI_ERROR(st))
		return st;

	f->where = "boot volume";
	st = read_from_volume(li->DeviceHandle, path, max, f);
	if (st != EFI_NOT_FOUND)
		return st;
	f->where = "tftp server";
	return read_from_tftp(li->DeviceHandle, path, max, f);
}
