/* Memory isolation, checked rather than assumed. Page exchange
 * (vmm/net/xchg.c) moves host pages between a VM's RAM and the frame
 * pool, so a VM's RAM is no longer its own block; what holds instead:
 * every host page a VM maps lies in the universe of VM RAM blocks and
 * pages the pool started with (exchange only moves pages inside it);
 * a RAM mapping is writable, a receive-window mapping read-only and a
 * pool frame; no host page is mapped writable twice, in one VM or two;
 * and each VM maps as many RAM pages as it has, less those it posted.
 * Together: no host frame is writable in two VMs, and no VM sees
 * hypervisor memory. Checked once at boot and again with every
 * statistics table while the path's invariant checks are on (net.c),
 * since exchange keeps changing who maps what. */
#include "arch/x86/arch.h"
#include "lib/console.h"
#include "lib/string.h"
#include "vmm/hypercall_abi.h"
#include "vmm/isolation.h"
#include "vmm/net/net.h"

struct universe {
	struct vm *vms;
	uint32_t   n;
	uint64_t   ram_pages;   /* bits [0, ram_pages): the VMs' blocks in order */
	uint64_t  *seen;        /* then one bit per page the pool started with */
	uint64_t   checks;      /* passed so far */
};

struct leaf_walk {
	struct universe *u;
	const struct vm *vm;
	uint64_t         pages; /* RAM pages mapped */
};

/* The bit of host page 'hpa' in the universe, or -1 outside it. */
static int64_t page_bit(const struct universe *u, uint64_t hpa)
{
	uint64_t base = 0;
	int32_t k;

	for (uint32_t j = 0; j < u->n; j++) {
		const struct vm *o = &u->vms[j];

		if (hpa >= o->ram_hpa && hpa - o->ram_hpa < o->ram_bytes)
			return (int64_t)(base + (hpa - o->ram_hpa) / PAGE_SIZE);
		base += o->ram_bytes / PAGE_SIZE;
	}
	k = net_pool_origin(hpa);
	return k < 0 ? -1 : (int64_t)(u->ram_pages + (uint64_t)k);
}

static __attribute__((noreturn)) void bad_leaf(const struct vm *vm,
					       uint64_t gpa, uint64_t hpa,
					       uint64_t size, unsigned perm,
					       const char *what)
{
	panic("%s maps GPA 0x%lx to host 0x%lx (+0x%lx, perm %u): %s",
	      vm->cfg->name, (unsigned long)gpa, (unsigned long)hpa,
	      (unsigned long)size, perm, what);
}

static void check_leaf(void *arg, uint64_t gpa, uint64_t hpa, uint64_t size,
		       unsigned perm)
{
	struct leaf_walk *w = arg;
	const struct vm *vm = w->vm;

	if (gpa >= vm->ram_bytes) {
		/* The receive window: pool frames, read-only. */
		if (gpa < NET_RX_WINDOW_GPA || size != PAGE_SIZE ||
		    gpa - NET_RX_WINDOW_GPA >=
		    (uint64_t)NET_RX_SLOTS_MAX * NET_SLOT_SIZE)
			bad_leaf(vm, gpa, hpa, size, perm, "outside its RAM "
				 "and its receive window");
		if (perm & NPT_W || !net_pool_frame(hpa))
			bad_leaf(vm, gpa, hpa, size, perm, "a window slot "
				 "writable or not a pool frame");
		return;
	}
	if (size > vm->ram_bytes - gpa || !(perm & NPT_W))
		bad_leaf(vm, gpa, hpa, size, perm, "RAM past its end, or "
			 "not writable");
	for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
		int64_t bit = page_bit(w->u, hpa + off);

		if (bit < 0)
			bad_leaf(vm, gpa + off, hpa + off, PAGE_SIZE, perm,
				 "outside every VM's RAM and the pool");
		if (w->u->seen[bit / 64] >> (bit % 64) & 1)
			bad_leaf(vm, gpa + off, hpa + off, PAGE_SIZE, perm,
				 "a host page mapped writable twice");
		w->u->seen[bit / 64] |= 1ull << (bit % 64);
	}
	w->pages += size / PAGE_SIZE;
}

/* The VMs and the bitmap, kept from isolation_init for every later
 * check: the page allocator cannot be used once the VMs run. */
static struct {
	struct universe u;
	uint64_t        bitmap_pages;
} iso;

void isolation_check(void)
{
	struct universe *u = &iso.u;

	if (!u->seen)
		return;
	memset(u->seen, 0, iso.bitmap_pages * PAGE_SIZE);
	for (uint32_t i = 0; i < u->n; i++) {
		struct vm *vm = &u->vms[i];
		struct leaf_walk w = { u, vm, 0 };
		uint64_t posted = net_vm_posted(vm);

		npt_for_each_leaf(vm->npt, check_leaf, &w);
		if (w.pages + posted != vm->ram_bytes / PAGE_SIZE)
			panic("%s maps %lu pages and posted %lu, not its %lu "
			      "pages of RAM", vm->cfg->name,
			      (unsigned long)w.pages, (unsigned long)posted,
			      (unsigned long)(vm->ram_bytes / PAGE_SIZE));
	}
	iso.u.checks++;
}

void isolation_init(struct page_alloc *pa, struct vm *vms, uint32_t n)
{
	struct universe u = { vms, n, 0, NULL, 0 };
	uint64_t bits;

	for (uint32_t i = 0; i < n; i++) {
		u.ram_pages += vms[i].ram_bytes / PAGE_SIZE;
		for (uint32_t j = 0; j < i; j++)
			if (vms[i].ram_hpa < vms[j].ram_hpa + vms[j].ram_bytes &&
			    vms[j].ram_hpa < vms[i].ram_hpa + vms[i].ram_bytes)
				panic("RAM of %s and %s overlaps",
				      vms[i].cfg->name, vms[j].cfg->name);
	}
	bits = u.ram_pages + net_pool_size();
	iso.bitmap_pages = (bits / 8 + PAGE_SIZE) / PAGE_SIZE;
	u.seen = (uint64_t *)(uintptr_t)page_alloc(pa, iso.bitmap_pages,
						   PAGE_SIZE);
	if (!u.seen)
		panic("isolation check: no memory for a %lu-page bitmap",
		      (unsigned long)iso.bitmap_pages);
	iso.u = u;
	isolation_check();
	LOG("vm", "isolation checked: %u VM(s), each maps only RAM pages no "
	    "other maps, and pool frames read-only", n);
}

uint64_t isolation_checks(void)
{
	return iso.u.checks;
}
