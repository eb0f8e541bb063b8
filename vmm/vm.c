/* Building a VM from its [vm NAME] section. */
#include <stdarg.h>

#include "guest-stub/guest_image.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/dev/vdev.h"
#include "vmm/guest_boot.h"
#include "vmm/hypercall_abi.h"
#include "vmm/image.h"
#include "vmm/linux_acpi.h"
#include "vmm/linux_vm.h"
#include "vmm/net/net.h"
#include "vmm/vm.h"

_Static_assert(CFG_MAX_VMS <= VIRT_MAX_VCPUS,
	       "more VMs than the backends keep vCPUs for");
_Static_assert(CFG_NAME_MAX + 1 <= CONSOLE_NAME_MAX,
	       "a VM's name fits the console's line prefix");

#define MIB   (1ull << 20)
#define SZ_2M (2 * MIB)

/* The host page behind RAM page 'page' (a GPA, page aligned), present
 * and writable, or 0. After page exchange (vmm/net/xchg.c) a VM's RAM is
 * no longer one host block: only its nested table knows, and a page it
 * posted is not present there. */
static uint64_t ram_page(struct vm *vm, uint64_t page)
{
	uint64_t hpa;
	unsigned perm;

	if (npt_lookup(vm->npt, page, &hpa, &perm) < 0 || !(perm & NPT_W))
		return 0;
	return hpa;
}

/* [gpa, gpa + len) inside RAM, no wrap. */
static bool in_ram(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	return gpa < vm->ram_bytes && len <= vm->ram_bytes - gpa;
}

void *vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t base = gpa & ~(uint64_t)(PAGE_SIZE - 1), first;

	if (!in_ram(vm, gpa, len))
		return NULL;
	first = ram_page(vm, base);
	if (!first)
		return NULL;
	/* Every further page must follow the first in host memory too. */
	for (uint64_t p = base + PAGE_SIZE; p < gpa + len; p += PAGE_SIZE)
		if (ram_page(vm, p) != first + (p - base))
			return NULL;
	return (void *)(uintptr_t)(first + gpa % PAGE_SIZE);
}

/* Each page of the range is present; then each piece goes to or from
 * its own host page. 'out' true: guest to buf. */
static bool guest_copy(struct vm *vm, uint64_t gpa, void *buf, uint64_t len,
		       bool out)
{
	uint8_t *b = buf;

	if (!in_ram(vm, gpa, len))
		return false;
	/* Check all before copying any: a refused write changes nothing. */
	for (uint64_t p = gpa & ~(uint64_t)(PAGE_SIZE - 1); len && p < gpa + len;
	     p += PAGE_SIZE)
		if (!ram_page(vm, p))
			return false;
	while (len) {
		uint64_t off = gpa % PAGE_SIZE;
		uint64_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		uint8_t *host = (uint8_t *)(uintptr_t)
				(ram_page(vm, gpa - off) + off);

		if (out)
			memcpy(b, host, n);
		else
			memcpy(host, b, n);
		gpa += n;
		b += n;
		len -= n;
	}
	return true;
}

bool vm_read(struct vm *vm, uint64_t gpa, void *buf, uint64_t len)
{
	return guest_copy(vm, gpa, buf, len, true);
}

bool vm_write(struct vm *vm, uint64_t gpa, const void *buf, uint64_t len)
{
	return guest_copy(vm, gpa, (void *)buf, len, false);
}

/* Asleep, a VM chose not to run: that counts as its own time, or a VM
 * that takes its reclaim interrupt, ignores it and halts would never
 * reach its deadline and keep its slots for ever. Waiting while runnable
 * does not count: it could not answer. */
uint64_t vm_own_time(const struct vm *vm, uint64_t now)
{
	if (vm->state == VM_HALTED && now > vm->halted_at)
		return vm->own_ticks + (now - vm->halted_at);
	return vm->own_ticks;
}

void vm_ran(struct vm *vm, uint64_t entry, uint64_t exit)
{
	if (exit > entry)
		vm->own_ticks += exit - entry;
}

void vm_sleep(struct vm *vm, uint64_t now)
{
	vm->state = VM_HALTED;
	vm->halted_at = now;
}

void vm_wake(struct vm *vm, uint64_t now)
{
	vm->own_ticks = vm_own_time(vm, now);
	vm->state = VM_RUNNABLE;
}

/* A Linux VM's files, checked again here as image_check() does for an
 * image: whoever calls, nothing unchecked is copied. */
static int linux_check(const struct cfg_vm *cfg, const struct guest_file *kernel,
		       const struct guest_file *initrd, uint32_t tsc_khz,
		       struct linux_plan *lp)
{
	const struct guest_file none = { NULL, 0 };
	struct lb_error err;
	uint32_t line;

	if (linux_vm_plan(cfg, kernel ? kernel : &none, initrd ? initrd : &none,
			  tsc_khz, lp, &err, &line)) {
		LOG("vm", "%s: kernel %s: %s", cfg->name, cfg->kernel, err.reason);
		return -1;
	}
	return 0;
}

/* The Linux boot protocol's 64-bit entry [boot.rst "64-bit Boot
 * Protocol"]: the kernel, initrd, command line and zero page in RAM, the
 * identity map and a GDT with __BOOT_CS/__BOOT_DS, RSI = the zero page,
 * RIP = startup_64, interrupts off (as for every VM). */
