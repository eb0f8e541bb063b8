/* The local APIC of a Linux VM, in x2APIC mode (MSRs) and in xAPIC mode
 * (its MMIO page, which is never mapped: vmm/xapic_mmio.c decodes each
 * access and calls vlapic_mmio). What Linux uses with one CPU: priority (TPR/PPR, IRR/ISR, EOI), the spurious
 * vector register, the error register, LINT0 as the 8259's virtual wire,
 * self-IPIs and the timer in all three modes [SDM 3A 11.5.4]. */
#include "vmm/dev/vlapic.h"

/* Register numbers: MSR - 0x800 [SDM 3A Table 11-6]. */
#define REG_ID          0x02
#define REG_VERSION     0x03
#define REG_TPR         0x08
#define REG_PPR         0x0a
#define REG_EOI         0x0b
#define REG_LDR         0x0d
#define REG_DFR         0x0e            /* xAPIC mode only */
#define REG_SVR         0x0f
#define REG_ISR0        0x10
#define REG_TMR0        0x18
#define REG_IRR0        0x20
#define REG_ESR         0x28
#define REG_ICR         0x30
#define REG_ICR_HIGH    0x31            /* xAPIC mode: ICR bits 63:32 */
#define REG_LVT_TIMER   0x32
#define REG_LVT_LINT0   0x35
#define REG_LVT_LINT1   0x36
#define REG_LVT_ERROR   0x37
#define REG_TIMER_ICR   0x38
#define REG_TIMER_CCR   0x39
#define REG_TIMER_DCR   0x3e
#define REG_SELF_IPI    0x3f

/* Version: 0x14 (integrated APIC), Max LVT Entry 3, no EOI-broadcast
 * suppression [SDM 3A 11.4.8]. */
#define APIC_VERSION    (0x14u | (3u << 16))

#define SVR_VECTOR      0xffu
#define SVR_ENABLE      (1u << 8)
#define LVT_VECTOR      0xffu
#define LVT_DM_SHIFT    8
#define LVT_DM_MASK     (7u << LVT_DM_SHIFT)
#define LVT_DM_FIXED    0u
#define LVT_DM_NMI      (4u << LVT_DM_SHIFT)
#define LVT_DM_EXTINT   (7u << LVT_DM_SHIFT)
#define LVT_MASKED      (1u << 16)
#define LVT_TIMER_MODE  (3u << 17)
#define TIMER_ONESHOT   (0u << 17)
#define TIMER_PERIODIC  (1u << 17)
#define TIMER_DEADLINE  (2u << 17)
/* Writable bits of each LVT entry [SDM 3A Figure 11-8]; the delivery
 * status (bit 12) is reserved in x2APIC mode. */
#define LVT_TIMER_BITS  (LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE)
#define LVT_LINT_BITS   (LVT_VECTOR | LVT_DM_MASK | (1u << 13) | (1u << 15) | LVT_MASKED)
#define LVT_ERROR_BITS  (LVT_VECTOR | LVT_MASKED)

/* ESR bits [SDM 3A Figure 11-9]. */
#define ESR_SEND_ILLEGAL_VECTOR 0x20u
#define ESR_RECV_ILLEGAL_VECTOR 0x40u
#define ESR_ILLEGAL_REGISTER    0x80u

/* ICR [SDM 3A 11.12.9]. */
#define ICR_VECTOR      0xffull
#define ICR_DM_MASK     (7ull << 8)
#define ICR_DM_FIXED    0ull
#define ICR_LOGICAL     (1ull << 11)
#define ICR_SH_SHIFT    18
#define ICR_SH_NONE     0
#define ICR_SH_SELF     1
#define ICR_SH_ALL      2
#define ICR_BITS        (0xffffffff000cffffull & ~(3ull << 12))

/* xAPIC mode [SDM 3A 11.6.2.2, 11.6.1]: the ID is bits 31:24, so are
 * the logical ID in the LDR and the destination in ICR bits 63:56; the
 * DFR's bits 31:28 pick the flat (1111b) or cluster (0000b) model, its
 * other bits read as ones. */
