/* The guests' image files (the 'image' key, docs/config.md): read while
 * the firmware can still read files, and checked at once, so that a bad
 * one is reported against its line of flipvisor.cfg like any other
 * mistake in the file, and no guest starts. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"
#include "lib/console.h"

#define MIB (1024ull * 1024)

/* One [vm]'s file: read, sized, checked. Returns false after one line
 * "flipvisor.cfg:LINE: image PATH of [vm NAME]: reason". */
static bool load_one(EFI_HANDLE image, const struct cfg_vm *vm,
		     struct guest_file *out)
{
	uint64_t ram_bytes = (uint64_t)vm->memory_mib * MIB;
	struct image_layout layout;
	char why[IMAGE_WHY_MAX];
	struct efi_file f;
	EFI_STATUS st;

	st = efi_read_file(image, vm->image, ram_bytes, &f);
	if (st == EFI_NOT_FOUND) {
		LOG("cfg", "flipvisor.cfg:%u: image %s of [vm %s]: no such file "
		    "on the boot volume or the TFTP server", vm->image_line,
		    vm->image, vm->name);
		return false;
	}
	if (st == EFI_BAD_BUFFER_SIZE) {
		LOG("cfg", "flipvisor.cfg:%u: image %s of [vm %s]: the file is "
		    "larger than the VM's %u MiB of RAM", vm->image_line,
		    vm->image, vm->name, vm->memory_mib);
		return false;
	}
	if (EFI_ERROR(st)) {
		LOG("cfg", "flipvisor.cfg:%u: image %s of [vm %s]: cannot read "
		    "the file from the %s (EFI status 0x%lx)", vm->image_line,
		    vm->image, vm->name, f.where, (unsigned long)st);
		return false;
	}
	if (!f.sized)
		f.len = image_unsized_len(f.buf, f.len);
	if (image_check(f.buf, f.len, ram_bytes, &layout, why, sizeof(why))) {
		LOG("cfg", "flipvisor.cfg:%u: image %s of [vm %s]: %s",
		    vm->image_line, vm->image, vm->name, why);
		efi_file_free(&f);
		return false;
	}
	LOG("cfg", "image %s of [vm %s] from the %s: %lu bytes%s, %s, %u "
	    "segment(s), entry 0x%lx", vm->image, vm->name, f.where,
	    (unsigned long)f.len, f.sized ? "" : " (size not told: up to the "
	    "last non-zero byte, or all of RAM for an ELF)",
	    layout.is_elf ? "ELF64" : "flat", layout.nr_segs,
	    (unsigned long)layout.entry);
	*out = (struct guest_file){ f.buf, f.len };
	return true;
}

bool efi_load_images(EFI_HANDLE image, struct boot_info *bi)
{
	bool ok = true;

	/* Every file is looked at, so one boot reports every bad one. */
	for (uint32_t i = 0; i < bi->cfg.nr_vms; i++) {
		bi->images[i] = (struct guest_file){ NULL, 0 };
		if (bi->cfg.vms[i].image[0] &&
		    !load_one(image, &bi->cfg.vms[i], &bi->images[i]))
			ok = false;
	}
	return ok;
}
