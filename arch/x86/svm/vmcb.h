/* The virtual machine control block: control area at offset 0, state
 * save area at 0x400 [APM 2 Appendix B, Tables B-1 and B-2]. Only the
 * fields flipvisor uses are named; the rest is padding, and the offsets
 * are checked at compile time. */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

/* Intercept vector 3 (offset 0x00c) [APM 2 Table B-1]. */
#define ICPT_INTR          (1u << 0)
#define ICPT_NMI           (1u << 1)
#define ICPT_SMI           (1u << 2)
#define ICPT_INIT          (1u << 3)
#define ICPT_VINTR         (1u << 4)
#define ICPT_RDPMC         (1u << 15)
#define ICPT_CPUID         (1u << 18)
#define ICPT_RSM           (1u << 19)
#define ICPT_INVD          (1u << 22)
#define ICPT_HLT           (1u << 24)
#define ICPT_INVLPGA       (1u << 26)
#define ICPT_IOIO_PROT     (1u << 27)
#define ICPT_MSR_PROT      (1u << 28)
#define ICPT_TASK_SWITCH   (1u << 29)
#define ICPT_FERR_FREEZE   (1u << 30)
#define ICPT_SHUTDOWN      (1u << 31)
/* Intercept vector 4 (offset 0x010). */
#define ICPT_VMRUN         (1u << 0)
#define ICPT_VMMCALL       (1u << 1)
#define ICPT_VMLOAD        (1u << 2)
#define ICPT_VMSAVE        (1u << 3)
#define ICPT_STGI          (1u << 4)
#define ICPT_CLGI          (1u << 5)
#define ICPT_SKINIT        (1u << 6)
#define ICPT_RDTSCP        (1u << 7)
#define ICPT_WBINVD        (1u << 9)
#define ICPT_MONITOR       (1u << 10)
#define ICPT_MWAIT         (1u << 11)
#define ICPT_MWAIT_ARMED   (1u << 12)
#define ICPT_XSETBV        (1u << 13)

/* TLB_CONTROL (offset 0x05c) [APM 2 15.16.1]. */
#define TLB_CONTROL_NONE       0
#define TLB_CONTROL_ALL        1    /* every ASID; always supported */
#define TLB_CONTROL_THIS_ASID  3    /* needs CPUID 8000_000A EDX.FlushByAsid */

/* Virtual interrupt control (offset 0x060) [APM 2 15.21.1]. */
#define VINTR_V_IRQ            (1ull << 8)
#define VINTR_PRIO_SHIFT       16
#define VINTR_IGN_TPR          (1ull << 20)
#define VINTR_MASKING          (1ull << 24)
#define VINTR_VECTOR_SHIFT     32

/* Interrupt shadow (offset 0x068). */
#define INT_SHADOW             (1ull << 0)

/* NP_ENABLE (offset 0x090). */
#define NP_ENABLE              (1ull << 0)

/* EVENTINJ and EXITINTINFO share one format [APM 2 15.20]. */
#define EVT_VECTOR_MASK        0xffull
#define EVT_TYPE_INTR          (0ull << 8)
#define EVT_TYPE_EXCEPTION     (3ull << 8)
#define EVT_ERROR_VALID        (1ull << 11)
#define EVT_VALID              (1ull << 31)
#define EVT_ERROR_SHIFT        32

/* Exit codes [APM 2 Appendix C]. */
#define SVM_EXIT_CR0_WRITE     0x010
#define SVM_EXIT_CR4_WRITE     0x014
#define SVM_EXIT_INTR          0x060
#define SVM_EXIT_NMI           0x061
#define SVM_EXIT_VINTR         0x064
#define SVM_EXIT_RDPMC         0x06f
#define SVM_EXIT_CPUID         0x072
#define SVM_EXIT_INVD          0x076
#define SVM_EXIT_HLT           0x078
#define SVM_EXIT_IOIO          0x07b
#define SVM_EXIT_MSR           0x07c
#define SVM_EXIT_SHUTDOWN      0x07f
#define SVM_EXIT_VMMCALL       0x081
#define SVM_EXIT_WBINVD        0x089
#define SVM_EXIT_MONITOR       0x08a
#define SVM_EXIT_MWAIT         0x08b
#define SVM_EXIT_MWAIT_ARMED   0x08c
#define SVM_EXIT_NPF           0x400
#define SVM_EXIT_INVALID       ((uint64_t)-1)

/* IOIO EXITINFO1 [APM 2 15.10.2, Figure 15-2]. */
#define IOIO_IN                (1u << 0)
#define IOIO_STR               (1u << 2)
#define IOIO_REP               (1u << 3)
#define IOIO_SZ8               (1u << 4)
#define IOIO_SZ16              (1u << 5)
#define IOIO_SZ32              (1u << 6)
#define IOIO_PORT_SHIFT        16

/* Nested page fault EXITINFO1: a #PF error code [APM 2 15.25.6]. */
#define NPF_WRITE              (1ull << 1)
#define NPF_FETCH              (1ull << 4)

/* Segment attributes: descriptor bits 47:40 in 7:0 and 55:52 in 11:8
 * [APM 2 15.5.1, Table B-2]. */
