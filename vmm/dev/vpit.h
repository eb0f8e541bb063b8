/* Channel 2 of a PC's 8254 timer [Intel 8254 data sheet] and the gate
 * and output bits of port 0x61 ("system control port B" of the PC/AT),
 * as a PC wires them: the gate is port 0x61 bit 0, the output reads back
 * in bit 5. Counting follows the host's TSC at the 8254's 1.193182 MHz.
 *
 * Why a Linux VM has it: Linux 6.1 on an AMD CPU (and on an Intel one
 * without CPUID leaf 0x16) always runs quick_pit_calibrate() early in
 * boot (arch/x86/kernel/tsc.c, native_calibrate_cpu_early), whatever
 * tsc_early_khz says. On an empty bus channel 2 reads 0xFF for ever,
 * which is exactly the value that loop waits to see change: it reads
 * port 0x42 100,000 times, one VM exit each, about half the time from
 * VM start to init (docs/performance.md). With a counting channel 2 it
 * ends within 50 ms of guest time.
 *
 * Not given: channels 0 and 1 (the VM's clock is its local APIC timer;
 * with the MADT Linux does not use the PIT as its clock event), the
 * read-back command, BCD counting, modes 1, 3, 4, 5 (no one-shot gate
 * trigger or tone is needed), the speaker. Each is refused: a read gives
 * all ones, a write changes nothing, and both are counted. Pure C. */
#ifndef VMM_DEV_VPIT_H
#define VMM_DEV_VPIT_H

#include <stdbool.h>
#include <stdint.h>

#define VPIT_HZ 1193182u        /* the 8254's input clock on a PC */

struct vpit {
	uint64_t tsc_hz;
	uint64_t ticks_before;  /* counted while the gate was high, before */
	uint64_t gate_since;    /* host TSC the gate went high (if high) */
	uint32_t initial;       /* the count loaded: 1..65536 */
	uint16_t latch;         /* a latched count */
	uint8_t  mode;          /* 0 or 2 */
	uint8_t  rw;            /* 1 LSB, 2 MSB, 3 LSB then MSB */
	uint8_t  port61;        /* bits 0-3 as written: gate, speaker, ... */
	bool     loaded;        /* a count was written since the mode */
	bool     latched;
	bool     read_msb;      /* rw 3 or a latch: the next read is the MSB */
	bool     write_msb;     /* rw 3: the next write is the MSB */
	uint8_t  lsb_written;
	uint64_t refused;
};

void vpit_init(struct vpit *p, uint64_t tsc_hz);

/* Ports 0x40-0x43 and 0x61. */
bool vpit_claims(uint16_t port);

/* A one-byte access; 'now' is the host TSC. Returns the byte read. */
uint8_t vpit_io(struct vpit *p, uint16_t port, bool in, uint8_t v,
		uint64_t now);

#endif
