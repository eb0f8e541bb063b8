/* 8254 channel 2 and port 0x61 (vmm/dev/vpit.h). Control word, counter
 * latch, read/write order and modes 0 and 2 as the Intel 8254 data sheet
 * gives them ("Control Word Format", "Counter Latch Command", "Read
 * Operations", "Mode 0", "Mode 2"). */
#include "vmm/dev/vpit.h"

#define PORT_CH0      0x40
#define PORT_CH2      0x42
#define PORT_CONTROL  0x43
#define PORT_B        0x61

/* Control word: SC1 SC0 RW1 RW0 M2 M1 M0 BCD. */
#define CW_SC(v)      ((v) >> 6)
#define CW_RW(v)      (((v) >> 4) & 3)
#define CW_MODE(v)    (((v) >> 1) & 7)
#define CW_BCD        1u
#define SC_CHANNEL2   2
#define RW_LATCH      0
#define RW_LSB        1
#define RW_MSB        2
#define RW_BOTH       3
#define MODE_TERMINAL 0         /* interrupt on terminal count */
#define MODE_RATE     2         /* rate generator; 6 is the same */

/* Port 0x61 [PC/AT technical reference, "System Control Port B"]. */
#define B_GATE2       (1u << 0)
#define B_WRITABLE    0x0Fu     /* gate, speaker data, parity/IOCHK enables */
#define B_REFRESH     (1u << 4) /* toggles every 15.08 us: 18 PIT clocks */
#define B_OUT2        (1u << 5)
#define REFRESH_TICKS 18

#define FULL_COUNT    65536u    /* a count of 0 */

void vpit_init(struct vpit *p, uint64_t tsc_hz)
{
	*p = (struct vpit){ .tsc_hz = tsc_hz, .rw = RW_BOTH };
}

bool vpit_claims(uint16_t port)
{
	return (port >= PORT_CH0 && port <= PORT_CONTROL) || port == PORT_B;
}

/* 8254 clocks in 'tsc' host TSC ticks, without overflow for any delta
 * below 2^64 (tsc_hz is far below 2^64 / VPIT_HZ). */
static uint64_t pit_ticks(const struct vpit *p, uint64_t tsc)
{
	return tsc / p->tsc_hz * VPIT_HZ + tsc % p->tsc_hz * VPIT_HZ / p->tsc_hz;
}

static bool gate(const struct vpit *p)
{
	return p->port61 & B_GATE2;
}

static uint64_t ticks(const struct vpit *p, uint64_t now)
{
	uint64_t t = p->ticks_before;

	if (gate(p) && now > p->gate_since)
		t += pit_ticks(p, now - p->gate_since);
	return t;
}

/* The count now: mode 0 counts down from 'initial' and on through 0
 * (wrapping at 16 bits); mode 2 reloads 'initial' after 1. */
static uint16_t count(const struct vpit *p, uint64_t now)
{
	uint64_t t;

	if (!p->loaded)
		return 0;
	t = ticks(p, now);
	if (p->mode == MODE_RATE)
		return (uint16_t)(p->initial - t % p->initial);
	return (uint16_t)(p->initial - t);
}

/* OUT: mode 0 low from the load until the count reaches 0; mode 2 high
 * but for the one clock at count 1. High before a count is loaded in
 * mode 2, low in mode 0. */
static bool out(const struct vpit *p, uint64_t now)
{
	if (!p->loaded)
		return p->mode == MODE_RATE;
	if (p->mode == MODE_RATE)
		return !gate(p) || count(p, now) != 1;
	return ticks(p, now) >= p->initial;
}

static void load(struct vpit *p, uint16_t v, uint64_t now)
{
	p->initial = v ? v : FULL_COUNT;
	p->loaded = true;
	p->ticks_before = 0;
	p->gate_since = now;
}

static void control(struct vpit *p, uint8_t v, uint64_t now)
{
	unsigned mode = CW_MODE(v);

	if (CW_SC(v) != SC_CHANNEL2) {
		p->refused++;           /* channels 0, 1; read-back */
		return;
	}
	if (CW_RW(v) == RW_LATCH) {
		/* A second latch before the first is read is ignored. */
		if (!p->latched) {
			p->latch = count(p, now);
			p->latched = true;
			p->read_msb = p->rw == RW_MSB;
		}
		return;
	}
	if (mode >= 6)
		mode -= 4;              /* M2 is "don't care" in modes 2, 3 */
	if ((v & CW_BCD) || (mode != MODE_TERMINAL && mode != MODE_RATE)) {
		p->refused++;
		return;
	}
	p->mode = (uint8_t)mode;
	p->rw = (uint8_t)CW_RW(v);
	p->loaded = false;
	p->latched = false;
	p->read_msb = p->rw == RW_MSB;
	p->write_msb = p->rw == RW_MSB;
}

static void write_count(struct vpit *p, uint8_t v, uint64_t now)
{
	if (p->rw == RW_LSB) {
		load(p, v, now);
	} else if (p->rw == RW_MSB) {
		load(p, (uint16_t)(v << 8), now);
	} else if (!p->write_msb) {
		p->lsb_written = v;
		p->write_msb = true;
	} else {
		load(p, (uint16_t)(v << 8 | p->lsb_written), now);
		p->write_msb = false;
	}
}

static uint8_t read_count(struct vpit *p, uint64_t now)
{
	uint16_t c = p->latched ? p->latch : count(p, now);
	bool msb = p->read_msb;

	if (p->rw == RW_BOTH)
		p->read_msb = !msb;
	/* A latch holds until each byte the mode reads has been read. */
	if (p->latched && (p->rw != RW_BOTH || msb))
		p->latched = false;
	return msb ? (uint8_t)(c >> 8) : (uint8_t)c;
}

static void write_port_b(struct vpit *p, uint8_t v, uint64_t now)
{
	bool was = gate(p);

	if (was && !(v & B_GATE2))
		p->ticks_before = ticks(p, now);        /* counting stops */
	p->port61 = v & B_WRITABLE;
	if (!was && gate(p)) {
		p->gate_since = now;
		if (p->mode == MODE_RATE)
			p->ticks_before = 0;    /* a rising gate reloads */
	}
}

uint8_t vpit_io(struct vpit *p, uint16_t port, bool in, uint8_t v,
		uint64_t now)
{
	switch (port) {
	case PORT_B:
		if (!in) {
			write_port_b(p, v, now);
			return 0;
		}
		return (uint8_t)(p->port61 |
				 (pit_ticks(p, now) / REFRESH_TICKS & 1 ? B_REFRESH : 0) |
				 (out(p, now) ? B_OUT2 : 0));
	case PORT_CONTROL:
		if (in)
			break;          /* the control word is write-only */
		control(p, v, now);
		return 0;
	case PORT_CH2:
		if (in)
			return read_count(p, now);
		write_count(p, v, now);
		return 0;
	default:
		break;                  /* channels 0 and 1 are not given */
	}
	p->refused++;
	return 0xFF;
}
