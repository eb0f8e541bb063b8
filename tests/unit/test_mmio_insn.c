/* Host tests for vmm/mmio_insn.c: every form the xAPIC emulation takes
 * (MOV r32,m32; MOV m32,r32; MOV m32,imm32 with each ModRM addressing
 * form, SIB, disp8, disp32, RIP-relative, REX.R/X/B) with its length and
 * register, and what it refuses: REX.W, register operands, other
 * opcodes and prefixes, C7 /1..7, bytes that end early. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "vmm/mmio_insn.h"

static struct mmio_insn in;

static bool dec(const uint8_t *b, unsigned n)
{
	in = (struct mmio_insn){ .len = 99, .gpr = 99 };
	return mmio_insn_decode(b, n, &in);
}

#define DEC(...) ({ static const uint8_t b_[] = { __VA_ARGS__ }; \
		    dec(b_, sizeof(b_)); })

static void expect(enum mmio_op op, unsigned len, unsigned gpr)
{
	assert_int_equal(in.op, op);
	assert_int_equal(in.len, len);
	assert_int_equal(in.gpr, gpr);
}

static void test_load_forms(void **state)
{
	/* mov eax, [rdi]: mod 00 */
	assert_true(DEC(0x8b, 0x07));
	expect(MMIO_LOAD, 2, 0);
	/* mov edx, [rax+0x10]: mod 01 disp8 */
	assert_true(DEC(0x8b, 0x50, 0x10));
	expect(MMIO_LOAD, 3, 2);
	/* mov ecx, [rbx+0x300]: mod 10 disp32 */
	assert_true(DEC(0x8b, 0x8b, 0x00, 0x03, 0x00, 0x00));
	expect(MMIO_LOAD, 6, 1);
	/* mov eax, [disp32] absolute: SIB base 101, no index, mod 00 (what
	 * a fixmap address compiles to) */
	assert_true(DEC(0x8b, 0x04, 0x25, 0xf0, 0xc0, 0x5f, 0xff));
	expect(MMIO_LOAD, 7, 0);
	/* mov eax, [rip+disp32] */
	assert_true(DEC(0x8b, 0x05, 1, 2, 3, 4));
	expect(MMIO_LOAD, 6, 0);
	/* mov r9d, [r12+rcx*4+8]: REX.R.B, SIB with base, disp8 */
	assert_true(DEC(0x45, 0x8b, 0x4c, 0x8c, 0x08));
	expect(MMIO_LOAD, 5, 9);
	/* mov esi, [rsp]: SIB, base RSP, mod 00 */
	assert_true(DEC(0x8b, 0x34, 0x24));
	expect(MMIO_LOAD, 3, 6);
	/* mov r15d, [r13+0]: REX.R.B, mod 01 (no mod-00 form for r13) */
	assert_true(DEC(0x45, 0x8b, 0x7d, 0x00));
	expect(MMIO_LOAD, 4, 15);
	/* SIB with mod 10 and base 101 is RBP/R13 plus disp32 */
	assert_true(DEC(0x8b, 0x84, 0x25, 1, 2, 3, 4));
	expect(MMIO_LOAD, 7, 0);
	/* trailing bytes beyond the instruction are not part of it */
	assert_true(DEC(0x8b, 0x07, 0x90, 0x90));
	expect(MMIO_LOAD, 2, 0);
}

static void test_store_forms(void **state)
{
	/* mov [rdi], esi */
	assert_true(DEC(0x89, 0x37));
	expect(MMIO_STORE, 2, 6);
	/* mov [disp32], edi: absolute via SIB */
	assert_true(DEC(0x89, 0x3c, 0x25, 0xb0, 0xc0, 0x5f, 0xff));
	expect(MMIO_STORE, 7, 7);
	/* mov [rax+0xb0], r8d: REX.R */
	assert_true(DEC(0x44, 0x89, 0x80, 0xb0, 0, 0, 0));
	expect(MMIO_STORE, 7, 8);
	/* plain REX (0x40) with no bits */
	assert_true(DEC(0x40, 0x89, 0x07));
	expect(MMIO_STORE, 3, 0);
}

