/* Building a VM from its [vm NAME] section. */
#include <stdarg.h>

#include "guest-stub/guest_image.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/guest_boot.h"
#include "vmm/hypercall_abi.h"
#include "vmm/image.h"
#include "vmm/net/net.h"
#include "vmm/vm.h"

_Static_assert(CFG_MAX_VMS <= VIRT_MAX_VCPUS,
	       "more VMs than the backends keep vCPUs for");
_Static_assert(CFG_NAME_MAX + 1 <= CONSOLE_NAME_MAX,
	       "a VM's name fits the console's line prefix");

#define MIB   (1ull << 20)
#define SZ_2M (2 * MIB)

void *vm_guest_ptr(struct vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa >= vm->ram_bytes || len > vm->ram_bytes - gpa)
		return NULL;
	return (void *)(uintptr_t)(vm->ram_hpa + gpa);
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

int vm_create(struct vm *vm, uint32_t id, const struct cfg_vm *cfg,
	      const struct guest_file *file, struct page_alloc *pa)
{
	struct guest_file stub = {
		_binary_build_guest_stub_guest_stub_bin_start,
		(uint64_t)(_binary_build_guest_stub_guest_stub_bin_end -
			   _binary_build_guest_stub_guest_stub_bin_start),
	};
	const struct guest_file none = { NULL, 0 };
	struct image_layout layout;
	struct vcpu_entry entry;
	char why[IMAGE_WHY_MAX];

	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = cfg;
	vm->ram_bytes = (uint64_t)cfg->memory_mib * MIB;
	vuart_init(&vm->uart, cfg->name, id);

	/* The boot code checked the file already; checking again here costs
	 * little and keeps the copy below safe whoever calls. A VM whose
	 * file is missing never falls back to the guest-stub. */
	if (!cfg->image[0])
		file = &stub;
	else if (!file)
		file = &none;
	if (image_check(file->data, file->len, vm->ram_bytes, &layout, why,
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

	image_place(&layout, file->data, (uint8_t *)(uintptr_t)vm->ram_hpa);
	guest_boot_build((uint8_t *)(uintptr_t)vm->ram_hpa, vm->ram_bytes,
			 &entry);
	entry.rip = layout.entry;
	vm->vcpu = vcpu_create(pa, vm->npt, (uint16_t)id, &entry);
	if (!vm->vcpu)
		goto err_npt;
	vm->state = VM_RUNNABLE;
	LOG("vm", "%s: %u MiB at host 0x%lx, image %s, entry 0x%lx, %s",
	    cfg->name, cfg->memory_mib, (unsigned long)vm->ram_hpa,
	    cfg->image[0] ? cfg->image : "guest-stub",
	    (unsigned long)entry.rip, virt_name());
	return 0;

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
