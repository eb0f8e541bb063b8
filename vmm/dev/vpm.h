/* The ACPI fixed power-management hardware of a Linux VM: one PM1a event
 * block (status and enable) and one PM1a control block in system I/O
 * space [ACPI 6.4 Tables 4.11, 4.12, 4.13], named by the FADT that
 * vmm/linux_acpi.c writes. It exists so that Linux has an ACPI power-off
 * method: the write of SLP_TYP = VPM_SLP_TYP_S5 with SLP_EN to PM1a_CNT
 * [ACPI 6.4 7.4.2, "\_Sx (System States)"; Table 4.13]. That write ends the VM, so vmm/vm_end.c
 * takes it (vpm_s5_request) before it reaches vpm_io.
 *
 * No event source exists (no PM timer, no buttons, no global lock held
 * by firmware, no RTC alarm): every status bit reads 0, and the enable
 * bits are plain storage that ACPICA reads back to see that they stick.
 * Not hardware-reduced mode: Linux on x86 then drops the legacy 8259
 * (null_legacy_pic), the only way the UART's IRQ 4 reaches the CPU here.
 *
 * Pure C, unit-tested (tests/unit/test_vpm.c). */
#ifndef VMM_DEV_VPM_H
#define VMM_DEV_VPM_H

#include <stdbool.h>
#include <stdint.h>

/* Where the FADT puts the blocks: PM1_EVT_LEN 4 (status, then enable),
 * PM1_CNT_LEN 2 [ACPI 6.4 Table 5.9]. The ports of QEMU's PIIX4 PM. */
#define VPM_PM1A_EVT_PORT 0x600
#define VPM_PM1_EVT_LEN   4
#define VPM_PM1A_CNT_PORT 0x604
#define VPM_PM1_CNT_LEN   2

/* This hardware's encoding of S5 (soft off) in SLP_TYP: what the DSDT's
 * \_S5 package tells the OS to write [ACPI 6.4 7.4.2]. Any 3-bit value
 * would do; 5 reads as "S5" in a trace. */
#define VPM_SLP_TYP_S5    5

struct vpm {
	uint16_t pm1_en;        /* PM1 enable: the bits that exist */
	uint16_t pm1_cnt;       /* PM1 control as written: BM_RLD, SLP_TYP */
	uint64_t refused;       /* widths, SLP_EN for a state we lack */
};

void vpm_init(struct vpm *pm);

/* One of the six ports above. */
bool vpm_claims(uint16_t port);

/* An access of 'size' bytes at a claimed port. Every register is 16 bits
 * wide at an even port: any other access reads all ones, writes nothing
 * and is counted. For an IN the value is returned; an OUT passes it in
 * 'val' and gets 0. */
uint32_t vpm_io(struct vpm *pm, uint16_t port, uint8_t size, bool in,
		uint32_t val);

/* Whether an OUT of 'size' bytes of 'val' to 'port' is the request to
 * enter S5: a 16-bit write to PM1a_CNT with SLP_EN set and SLP_TYP =
 * VPM_SLP_TYP_S5 [ACPI 6.4 Table 4.13]. Pure: no state is read. */
bool vpm_s5_request(uint16_t port, uint8_t size, uint32_t val);

#endif
