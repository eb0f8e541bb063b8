/* struct netpath_ops in the hypervisor: window slots mapped in the VMs'
 * nested page tables, their virtual interrupts, the e1000's rings, pool
 * pages by their identity mapping, and panic with the frame's history. */
#include "arch/x86/arch.h"
#include "drivers/e1000.h"
#include "lib/console.h"
#include "vmm/net/net_glue.h"
#include "vmm/virq.h"

static uint64_t slot_gpa(uint16_t slot)
{
	return NET_RX_WINDOW_GPA + (uint64_t)slot * NET_SLOT_SIZE;
}

static int op_map(void *ctx, uint32_t vm, uint16_t slot, uint64_t hpa)
{
	return npt_map(net.vms[vm].npt, slot_gpa(slot), hpa, NET_SLOT_SIZE,
		       NPT_R);
}

static int op_unmap(void *ctx, uint32_t vm, uint16_t slot)
{
	return npt_unmap_deferred(net.vms[vm].npt, slot_gpa(slot),
				  NET_SLOT_SIZE);
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

static bool op_post(void *ctx, uint64_t hpa)
{
	return e1000_rx_post(hpa);
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
	panic("netpath: %s: frame %u at 0x%lx, state %u, holders 0x%x, "
	      "history %u %u %u %u %u %u %u %u (oldest first from %u)", msg,
	      frame, (unsigned long)f->hpa, f->state, f->holders,
	      f->hist[0], f->hist[1], f->hist[2], f->hist[3], f->hist[4],
	      f->hist[5], f->hist[6], f->hist[7], f->hist_pos);
}

static uint64_t op_vm_clock(void *ctx, uint32_t vm, uint64_t now)
{
	return vm_own_time(&net.vms[vm], now);
}

const struct netpath_ops net_ops = {
	.map = op_map, .unmap = op_unmap, .flush = op_flush,
	.notify = op_notify, .page = op_page, .post = op_post,
	.wire_tx = op_wire_tx, .panic = op_panic, .vm_clock = op_vm_clock,
};

