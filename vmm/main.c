/* The hypervisor proper, entered on its own stack once the firmware's
 * boot services are gone. */
#include "arch/x86/arch.h"
#include "drivers/acpi.h"
#include "drivers/lapic.h"
#include "drivers/pit.h"
#include "lib/console.h"
#include "vmm/boot_info.h"
#include "vmm/isolation.h"
#include "vmm/net/net.h"
#include "vmm/sched.h"
#include "vmm/vm.h"

#define TSC_CALIBRATE_MS 10

static struct vm vms[CFG_MAX_VMS];

#define MIB (1024ull * 1024)

static void report_memory(const struct boot_info *bi)
{
	uint64_t usable = memmap_total(bi->map, bi->map_len, MM_USABLE);

	LOG("mem", "usable %lu MiB free, %lu MiB owned by the hypervisor "
	    "(%lu MiB of it still free), RAM top 0x%lx, %lu map entries",
	    (unsigned long)(usable / MIB),
	    (unsigned long)(bi->owned_size / MIB),
	    (unsigned long)(bi->pages.nfree * PAGE_SIZE / MIB),
	    (unsigned long)memmap_ram_top(bi->map, bi->map_len),
	    (unsigned long)bi->map_len);
}

static void lapic_timer_irq(uint8_t vector)
{
	lapic_eoi();    /* it only wakes the idle loop */
}

/* Start every configured VM and schedule them; returns only when there
 * is nothing to run. */
static void run_guests(struct boot_info *bi)
{
	uint64_t tsc_per_ms = pit_measure_tsc(TSC_CALIBRATE_MS) / TSC_CALIBRATE_MS;
	uint32_t n = 0;

	LOG("time", "TSC %lu kHz (measured against the PIT)",
	    (unsigned long)tsc_per_ms);
	lapic_init(tsc_per_ms);
	irq_set_handler(LAPIC_VEC_TIMER, lapic_timer_irq);

	if (!bi->cfg_ok || !bi->cfg.nr_vms) {
		LOG("vm", "no guests to start");
		return;
	}
	if (!virt_start(&bi->pages))
		return;
	for (uint32_t i = 0; i < bi->cfg.nr_vms; i++) {
		const struct vm_boot boot = {
			.file    = &bi->images[i],
			.initrd  = &bi->initrds[i],
			.tsc_khz = (uint32_t)tsc_per_ms,
			.now     = rdtsc(),
			.wall_s  = bi->wall_s + (rdtsc() - bi->wall_tsc) /
				   (tsc_per_ms * 1000),
		};

		if (!vm_create(&vms[n], n, &bi->cfg.vms[i], &boot, &bi->pages))
			n++;
	}
	if (!n)
		return;
	net_start(&bi->pages, &bi->cfg, vms, n, tsc_per_ms);
	isolation_init(&bi->pages, vms, n);
	LOG("sched", "%u VM(s), round robin, %u us slices", n,
	    bi->cfg.timeslice_us);
	sched_run(vms, n, tsc_per_ms * bi->cfg.timeslice_us / 1000, tsc_per_ms);
}

void hv_main(struct boot_info *bi)
{
	bool virt;

	fault_set_image(bi->image_base, bi->image_size);
	if (gdt_init(&bi->pages))
		panic("no memory for the interrupt stacks");
	idt_init();
	if (paging_init(&bi->pages, bi->map, bi->map_len))
		panic("no memory for the page tables");
	LOG("boot", "boot services gone; own GDT, TSS, IDT and page tables live");

	cpu_report();
	cpu_pick_copy();
	virt = virt_probe(&bi->pages);
	report_memory(bi);
	acpi_report(bi->rsdp);
	if (bi->cfg.selftest == CFG_SELFTEST_PAGE_FAULT)
		fault_selftest_page_fault();
	else if (bi->cfg.selftest == CFG_SELFTEST_INVALID_OPCODE)
		fault_selftest_invalid_opcode();

	if (virt)
		run_guests(bi);

	hv_halt();
}
