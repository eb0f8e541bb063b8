/* Loading flipvisor.cfg before the firmware goes away. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"

static const CHAR16 CFG_PATH[] = L"\\flipvisor.cfg";
static const char CFG_TFTP_NAME[] = "flipvisor.cfg";

static EFI_STATUS read_from_volume(EFI_HANDLE dev, CHAR8 **buf, UINTN *len)
{
	EFI_FILE_IO_INTERFACE *fs;
	EFI_FILE_HANDLE root, file;
	EFI_FILE_INFO *info;
	EFI_STATUS st;
	UINTN size;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, dev,
			       &gEfiSimpleFileSystemProtocolGuid, (void **)&fs);
	if (EFI_ERROR(st))
		return EFI_NOT_FOUND;
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &root);
	if (EFI_ERROR(st))
		return st;
	st = uefi_call_wrapper(root->Open, 5, root, &file, (CHAR16 *)CFG_PATH,
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
	if (size > CFG_FILE_MAX) {
		st = EFI_BAD_BUFFER_SIZE;
		goto out;
	}
	*buf = AllocatePool(size + 1);
	if (!*buf) {
		st = EFI_OUT_OF_RESOURCES;
		goto out;
	}
	*len = size;
	st = uefi_call_wrapper(file->Read, 3, file, len, *buf);
	if (EFI_ERROR(st))
		FreePool(*buf);
out:
	uefi_call_wrapper(file->Close, 1, file);
	return st;
}

/* A network boot has no file system: fetch the file from the TFTP server
 * that served our image (the DHCP ACK's siaddr). */
static EFI_STATUS read_from_tftp(EFI_HANDLE dev, CHAR8 **buf, UINTN *len)
{
	EFI_PXE_BASE_CODE_PROTOCOL *pxe;
	EFI_IP_ADDRESS server;
	EFI_STATUS st;
	UINT64 size = 0, file_size;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, dev,
			       &gEfiPxeBaseCodeProtocolGuid, (void **)&pxe);
	if (EFI_ERROR(st) || !pxe->Mode || !pxe->Mode->DhcpAckReceived)
		return EFI_NOT_FOUND;

	ZeroMem(&server, sizeof(server));
	CopyMem(server.v4.Addr, pxe->Mode->DhcpAck.Dhcpv4.BootpSiAddr, 4);
	/* The size first, where the PXE stack can tell it. iPXE (QEMU's PXE
	 * ROM) cannot (EFI_UNSUPPORTED), and its READ_FILE leaves BufferSize
	 * at the buffer's size: then the buffer starts zeroed and the file
	 * ends at its first NUL, which no configuration text contains. */
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe,
			       EFI_PXE_BASE_CODE_TFTP_GET_FILE_SIZE, NULL, FALSE,
			       &size, NULL, &server, (UINT8 *)CFG_TFTP_NAME,
			       NULL, FALSE);
	if (st == EFI_UNSUPPORTED)
		size = CFG_FILE_MAX;
	else if (EFI_ERROR(st))
		return st == EFI_TFTP_ERROR ? EFI_NOT_FOUND : st;
	else if (size > CFG_FILE_MAX)
		return EFI_BAD_BUFFER_SIZE;
	file_size = size;
	*buf = AllocateZeroPool(size + 1);
	if (!*buf)
		return EFI_OUT_OF_RESOURCES;
	st = uefi_call_wrapper(pxe->Mtftp, 10, pxe,
			       EFI_PXE_BASE_CODE_TFTP_READ_FILE, *buf, FALSE,
			       &size, NULL, &server, (UINT8 *)CFG_TFTP_NAME,
			       NULL, FALSE);
	if (EFI_ERROR(st)) {
		FreePool(*buf);
		return st == EFI_TFTP_ERROR ? EFI_NOT_FOUND : st;
	}
	if (size > file_size)
		size = file_size;
	if (size == CFG_FILE_MAX)       /* no size reported: up to the first NUL */
		for (size = 0; size < file_size && (*buf)[size]; size++)
			;
	*len = (UINTN)size;
	return EFI_SUCCESS;
}

EFI_STATUS efi_read_config(EFI_HANDLE image, CHAR8 **buf, UINTN *len,
			   const char **where)
{
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &gEfiLoadedImageProtocolGuid, (void **)&li);
	if (EFI_ERROR(st))
		return st;

	*where = "boot volume";
	st = read_from_volume(li->DeviceHandle, buf, len);
	if (st != EFI_NOT_FOUND)
		return st;
	*where = "tftp server";
	return read_from_tftp(li->DeviceHandle, buf, len);
}
