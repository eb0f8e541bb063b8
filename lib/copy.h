/* The copy the receive path runs for every copied frame: the fastest
 * move the hypervisor may use, chosen once at boot from CPUID
 * (lib/copy.c). General-purpose registers only: the hypervisor does not
 * save the guest's vector state around its own code. */
#ifndef LIB_COPY_H
#define LIB_COPY_H

#include <stddef.h>
#include <stdint.h>

/* CPUID.(EAX=07H,ECX=0), the structured extended feature flags
 * [SDM 2A CPUID, Table 3-8; APM 3 E.3.6]. */
#define CPUID_7_EBX_ERMS  (1u << 9)     /* enhanced REP MOVSB/STOSB */
#define CPUID_7_EDX_FSRM  (1u << 4)     /* fast short REP MOVSB */

enum copy_kind {
	COPY_LOOP8,     /* eight bytes a move (lib/copy.c, copy_words) */
	COPY_REP_MOVSB, /* rep movsb from COPY_REP_MIN bytes, the moves below */
	COPY_NR
};

/* Below this, starting the string operation costs more than the loop
 * takes. Intel puts ERMSB's start-up cost at copies under 128 bytes
 * [Intel Optimization Reference Manual, "Enhanced REP MOVSB and STOSB
 * Operation"], and FSRM is meant to remove it; but on the AMD EPYC with
 * FSRM that make bench ran on, rep movsb still lost below about 192
 * bytes (64 B: 7.0 ns against the loop's 4.9; 256 B: 11.9 against 13.3),
 * so the loop keeps short frames whichever flag is set. */
#define COPY_REP_MIN    192

/* What CPUID.7.0's EBX and EDX say (both 0 when leaf 7 is missing):
 * rep movsb where ERMS or FSRM says it is fast. */
enum copy_kind copy_pick(uint32_t cpuid7_ebx, uint32_t cpuid7_edx);
/* Use 'k' from now on; boot does this once, before any VM runs. */
void copy_use(enum copy_kind k);
enum copy_kind copy_current(void);
const char *copy_name(enum copy_kind k);

/* Copy n bytes, the ranges apart, the long way: rep movsb from
 * COPY_REP_MIN bytes where the kind in use says so, copy_words
 * otherwise, memcpy under eight bytes (lib/copy.c). */
void copy_long(void *dst, const void *src, size_t n);

static inline uint64_t copy_load8(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);     /* one move: x86 allows it unaligned */
	return v;
}

static inline void copy_store8(uint8_t *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

/* Two blocks that may overlap, each loaded before it is stored: the
 * head of a copy and its tail. */
static inline void copy16(uint8_t *d, const uint8_t *s)
{
	uint64_t a = copy_load8(s), b = copy_load8(s + 8);

	copy_store8(d, a);
	copy_store8(d + 8, b);
}

static inline void copy32(uint8_t *d, const uint8_t *s)
{
	uint64_t a = copy_load8(s), b = copy_load8(s + 8);
	uint64_t c = copy_load8(s + 16), e = copy_load8(s + 24);

	copy_store8(d, a);
	copy_store8(d + 8, b);
	copy_store8(d + 16, c);
	copy_store8(d + 24, e);
}

/* n >= 8 bytes by eight-byte moves and no byte loop: the first block
 * and the last, which may overlap, and 32-byte blocks between them.
 * The ranges do not overlap, so a byte written twice gets the same
 * value both times. A short frame, the default mode's usual copy, is
 * then a few compares and 16 moves (64 B), where memcpy's loop aligns
 * the destination byte by byte, then moves eight bytes a turn with the
 * loop's own count, compare and branch each time. */
static inline void copy_words(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (n <= 16) {
		uint64_t a = copy_load8(s), b = copy_load8(s + n - 8);

		copy_store8(d, a);
		copy_store8(d + n - 8, b);
		return;
	}
	if (n <= 32) {
		copy16(d, s);
		copy16(d + n - 16, s + n - 16);
		return;
	}
	for (; n > 64; n -= 32, d += 32, s += 32)
		copy32(d, s);
	copy32(d, s);                   /* 32 < n <= 64 left */
	copy32(d + n - 32, s + n - 32);
}

#ifdef COPY_BENCH
/* make bench's other frame copies (tools/bench/bench_string.c), where
 * bench_string is not BS_HV, which is 0. */
extern int bench_string;
void bench_copy(void *dst, const void *src, size_t n);
#endif

/* Copy n bytes; the ranges do not overlap. A copy of 8 to COPY_REP_MIN
 * bytes, every short frame's, is inline: the call, and the caller's
 * registers saved around it, cost as much as the moves of a 64-byte
 * frame (docs/performance.md, "The fixed cost, a fourth pass"). */
static inline void copy_fast(void *dst, const void *src, size_t n)
{
#ifdef COPY_BENCH
	if (bench_string) {
		bench_copy(dst, src, n);
		return;
	}
#endif
	if (n >= 8 && n < COPY_REP_MIN)
		copy_words(dst, src, n);
	else
		copy_long(dst, src, n);
}

#endif
