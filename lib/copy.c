/* The receive path's copy (lib/copy.h), what copy_fast does not inline:
 * rep movsb where the CPU says it is fast, else eight-byte moves
 * (copy_words), and copies under eight bytes. Both use only
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

void copy_long(void *dst, const void *src, size_t n)
{
	if (kind == COPY_REP_MOVSB && n >= COPY_REP_MIN)
		rep_movsb(dst, src, n);
	else if (n >= 8)
		copy_words(dst, src, n);
	else
		memcpy(dst, src, n);
}
