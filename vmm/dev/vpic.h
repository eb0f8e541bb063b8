/* The two cascaded 8259A interrupt controllers of a PC [8259A data sheet]
 * at ports 0x20/0x21 (master) and 0xA0/0xA1 (slave, on the master's IR2),
 * with the edge/level control registers at 0x4D0/0x4D1. Pure C. */
#ifndef VMM_DEV_VPIC_H
#define VMM_DEV_VPIC_H

#include <stdbool.h>
#include <stdint.h>

#define VPIC_MASTER     0x20
#define VPIC_SLAVE      0xa0
#define VPIC_ELCR       0x4d0
#define VPIC_CASCADE_IR 2

struct i8259 {
	uint8_t irr, isr, imr;
	uint8_t lines;          /* the IR inputs' levels */
	uint8_t base;           /* ICW2: vector of IR0 */
	uint8_t icw;            /* next ICW expected: 0 = initialized */
	bool    icw4, single, auto_eoi, read_isr, special_mask;
	uint8_t lowest;         /* IR of lowest priority (OCW2 rotation) */
	uint8_t elcr;           /* 1 = level-triggered */
	uint8_t elcr_bits;      /* which ELCR bits exist */
};

struct vpic {
	struct i8259 chip[2];   /* master, slave */
	uint64_t     refused;   /* ICW/OCW values we do not implement */
};

/* Power-on: uninitialized, every IRQ masked. */
void vpic_init(struct vpic *p);
bool vpic_claims(uint16_t port);
/* One byte-wide access; a read returns the value. */
uint8_t vpic_io(struct vpic *p, uint16_t port, bool in, uint8_t v);
/* IRQ line 'irq' (0-15) is now at 'level'. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);
/* The vector IRQ 'irq' (0-15) is given under the current ICW2 bases. */
uint8_t vpic_vector_of(const struct vpic *p, unsigned irq);
/* The vector the pair would give at the next INTA, or -1 if INTR is
 * low; vpic_ack performs that INTA. */
int vpic_next_vector(const struct vpic *p);
void vpic_ack(struct vpic *p);

#endif
