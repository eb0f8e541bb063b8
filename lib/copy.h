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

/* Copy n bytes; the ranges do not overlap. */
void copy_fast(void *dst, const void *src, size_t n);

#endif
