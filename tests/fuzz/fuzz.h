/* Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c, docs/testing.md):
 * a checked condition that aborts with a message, so libFuzzer saves the
 * input as a crash, and a reader that decodes operations from the input. */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(c, ...) \
	do { \
		if (!(c)) { \
			fprintf(stderr, "%s:%d: check failed: %s: ", \
				__FILE__, __LINE__, #c); \
			fprintf(stderr, __VA_ARGS__); \
			fputc('\n', stderr); \
			abort(); \
		} \
	} while (0)

/* The input as a stream; past its end every read is 0. */
struct fz {
	const uint8_t *p;
	size_t         n;
};

static inline int fz_left(const struct fz *z)
{
	return z->n != 0;
}

static inline uint8_t fz_u8(struct fz *z)
{
	if (!z->n)
		return 0;
	z->n--;
	return *z->p++;
}

static inline uint16_t fz_u16(struct fz *z)
{
	uint16_t lo = fz_u8(z);

	return (uint16_t)(lo | fz_u8(z) << 8);
}

static inline uint32_t fz_u32(struct fz *z)
{
	uint32_t lo = fz_u16(z);

	return lo | (uint32_t)fz_u16(z) << 16;
}

static inline uint64_t fz_u64(struct fz *z)
{
	uint64_t lo = fz_u32(z);

	return lo | (uint64_t)fz_u32(z) << 32;
}

/* Up to 'len' bytes into 'dst'; the rest zero. Returns how many came
 * from the input. */
static inline size_t fz_bytes(struct fz *z, uint8_t *dst, size_t len)
{
	size_t n = len < z->n ? len : z->n;

	for (size_t i = 0; i < len; i++)
		dst[i] = i < n ? z->p[i] : 0;
	z->p += n;
	z->n -= n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
