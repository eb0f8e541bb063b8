/* Width-checked VMCS accessors, after KVM's vmx_ops.h: using a 32-bit
 * accessor on a 64-bit field fails to compile, and a failing VMREAD or
 * VMWRITE panics with the field's name, the value and the VM-instruction
 * error number [SDM 3C 31.4]. */
#ifndef ARCH_X86_VMX_VMCS_H
#define ARCH_X86_VMX_VMCS_H

#include <stdint.h>

#include "arch/x86/vmx/vmcs_fields.h"

void vmcs_write_checked(enum vmcs_field f, uint64_t v);
uint64_t vmcs_read_checked(enum vmcs_field f);
/* VMPTRLD: make the VMCS at 'vmcs_pa' the current one. These three are
 * the only VMX instructions the per-exit code runs, so a host test can
 * stand in for them with a fake VMCS (tests/fuzz/exit_vmx.c). */
void vmcs_load_checked(uint64_t vmcs_pa);

#define VMCS_CHECK_WIDTH(f, w)                                          \
	_Static_assert(VMCS_WIDTH(f) == (w), #f " accessed with the wrong width")

#define vmcs_write16(f, v) ({ VMCS_CHECK_WIDTH(f, VMCS_W16); vmcs_write_checked(f, (uint16_t)(v)); })
#define vmcs_write32(f, v) ({ VMCS_CHECK_WIDTH(f, VMCS_W32); vmcs_write_checked(f, (uint32_t)(v)); })
#define vmcs_write64(f, v) ({ VMCS_CHECK_WIDTH(f, VMCS_W64); vmcs_write_checked(f, (uint64_t)(v)); })
#define vmcs_writel(f, v)  ({ VMCS_CHECK_WIDTH(f, VMCS_WNAT); vmcs_write_checked(f, (uint64_t)(v)); })

#define vmcs_read16(f) ({ VMCS_CHECK_WIDTH(f, VMCS_W16); (uint16_t)vmcs_read_checked(f); })
#define vmcs_read32(f) ({ VMCS_CHECK_WIDTH(f, VMCS_W32); (uint32_t)vmcs_read_checked(f); })
#define vmcs_read64(f) ({ VMCS_CHECK_WIDTH(f, VMCS_W64); vmcs_read_checked(f); })
#define vmcs_readl(f)  ({ VMCS_CHECK_WIDTH(f, VMCS_WNAT); vmcs_read_checked(f); })

/* Execution controls [SDM 3C 25.6]. */
#define PIN_EXT_INTR_EXITING        (1u << 0)
#define PIN_NMI_EXITING             (1u << 3)
#define PIN_PREEMPTION_TIMER        (1u << 6)

#define PROC_INTR_WINDOW_EXITING    (1u << 2)
#define PROC_HLT_EXITING            (1u << 7)
#define PROC_MWAIT_EXITING          (1u << 10)
#define PROC_RDPMC_EXITING          (1u << 11)
#define PROC_CR3_LOAD_EXITING       (1u << 15)
#define PROC_CR3_STORE_EXITING      (1u << 16)
#define PROC_USE_TPR_SHADOW         (1u << 21)
#define PROC_UNCOND_IO_EXITING      (1u << 24)
#define PROC_MONITOR_EXITING        (1u << 29)
#define PROC_SECONDARY_CONTROLS     (1u << 31)

#define PROC2_ENABLE_EPT            (1u << 1)
#define PROC2_ENABLE_VPID           (1u << 5)
#define PROC2_WBINVD_EXITING        (1u << 6)
#define PROC2_UNRESTRICTED_GUEST    (1u << 7)

/* VM-exit controls [SDM 3C 25.7.1]. */
#define EXIT_SAVE_DEBUG_CONTROLS    (1u << 2)
#define EXIT_HOST_ADDR_SPACE_SIZE   (1u << 9)
#define EXIT_ACK_INTR_ON_EXIT       (1u << 15)
#define EXIT_SAVE_IA32_EFER         (1u << 20)
#define EXIT_LOAD_IA32_EFER         (1u << 21)

/* VM-entry controls [SDM 3C 25.8.1]. */
#define ENTRY_LOAD_DEBUG_CONTROLS   (1u << 2)
#define ENTRY_IA32E_MODE_GUEST      (1u << 9)
#define ENTRY_LOAD_IA32_EFER        (1u << 15)

/* Interruption-information fields [SDM 3C 25.8.3, 25.9.2]. */
#define INTR_INFO_VALID             (1u << 31)
#define INTR_INFO_VECTOR_MASK       0xffu
#define INTR_INFO_TYPE_SHIFT        8
#define INTR_INFO_TYPE_MASK         (7u << 8)
#define INTR_INFO_ERROR_VALID       (1u << 11)
#define INTR_TYPE_EXT_INTR          0u
#define INTR_TYPE_NMI               2u
#define INTR_TYPE_HW_EXCEPTION      3u

/* Guest interruptibility state [SDM 3C 25.4.2, Table 25-3]. */
#define INTERRUPTIBILITY_STI        (1u << 0)
#define INTERRUPTIBILITY_MOV_SS     (1u << 1)

#endif
