/* A Linux VM's command line and plan (vmm/linux_vm.h). */
#include "lib/fmt.h"
#include "lib/string.h"
#include "vmm/linux_vm.h"

#define MIB (1ull << 20)

/* What every Linux VM is told before the user's own words (docs/linux.md,
 * "Command line"): its console is the 16550 at 0x3F8, early messages too;
 * ACPI (vmm/linux_acpi.c: the APIC, and \_S5 for its power-off); no
 * I/O APIC ("noapic": otherwise Linux runs in symmetric I/O mode and
 * masks LINT0, the 8259's only way to the CPU here; with it,
 * setup_local_APIC leaves LINT0 as an unmasked ExtINT); no PCI, no
 * keyboard controller to probe; the TSC's rate as the hypervisor
 * measured it, so the kernel calibrates nothing against
 * timers it does not have, and trusts it (there is no second clock to
 * watch it with); a reboot is a reset request on port 0x64, a panic
 * the same at once, marked warm (0x1234 at 0x472) so that the
 * hypervisor can tell the two apart (vmm/vm_end.c). */
#define CMDLINE_FIXED "console=ttyS0 earlyprintk=serial,ttyS0 " \
	"noapic pci=off i8042.noaux i8042.nokbd tsc=reliable " \
	"reboot=k,panic_warm panic=-1 tsc_early_khz="
#define TSC_KHZ_WIDEST 4294967295u      /* the most digits a u32 has */

/* Then the VM's network address from the config (ipv4 = A.B.C.D/P) as
 * "flipvisor.ip=A.B.C.D/P", which guest-linux/init gives eth0 (the
 * flipnet driver learns the MAC itself, from HC_GET_IDENTITY). Like
 * snprintf, the length returned is what the whole line needs, so that
 * lb_plan's length check sees a line that did not fit. */
#define IP_WORD_FMT " flipvisor.ip=%u.%u.%u.%u/%u"

size_t linux_cmdline(char *out, size_t cap, const struct cfg_vm *cfg,
		     uint32_t tsc_khz)
{
	uint32_t ip = cfg->ipv4;
	size_t n = fmt_snprintf(out, cap, "%s%u", CMDLINE_FIXED,
				tsc_khz ? tsc_khz : TSC_KHZ_WIDEST);

	if (ip && n < cap)
		n += fmt_snprintf(out + n, cap - n, IP_WORD_FMT, ip >> 24,
				  (ip >> 16) & 0xff, (ip >> 8) & 0xff,
				  ip & 0xff, cfg->prefix_len);
	if (n < cap)
		n += fmt_snprintf(out + n, cap - n, "%s%s",
				  cfg->cmdline[0] ? " " : "", cfg->cmdline);
	return n;
}

int linux_vm_plan(const struct cfg_vm *cfg, const struct guest_file *kernel,
		  const struct guest_file *initrd, uint32_t tsc_khz,
		  struct linux_plan *p, struct lb_error *err, uint32_t *line)
{
	uint64_t ram_bytes = (uint64_t)cfg->memory_mib * MIB;

	*line = cfg->kernel_line;
	if (lb_check_kernel(kernel->data, kernel->len, &p->k, err))
		return -1;
	p->cmdline_len = linux_cmdline(p->cmdline, sizeof(p->cmdline), cfg,
				       tsc_khz);
	if (lb_plan(&p->k, ram_bytes, initrd->len, p->cmdline,
		    p->cmdline_len, &p->l, err)) {
		if (err->code == LB_ERR_INITRD_TOO_LARGE)
			*line = cfg->initrd_line;
		else if ((err->code == LB_ERR_CMDLINE_TOO_LONG ||
			  err->code == LB_ERR_CMDLINE_NUL) && cfg->cmdline_line)
			*line = cfg->cmdline_line;
		return -1;
	}
	return 0;
}