#define XAPIC_ID_SHIFT  24
#define XAPIC_DEST_MASK 0xff000000u
#define DFR_MODEL_MASK  0xf0000000u
#define DFR_FLAT        0xf0000000u
#define DFR_RESERVED    0x0fffffffu
#define XAPIC_BCAST     0xffu

static const uint8_t lvt_reg[LVT_COUNT] = {
	[LVT_TIMER] = REG_LVT_TIMER, [LVT_LINT0] = REG_LVT_LINT0,
	[LVT_LINT1] = REG_LVT_LINT1, [LVT_ERROR] = REG_LVT_ERROR,
};
static const uint32_t lvt_bits[LVT_COUNT] = {
	[LVT_TIMER] = LVT_TIMER_BITS, [LVT_LINT0] = LVT_LINT_BITS,
	[LVT_LINT1] = LVT_LINT_BITS, [LVT_ERROR] = LVT_ERROR_BITS,
};

static void bit_set(uint32_t *v, unsigned n)   { v[n / 32] |= 1u << (n % 32); }
static void bit_clear(uint32_t *v, unsigned n) { v[n / 32] &= ~(1u << (n % 32)); }

static int highest(const uint32_t *v)
{
	for (int w = 7; w >= 0; w--)
		if (v[w])
			return w * 32 + 31 - __builtin_clz(v[w]);
	return -1;
}

static bool sw_enabled(const struct vlapic *a) { return a->svr & SVR_ENABLE; }
static bool hw_enabled(const struct vlapic *a) { return a->apic_base & APIC_BASE_EN; }
static bool x2apic_mode(const struct vlapic *a) { return a->apic_base & APIC_BASE_EXTD; }

void vlapic_init(struct vlapic *a, uint32_t id, int64_t tsc_offset)
{
	*a = (struct vlapic){
		.apic_base = APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD |
			     APIC_BASE_BSP,
		.id = id, .svr = SVR_ENABLE | SVR_VECTOR, .tsc_offset = tsc_offset,
		.dfr = DFR_FLAT | DFR_RESERVED,
	};
	for (int i = 0; i < LVT_COUNT; i++)
		a->lvt[i] = LVT_MASKED;
	a->lvt[LVT_LINT0] = LVT_DM_EXTINT;
	a->lvt[LVT_LINT1] = LVT_DM_NMI;
}

uint32_t vlapic_ppr(const struct vlapic *a)
{
	int isrv = highest(a->isr);
	uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

	return (a->tpr & 0xf0) >= isr_class ? a->tpr & 0xff : isr_class;
}

static void raise_error(struct vlapic *a, uint32_t esr_bit);

/* An interrupt from a local source or a self-IPI arrives [SDM 3A 11.5.3:
 * vectors 0-15 are illegal, counted in the ESR instead]. */
static void deliver(struct vlapic *a, uint32_t vector)
{
	if (vector < 16) {
		raise_error(a, ESR_RECV_ILLEGAL_VECTOR);
		return;
	}
	bit_set(a->irr, vector);
}

static void raise_error(struct vlapic *a, uint32_t esr_bit)
{
	uint32_t lvt = a->lvt[LVT_ERROR];

	a->esr_pending |= esr_bit;
	a->errors++;
	/* An illegal error vector would recurse: it only sets its bit. */
	if (!(lvt & LVT_MASKED) && (lvt & LVT_VECTOR) >= 16)
		bit_set(a->irr, lvt & LVT_VECTOR);
}

int vlapic_next_vector(const struct vlapic *a)
{
	int v = highest(a->irr);

	if (!hw_enabled(a) || v < 0)
		return -1;
	/* Only a class above the processor priority [SDM 3A 11.8.3.1]. */
	if (((uint32_t)v & 0xf0) <= (vlapic_ppr(a) & 0xf0))
		return -1;
	return v;
}

void vlapic_accept(struct vlapic *a, uint8_t vector)
{
	bit_clear(a->irr, vector);
	bit_set(a->isr, vector);
}

