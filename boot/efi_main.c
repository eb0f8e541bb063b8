/* The UEFI entry: everything that needs the firmware happens here, then we
 * leave boot services and hand the machine to hv_main(). */
#include <efi.h>
#include <efilib.h>

#include "arch/x86/arch.h"
#include "boot/efi_boot.h"
#include "drivers/acpi.h"
#include "drivers/uart.h"
#include "lib/console.h"
#include "lib/string.h"
#include "vmm/boot_info.h"

#define MIB            (1024ull * 1024)
#define OWNED_ALIGN    (2 * MIB)        /* guest RAM wants 2 MiB EPT pages */
#define STACK_PAGES    16

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

static struct boot_info boot_info;

/* Mirror console output on the UEFI text console while it exists. */
static void efi_console_write(const char *s, size_t n)
{
	CHAR16 buf[128];
	size_t k = 0;

	for (; n; n--, s++) {
		if (*s == '\n')
			buf[k++] = L'\r';
		buf[k++] = (CHAR16)(unsigned char)*s;
		if (k >= 126 || n == 1) {
			buf[k] = 0;
			uefi_call_wrapper(ST->ConOut->OutputString, 2,
					  ST->ConOut, buf);
			k = 0;
		}
	}
}

/* Whether some firmware console output device sits on a serial port:
 * then the firmware already copies its console to COM1 [UEFI 2.9 10.4.4,
 * UART device path]. */
static bool firmware_console_on_serial(void)
{
	EFI_HANDLE *h;
	UINTN n;
	bool found = false;

	if (EFI_ERROR(LibLocateHandle(ByProtocol, &gEfiSimpleTextOutProtocolGuid,
				      NULL, &n, &h)))
		return false;
	for (UINTN i = 0; i < n && !found; i++) {
		EFI_DEVICE_PATH *dp = DevicePathFromHandle(h[i]);

		for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp))
			if (DevicePathType(dp) == MESSAGING_DEVICE_PATH &&
			    DevicePathSubType(dp) == MSG_UART_DP)
				found = true;
	}
	FreePool(h);
	return found;
}

static void load_config(EFI_HANDLE image, struct boot_info *bi)
{
	struct cfg_error err;
	struct efi_file f;
	EFI_STATUS st;

	cfg_defaults(&bi->cfg);
	bi->cfg_ok = true;

	st = efi_read_file(image, "flipvisor.cfg", CFG_FILE_MAX, &f);
	if (st == EFI_NOT_FOUND) {
		LOG("cfg", "no flipvisor.cfg on the boot volume; using defaults");
		return;
	}
	if (EFI_ERROR(st)) {
		LOG("cfg", "flipvisor.cfg:0: cannot read the file (EFI status "
		    "0x%lx; at most %u bytes)", (unsigned long)st, CFG_FILE_MAX);
		bi->cfg_ok = false;
	} else {
		/* No size from the TFTP server: the text ends at its first
		 * NUL, which no configuration text contains. */
		if (!f.sized)
			for (f.len = 0; f.len < CFG_FILE_MAX && f.buf[f.len]; f.len++)
				;
		if (cfg_parse((const char *)f.buf, f.len, &bi->cfg, &err)) {
			LOG("cfg", "flipvisor.cfg:%u: %s", err.line, err.reason);
			bi->cfg_ok = false;
		} else {
			LOG("cfg", "flipvisor.cfg from %s: %lu bytes, %u guest(s)",
			    f.where, (unsigned long)f.len, bi->cfg.nr_vms);
			bi->cfg_ok = efi_load_images(image, bi);
		}
		efi_file_free(&f);
	}
	if (!bi->cfg_ok) {
		LOG("cfg", "refusing to start guests: flipvisor.cfg is invalid");
		cfg_defaults(&bi->cfg);
	}
}

/* Days from 1970-01-01 to the civil date y-m-d (proleptic Gregorian):
 * the year counted from March, so the leap day ends it. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The firmware's wall clock as Unix time, for the Linux VMs' CMOS
 * clocks, with the TSC it was read at; 0 when the firmware has none
 * [UEFI 2.9 8.3.1 GetTime]. Taken as UTC: OVMF and most PC firmware
 * leave TimeZone unspecified, and the sign of a given one differs
 * between versions of the spec. */
static void read_wall_clock(struct boot_info *bi)
{
	EFI_TIME t;
	int64_t s;

	if (EFI_ERROR(uefi_call_wrapper(RT->GetTime, 2, &t, NULL)) ||
	    t.Year < 1970 || t.Month < 1 || t.Month > 12)
		return;
	s = days_from_civil(t.Year, t.Month, t.Day) * 86400 +
	    t.Hour * 3600 + t.Minute * 60 + t.Second;
	bi->wall_s = s > 0 ? (uint64_t)s : 0;
	bi->wall_tsc = rdtsc();
}

