/* The guests' files (the 'image' key, and 'kernel' and 'initrd' of a
 * Linux VM, docs/config.md): read while the firmware can still read
 * files, and checked at once, so that a bad one is reported against its
 * line of flipvisor.cfg like any other mistake in the file, and no guest
 * starts. */
#include <efi.h>
#include <efilib.h>

#include "boot/efi_boot.h"
#include "lib/console.h"
#include "vmm/linux_vm.h"

#define MIB (1024ull * 1024)
#define INITRD_PAD 4096ull

/* Read the file 'path' that key 'key' of [vm NAME] names on 'line', at
 * most the VM's RAM. Returns false after one line "flipvisor.cfg:LINE:
 * KEY PATH of [vm NAME]: reason". */
static bool read_one(EFI_HANDLE image, const struct cfg_vm *vm,
		     const char *key, const char *path, uint32_t line,
		     struct efi_file *f)
{
	EFI_STATUS st = efi_read_file(image, path,
				      (uint64_t)vm->memory_mib * MIB, f);

	if (st == EFI_NOT_FOUND) {
		LOG("cfg", "flipvisor.cfg:%u: %s %s of [vm %s]: no such file "
		    "on the boot volume or the TFTP server", line, key, path,
		    vm->name);
		return false;
	}
	if (st == EFI_BAD_BUFFER_SIZE) {
		LOG("cfg", "flipvisor.cfg:%u: %s %s of [vm %s]: the file is "
		    "larger than the VM's %u MiB of RAM", line, key, path,
		    vm->name, vm->memory_mib);
		return false;
	}
	if (EFI_ERROR(st)) {
		LOG("cfg", "flipvisor.cfg:%u: %s %s of [vm %s]: cannot read "
		    "the file from the %s (EFI status 0x%lx)", line, key, path,
		    vm->name, f->where, (unsigned long)st);
		return false;
	}
	return true;
}

/* One [vm]'s image: read, sized, checked. */
static bool load_image(EFI_HANDLE image, const struct cfg_vm *vm,
		       struct guest_file *out)
{
	uint64_t ram_bytes = (uint64_t)vm->memory_mib * MIB;
	struct image_layout layout;
	char why[IMAGE_WHY_MAX];
	struct efi_file f;

	if (!read_one(image, vm, "image", vm->image, vm->image_line, &f))
		return false;
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

/* A Linux VM's kernel and initrd, checked with the command line it will
 * get, the TSC's rate taken at its widest (vmm/linux_vm.c). A bzImage
 * whose size the TFTP server did not tell is checked whole: its header
 * says how much of it is the kernel. An initrd so read ends at its last
 * non-zero byte, rounded up to 4 KiB (gzip's trailing size field may end
 * in zeroes; the kernel skips zero padding after an archive). */
static bool load_linux(EFI_HANDLE image, const struct cfg_vm *vm,
		       struct guest_file *kernel, struct guest_file *initrd)
{
	struct efi_file kf, rf = { .buf = NULL, .len = 0 };
	static struct linux_plan plan;
	struct lb_error err;
	uint32_t line;

	if (!read_one(image, vm, "kernel", vm->kernel, vm->kernel_line, &kf))
		return false;
	if (vm->initrd[0]) {
		if (!read_one(image, vm, "initrd", vm->initrd, vm->initrd_line,
			      &rf)) {
			efi_file_free(&kf);
			return false;
		}
		if (!rf.sized) {
			uint64_t n = image_unsized_len(rf.buf, rf.len);

			n = (n + INITRD_PAD - 1) & ~(INITRD_PAD - 1);
			rf.len = n < rf.len ? n : rf.len;
		}
	}
	*kernel = (struct guest_file){ kf.buf, kf.len };
	*initrd = (struct guest_file){ rf.buf, rf.len };
	if (linux_vm_plan(vm, kernel, initrd, 0, &plan, &err, &line)) {
		if (line == vm->initrd_line && vm->initrd[0])
			LOG("cfg", "flipvisor.cfg:%u: initrd %s of [vm %s]: %s",
			    line, vm->initrd, vm->name, err.reason);
		else if (line == vm->cmdline_line && line)
			LOG("cfg", "flipvisor.cfg:%u: cmdline of [vm %s]: %s",
			    line, vm->name, err.reason);
		else
			LOG("cfg", "flipvisor.cfg:%u: kernel %s of [vm %s]: %s",
			    line, vm->kernel, vm->name, err.reason);
		efi_file_free(&kf);
		if (rf.buf)
			efi_file_free(&rf);
		*kernel = *initrd = (struct guest_file){ NULL, 0 };
		return false;
	}
	LOG("cfg", "kernel %s of [vm %s] from the %s: %lu bytes, Linux %s, "
	    "boot protocol %u.%02u; initrd %s, %lu bytes", vm->kernel,
	    vm->name, kf.where, (unsigned long)kf.len, plan.k.release,
	    plan.k.protocol >> 8, plan.k.protocol & 0xff,
	    vm->initrd[0] ? vm->initrd : "none", (unsigned long)rf.len);
	return true;
}

bool efi_load_images(EFI_HANDLE image, struct boot_info *bi)
{
	bool ok = true;

	/* Every file is looked at, so one boot reports every bad one. */
	for (uint32_t i = 0; i < bi->cfg.nr_vms; i++) {
		const struct cfg_vm *vm = &bi->cfg.vms[i];

		bi->images[i] = (struct guest_file){ NULL, 0 };
		bi->initrds[i] = (struct guest_file){ NULL, 0 };
		if (vm->kernel[0])
			ok = load_linux(image, vm, &bi->images[i],
					&bi->initrds[i]) && ok;
		else if (vm->image[0])
			ok = load_image(image, vm, &bi->images[i]) && ok;
	}
	return ok;
}