bool vlapic_extint_open(const struct vlapic *a)
{
	uint32_t lint0 = a->lvt[LVT_LINT0];

	if (!hw_enabled(a))
		return true;
	return !(lint0 & LVT_MASKED) && (lint0 & LVT_DM_MASK) == LVT_DM_EXTINT;
}

/* --- timer ------------------------------------------------------------ */

static uint32_t timer_mode(const struct vlapic *a) { return a->lvt[LVT_TIMER] & LVT_TIMER_MODE; }

/* Divide configuration bits 0, 1, 3 [SDM 3A Figure 11-10]: 0b111 is 1,
 * otherwise 2 << value. */
static uint64_t divisor(const struct vlapic *a)
{
	uint32_t v = (a->dcr & 3) | ((a->dcr >> 1) & 4);

	return v == 7 ? 1 : 2ull << v;
}

static uint64_t period(const struct vlapic *a)
{
	return (uint64_t)a->initial * divisor(a);
}

static void timer_arm(struct vlapic *a, uint64_t now)
{
	a->start = now;
	a->expiry = a->initial ? now + period(a) : 0;
}

static uint32_t current_count(const struct vlapic *a, uint64_t now)
{
	uint64_t p = period(a), gone;

	if (timer_mode(a) == TIMER_DEADLINE || !a->initial || now < a->start)
		return timer_mode(a) == TIMER_DEADLINE ? 0 : a->initial;
	gone = now - a->start;
	if (timer_mode(a) == TIMER_ONESHOT && (!a->expiry || gone >= p))
		return 0;
	gone %= p;
	return (uint32_t)(a->initial - gone / divisor(a));
}

static uint64_t guest_to_host(const struct vlapic *a, uint64_t guest_tsc)
{
	uint64_t h = guest_tsc - (uint64_t)a->tsc_offset;

	return h ? h : 1;
}

static void timer_fire(struct vlapic *a)
{
	uint32_t lvt = a->lvt[LVT_TIMER];

	a->timer_fired++;
	if (!(lvt & LVT_MASKED))
		deliver(a, lvt & LVT_VECTOR);
}

void vlapic_advance(struct vlapic *a, uint64_t now)
{
	if (timer_mode(a) == TIMER_DEADLINE) {
		if (a->deadline && now + (uint64_t)a->tsc_offset >= a->deadline) {
			a->deadline = 0;        /* [SDM 3A 11.5.4.1] */
			timer_fire(a);
		}
		return;
	}
	if (!a->expiry || now < a->expiry)
		return;
	timer_fire(a);
	if (timer_mode(a) == TIMER_PERIODIC) {
		/* Periods missed while the VM did not run make one interrupt,
		 * as they would in a single IRR bit. */
		uint64_t p = period(a);

		a->expiry += ((now - a->expiry) / p + 1) * p;
	} else {
		a->expiry = 0;
	}
}

uint64_t vlapic_next_expiry(const struct vlapic *a)
{
	if (timer_mode(a) == TIMER_DEADLINE)
		return a->deadline ? guest_to_host(a, a->deadline) : 0;
	return a->expiry;
}

/* --- registers -------------------------------------------------------- */

static void eoi(struct vlapic *a)
{
	int v = highest(a->isr);

	if (v >= 0)
		bit_clear(a->isr, (unsigned)v);
}

/* An 8-bit xAPIC destination [SDM 3A 11.6.2.1, 11.6.2.2]: physical is
 * the APIC ID or the broadcast 0xFF; logical ANDs with the LDR's logical
 * ID (flat), or matches the cluster nibble and ANDs the member nibble. */
static bool xapic_dest_is_self(const struct vlapic *a, uint32_t dest,
			       bool logical)
{
	uint32_t lid = a->ldr >> XAPIC_ID_SHIFT;

	if (!logical)
		return dest == (a->id & 0xff) || dest == XAPIC_BCAST;
	if ((a->dfr & DFR_MODEL_MASK) == DFR_FLAT)
		return (dest & lid) != 0;
	if (dest == XAPIC_BCAST)
		return true;
	return (dest >> 4) == (lid >> 4) && (dest & lid & 0xf);
}