#define SEG_ATTR_CODE64        0xa9b    /* execute/read, accessed, S, P, L, G */
#define SEG_ATTR_DATA          0xc93    /* read/write, accessed, S, P, D/B, G */
#define SEG_ATTR_TSS_BUSY      0x08b    /* 64-bit busy TSS, P */

struct vmcb_seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

struct vmcb {
	/* control area */
	uint32_t intercept_cr;          /* 0x000: reads 15:0, writes 31:16 */
	uint32_t intercept_dr;          /* 0x004 */
	uint32_t intercept_exc;         /* 0x008 */
	uint32_t intercept3;            /* 0x00c */
	uint32_t intercept4;            /* 0x010 */
	uint8_t  rsvd0[0x040 - 0x014];
	uint64_t iopm_base_pa;          /* 0x040 */
	uint64_t msrpm_base_pa;         /* 0x048 */
	uint64_t tsc_offset;            /* 0x050 */
	uint32_t asid;                  /* 0x058 */
	uint8_t  tlb_control;           /* 0x05c */
	uint8_t  rsvd1[3];
	uint64_t vintr;                 /* 0x060 */
	uint64_t int_shadow;            /* 0x068 */
	uint64_t exit_code;             /* 0x070 */
	uint64_t exit_info1;            /* 0x078 */
	uint64_t exit_info2;            /* 0x080 */
	uint64_t exit_int_info;         /* 0x088 */
	uint64_t np_enable;             /* 0x090 */
	uint8_t  rsvd2[0x0a8 - 0x098];
	uint64_t event_inj;             /* 0x0a8 */
	uint64_t n_cr3;                 /* 0x0b0 */
	uint64_t lbr_virt;              /* 0x0b8 */
	uint32_t clean;                 /* 0x0c0: VMCB clean bits */
	uint32_t rsvd3;
	uint64_t next_rip;              /* 0x0c8: with NRIP save only */
	uint8_t  rsvd4[0x400 - 0x0d0];

	/* state save area */
	struct vmcb_seg es, cs, ss, ds, fs, gs;         /* 0x400 */
	struct vmcb_seg gdtr, ldtr, idtr, tr;           /* 0x460 */
	uint8_t  rsvd5[0x4cb - 0x4a0];
	uint8_t  cpl;                   /* 0x4cb */
	uint32_t rsvd6;
	uint64_t efer;                  /* 0x4d0 */
	uint8_t  rsvd7[0x548 - 0x4d8];
	uint64_t cr4;                   /* 0x548 */
	uint64_t cr3;                   /* 0x550 */
	uint64_t cr0;                   /* 0x558 */
	uint64_t dr7;                   /* 0x560 */
	uint64_t dr6;                   /* 0x568 */
	uint64_t rflags;                /* 0x570 */
	uint64_t rip;                   /* 0x578 */
	uint8_t  rsvd8[0x5d8 - 0x580];
	uint64_t rsp;                   /* 0x5d8 */
	uint8_t  rsvd9[0x5f8 - 0x5e0];
	uint64_t rax;                   /* 0x5f8 */
	uint64_t star;                  /* 0x600 */
	uint64_t lstar;                 /* 0x608 */
	uint64_t cstar;                 /* 0x610 */
	uint64_t sfmask;                /* 0x618 */
	uint64_t kernel_gs_base;        /* 0x620 */
	uint64_t sysenter_cs;           /* 0x628 */
	uint64_t sysenter_esp;          /* 0x630 */
	uint64_t sysenter_eip;          /* 0x638 */
	uint64_t cr2;                   /* 0x640 */
	uint8_t  rsvd10[0x668 - 0x648];
	uint64_t g_pat;                 /* 0x668 */
	uint64_t dbgctl;                /* 0x670 */
	uint8_t  rsvd11[0x1000 - 0x678];
};

_Static_assert(offsetof(struct vmcb, iopm_base_pa) == 0x040, "VMCB layout");
_Static_assert(offsetof(struct vmcb, asid) == 0x058, "VMCB layout");
_Static_assert(offsetof(struct vmcb, vintr) == 0x060, "VMCB layout");
_Static_assert(offsetof(struct vmcb, exit_code) == 0x070, "VMCB layout");
_Static_assert(offsetof(struct vmcb, np_enable) == 0x090, "VMCB layout");
_Static_assert(offsetof(struct vmcb, event_inj) == 0x0a8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, next_rip) == 0x0c8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, es) == 0x400, "VMCB layout");
_Static_assert(offsetof(struct vmcb, tr) == 0x490, "VMCB layout");
_Static_assert(offsetof(struct vmcb, cpl) == 0x4cb, "VMCB layout");
_Static_assert(offsetof(struct vmcb, efer) == 0x4d0, "VMCB layout");
_Static_assert(offsetof(struct vmcb, cr4) == 0x548, "VMCB layout");
_Static_assert(offsetof(struct vmcb, rip) == 0x578, "VMCB layout");
_Static_assert(offsetof(struct vmcb, rsp) == 0x5d8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, rax) == 0x5f8, "VMCB layout");
_Static_assert(offsetof(struct vmcb, cr2) == 0x640, "VMCB layout");
_Static_assert(offsetof(struct vmcb, g_pat) == 0x668, "VMCB layout");
_Static_assert(sizeof(struct vmcb) == 0x1000, "VMCB is one page");

#endif
