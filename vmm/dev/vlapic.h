/* A local APIC in x2APIC mode, reached through MSRs [SDM 3A 11.12], or
 * in xAPIC mode, through its MMIO page (vlapic_mmio) [SDM 3A 11.4.1].
 * One vCPU, so interprocessor interrupts reach only itself. Pure C: the
 * caller passes time (host TSC) in and asks which vector is due. */
#ifndef VMM_DEV_VLAPIC_H
#define VMM_DEV_VLAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* x2APIC MSRs: 0x800 + (the xAPIC register's offset >> 4) [SDM 3A
 * Table 11-6]. */
#define X2APIC_MSR_FIRST      0x800
#define X2APIC_MSR_LAST       0x8ff
#define MSR_IA32_APIC_BASE    0x01b
#define MSR_IA32_TSC_DEADLINE 0x6e0

/* IA32_APIC_BASE [SDM 3A 11.4.4, 11.12.1]. */
#define APIC_BASE_BSP         (1ull << 8)
#define APIC_BASE_EXTD        (1ull << 10)
#define APIC_BASE_EN          (1ull << 11)
#define APIC_BASE_ADDR        0xfee00000ull
#define XAPIC_PAGE_SIZE       0x1000u

/* Local vector table entries this APIC has (version's Max LVT = 3:
 * timer, LINT0, LINT1, error; no thermal, performance or CMCI entry). */
enum vlapic_lvt { LVT_TIMER, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_COUNT };

struct vlapic {
	uint64_t apic_base;
	uint32_t id, tpr, svr, esr, esr_pending;
	uint32_t lvt[LVT_COUNT];
	uint32_t irr[8], isr[8];        /* 256 bits each, vector v in [v/32] */
	uint64_t icr;
	uint32_t ldr, dfr;              /* xAPIC mode only: x2APIC derives the LDR */
	/* Timer [SDM 3A 11.5.4]: it counts TSC ticks / divisor. */
	uint32_t initial, dcr;
	uint64_t start;                 /* host TSC the count started at */
	uint64_t expiry;                /* host TSC of the next expiry; 0 = none */
	uint64_t deadline;              /* IA32_TSC_DEADLINE, guest TSC; 0 = none */
	int64_t  tsc_offset;            /* guest TSC = host TSC + offset */
	uint64_t errors;                /* ESR bits raised, for vdev_stats */
	uint64_t timer_fired;
};

enum vlapic_msr_result { VLAPIC_OK, VLAPIC_GP, VLAPIC_NOT_MINE };

/* Power-on state as firmware that enabled x2APIC leaves it: EN | EXTD |
 * BSP, software-enabled (SVR 0x1FF), every LVT masked but LINT0 ExtINT
 * and LINT1 NMI (virtual-wire mode [MP spec 3.6.2.2]). */
void vlapic_init(struct vlapic *a, uint32_t id, int64_t tsc_offset);

enum vlapic_msr_result vlapic_msr(struct vlapic *a, uint32_t msr, bool write,
				  uint64_t *val, uint64_t now);

/* A 32-bit access at byte 'offset' of the xAPIC page, in xAPIC mode
 * only. false: refused (not xAPIC mode, not a register's first dword, a
 * register this APIC lacks, a read-only or write-only one, reserved
 * bits): nothing changed, the caller stops the VM. */
bool vlapic_mmio(struct vlapic *a, uint32_t offset, bool write, uint32_t *val,
		 uint64_t now);

/* The timer: fire what is due by 'now'; the host TSC of the next expiry
 * (0 = none). */
void vlapic_advance(struct vlapic *a, uint64_t now);
uint64_t vlapic_next_expiry(const struct vlapic *a);

/* The highest IRR vector the processor priority lets through, or -1. */
int vlapic_next_vector(const struct vlapic *a);
/* That vector was taken: IRR -> ISR [SDM 3A 11.8.4]. */
void vlapic_accept(struct vlapic *a, uint8_t vector);
/* Whether the 8259's INTR reaches the CPU as ExtINT through LINT0, or
 * directly when the APIC is globally disabled [SDM 3A 11.4.3]. */
bool vlapic_extint_open(const struct vlapic *a);

/* Processor priority [SDM 3A 11.8.3.1]. */
uint32_t vlapic_ppr(const struct vlapic *a);

#endif
