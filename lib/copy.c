/* The receive path's copy (lib/copy.h): rep movsb where the CPU says it
 * is fast, else eight-byte moves (copy_words). Both use only
 * general-purpose registers. rep movsb moves forward with DF = 0, which
 * the hypervisor keeps clear (the SysV ABI it is compiled for requires
 * it on every call) [SDM 2B MOVS; SysV x86-64 ABI 3.2.1]. */
#include "lib/copy.h"
#include "lib/string.h"

static enum copy_kind kind = COPY_LOOP8;

static const char *const names[COPY_NR] = {
	[COPY_LOOP8]     = "8-byte moves",
	[COPY_REP_MOVSB] = "rep movsb, 8-byte moves for short copies",
};

enum copy_kind copy_pick(uint32_t cpuid7_ebx, uint32_t cpuid7_edx)
{
	if (cpuid7_edx & CPUID_7_EDX_FSRM || cpuid7_ebx & CPUID_7_EBX_ERMS)
		return COPY_REP_MOVSB;
	return COPY_LOOP8;
}

void copy_use(enum copy_kind k)
{
	kind = k < COPY_NR ? k : COPY_LOOP8;
}

enum copy_kind copy_current(void)
{
	return kind;
}

const char *copy_name(enum copy_kind k)
{
	return k < COPY_NR ? names[k] : "?";
}

static inline void rep_movsb(void *dst, const void *src, size_t n)
{
	__asm__ volatile("rep movsb"
			 : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}

static inline uint64_t load8(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);     /* one move: x86 allows it unaligned */
	return v;
}

static inline void store8(uint8_t *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

/* Two blocks that may overlap, each loaded before it is stored: the
 * head of a copy and its tail. */
static inline void copy16(uint8_t *d, const uint8_t *s)
{
	uint64_t a = load8(s), b = load8(s + 8);

	store8(d, a);
	store8(d + 8, b);
}

static inline void copy32(uint8_t *d, const uint8_t *s)
{
	uint64_t a = load8(s), b = load8(s + 8);
	uint64_t c = load8(s + 16), e = load8(s + 24);

	store8(d, a);
	store8(d + 8, b);
	store8(d + 16, c);
	store8(d + 24, e);
}

/* n >= 8 bytes by eight-byte moves and no byte loop: the first block
 * and the last, which may overlap, and 32-byte blocks between them.
 * The ranges do not overlap, so a byte written twice gets the same
 * value both times. A short frame, the default mode's usual copy, is
 * then a few compares and 16 moves (64 B), where memcpy's loop aligns
 * the destination byte by byte, then moves eight bytes a turn with the
 * loop's own count, compare and branch each time. */
static void copy_words(uint8_t *d, const uint8_t *s, size_t n)
{
	if (n <= 16) {
		uint64_t a = load8(s), b = load8(s + n - 8);

		store8(d, a);
		store8(d + n - 8, b);
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

void copy_fast(void *dst, const void *src, size_t n)
{
	if (kind == COPY_REP_MOVSB && n >= COPY_REP_MIN)
		rep_movsb(dst, src, n);
	else if (n >= 8)
		copy_words(dst, src, n);
	else
		memcpy(dst, src, n);
}
