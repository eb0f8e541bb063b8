/* Memory isolation, checked rather than assumed. For now every mapping a
 * VM has is its own RAM; so "each VM maps only inside its own RAM block"
 * and "no two RAM blocks overlap" together imply that no host frame is
 * writable in two VMs and that no VM sees hypervisor memory. */
#include "arch/x86/arch.h"
#include "lib/console.h"
#include "vmm/isolation.h"

struct leaf_walk {
	const struct vm *vm;
	uint64_t         pages;
};

static void check_leaf(void *arg, uint64_t gpa, uint64_t hpa, uint64_t size,
		       unsigned perm)
{
	struct leaf_walk *w = arg;
	const struct vm *vm = w->vm;

	if (hpa < vm->ram_hpa || size > vm->ram_bytes ||
	    hpa - vm->ram_hpa > vm->ram_bytes - size || gpa != hpa - vm->ram_hpa)
		panic("%s maps GPA 0x%lx to host 0x%lx (+0x%lx, perm %u), "
		      "outside its RAM 0x%lx+0x%lx", vm->cfg->name,
		      (unsigned long)gpa, (unsigned long)hpa,
		      (unsigned long)size, perm, (unsigned long)vm->ram_hpa,
		      (unsigned long)vm->ram_bytes);
	w->pages += size / PAGE_SIZE;
}

void isolation_check(struct vm *vms, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct leaf_walk w = { &vms[i], 0 };

		npt_for_each_leaf(vms[i].npt, check_leaf, &w);
		if (w.pages != vms[i].ram_bytes / PAGE_SIZE)
			panic("%s maps %lu pages, not its %lu pages of RAM",
			      vms[i].cfg->name, (unsigned long)w.pages,
			      (unsigned long)(vms[i].ram_bytes / PAGE_SIZE));
		for (uint32_t j = 0; j < i; j++)
			if (vms[i].ram_hpa < vms[j].ram_hpa + vms[j].ram_bytes &&
			    vms[j].ram_hpa < vms[i].ram_hpa + vms[i].ram_bytes)
				panic("RAM of %s and %s overlaps",
				      vms[i].cfg->name, vms[j].cfg->name);
	}
	LOG("vm", "isolation checked: %u VM(s), each maps only its own RAM", n);
}
