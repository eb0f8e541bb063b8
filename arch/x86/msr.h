/* Model-specific register numbers [SDM 4, Table 2-2]. */
#ifndef ARCH_X86_MSR_H
#define ARCH_X86_MSR_H

#define MSR_IA32_FEATURE_CONTROL        0x03a
#define   FEATURE_CONTROL_LOCK          (1ull << 0)
#define   FEATURE_CONTROL_VMX_IN_SMX    (1ull << 1)
#define   FEATURE_CONTROL_VMX_OUT_SMX   (1ull << 2)
#define MSR_IA32_APIC_BASE              0x01b
#define MSR_IA32_BIOS_SIGN_ID           0x08b
/* IA32_MISC_ENABLE [SDM 4 Table 2-2]: the bits a guest is shown. */
#define MSR_IA32_MISC_ENABLE            0x1a0
#define   MISC_ENABLE_FAST_STRINGS      (1ull << 0)
#define   MISC_ENABLE_BTS_UNAVAILABLE   (1ull << 11)
#define   MISC_ENABLE_PEBS_UNAVAILABLE  (1ull << 12)
#define MSR_IA32_EFER                   0xc0000080
#define   EFER_SCE                      (1ull << 0)
#define   EFER_LME                      (1ull << 8)
#define   EFER_LMA                      (1ull << 10)
#define   EFER_NXE                      (1ull << 11)
/* SYSCALL/SYSRET and SWAPGS [SDM 3A 5.8.8; SDM 4 Table 2-2]. */
#define MSR_IA32_STAR                   0xc0000081
#define MSR_IA32_LSTAR                  0xc0000082
#define MSR_IA32_CSTAR                  0xc0000083
#define MSR_IA32_FMASK                  0xc0000084
#define MSR_IA32_FS_BASE                0xc0000100
#define MSR_IA32_GS_BASE                0xc0000101
#define MSR_IA32_KERNEL_GS_BASE         0xc0000102
#define MSR_IA32_TSC_AUX                0xc0000103

#define MSR_IA32_VMX_BASIC              0x480
#define MSR_IA32_VMX_PINBASED_CTLS      0x481
#define MSR_IA32_VMX_PROCBASED_CTLS     0x482
#define MSR_IA32_VMX_EXIT_CTLS          0x483
#define MSR_IA32_VMX_ENTRY_CTLS         0x484
#define MSR_IA32_VMX_MISC               0x485
#define MSR_IA32_VMX_CR0_FIXED0         0x486
#define MSR_IA32_VMX_CR0_FIXED1         0x487
#define MSR_IA32_VMX_CR4_FIXED0         0x488
#define MSR_IA32_VMX_CR4_FIXED1         0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2    0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP       0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS     0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS    0x490

#endif
