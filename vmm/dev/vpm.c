/* ACPI PM1a event and control registers (vmm/dev/vpm.h). Bit names and
 * places are the ACPI 6.4 specification's, Tables 4.11 (PM1 status),
 * 4.12 (PM1 enable) and 4.13 (PM1 control). */
#include "vmm/dev/vpm.h"

#define PM1_STS_PORT  VPM_PM1A_EVT_PORT
#define PM1_EN_PORT   (VPM_PM1A_EVT_PORT + VPM_PM1_EVT_LEN / 2)
#define PM1_CNT_PORT  VPM_PM1A_CNT_PORT
#define REG_SIZE      2

/* PM1 enable [Table 4.12]: the bits that exist. The global lock's
 * (GBL_EN) must stick or ACPICA reports the lock absent: the lock is
 * the FACS's word (vmm/linux_acpi.c), free for good, as no firmware
 * shares it. */
#define TMR_EN          (1u << 0)
#define GBL_EN          (1u << 5)
#define PWRBTN_EN       (1u << 8)
#define SLPBTN_EN       (1u << 9)
#define RTC_EN          (1u << 10)
#define PCIEXP_WAKE_DIS (1u << 14)
#define PM1_EN_BITS     (TMR_EN | GBL_EN | PWRBTN_EN | SLPBTN_EN | RTC_EN | \
			 PCIEXP_WAKE_DIS)

/* PM1 control [Table 4.13]. SCI_EN reads 1: the FADT has no SMI_CMD,
 * so the VM is in ACPI mode from the start and for good. GBL_RLS and
 * SLP_EN (bits 2, 13) are write-only (read 0); GBL_RLS would signal
 * firmware, and there is none. Bit 9 is "ignore": read 0, writes dropped. */
#define SCI_EN          (1u << 0)
#define BM_RLD          (1u << 1)
#define SLP_TYP_SHIFT   10
#define SLP_TYP_MASK    (7u << SLP_TYP_SHIFT)
#define SLP_EN          (1u << 13)
#define PM1_CNT_KEPT    (BM_RLD | SLP_TYP_MASK)

void vpm_init(struct vpm *pm)
{
	pm->pm1_en = 0;
	pm->pm1_cnt = 0;
	pm->refused = 0;
}

bool vpm_claims(uint16_t port)
{
	return (port >= VPM_PM1A_EVT_PORT &&
		port < VPM_PM1A_EVT_PORT + VPM_PM1_EVT_LEN) ||
	       (port >= VPM_PM1A_CNT_PORT &&
		port < VPM_PM1A_CNT_PORT + VPM_PM1_CNT_LEN);
}

bool vpm_s5_request(uint16_t port, uint8_t size, uint32_t val)
{
	return port == PM1_CNT_PORT && size == REG_SIZE && (val & SLP_EN) &&
	       (val & SLP_TYP_MASK) >> SLP_TYP_SHIFT == VPM_SLP_TYP_S5;
}

static uint32_t refuse(struct vpm *pm, bool in)
{
	pm->refused++;
	return in ? 0xffffffffu : 0;
}

uint32_t vpm_io(struct vpm *pm, uint16_t port, uint8_t size, bool in,
		uint32_t val)
{
	if (size != REG_SIZE ||
	    (port != PM1_STS_PORT && port != PM1_EN_PORT && port != PM1_CNT_PORT))
		return refuse(pm, in);
	if (port == PM1_STS_PORT)
		/* No event source: nothing to read, nothing to clear. */
		return 0;
	if (port == PM1_EN_PORT) {
		if (in)
			return pm->pm1_en;
		pm->pm1_en = (uint16_t)(val & PM1_EN_BITS);
		return 0;
	}
	if (in)
		return pm->pm1_cnt | SCI_EN;
	/* SLP_EN for a sleeping state this VM lacks (S5 never gets here:
	 * vmm/vm_end.c ends the VM first). Nothing is kept of the write. */
	if (val & SLP_EN)
		return refuse(pm, in);
	pm->pm1_cnt = (uint16_t)(val & PM1_CNT_KEPT);
	return 0;
}
