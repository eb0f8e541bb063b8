/* A VM's own way out (vmm/vm_end.h). Linux is told `reboot=k,panic_warm
 * panic=-1` (vmm/linux_vm.c): a reboot and a panic both pulse the reset
 * line through the keyboard controller, and before a restart Linux
 * writes the BIOS warm-boot flag, 0x1234 for a warm one and 0 for a
 * cold one, to physical 0x472 (arch/x86/kernel/reboot.c,
 * native_machine_emergency_restart); with panic_warm only a panic is
 * warm. */
#include "vmm/vm_end.h"

#define PORT_KBC_CMD        0x64    /* 8042 command port */
#define KBC_PULSE_RESET     0xFE    /* pulse output port bit 0: CPU reset */
#define BIOS_RESET_FLAG_GPA 0x472   /* BDA word read by the BIOS on reset */
#define BIOS_RESET_WARM     0x1234

bool vm_end_io(struct vm *vm, const struct vm_exit *e, uint32_t value)
{
	uint16_t flag;

	if (e->io.in || e->io.port != PORT_KBC_CMD ||
	    (value & 0xff) != KBC_PULSE_RESET)
		return false;
	if (vm_read(vm, BIOS_RESET_FLAG_GPA, &flag, sizeof(flag)) &&
	    flag == BIOS_RESET_WARM)
		vm_stop(vm, "kernel panic (a warm reset request at RIP 0x%lx)",
			(unsigned long)e->rip);
	else
		vm_stop(vm, "rebooted (a reset request through port 0x64 at "
			"RIP 0x%lx)", (unsigned long)e->rip);
	return true;
}

void vm_end_halt(struct vm *vm, const struct vm_exit *e)
{
	vm_stop(vm, "halted (HLT with interrupts off at RIP 0x%lx)",
		(unsigned long)e->rip);
}