static void send_ipi(struct vlapic *a, uint64_t icr)
{
	uint32_t vector = icr & ICR_VECTOR;
	uint32_t dest = (uint32_t)(icr >> 32);
	unsigned sh = (icr >> ICR_SH_SHIFT) & 3;
	bool to_self;

	if (sh == ICR_SH_SELF || sh == ICR_SH_ALL)
		to_self = true;
	else if (sh != ICR_SH_NONE)
		to_self = false;        /* all but self: nobody else exists */
	else if (!x2apic_mode(a))
		to_self = xapic_dest_is_self(a, dest >> XAPIC_ID_SHIFT,
					     icr & ICR_LOGICAL);
	else if (icr & ICR_LOGICAL)     /* cluster and bit [SDM 3A 11.12.10.2] */
		to_self = (dest >> 16) == (a->id >> 4) &&
			  (dest & (1u << (a->id & 15)));
	else
		to_self = dest == a->id || dest == 0xffffffffu;
	/* One CPU: only fixed interrupts mean anything; INIT, SIPI, NMI,
	 * SMI to itself are refused as an illegal register would be. */
	if ((icr & ICR_DM_MASK) != ICR_DM_FIXED) {
		raise_error(a, ESR_ILLEGAL_REGISTER);
		return;
	}
	if (vector < 16) {
		raise_error(a, ESR_SEND_ILLEGAL_VECTOR);
		return;
	}
	if (to_self)
		deliver(a, vector);
}

static int lvt_index(uint32_t reg)
{
	for (int i = 0; i < LVT_COUNT; i++)
		if (lvt_reg[i] == reg)
			return i;
	return -1;
}

static enum vlapic_msr_result reg_read(struct vlapic *a, uint32_t reg,
				       uint64_t *val, uint64_t now)
{
	int lvt = lvt_index(reg);

	if (lvt >= 0) {
		*val = a->lvt[lvt];
		return VLAPIC_OK;
	}
	if (reg >= REG_ISR0 && reg < REG_ISR0 + 8) {
		*val = a->isr[reg - REG_ISR0];
		return VLAPIC_OK;
	}
	if (reg >= REG_TMR0 && reg < REG_TMR0 + 8) {
		*val = 0;               /* every interrupt here is edge-triggered */
		return VLAPIC_OK;
	}
	if (reg >= REG_IRR0 && reg < REG_IRR0 + 8) {
		*val = a->irr[reg - REG_IRR0];
		return VLAPIC_OK;
	}
	switch (reg) {
	case REG_ID:        *val = a->id; break;
	case REG_VERSION:   *val = APIC_VERSION; break;
	case REG_TPR:       *val = a->tpr; break;
	case REG_PPR:       *val = vlapic_ppr(a); break;
	case REG_LDR:       /* derived from the ID [SDM 3A 11.12.10.2] */
		*val = ((a->id >> 4) << 16) | (1u << (a->id & 15));
		break;
	case REG_SVR:       *val = a->svr; break;
	case REG_ESR:       *val = a->esr; break;
	case REG_ICR:       *val = a->icr; break;
	case REG_TIMER_ICR: *val = a->initial; break;
	case REG_TIMER_CCR: *val = current_count(a, now); break;
	case REG_TIMER_DCR: *val = a->dcr; break;
	default:            /* write-only (EOI, SELF IPI) or absent */
		return VLAPIC_GP;
	}
	return VLAPIC_OK;
}

static void write_lvt(struct vlapic *a, int i, uint32_t v)
{
	uint32_t old_mode = timer_mode(a);

	v &= lvt_bits[i];
	if (!sw_enabled(a))     /* masked while software-disabled [SDM 3A 11.4.7.2] */
		v |= LVT_MASKED;
	a->lvt[i] = v;
	/* A change of timer mode disarms the timer [SDM 3A 11.5.4.1]. */
	if (i == LVT_TIMER && timer_mode(a) != old_mode) {
		a->initial = 0;
		a->expiry = 0;
		a->deadline = 0;
	}
}