static void test_store_imm(void **state)
{
	/* mov dword [rax+0xb0], 0 */
	assert_true(DEC(0xc7, 0x80, 0xb0, 0, 0, 0, 0, 0, 0, 0));
	expect(MMIO_STORE_IMM, 10, 0);
	assert_int_equal(in.imm, 0);
	/* mov dword [disp32], 0x12345678: the longest form, 11 bytes */
	assert_true(DEC(0xc7, 0x04, 0x25, 0xb0, 0xc0, 0x5f, 0xff,
			0x78, 0x56, 0x34, 0x12));
	expect(MMIO_STORE_IMM, 11, 0);
	assert_int_equal(in.imm, 0x12345678);
	/* with REX.B */
	assert_true(DEC(0x41, 0xc7, 0x00, 1, 0, 0, 0));
	expect(MMIO_STORE_IMM, 7, 0);
	assert_int_equal(in.imm, 1);
}

static void test_refused(void **state)
{
	assert_false(DEC(0x48, 0x8b, 0x07));            /* REX.W: 64-bit */
	assert_false(DEC(0x4c, 0x89, 0x07));            /* REX.W.R */
	assert_false(DEC(0x8b, 0xc0));                  /* mod 11: register */
	assert_false(DEC(0x89, 0xc8));
	assert_false(DEC(0xc7, 0xc0, 0, 0, 0, 0));
	assert_false(DEC(0xc7, 0x08, 0, 0, 0, 0));      /* C7 /1 */
	assert_false(DEC(0xc7, 0x38, 0, 0, 0, 0));      /* C7 /7 */
	assert_false(DEC(0x66, 0x8b, 0x07));            /* operand size */
	assert_false(DEC(0x67, 0x8b, 0x07));            /* address size */
	assert_false(DEC(0x65, 0x8b, 0x07));            /* GS override */
	assert_false(DEC(0xf0, 0x89, 0x07));            /* LOCK */
	assert_false(DEC(0x40, 0x40, 0x8b, 0x07));      /* two REX */
	assert_false(DEC(0x8a, 0x07));                  /* 8-bit MOV */
	assert_false(DEC(0x88, 0x07));
	assert_false(DEC(0x87, 0x07));                  /* XCHG */
	assert_false(DEC(0x0f, 0xb7, 0x07));            /* MOVZX */
	assert_false(DEC(0xa1, 0, 0, 0, 0, 0, 0, 0, 0)); /* MOV EAX, moffs */
	assert_false(DEC(0xa5));                        /* MOVS */
	assert_false(dec(NULL, 0));
}

static void test_truncated(void **state)
{
	static const uint8_t full[] = { 0x45, 0xc7, 0x84, 0x24, 1, 2, 3, 4,
					5, 6, 7, 8 };   /* 12 bytes */

	/* Every prefix of a valid instruction short of its length fails,
	 * as when the fetch stops at an unmapped page. */
	for (unsigned n = 0; n < sizeof(full); n++)
		assert_false(dec(full, n));
	assert_true(dec(full, sizeof(full)));
	expect(MMIO_STORE_IMM, 12, 0);
	assert_int_equal(in.imm, 0x08070605);
	/* A refused decode leaves the output alone. */
	in.len = 77;
	assert_false(mmio_insn_decode(full, 3, &in));
	assert_int_equal(in.len, 77);
	/* More than 15 bytes offered: only 15 are looked at. */
	{
		uint8_t many[32] = { 0x8b, 0x07 };

		assert_true(dec(many, sizeof(many)));
		expect(MMIO_LOAD, 2, 0);
	}
	assert_false(DEC(0x8b, 0x04));                  /* SIB missing */
	assert_false(DEC(0x8b, 0x04, 0x25, 1, 2, 3));   /* disp32 short */
	assert_false(DEC(0x8b, 0x47));                  /* disp8 missing */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_forms),
		cmocka_unit_test(test_store_forms),
		cmocka_unit_test(test_store_imm),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
