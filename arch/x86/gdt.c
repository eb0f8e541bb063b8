/* GDT and TSS: one 64-bit code segment, one data segment and a TSS whose
 * interrupt stack table gives #DF, NMI and #MC stacks of their own, so a
 * stack overflow still reaches the fault dump [SDM 3A 6.14.5]. */
#include <stdint.h>

#include "arch/x86/arch.h"
#include "arch/x86/segment.h"

#define IST_STACK_PAGES 2

/* Descriptor bits [SDM 3A 3.4.5]. */
#define DESC_ACCESSED   (1ull << 40)
#define DESC_RW         (1ull << 41)
#define DESC_EXEC       (1ull << 43)
#define DESC_S          (1ull << 44)    /* code/data, not system */
#define DESC_P          (1ull << 47)
#define DESC_L          (1ull << 53)    /* 64-bit code */
#define DESC_G          (1ull << 55)
#define DESC_TSS_AVAIL  (9ull << 40)    /* 64-bit TSS, available */

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

static struct tss64 tss;
static uint64_t gdt[5] __attribute__((aligned(16)));

static void gdt_load(void)
{
	struct desc_ptr p = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };

	lgdt_reload(&p, SEL_CODE64, SEL_DATA);
}

int gdt_init(struct page_alloc *pa)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss, limit = sizeof(tss) - 1;

	for (int i = 0; i < IST_NR; i++) {
		uint64_t s = page_alloc(pa, IST_STACK_PAGES, PAGE_SIZE);

		if (!s)
			return -1;
		tss.ist[i] = s + IST_STACK_PAGES * PAGE_SIZE;
	}
	tss.iomap_base = sizeof(tss);   /* no I/O permission bitmap */

	gdt[0] = 0;
	gdt[SEL_CODE64 / 8] = DESC_P | DESC_S | DESC_EXEC | DESC_RW | DESC_L |
			      DESC_G | DESC_ACCESSED | 0xffff | 0xfull << 48;
	gdt[SEL_DATA / 8] = DESC_P | DESC_S | DESC_RW | DESC_G |
			    DESC_ACCESSED | 0xffff | 0xfull << 48;
	/* A 64-bit TSS descriptor takes two slots [SDM 3A 8.2.3]. */
	gdt[SEL_TSS / 8] = DESC_P | DESC_TSS_AVAIL | (limit & 0xffff) |
			   (base & 0xffffff) << 16 | (base >> 24 & 0xff) << 56;
	gdt[SEL_TSS / 8 + 1] = base >> 32;

	gdt_load();
	ltr(SEL_TSS);
	return 0;
}

uint64_t gdt_tss_base(void)
{
	return (uint64_t)(uintptr_t)&tss;
}
