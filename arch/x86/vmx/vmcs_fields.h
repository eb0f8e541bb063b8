/* VMCS field encodings [SDM 3C Appendix B], grouped under the SDM's own
 * headings. One X-macro list gives both the enum and the names the error
 * reports print. Bits 14:13 of an encoding give its width [SDM 3C 25.11.2]. */
#ifndef ARCH_X86_VMX_VMCS_FIELDS_H
#define ARCH_X86_VMX_VMCS_FIELDS_H

#define VMCS_FIELDS(X)                                                  \
	/* B.1.1 16-bit control fields */                               \
	X(VPID,                          0x0000)                        \
	/* B.1.2 16-bit guest-state fields */                           \
	X(GUEST_ES_SEL,                  0x0800)                        \
	X(GUEST_CS_SEL,                  0x0802)                        \
	X(GUEST_SS_SEL,                  0x0804)                        \
	X(GUEST_DS_SEL,                  0x0806)                        \
	X(GUEST_FS_SEL,                  0x0808)                        \
	X(GUEST_GS_SEL,                  0x080a)                        \
	X(GUEST_LDTR_SEL,                0x080c)                        \
	X(GUEST_TR_SEL,                  0x080e)                        \
	/* B.1.3 16-bit host-state fields */                            \
	X(HOST_ES_SEL,                   0x0c00)                        \
	X(HOST_CS_SEL,                   0x0c02)                        \
	X(HOST_SS_SEL,                   0x0c04)                        \
	X(HOST_DS_SEL,                   0x0c06)                        \
	X(HOST_FS_SEL,                   0x0c08)                        \
	X(HOST_GS_SEL,                   0x0c0a)                        \
	X(HOST_TR_SEL,                   0x0c0c)                        \
	/* B.2.1 64-bit control fields */                               \
	X(VIRTUAL_APIC_PAGE_ADDR,        0x2012)                        \
	X(EPT_POINTER,                   0x201a)                        \
	/* B.2.2 64-bit read-only data fields */                        \
	X(GUEST_PHYS_ADDR,               0x2400)                        \
	/* B.2.3 64-bit guest-state fields */                           \
	X(VMCS_LINK_POINTER,             0x2800)                        \
	X(GUEST_IA32_DEBUGCTL,           0x2802)                        \
	X(GUEST_IA32_EFER,               0x2806)                        \
	/* B.2.4 64-bit host-state fields */                            \
	X(HOST_IA32_EFER,                0x2c02)                        \
	/* B.3.1 32-bit control fields */                               \
	X(PIN_BASED_CTLS,                0x4000)                        \
	X(PROC_BASED_CTLS,               0x4002)                        \
	X(EXCEPTION_BITMAP,              0x4004)                        \
	X(CR3_TARGET_COUNT,              0x400a)                        \
	X(EXIT_CTLS,                     0x400c)                        \
	X(EXIT_MSR_STORE_COUNT,          0x400e)                        \
	X(EXIT_MSR_LOAD_COUNT,           0x4010)                        \
	X(ENTRY_CTLS,                    0x4012)                        \
	X(ENTRY_MSR_LOAD_COUNT,          0x4014)                        \
	X(ENTRY_INTR_INFO,               0x4016)                        \
	X(ENTRY_EXCEPTION_ERROR,         0x4018)                        \
	X(ENTRY_INSN_LEN,                0x401a)                        \
	X(TPR_THRESHOLD,                 0x401c)                        \
	X(PROC_BASED_CTLS2,              0x401e)                        \
	/* B.3.2 32-bit read-only data fields */                        \
	X(VM_INSN_ERROR,                 0x4400)                        \
	X(EXIT_REASON,                   0x4402)                        \
	X(EXIT_INTR_INFO,                0x4404)                        \
	X(EXIT_INTR_ERROR,               0x4406)                        \
	X(IDT_VECTORING_INFO,            0x4408)                        \
	X(IDT_VECTORING_ERROR,           0x440a)                        \
	X(EXIT_INSN_LEN,                 0x440c)                        \
	/* B.3.3 32-bit guest-state fields */                           \
	X(GUEST_ES_LIMIT,                0x4800)                        \
	X(GUEST_CS_LIMIT,                0x4802)                        \
	X(GUEST_SS_LIMIT,                0x4804)                        \
	X(GUEST_DS_LIMIT,                0x4806)                        \
	X(GUEST_FS_LIMIT,                0x4808)                        \
	X(GUEST_GS_LIMIT,                0x480a)                        \
	X(GUEST_LDTR_LIMIT,              0x480c)                        \
	X(GUEST_TR_LIMIT,                0x480e)                        \
	X(GUEST_GDTR_LIMIT,              0x4810)                        \
	X(GUEST_IDTR_LIMIT,              0x4812)                        \
	X(GUEST_ES_AR,                   0x4814)                        \
	X(GUEST_CS_AR,                   0x4816)                        \
	X(GUEST_SS_AR,                   0x4818)                        \
	X(GUEST_DS_AR,                   0x481a)                        \
	X(GUEST_FS_AR,                   0x481c)                        \
	X(GUEST_GS_AR,                   0x481e)                        \
	X(GUEST_LDTR_AR,                 0x4820)                        \
	X(GUEST_TR_AR,                   0x4822)                        \
	X(GUEST_INTERRUPTIBILITY,        0x4824)                        \
	X(GUEST_ACTIVITY_STATE,          0x4826)                        \
	X(GUEST_SYSENTER_CS,             0x482a)                        \
	X(PREEMPTION_TIMER,              0x482e)                        \
	/* B.3.4 32-bit host-state field */                             \
	X(HOST_SYSENTER_CS,              0x4c00)                        \
	/* B.4.1 natural-width control fields */                        \
	X(CR0_GUEST_HOST_MASK,           0x6000)                        \
	X(CR4_GUEST_HOST_MASK,           0x6002)                        \
	X(CR0_READ_SHADOW,               0x6004)                        \
	X(CR4_READ_SHADOW,               0x6006)                        \
	/* B.4.2 natural-width read-only data fields */                 \
	X(EXIT_QUALIFICATION,            0x6400)                        \
	X(GUEST_LINEAR_ADDR,             0x640a)                        \
	/* B.4.3 natural-width guest-state fields */                    \
	X(GUEST_CR0,                     0x6800)                        \
	X(GUEST_CR3,                     0x6802)                        \
	X(GUEST_CR4,                     0x6804)                        \
	X(GUEST_ES_BASE,                 0x6806)                        \
	X(GUEST_CS_BASE,                 0x6808)                        \
	X(GUEST_SS_BASE,                 0x680a)                        \
	X(GUEST_DS_BASE,                 0x680c)                        \
	X(GUEST_FS_BASE,                 0x680e)                        \
	X(GUEST_GS_BASE,                 0x6810)                        \
	X(GUEST_LDTR_BASE,               0x6812)                        \
	X(GUEST_TR_BASE,                 0x6814)                        \
	X(GUEST_GDTR_BASE,               0x6816)                        \
	X(GUEST_IDTR_BASE,               0x6818)                        \
	X(GUEST_DR7,                     0x681a)                        \
	X(GUEST_RSP,                     0x681c)                        \
	X(GUEST_RIP,                     0x681e)                        \
	X(GUEST_RFLAGS,                  0x6820)                        \
	X(GUEST_PENDING_DBG,             0x6822)                        \
	X(GUEST_SYSENTER_ESP,            0x6824)                        \
	X(GUEST_SYSENTER_EIP,            0x6826)                        \
	/* B.4.4 natural-width host-state fields */                     \
	X(HOST_CR0,                      0x6c00)                        \
	X(HOST_CR3,                      0x6c02)                        \
	X(HOST_CR4,                      0x6c04)                        \
	X(HOST_FS_BASE,                  0x6c06)                        \
	X(HOST_GS_BASE,                  0x6c08)                        \
	X(HOST_TR_BASE,                  0x6c0a)                        \
	X(HOST_GDTR_BASE,                0x6c0c)                        \
	X(HOST_IDTR_BASE,                0x6c0e)                        \
	X(HOST_SYSENTER_ESP,             0x6c10)                        \
	X(HOST_SYSENTER_EIP,             0x6c12)                        \
	X(HOST_RSP,                      0x6c14)                        \
	X(HOST_RIP,                      0x6c16)

enum vmcs_field {
#define VMCS_ENUM(name, enc) VMCS_##name = enc,
	VMCS_FIELDS(VMCS_ENUM)
#undef VMCS_ENUM
};

/* Width of a field from its encoding [SDM 3C 25.11.2]. */
#define VMCS_WIDTH(f)   (((f) >> 13) & 3)
#define VMCS_W16        0
#define VMCS_W64        1
#define VMCS_W32        2
#define VMCS_WNAT       3

const char *vmcs_field_name(enum vmcs_field f);

#endif
