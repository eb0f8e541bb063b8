/* The copy and string functions the netpath files call, four ways. The
 * Makefile builds those files with memcpy, memset and memcmp renamed to
 * the bench_* here, and with COPY_BENCH, which makes copy_fast
 * (lib/copy.h) hand each frame copy to bench_copy below unless
 * bench_string is BS_HV, so one process can run them
 *  - BS_HV: as flipvisor.so links them now: lib/copy.h's copy_fast for
 *    the frame copy, inline in the netpath as in the hypervisor, one
 *    compare of bench_string added, with the kind boot would choose on
 *    this CPU (rep movsb where CPUID says it is fast), and lib/string.c
 *    built with its names
 *    prefixed hv_ for the rest (the weak hv_memcpy and hv_memset below
 *    stand in when lib/string.c has none, as libefi's did in the
 *    hypervisor);
 *  - BS_LOOP8: the same, but the frame copy is lib/string.c's eight-byte
 *    loop, as before lib/copy.c;
 *  - BS_EFI: gnu-efi's libefi memcpy and memset, a byte-at-a-time loop
 *    each, which flipvisor.so used before lib/string.c had its own (the
 *    two below are the same loop: -fno-builtin -mgeneral-regs-only
 *    -fno-tree-loop-distribute-patterns keep gcc from widening it);
 *  - BS_LIBC: glibc's, vectorised: what the hypervisor may not use (it
 *    does not save the guest's vector state around its own code).
 * memcmp is lib/string.c's in BS_HV and BS_EFI. */
#include <cpuid.h>
#include <stddef.h>
#include <string.h>

#include "lib/copy.h"
#include "tools/bench/bench.h"

int bench_string = BS_HV;

void *hv_memcpy(void *dst, const void *src, size_t n);
void *hv_memset(void *dst, int c, size_t n);
int hv_memcmp(const void *a, const void *b, size_t n);
int bench_memcmp(const void *a, const void *b, size_t n);

__attribute__((noinline))
static void *efi_memcpy(void *dst, const void *src, size_t n)
{
	const unsigned char *s = src;
	unsigned char *d = dst;

	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	return dst;
}

__attribute__((noinline))
static void *efi_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

__attribute__((weak))
void *hv_memcpy(void *dst, const void *src, size_t n)
{
	return efi_memcpy(dst, src, n);
}

__attribute__((weak))
void *hv_memset(void *dst, int c, size_t n)
{
	return efi_memset(dst, c, n);
}

/* lib/copy.c's choice as cpu_pick_copy() makes it at boot. */
void bench_string_init(void)
{
	unsigned a = 0, b = 0, c = 0, d = 0;

	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		b = d = 0;
	copy_use(copy_pick(b, d));
}

void bench_copy(void *dst, const void *src, size_t n)
{
	switch (bench_string) {
	case BS_HV:
		copy_fast(dst, src, n);
		return;
	case BS_LOOP8:
		hv_memcpy(dst, src, n);
		return;
	case BS_EFI:
		efi_memcpy(dst, src, n);
		return;
	default:
		memcpy(dst, src, n);
	}
}

void *bench_memcpy(void *dst, const void *src, size_t n)
{
	switch (bench_string) {
	case BS_HV:
	case BS_LOOP8:
		return hv_memcpy(dst, src, n);
	case BS_EFI:
		return efi_memcpy(dst, src, n);
	default:
		return memcpy(dst, src, n);
	}
}

void *bench_memset(void *dst, int c, size_t n)
{
	switch (bench_string) {
	case BS_HV:
	case BS_LOOP8:
		return hv_memset(dst, c, n);
	case BS_EFI:
		return efi_memset(dst, c, n);
	default:
		return memset(dst, c, n);
	}
}

int bench_memcmp(const void *a, const void *b, size_t n)
{
	return bench_string == BS_LIBC ? memcmp(a, b, n) : hv_memcmp(a, b, n);
}

/* The quiet-core probe (bench_measure.c), in TSC ticks: two byte-loop
 * memsets of a full frame, store-port bound, and eight libc memcpys of
 * one, vector bound. Either slows down while another thread shares the
 * physical core and those units. */
void bench_probe(struct bench_probe *p)
{
	static unsigned char a[NET_FRAME_MAX], b[NET_FRAME_MAX];
	uint64_t t0, t1;

	/* Its own buffers back in L1 first: a warm or cold cell's DMA has
	 * just emptied the caches, which is no sign of a busy core. */
	efi_memset(a, 0, sizeof(a));
	memcpy(b, a, sizeof(a));
	t0 = tsc_begin();

	efi_memset(a, 0, sizeof(a));
	efi_memset(a, 1, sizeof(a));
	t1 = tsc_end();
	p->bytes = t1 - t0;
	t0 = tsc_begin();
	for (int i = 0; i < 8; i++) {
		memcpy(b, a, sizeof(a));
		__asm__ volatile("" ::: "memory");
	}
	p->vec = tsc_end() - t0;
}
