/* The CMOS clock of a PC, a Motorola MC146818A [MC146818A data sheet],
 * at ports 0x70 (index) and 0x71 (data). Its time follows the host's:
 * Unix time 'wall_s' at host TSC 'base', counted on in TSC ticks. Pure C. */
#ifndef VMM_DEV_VRTC_H
#define VMM_DEV_VRTC_H

#include <stdbool.h>
#include <stdint.h>

#define VRTC_INDEX 0x70
#define VRTC_DATA  0x71
#define VRTC_BYTES 128

struct vrtc {
	uint8_t  index;
	uint8_t  ram[VRTC_BYTES];       /* alarms, A, B, and the user bytes */
	uint64_t wall_s, base, tsc_hz;
	uint64_t last_c_read_s;         /* for UF in register C */
	uint64_t refused;               /* writes of the time, which is the host's */
};

void vrtc_init(struct vrtc *r, uint64_t wall_s, uint64_t base, uint64_t tsc_hz);
bool vrtc_claims(uint16_t port);
uint8_t vrtc_io(struct vrtc *r, uint16_t port, bool in, uint8_t v, uint64_t now);

/* Unix seconds of a UTC date (year 1970-2099 ...); also for boot code
 * that reads the firmware's clock. */
uint64_t vrtc_unix_time(unsigned year, unsigned mon, unsigned day,
			unsigned hour, unsigned min, unsigned sec);

#endif
