/* struct netpath_ops in the hypervisor: window slots and exchanged RAM
 * pages mapped in the VMs' nested page tables, their virtual interrupts,
 * the e1000's rings, pool pages by their identity mapping, and panic
 * with the frame's history. */
#include "arch/x86/arch.h"
#include "drivers/e1000.h"
#include "lib/console.h"
#include "vmm/net/net_glue.h"
#include "vmm/virq.h"

/* A slot is one entry of the window's kept page table (net_start.c):
 * written directly, no walk. */
static int op_map(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa)
{
	return npt_window_map(net.vms[vm].npt, slot, hpa, NPT_R);
}

static int op_unmap(void *ctx, uint32_t vm, uint16_t slot)
{
	return npt_window_unmap_deferred(net.vms[vm].npt, slot);
}

static void op_flush(void *ctx, uint32_t vm)
{
	npt_sync(net.vms[vm].npt);
}

static void op_notify(void *ctx, uint32_t vm, uint8_t vector)
{
	virq_raise(&net.vms[vm], vector);
}

static uint8_t *op_page(void *ctx, uint64_t hpa)
{
	return (uint8_t *)(uintptr_t)hpa;       /* identity-mapped */
}

static uint32_t op_post(void *ctx, const uint64_t *hpa, uint32_t n)
{
	return e1000_rx_post(hpa, n);
}

static uint32_t op_post_room(void *ctx)
{
	return e1000_rx_room();
}

static bool op_wire_tx(void *ctx, const uint8_t *data, uint16_t len)
{
	return e1000_tx(data, len);
}

static void op_panic(void *ctx, const char *msg, uint32_t frame)
{
	const struct np_frame *f = frame < net.np->nr_frames ?
				   &net.np->frame[frame] : NULL;

	if (!f)
		panic("netpath: %s", msg);
	/* One byte a state, the newest lowest, 0xff none yet. */
	panic("netpath: %s: frame %u at 0x%lx, state %u, holders 0x%x, "
	      "history 0x%016lx (newest in the low byte)", msg, frame,
	      (unsigned long)f->hpa, f->state, f->holders,
	      (unsigned long)f->hist);
}

static uint64_t op_vm_clock(void *ctx, uint32_t vm, uint64_t now)
{
	return vm_own_time(&net.vms[vm], now);
}

/* --- a VM's RAM pages, for page exchange (xchg.c) ------------------------ */

static int op_ram_lookup(void *ctx, uint32_t vm, uint64_t gpa, uint64_t *hpa)
{
	unsigned perm;

	if (npt_lookup(net.vms[vm].npt, gpa, hpa, &perm) < 0 || !(perm & NPT_W))
		return -1;
	return 0;
}

static int op_ram_map(void *ctx, uint32_t vm, uint64_t gpa, uint64_t hpa)
{
	return npt_map(net.vms[vm].npt, gpa, hpa, PAGE_SIZE,
		       NPT_R | NPT_W | NPT_X);
}

/* The page's tables are kept (npt_keep_tables) before it goes, so
 * mapping it back never needs memory: a 4 KiB leaf's table exists to be
 * kept; a page inside a 2 MiB leaf is split out first (the only step
 * that can fail, and then nothing changed), and keeping the new table
 * allocates nothing. */
static int op_ram_unmap(void *ctx, uint32_t vm, uint64_t gpa)
{
	struct npt *npt = net.vms[vm].npt;

	if (npt_keep_tables(npt, gpa, PAGE_SIZE) == 0)
		return npt_unmap_deferred(npt, gpa, PAGE_SIZE);
	if (npt_unmap_deferred(npt, gpa, PAGE_SIZE) < 0)
		return -1;
	if (npt_keep_tables(npt, gpa, PAGE_SIZE) < 0)
		panic("netpath: keeping the page table of GPA 0x%lx failed",
		      (unsigned long)gpa);
	return 0;
}

struct ram_each {
	void   (*fn)(void *arg, uint64_t gpa, uint64_t hpa, uint64_t size);
	void    *arg;
	uint64_t ram_bytes;
};

static void ram_leaf(void *arg, uint64_t gpa, uint64_t hpa, uint64_t size,
		     unsigned perm)
{
	struct ram_each *e = arg;

	if (gpa < e->ram_bytes)         /* not the receive window */
		e->fn(e->arg, gpa, hpa, size);
}

static void op_ram_each(void *ctx, uint32_t vm,
			void (*fn)(void *arg, uint64_t gpa, uint64_t hpa,
				   uint64_t size),
			void *arg)
{
	struct ram_each e = { fn, arg, net.vms[vm].ram_bytes };

	npt_for_each_leaf(net.vms[vm].npt, ram_leaf, &e);
}

/* --- where the NIC's DMA leaves frames (dma_sense.c) ------------------- */

static uint32_t op_load_ticks(void *ctx, const uint8_t *p, bool evict)
{
	static int8_t clflush = -1;     /* not asked yet */

	if (clflush < 0)
		clflush = !!(cpuid(1, 0).edx & CPUID_1_EDX_CLFSH);
	/* Without CLFLUSH nothing can be timed from memory: the two
	 * loads look alike, and sensing stays off. */
	if (evict && clflush)
		cpu_clflush(p);
	return cpu_timed_load(p);
}

const struct netpath_ops net_ops = {
	.map = op_map, .unmap = op_unmap, .flush = op_flush,
	.notify = op_notify, .page = op_page, .post = op_post,
	.post_room = op_post_room,
	.wire_tx = op_wire_tx, .panic = op_panic, .vm_clock = op_vm_clock,
	.ram_lookup = op_ram_lookup, .ram_map = op_ram_map,
	.ram_unmap = op_ram_unmap, .ram_each = op_ram_each,
	.load_ticks = op_load_ticks,
};

