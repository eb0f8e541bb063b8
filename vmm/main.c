/* The hypervisor proper, entered on its own stack once the firmware's
 * boot services are gone. */
#include "arch/x86/arch.h"
#include "arch/x86/vmx/vmx_caps.h"
#include "drivers/acpi.h"
#include "drivers/uart.h"
#include "lib/console.h"
#include "vmm/boot_info.h"

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

void hv_main(struct boot_info *bi)
{
	struct vmx_caps caps;
	bool vtx;

	fault_set_image(bi->image_base, bi->image_size);
	if (gdt_init(&bi->pages))
		panic("no memory for the interrupt stacks");
	idt_init();
	if (paging_init(&bi->pages, bi->map, bi->map_len))
		panic("no memory for the page tables");
	LOG("boot", "boot services gone; own GDT, TSS, IDT and page tables live");

	cpu_report();
	vtx = vmx_probe(&caps);
	report_memory(bi);
	acpi_report(bi->rsdp);
	fault_selftest(bi->cfg.selftest);

	if (!vtx)
		LOG("vmx", "no usable VT-x on this CPU: flipvisor needs Intel VT-x "
		    "with EPT; run it under Bochs (make run picks it) or QEMU "
		    "with nested KVM on an Intel host (-accel kvm -cpu host)");
	else
		vmx_selftest_on_off(&caps, &bi->pages);

	kprintf("flipvisor: halted\n");
	uart_drain();
	cpu_halt_forever();
}
