/* A Linux VM's plan (docs/linux.md): the command line the kernel gets,
 * the hypervisor's part first, and where the kernel, its initrd and the
 * zero page go, checked by vmm/linux_boot.c. The same plan is made
 * twice: at boot, while a bad file can still be reported against its
 * line of flipvisor.cfg, and when the VM is built.
 *
 * Pure C: the same file is linked into the hypervisor and the host unit
 * tests. */
#ifndef VMM_LINUX_VM_H
#define VMM_LINUX_VM_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"
#include "vmm/image.h"
#include "vmm/linux_boot.h"

/* The selectors Linux's 64-bit entry expects in its GDT [boot.rst
 * "64-bit Boot Protocol"]: __BOOT_CS and __BOOT_DS. */
#define LINUX_BOOT_CS    0x10
#define LINUX_BOOT_DS    0x18

struct linux_plan {
	struct lb_kernel k;
	struct lb_layout l;
	char             cmdline[LB_CMDLINE_MAX + 1];
	size_t           cmdline_len;     /* may exceed LB_CMDLINE_MAX: refused */
};

/* The kernel command line for 'cfg' with the TSC at 'tsc_khz' (0: the
 * longest the hypervisor's part can be, for checks made before the TSC
 * is measured), into 'out' (NUL terminated, cut at 'cap'). Returns its
 * full length. */
size_t linux_cmdline(char *out, size_t cap, const struct cfg_vm *cfg,
		     uint32_t tsc_khz);

/* Plan the Linux VM of 'cfg' with its 'kernel' and 'initrd' files (len
 * 0: no initrd). Returns 0 and fills 'p', or -1 with the reason in
 * 'err' and in '*line' the line of flipvisor.cfg to blame. */
int linux_vm_plan(const struct cfg_vm *cfg, const struct guest_file *kernel,
		  const struct guest_file *initrd, uint32_t tsc_khz,
		  struct linux_plan *p, struct lb_error *err, uint32_t *line);

#endif