static enum vlapic_msr_result reg_write(struct vlapic *a, uint32_t reg,
					uint64_t v, uint64_t now)
{
	int lvt = lvt_index(reg);

	/* Only the ICR is 64 bits wide [SDM 3A 11.12.1.2]. */
	if (reg != REG_ICR && (v >> 32))
		return VLAPIC_GP;
	if (lvt >= 0) {
		if (lvt == LVT_TIMER && (v & LVT_TIMER_MODE) == LVT_TIMER_MODE)
			return VLAPIC_GP;       /* mode 11b is reserved */
		write_lvt(a, lvt, (uint32_t)v);
		return VLAPIC_OK;
	}
	switch (reg) {
	case REG_TPR:
		a->tpr = v & 0xff;
		return VLAPIC_OK;
	case REG_EOI:
		if (v)
			return VLAPIC_GP;       /* [SDM 3A 11.12.1.2] */
		eoi(a);
		return VLAPIC_OK;
	case REG_SVR:
		a->svr = (uint32_t)v & (SVR_VECTOR | SVR_ENABLE);
		if (!sw_enabled(a))
			for (int i = 0; i < LVT_COUNT; i++)
				a->lvt[i] |= LVT_MASKED;
		return VLAPIC_OK;
	case REG_ESR:
		if (v)
			return VLAPIC_GP;
		a->esr = a->esr_pending;        /* [SDM 3A 11.5.3] */
		a->esr_pending = 0;
		return VLAPIC_OK;
	case REG_ICR:
		if (v & ~ICR_BITS)
			return VLAPIC_GP;
		a->icr = v;
		send_ipi(a, v);
		return VLAPIC_OK;
	case REG_TIMER_ICR:
		if (timer_mode(a) == TIMER_DEADLINE)
			return VLAPIC_OK;       /* ignored in that mode */
		a->initial = (uint32_t)v;
		timer_arm(a, now);
		return VLAPIC_OK;
	case REG_TIMER_DCR: {
		uint32_t left = current_count(a, now);

		a->dcr = (uint32_t)v & 0xb;
		/* The count goes on from where it is, at the new rate. */
		if (a->expiry) {
			a->start = now - (uint64_t)(a->initial - left) * divisor(a);
			a->expiry = now + (uint64_t)left * divisor(a);
		}
		return VLAPIC_OK;
	}
	case REG_SELF_IPI:
		if (v & ~0xffull)
			return VLAPIC_GP;
		if (v < 16)
			raise_error(a, ESR_SEND_ILLEGAL_VECTOR);
		else
			deliver(a, (uint32_t)v);
		return VLAPIC_OK;
	default:                /* read-only or absent */
		return VLAPIC_GP;
	}
}

/* IA32_APIC_BASE: the state machine of [SDM 3A 11.12.5, Figure 11-27]:
 * disabled -> xAPIC -> x2APIC, and either back to disabled; x2APIC ->
 * xAPIC, disabled -> x2APIC and EXTD without EN fault, as does keeping
 * anything but the mode bits other than they are. The base address and
 * the BSP flag are fixed. */
static enum vlapic_msr_result write_apic_base(struct vlapic *a, uint64_t v)
{
	const uint64_t xapic = APIC_BASE_EN, x2 = APIC_BASE_EN | APIC_BASE_EXTD;
	uint64_t mode = v & x2, old = a->apic_base & x2;

	if ((v & ~x2) != (APIC_BASE_ADDR | APIC_BASE_BSP))
		return VLAPIC_GP;
	if (mode == old)
		return VLAPIC_OK;
	if (mode == 0) {
		/* Disabled: the APIC is reset [SDM 3A 11.4.3]; LINT0 is then
		 * the processor's INTR pin again (vlapic_extint_open). */
		vlapic_init(a, a->id, a->tsc_offset);
		a->apic_base = v;
		return VLAPIC_OK;
	}
	if ((mode == xapic && old == 0) || (mode == x2 && old == xapic)) {
		a->apic_base = v;
		return VLAPIC_OK;
	}
	return VLAPIC_GP;
}

