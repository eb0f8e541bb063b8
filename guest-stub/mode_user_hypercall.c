/* HC_MODE_USER_HYPERCALL: only a guest's kernel may make hypercalls
 * (docs/hypercalls.md). The guest builds what CPL 3 needs: user code and
 * data descriptors and a TSS (its RSP0 is where a fault from CPL 3 lands)
 * in the GDT the hypervisor wrote, and the U/S bit on its page tables.
 * Then it makes HC_CONSOLE_WRITE from CPL 3 (probe.asm): the hypercall
 * instruction must raise #UD. If the call goes through, its line ("this
 * hypercall came from CPL 3") is printed and the UD2 after it comes
 * back instead: "WRONG". */
#include <stdbool.h>
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hypercall.h"
#include "guest-stub/modes.h"
#include "guest-stub/paging.h"
#include "guest-stub/print.h"
#include "guest-stub/probe.h"

/* Flat 64-bit descriptors at DPL 3 [SDM 3A 3.4.5, 5.2.1]. */
#define GDT_USER_DATA   0x00cff3000000ffffull
#define GDT_USER_CODE64 0x00affb000000ffffull
#define GDT_ENTRIES     7               /* ... TSS, two entries */
#define TSS_TYPE_AVAIL  0x89ull         /* present, 64-bit TSS available */
#define PTE_US          (1ull << 2)
#define HC_INSN_LEN     3               /* VMCALL 0F 01 C1, VMMCALL 0F 01 D9 */

/* The 64-bit TSS [SDM 3A 8.7]: only RSP0 matters here. */
struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

static struct tss64 tss;
static uint8_t kernel_stack[4096] __attribute__((aligned(16)));
static uint8_t user_stack[4096] __attribute__((aligned(16)));

static void gdt_add_user(void)
{
	struct desc_ptr p = sgdt();
	uint64_t *gdt = (uint64_t *)p.base;
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;

	tss.rsp[0] = (uint64_t)(kernel_stack + sizeof(kernel_stack));
	tss.iomap_base = sizeof(tss);           /* no I/O bitmap */
	gdt[USER_SEL_DATA / 8] = GDT_USER_DATA;
	gdt[USER_SEL_CODE / 8] = GDT_USER_CODE64;
	gdt[USER_SEL_TSS / 8] = (limit & 0xffff) | (base & 0xffffff) << 16 |
				TSS_TYPE_AVAIL << 40 |
				((limit >> 16) & 0xf) << 48 |
				((base >> 24) & 0xff) << 56;
	gdt[USER_SEL_TSS / 8 + 1] = base >> 32;
	p.limit = GDT_ENTRIES * 8 - 1;
	lgdt(&p);
	ltr(USER_SEL_TSS);
}

/* U/S on every entry of the identity map of the first 1 GiB. */
static void pages_user(void)
{
	uint64_t *pml4 = (uint64_t *)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(pml4[0] & PTE_ADDR);
	uint64_t *pd = (uint64_t *)(pdpt[0] & PTE_ADDR);

	pml4[0] |= PTE_US;
	pdpt[0] |= PTE_US;
	for (int i = 0; i < 512; i++)
		if (pd[i] & PTE_P)
			pd[i] |= PTE_US;
	write_cr3(read_cr3());
}

void mode_user_hypercall(const struct hc_identity *id)
{
	bool amd = hc_insn == HC_INSN_VMMCALL;
	uint64_t insn = (uint64_t)(amd ? probe_user_vmmcall_insn :
				   probe_user_vmcall_insn);
	int64_t v;

	cpu_cli();
	gdt_add_user();
	pages_user();
	probe_user_rsp = (uint64_t)(user_stack + sizeof(user_stack));
	v = probe(amd ? probe_user_vmmcall : probe_user_vmcall);
	if (v == VEC_UD && probe_fault_rip == insn)
		print("user_hypercall: ok: refused with #UD at CPL 3\n");
	else if (v == VEC_UD && probe_fault_rip == insn + HC_INSN_LEN)
		print("user_hypercall: WRONG: the hypercall went through\n");
	else
		print("user_hypercall: WRONG: vector %ld at RIP 0x%lx\n", v,
		      probe_fault_rip);
	cpu_halt_forever();
}