static void linux_place(struct vm *vm, const struct linux_plan *lp,
			const struct guest_file *kernel,
			const struct guest_file *initrd, struct vcpu_entry *entry)
{
	uint8_t *ram = (uint8_t *)(uintptr_t)vm->ram_hpa;

	lb_load(ram, kernel->data, &lp->k, initrd ? initrd->data : NULL,
		lp->cmdline, &lp->l);
	lb_set_acpi_rsdp(ram + lp->l.zero_page, linux_acpi_build(ram));
	guest_boot_build(ram, vm->ram_bytes, LINUX_BOOT_CS, LINUX_BOOT_DS,
			 entry);
	entry->rip = lp->l.entry;
	entry->rsi = lp->l.zero_page;
	entry->rdi = 0;
}

/* The devices of a Linux VM (vmm/dev/vdev.h): its TSC is the host's. */
static struct vdev *linux_devices(struct vm *vm, const struct vm_boot *boot,
				  struct page_alloc *pa)
{
	const struct vdev_params p = {
		.tsc_hz     = (uint64_t)boot->tsc_khz * 1000,
		.tsc_offset = 0,
		.now        = boot->now,
		.wall_s     = boot->wall_s,
		.apic_id    = 0,
	};

	return vdev_create(pa, &vm->uart, &p);
}

int vm_create(struct vm *vm, uint32_t id, const struct cfg_vm *cfg,
	      const struct vm_boot *boot, struct page_alloc *pa)
{
	const struct guest_file *file = boot->file, *initrd = boot->initrd;
	struct guest_file stub = {
		_binary_build_guest_stub_guest_stub_bin_start,
		(uint64_t)(_binary_build_guest_stub_guest_stub_bin_end -
			   _binary_build_guest_stub_guest_stub_bin_start),
	};
	const struct guest_file none = { NULL, 0 };
	struct image_layout layout;
	struct linux_plan lp;
	struct vcpu_entry entry;
	char why[IMAGE_WHY_MAX];
	bool is_linux = cfg->kernel[0] != '\0';

	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = cfg;
	vm->ram_bytes = (uint64_t)cfg->memory_mib * MIB;
	vuart_init(&vm->uart, cfg->name, id);

	/* The boot code checked the file already; checking again here costs
	 * little and keeps the copy below safe whoever calls. A VM whose
	 * file is missing never falls back to the guest-stub. */
	if (is_linux) {
		if (linux_check(cfg, file, initrd, boot->tsc_khz, &lp))
			return -1;
	} else if (!cfg->image[0]) {
		file = &stub;
	} else if (!file) {
		file = &none;
	}
	if (!is_linux && image_check(file->data, file->len, vm->ram_bytes, &layout, why,
			sizeof(why))) {
		LOG("vm", "%s: image %s: %s", cfg->name,
		    cfg->image[0] ? cfg->image : "guest-stub", why);
		return -1;
	}
	/* 2 MiB-aligned host RAM lets the EPT use 2 MiB entries. */
	vm->ram_hpa = page_alloc(pa, vm->ram_bytes / PAGE_SIZE, SZ_2M);
	if (!vm->ram_hpa)
		goto err_nomem;
	vm->npt = npt_create(pa);
	if (!vm->npt)
		goto err_ram;
	/* Guest RAM at GPA 0, write-back; nothing else of the host. */
	if (npt_map(vm->npt, 0, vm->ram_hpa, vm->ram_bytes,
		    NPT_R | NPT_W | NPT_X))
		goto err_npt;

	if (is_linux) {
		vm->dev = linux_devices(vm, boot, pa);
		if (!vm->dev)
			goto err_npt;
		linux_place(vm, &lp, file, initrd, &entry);
	} else {
		image_place(&layout, file->data,
			    (uint8_t *)(uintptr_t)vm->ram_hpa);
		guest_boot_build((uint8_t *)(uintptr_t)vm->ram_hpa,
				 vm->ram_bytes, GUEST_SEL_CODE, GUEST_SEL_DATA,
				 &entry);
		entry.rip = layout.entry;
	}
	vm->vcpu = vcpu_create(pa, vm->npt, (uint16_t)id, &entry);
	if (!vm->vcpu)
		goto err_dev;
	vm->state = VM_RUNNABLE;
	LOG("vm", "%s: %u MiB at host 0x%lx, %s %s, entry 0x%lx, %s",
	    cfg->name, cfg->memory_mib, (unsigned long)vm->ram_hpa,
	    is_linux ? "kernel" : "image",
	    is_linux ? cfg->kernel : cfg->image[0] ? cfg->image : "guest-stub",
	    (unsigned long)entry.rip, virt_name());
	if (is_linux)
		LOG("vm", "%s: Linux %s, initrd %lu bytes at 0x%lx, command "
		    "line \"%s\"", cfg->name, lp.k.release,
		    (unsigned long)lp.l.initrd_size,
		    (unsigned long)lp.l.initrd, lp.cmdline);
	return 0;

err_dev:
	vdev_destroy(vm->dev, pa);
	vm->dev = NULL;
err_npt:
	npt_destroy(vm->npt);
err_ram:
	page_free(pa, vm->ram_hpa, vm->ram_bytes / PAGE_SIZE);
err_nomem:
	LOG("vm", "%s: out of memory (raise heap_mib)", cfg->name);
	vm->state = VM_STOPPED;
	return -1;
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	char why[224];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (vm->uart.len)
		vuart_write(&vm->uart, "\n", 1);
	vm->state = VM_STOPPED;
	LOG("vm", "%s stopped: %s", vm->cfg->name, why);
	net_vm_stopped(vm);
}