/* xAPIC mode: the registers whose format or rules differ from x2APIC's.
 * true: handled, *ok says whether it was allowed; false: the x2APIC
 * register code does it (with *val adjusted where needed). */
static bool xapic_special(struct vlapic *a, uint32_t reg, bool write,
			  uint32_t *val, bool *ok)
{
	*ok = true;
	switch (reg) {
	case REG_ID:            /* read-only here, as in x2APIC mode */
		if (write)
			*ok = false;
		else
			*val = a->id << XAPIC_ID_SHIFT;
		return true;
	case REG_LDR:
		if (write)
			a->ldr = *val & XAPIC_DEST_MASK;
		else
			*val = a->ldr;
		return true;
	case REG_DFR:
		if (write)
			a->dfr = (*val & DFR_MODEL_MASK) | DFR_RESERVED;
		else
			*val = a->dfr;
		return true;
	case REG_ICR_HIGH:
		if (write)
			a->icr = (a->icr & 0xffffffffull) |
				 (uint64_t)(*val & XAPIC_DEST_MASK) << 32;
		else
			*val = (uint32_t)(a->icr >> 32);
		return true;
	case REG_ICR: {         /* the low half: writing it sends */
		uint64_t icr = (a->icr & ~0xffffffffull) | *val;

		if (!write) {
			*val = (uint32_t)a->icr;
			return true;
		}
		if (icr & ~ICR_BITS) {
			*ok = false;
			return true;
		}
		a->icr = icr;
		send_ipi(a, icr);
		return true;
	}
	case REG_EOI:           /* any value is an EOI in xAPIC mode */
	case REG_ESR:           /* any value latches the errors */
		if (!write)
			return false;
		*val = 0;
		return false;
	case REG_SELF_IPI:      /* x2APIC only [SDM 3A 11.12.11] */
		*ok = false;
		return true;
	}
	return false;
}

bool vlapic_mmio(struct vlapic *a, uint32_t offset, bool write, uint32_t *val,
		 uint64_t now)
{
	uint32_t reg = offset >> 4;
	uint64_t v = *val;
	bool ok;

	/* Registers are 32 bits at 16-byte boundaries [SDM 3A 11.4.1]. */
	if (!hw_enabled(a) || x2apic_mode(a) || offset >= XAPIC_PAGE_SIZE ||
	    (offset & 0xf))
		return false;
	if (xapic_special(a, reg, write, val, &ok))
		return ok;
	if (write)
		return reg_write(a, reg, *val, now) == VLAPIC_OK;
	if (reg_read(a, reg, &v, now) != VLAPIC_OK)
		return false;
	*val = (uint32_t)v;
	return true;
}

enum vlapic_msr_result vlapic_msr(struct vlapic *a, uint32_t msr, bool write,
				  uint64_t *val, uint64_t now)
{
	if (msr == MSR_IA32_APIC_BASE) {
		if (!write) {
			*val = a->apic_base;
			return VLAPIC_OK;
		}
		return write_apic_base(a, *val);
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		/* Reads 0 and ignores writes outside TSC-deadline mode
		 * [SDM 3A 11.5.4.1]. */
		if (!write)
			*val = timer_mode(a) == TIMER_DEADLINE ? a->deadline : 0;
		else if (timer_mode(a) == TIMER_DEADLINE)
			a->deadline = *val;
		return VLAPIC_OK;
	}
	if (msr < X2APIC_MSR_FIRST || msr > X2APIC_MSR_LAST)
		return VLAPIC_NOT_MINE;
	/* x2APIC registers fault unless x2APIC mode is on [SDM 3A 11.12.1.2]. */
	if (!hw_enabled(a) || !x2apic_mode(a))
		return VLAPIC_GP;
	if (write)
		return reg_write(a, msr - X2APIC_MSR_FIRST, *val, now);
	return reg_read(a, msr - X2APIC_MSR_FIRST, val, now);
}