static uint64_t find_rsdp(void)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if ((!CompareGuid(&t->VendorGuid, &acpi20_guid) ||
		     !CompareGuid(&t->VendorGuid, &acpi10_guid)) &&
		    acpi_rsdp_valid(t->VendorTable))
			return (uint64_t)(uintptr_t)t->VendorTable;
	}
	return acpi_rsdp_scan_bios();
}

/* One 2 MiB-aligned block for the hypervisor's heap and all guest RAM.
 * Over-allocate by the alignment, then hand back the unaligned ends. */
static EFI_STATUS alloc_owned(struct boot_info *bi)
{
	uint64_t bytes = bi->cfg.heap_mib * MIB, base, start;
	UINTN pages;
	EFI_STATUS st;

	for (uint32_t i = 0; i < bi->cfg.nr_vms; i++)
		bytes += bi->cfg.vms[i].memory_mib * MIB;
	pages = (bytes + OWNED_ALIGN) / EFI_PAGE_SIZE;

	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAnyPages,
			       EfiLoaderData, pages, &base);
	if (EFI_ERROR(st))
		return st;
	start = (base + OWNED_ALIGN - 1) & ~(OWNED_ALIGN - 1);
	if (start > base)
		uefi_call_wrapper(BS->FreePages, 2, base,
				  (start - base) / EFI_PAGE_SIZE);
	if (base + pages * EFI_PAGE_SIZE > start + bytes)
		uefi_call_wrapper(BS->FreePages, 2, start + bytes,
				  (base + pages * EFI_PAGE_SIZE - start - bytes) /
				  EFI_PAGE_SIZE);
	bi->owned_base = start;
	bi->owned_size = bytes;
	LOG("mem", "took %lu MiB at 0x%lx for the hypervisor (heap %u MiB, "
	    "guests %lu MiB)", (unsigned long)(bytes / MIB),
	    (unsigned long)start, bi->cfg.heap_mib,
	    (unsigned long)(bytes / MIB - bi->cfg.heap_mib));
	return EFI_SUCCESS;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct boot_info *bi = &boot_info;
	struct efi_map_buf mb;
	EFI_LOADED_IMAGE *li;
	EFI_STATUS st;
	size_t nraw;
	uint64_t stack;
	int n;

	InitializeLib(image, systab);
	uart_init();
	console_set_early_sink(efi_console_write, firmware_console_on_serial());

	st = uefi_call_wrapper(BS->HandleProtocol, 3, image,
			       &gEfiLoadedImageProtocolGuid, (void **)&li);
	if (EFI_ERROR(st))
		return st;
	bi->image_base = (uint64_t)(uintptr_t)li->ImageBase;
	bi->image_size = li->ImageSize;
	kprintf("flipvisor %s booting (image base 0x%lx, %lu KiB)\n",
		FLIPVISOR_VERSION, (unsigned long)bi->image_base,
		(unsigned long)(bi->image_size / 1024));

	load_config(image, bi);
	bi->rsdp = find_rsdp();
	read_wall_clock(bi);
	st = alloc_owned(bi);
	if (EFI_ERROR(st)) {
		LOG("mem", "cannot allocate the hypervisor's memory (EFI status "
		    "0x%lx); lower heap_mib or the guests' memory_mib",
		    (unsigned long)st);
		return st;
	}
	st = efi_map_alloc(&mb);
	if (EFI_ERROR(st)) {
		LOG("boot", "cannot get the memory map (EFI status 0x%lx)",
		    (unsigned long)st);
		return st;
	}

	LOG("boot", "leaving UEFI boot services");
	console_set_early_sink(NULL, false);
	st = efi_exit_boot_services(image, &mb, &nraw);
	if (EFI_ERROR(st)) {
		/* The firmware may be half gone: no way back, say so and stop. */
		LOG("boot", "ExitBootServices failed (EFI status 0x%lx)",
		    (unsigned long)st);
		cpu_halt_forever();
	}

	/* The owned block is EfiLoaderData in the firmware's eyes. */
	mb.raw[nraw++] = (struct mm_region){ bi->owned_base, bi->owned_size,
					     MM_OWNED };
	n = memmap_normalize(mb.raw, nraw, mb.regions, mb.region_cap);
	if (n < 0 || page_alloc_init(&bi->pages, bi->owned_base,
				     bi->owned_size)) {
		LOG("boot", "memory map or owned block unusable");
		cpu_halt_forever();
	}
	bi->map = mb.regions;
	bi->map_len = (size_t)n;

	stack = page_alloc(&bi->pages, STACK_PAGES, PAGE_SIZE);
	if (!stack) {
		LOG("boot", "no memory for the hypervisor stack");
		cpu_halt_forever();
	}
	arch_switch_stack(stack + STACK_PAGES * PAGE_SIZE, hv_main, bi);
}
