/* The MC146818A real-time clock as Linux's rtc_cmos and mach_get_cmos_time
 * read it: seconds to year in BCD or binary, 24- or 12-hour, per
 * register B; register A's divider bits; register D's valid-RAM bit. The
 * time is the host's: a guest's writes to it are dropped and counted, so
 * no VM moves another's or the hypervisor's clock. There is no IRQ 8:
 * alarm and periodic interrupts never fire. [MC146818A] is Motorola's
 * data sheet: "Address Map", "Registers A-D". */
#include "vmm/dev/vrtc.h"

#define REG_SEC   0x00
#define REG_MIN   0x02
#define REG_HOUR  0x04
#define REG_WDAY  0x06
#define REG_MDAY  0x07
#define REG_MON   0x08
#define REG_YEAR  0x09
#define REG_A     0x0a
#define REG_B     0x0b
#define REG_C     0x0c
#define REG_D     0x0d
#define REG_CENTURY 0x32        /* the PC's (IBM AT) century byte */
#define INDEX_MASK 0x7f         /* bit 7 of port 0x70 masks NMI: ignored */

#define A_UIP     0x80
#define A_DV_32K  0x20          /* time base 32.768 kHz */
#define A_RATE_1K 0x06          /* the PC's default periodic rate */
#define B_DM      0x04          /* binary, not BCD */
#define B_24H     0x02
#define C_UF      0x10
#define D_VRT     0x80
#define HOUR_PM   0x80

#define SECS_PER_DAY 86400ull

static bool leap(unsigned y) { return (y % 4 == 0 && y % 100) || y % 400 == 0; }

static unsigned month_days(unsigned y, unsigned m)
{
	static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return d[m - 1] + (m == 2 && leap(y));
}

uint64_t vrtc_unix_time(unsigned year, unsigned mon, unsigned day,
			unsigned hour, unsigned min, unsigned sec)
{
	uint64_t days = 0;

	for (unsigned y = 1970; y < year; y++)
		days += leap(y) ? 366 : 365;
	for (unsigned m = 1; m < mon; m++)
		days += month_days(year, m);
	days += day - 1;
	return days * SECS_PER_DAY + hour * 3600ull + min * 60ull + sec;
}

void vrtc_init(struct vrtc *r, uint64_t wall_s, uint64_t base, uint64_t tsc_hz)
{
	*r = (struct vrtc){ .wall_s = wall_s, .base = base, .tsc_hz = tsc_hz };
	r->ram[REG_A] = A_DV_32K | A_RATE_1K;
	r->ram[REG_B] = B_24H;
}

bool vrtc_claims(uint16_t port)
{
	return port == VRTC_INDEX || port == VRTC_DATA;
}

static uint64_t now_s(const struct vrtc *r, uint64_t now)
{
	return r->wall_s + (now > r->base ? (now - r->base) / r->tsc_hz : 0);
}

static uint8_t encode(const struct vrtc *r, unsigned v)
{
	return r->ram[REG_B] & B_DM ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

/* One field of the date at 'now' in the format register B asks. */
static uint8_t time_reg(const struct vrtc *r, unsigned reg, uint64_t now)
{
	uint64_t t = now_s(r, now), days = t / SECS_PER_DAY;
	unsigned secs = (unsigned)(t % SECS_PER_DAY), y = 1970, m = 1, h;

	switch (reg) {
	case REG_SEC:  return encode(r, secs % 60);
	case REG_MIN:  return encode(r, secs / 60 % 60);
	case REG_HOUR:
		h = secs / 3600;
		if (r->ram[REG_B] & B_24H)
			return encode(r, h);
		/* 12-hour: 12, 1..11, PM in bit 7 [MC146818A "Hours"] */
		return (uint8_t)(encode(r, h % 12 ? h % 12 : 12) | (h >= 12 ? HOUR_PM : 0));
	case REG_WDAY: return encode(r, (unsigned)((days + 4) % 7) + 1); /* 1970-01-01: Thursday; Sunday = 1 */
	default:
		break;
	}
	while (days >= (leap(y) ? 366u : 365u))
		days -= leap(y++) ? 366 : 365;
	while (days >= month_days(y, m))
		days -= month_days(y, m++);
	switch (reg) {
	case REG_MDAY: return encode(r, (unsigned)days + 1);
	case REG_MON:  return encode(r, m);
	case REG_YEAR: return encode(r, y % 100);
	default:       return encode(r, y / 100);   /* REG_CENTURY */
	}
}

static bool is_time(unsigned reg)
{
	return reg == REG_SEC || reg == REG_MIN || reg == REG_HOUR ||
	       (reg >= REG_WDAY && reg <= REG_YEAR) || reg == REG_CENTURY;
}

static uint8_t read_data(struct vrtc *r, uint64_t now)
{
	unsigned reg = r->index;
	uint8_t v;

	if (is_time(reg))
		return time_reg(r, reg, now);
	switch (reg) {
	case REG_A:
		/* UIP never shows: an update takes no time here. */
		return r->ram[REG_A] & ~A_UIP;
	case REG_C:
		/* UF is set once a second whether or not UIE asks for its
		 * interrupt; reading C clears the flags [MC146818A "Register C"]. */
		v = now_s(r, now) != r->last_c_read_s ? C_UF : 0;
		r->last_c_read_s = now_s(r, now);
		return v;
	case REG_D:
		return D_VRT;
	default:
		return r->ram[reg];
	}
}

static void write_data(struct vrtc *r, uint8_t v)
{
	unsigned reg = r->index;

	if (is_time(reg) || reg == REG_C || reg == REG_D) {
		r->refused++;           /* the clock is the host's; C, D read-only */
		return;
	}
	if (reg == REG_A)
		v &= ~A_UIP;
	r->ram[reg] = v;
}

uint8_t vrtc_io(struct vrtc *r, uint16_t port, bool in, uint8_t v, uint64_t now)
{
	if (port == VRTC_INDEX) {
		if (!in)
			r->index = v & INDEX_MASK;
		return 0xff;            /* the index port is write-only */
	}
	if (in)
		return read_data(r, now);
	write_data(r, v);
	return 0;
}
