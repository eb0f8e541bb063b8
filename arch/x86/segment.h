/* The hypervisor's segment selectors (arch/x86/gdt.c lays them out). */
#ifndef ARCH_X86_SEGMENT_H
#define ARCH_X86_SEGMENT_H

#define SEL_CODE64  0x08
#define SEL_DATA    0x10
#define SEL_TSS     0x18

/* Interrupt stack table slots in the TSS [SDM 3A 6.14.5]. */
#define IST_DF      1
#define IST_NMI     2
#define IST_MC      3
#define IST_NR      3

#endif
