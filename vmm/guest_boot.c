/* A guest starts directly in 64-bit mode (docs/hypercalls.md, "Entry
 * state"): the hypervisor writes an identity map of the guest's RAM in
 * 2 MiB pages and a flat GDT into low guest memory [SDM 3A 4.5, 3.4.5]. */
#include "lib/string.h"
#include "vmm/config.h"
#include "vmm/guest_boot.h"
#include "vmm/hypercall_abi.h"

#define PTE_P       (1ull << 0)
#define PTE_RW      (1ull << 1)
#define PTE_PS      (1ull << 7)
#define SZ_2M       (1ull << 21)

/* Flat descriptors: 64-bit code, and data [SDM 3A 3.4.5]. */
#define GDT_CODE64  0x00af9b000000ffffull
#define GDT_DATA    0x00cf93000000ffffull

_Static_assert(CFG_VM_MEM_MAX_MIB <= 1024,
	       "one page directory of 2 MiB pages maps 1 GiB");

void guest_boot_build(uint8_t *ram, uint64_t ram_bytes, uint16_t code_sel,
		      uint16_t data_sel, struct vcpu_entry *e)
{
	uint64_t *pml4 = (uint64_t *)(ram + GUEST_PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(ram + GUEST_PDPT_GPA);
	uint64_t *pd = (uint64_t *)(ram + GUEST_PD_GPA);
	uint64_t *gdt = (uint64_t *)(ram + GUEST_GDT_GPA);

	memset(ram + GUEST_PML4_GPA, 0, GUEST_BOOT_END - GUEST_PML4_GPA);
	pml4[0] = GUEST_PDPT_GPA | PTE_P | PTE_RW;
	pdpt[0] = GUEST_PD_GPA | PTE_P | PTE_RW;
	for (uint64_t a = 0; a < ram_bytes; a += SZ_2M)
		pd[a / SZ_2M] = a | PTE_P | PTE_RW | PTE_PS;

	gdt[code_sel / 8] = GDT_CODE64;
	gdt[data_sel / 8] = GDT_DATA;

	*e = (struct vcpu_entry){
		.rip       = GUEST_LOAD_GPA,
		.rsp       = ram_bytes,
		.rdi       = ram_bytes,
		.cr3       = GUEST_PML4_GPA,
		.gdt_base  = GUEST_GDT_GPA,
		.gdt_limit = (uint16_t)((code_sel > data_sel ? code_sel :
					 data_sel) + 7),
		.code_sel  = code_sel,
		.data_sel  = data_sel,
	};
}
