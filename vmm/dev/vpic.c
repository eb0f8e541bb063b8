/* Two 8259A programmable interrupt controllers, cascaded as on every PC.
 * Linux programs them once (ICW1-ICW4, vectors 0x30 and 0x38), masks and
 * unmasks lines through OCW1 and ends each interrupt with a specific EOI
 * (OCW2); its spurious-interrupt check reads the ISR (OCW3). All of the
 * 8086-mode behaviour is here; what makes no sense in a VM (8080 mode,
 * buffered mode, special fully nested mode) is accepted as a no-op and
 * counted. References: [8259A] is Intel's 8259A data sheet (order
 * 231468), its sections "Initialization Command Words" and "Operation
 * Command Words". */
#include "vmm/dev/vpic.h"

#define ICW1            0x10    /* on the command port: initialization */
#define ICW1_IC4        0x01
#define ICW1_SNGL       0x02
#define ICW1_LTIM       0x08
#define ICW4_UPM        0x01    /* 8086/8088 mode */
#define ICW4_AEOI       0x02
#define ICW4_SFNM       0x10
#define ICW4_BUF        0x0c
#define OCW3            0x08    /* bit 3 on the command port, bit 4 clear */
#define OCW3_RIS        0x01
#define OCW3_RR         0x02
#define OCW3_POLL       0x04
#define OCW3_SMM        0x20
#define OCW3_ESMM       0x40
/* OCW2 R, SL, EOI in bits 7:5 [8259A Table: "Operation Command Word 2"]. */
#define OCW2_CMD(v)     ((v) >> 5)
#define OCW2_NS_EOI     1
#define OCW2_NOP        2
#define OCW2_SP_EOI     3
#define OCW2_ROT_AEOI_SET 4
#define OCW2_ROT_NS_EOI 5
#define OCW2_SET_PRIO   6
#define OCW2_ROT_SP_EOI 7
#define OCW2_ROT_AEOI_CLR 0

/* ELCR: IRQ 0, 1, 2, 8 and 13 are edge-triggered on every PC. */
#define ELCR_MASTER_BITS 0xf8
#define ELCR_SLAVE_BITS  0xde

/* Where initialization stands; NONE until the first ICW1: the chip then
 * keeps a mask (Linux's probe) but requests nothing. */
enum { ICW_DONE, ICW_2, ICW_3, ICW_4, ICW_NONE };

static void chip_reset(struct i8259 *c, uint8_t elcr_bits)
{
	*c = (struct i8259){ .imr = 0xff, .lowest = 7, .elcr_bits = elcr_bits,
			     .icw = ICW_NONE };
}

void vpic_init(struct vpic *p)
{
	*p = (struct vpic){ 0 };
	chip_reset(&p->chip[0], ELCR_MASTER_BITS);
	chip_reset(&p->chip[1], ELCR_SLAVE_BITS);
}

bool vpic_claims(uint16_t port)
{
	return port == VPIC_MASTER || port == VPIC_MASTER + 1 ||
	       port == VPIC_SLAVE || port == VPIC_SLAVE + 1 ||
	       port == VPIC_ELCR || port == VPIC_ELCR + 1;
}

/* The IR in priority order 'rank' (0 = highest): IR lowest+1 first. */
static unsigned by_rank(const struct i8259 *c, unsigned rank)
{
	return (c->lowest + 1 + rank) & 7;
}

/* The IR this chip would interrupt for, or -1 [8259A "Fully Nested
 * Mode", "Special Mask Mode"]. */
static int chip_pending(const struct i8259 *c)
{
	uint8_t req = c->irr & ~c->imr;
	uint8_t blocking = c->special_mask ? c->isr & ~c->imr : c->isr;

	if (c->icw != ICW_DONE)
		return -1;
	for (unsigned r = 0; r < 8; r++) {
		unsigned ir = by_rank(c, r);

		if (blocking & (1u << ir))
			return -1;      /* one of higher priority is in service */
		if (req & (1u << ir))
			return (int)ir;
	}
	return -1;
}

static void chip_line(struct i8259 *c, unsigned ir, bool level)
{
	uint8_t bit = (uint8_t)(1u << ir);
	bool was = c->lines & bit;

	if (level) {
		c->lines |= bit;
		/* Edge mode latches a rising edge; level mode the level. */
		if (!was || (c->elcr & bit))
			c->irr |= bit;
	} else {
		c->lines &= ~bit;
		/* A request that went away before its INTA is withdrawn, so
		 * no spurious IRQ 7 is made of it. */
		c->irr &= ~bit;
	}
}

/* The slave's INT output drives the master's IR2 (unless the master was
 * set up single). */
static void cascade(struct vpic *p)
{
	if (!p->chip[0].single)
		chip_line(&p->chip[0], VPIC_CASCADE_IR,
			  chip_pending(&p->chip[1]) >= 0);
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	if (irq >= 16)
		return;
	chip_line(&p->chip[irq / 8], irq % 8, level);
	cascade(p);
}

uint8_t vpic_vector_of(const struct vpic *p, unsigned irq)
{
	return (uint8_t)(p->chip[irq / 8 % 2].base + irq % 8);
}

int vpic_next_vector(const struct vpic *p)
{
	const struct i8259 *m = &p->chip[0];
	int ir = chip_pending(m), sir;

	if (ir < 0)
		return -1;
	if (ir != VPIC_CASCADE_IR || m->single)
		return m->base + ir;
	sir = chip_pending(&p->chip[1]);
	return p->chip[1].base + (sir < 0 ? 7 : sir);
}

/* One chip's share of an INTA cycle; returns the IR acknowledged, or 7
 * for a spurious request (no ISR bit set) [8259A "Interrupt Sequence"]. */
static unsigned chip_ack(struct i8259 *c)
{
	int ir = chip_pending(c);
	uint8_t bit;

	if (ir < 0)
		return 7;
	bit = (uint8_t)(1u << ir);
	if (!(c->elcr & bit))
		c->irr &= ~bit;         /* edge: the latch is consumed */
	if (c->auto_eoi) {
		if (c->lowest & 0x80)   /* rotate in automatic-EOI mode */
			c->lowest = (uint8_t)(0x80 | ir);
	} else {
		c->isr |= bit;
	}
	return (unsigned)ir;
}

void vpic_ack(struct vpic *p)
{
	unsigned ir = chip_ack(&p->chip[0]);

	if (ir == VPIC_CASCADE_IR && !p->chip[0].single)
		chip_ack(&p->chip[1]);
	cascade(p);
}

/* The highest-priority IR in service, or -1. */
static int highest_isr(const struct i8259 *c)
{
	for (unsigned r = 0; r < 8; r++)
		if (c->isr & (1u << by_rank(c, r)))
			return (int)by_rank(c, r);
	return -1;
}

static void ocw2(struct vpic *p, struct i8259 *c, uint8_t v)
{
	int ir = v & 7;
	uint8_t rot_aeoi = c->lowest & 0x80;

	switch (OCW2_CMD(v)) {
	case OCW2_NS_EOI:
	case OCW2_ROT_NS_EOI:
		ir = highest_isr(c);
		if (ir < 0)
			return;
		/* fall through */
	case OCW2_SP_EOI:
	case OCW2_ROT_SP_EOI:
		c->isr &= (uint8_t)~(1u << ir);
		if (OCW2_CMD(v) == OCW2_ROT_NS_EOI || OCW2_CMD(v) == OCW2_ROT_SP_EOI)
			c->lowest = (uint8_t)(rot_aeoi | ir);
		/* A level-triggered line still high asks again. */
		if (c->elcr & c->lines & (1u << ir))
			c->irr |= (uint8_t)(1u << ir);
		return;
	case OCW2_SET_PRIO:
		c->lowest = (uint8_t)(rot_aeoi | ir);
		return;
	case OCW2_ROT_AEOI_SET:
		c->lowest |= 0x80;
		return;
	case OCW2_ROT_AEOI_CLR:
		c->lowest &= 0x7f;
		return;
	default:
		(void)p;
		return;
	}
}

static void command(struct vpic *p, struct i8259 *c, uint8_t v)
{
	if (v & ICW1) {
		uint8_t elcr = c->elcr, bits = c->elcr_bits;

		/* [8259A "Initialization Command Words"]: IMR and ISR cleared,
		 * IR7 lowest, special mask off, IRR selected for reading. The
		 * ELCR belongs to the chipset, not the 8259: it stays. */
		chip_reset(c, bits);
		c->elcr = elcr;
		c->icw = ICW_2;
		c->icw4 = v & ICW1_IC4;
		c->single = v & ICW1_SNGL;
		if (v & ICW1_LTIM)      /* all levels: the ELCR rules on a PC */
			p->refused++;
		return;
	}
	if (v & OCW3) {
		if (v & OCW3_RR)
			c->read_isr = v & OCW3_RIS;
		if (v & OCW3_ESMM)
			c->special_mask = v & OCW3_SMM;
		if (v & OCW3_POLL)      /* poll mode: no CPU polls a VM's PIC */
			p->refused++;
		return;
	}
	ocw2(p, c, v);
}

static void data(struct vpic *p, struct i8259 *c, uint8_t v)
{
	switch (c->icw) {
	case ICW_NONE:
	case ICW_DONE:
		c->imr = v;             /* OCW1 */
		return;
	case ICW_2:
		c->base = v & 0xf8;
		c->icw = c->single ? (c->icw4 ? ICW_4 : ICW_DONE) : ICW_3;
		return;
	case ICW_3:                     /* the wiring is fixed: IR2 */
		c->icw = c->icw4 ? ICW_4 : ICW_DONE;
		return;
	case ICW_4:
		c->auto_eoi = v & ICW4_AEOI;
		if (!(v & ICW4_UPM) || (v & (ICW4_SFNM | ICW4_BUF)))
			p->refused++;   /* 8080 mode, buffered, SFNM: not here */
		c->icw = ICW_DONE;
		return;
	}
}

uint8_t vpic_io(struct vpic *p, uint16_t port, bool in, uint8_t v)
{
	struct i8259 *c;

	if (port == VPIC_ELCR || port == VPIC_ELCR + 1) {
		c = &p->chip[port - VPIC_ELCR];
		if (in)
			return c->elcr;
		c->elcr = v & c->elcr_bits;
		for (unsigned ir = 0; ir < 8; ir++)     /* re-evaluate levels */
			if ((c->elcr & c->lines) >> ir & 1)
				c->irr |= (uint8_t)(1u << ir);
		cascade(p);
		return 0;
	}
	c = &p->chip[(port & 0xf0) == VPIC_SLAVE];
	if (in)
		return port & 1 ? c->imr : c->read_isr ? c->isr : c->irr;
	if (port & 1)
		data(p, c, v);
	else
		command(p, c, v);
	cascade(p);
	return 0;
}
