/* Host tests for arch/x86/svm/svm_cr4.c and svm_cr0.c: decoding MOV to
 * CR4 and CR0, and the emulation over a fake guest RAM with the guest's
 * own 4-level page tables: the bits a guest may write (the VT-x set),
 * the ones that stop it, #GP for clearing PAE in long mode and for CR0
 * bits 63:32, CLTS, the register from decode assists when the CPU has
 * them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/svm/svm.h"

struct svm_config svm_cfg;

#define RAM_SIZE  (4u << 20)
#define PML4      0x1000
#define PDPT      0x2000
#define PD        0x3000
#define CODE      0x200ffe          /* straddles a 4 KiB boundary */

static uint8_t *ram;
static uint64_t mapped_limit;       /* GPAs from here on are not mapped */
static int gp_injected;

/* svm_npt.c's: GPA -> "HPA" (a host pointer) in the fake RAM. */
int npt_lookup(struct npt *npt, uint64_t gpa, uint64_t *hpa,
		   unsigned *perm)
{
	if (gpa >= mapped_limit)
		return -3;
	*hpa = (uint64_t)(uintptr_t)(ram + gpa);
	*perm = NPT_R | NPT_W | NPT_X;
	return 0;
}

void svm_vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			       uint32_t error)
{
	assert_int_equal(vector, 13);
	gp_injected++;
}

static struct vmcb vmcb;
static struct vcpu vcpu;

static void put64(uint64_t gpa, uint64_t v)
{
	memcpy(ram + gpa, &v, 8);
}

static int setup(void **state)
{
	ram = calloc(1, RAM_SIZE);
	mapped_limit = RAM_SIZE;
	/* VA = PA for the first 4 MiB, in two 2 MiB pages. */
	put64(PML4, PDPT | 3);
	put64(PDPT, PD | 3);
	put64(PD, 0x000000 | 0x83);
	put64(PD + 8, 0x200000 | 0x83);
	memset(&vmcb, 0, sizeof(vmcb));
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&svm_cfg, 0, sizeof(svm_cfg));
	vcpu.vmcb = &vmcb;
	vmcb.cr3 = PML4;
	vmcb.cr4 = CR4_PAE;
	vmcb.efer = 0x1500;             /* LME, LMA, SVME */
	vmcb.rip = CODE;
	vmcb.exit_code = SVM_EXIT_CR4_WRITE;
	gp_injected = 0;
	return 0;
}

static int teardown(void **state)
{
	free(ram);
	return 0;
}

static void code(const uint8_t *b, unsigned n)
{
	memcpy(ram + CODE, b, n);
}

static void test_decode(void **state)
{
	static const uint8_t rax[] = { 0x0f, 0x22, 0xe0 };
	static const uint8_t r8[] = { 0x41, 0x0f, 0x22, 0xe0 };
	static const uint8_t rsp[] = { 0x0f, 0x22, 0xe4 };
	static const uint8_t cr12[] = { 0x44, 0x0f, 0x22, 0xe0 };
	static const uint8_t cr3[] = { 0x0f, 0x22, 0xd8 };
	static const uint8_t read[] = { 0x0f, 0x20, 0xe0 };
	unsigned gpr = 99;

	assert_int_equal(svm_decode_mov_to_cr(rax, 3, 4, &gpr), 3);
	assert_int_equal(gpr, 0);
	assert_int_equal(svm_decode_mov_to_cr(r8, 4, 4, &gpr), 4);
	assert_int_equal(gpr, 8);
	assert_int_equal(svm_decode_mov_to_cr(rsp, 3, 4, &gpr), 3);
	assert_int_equal(gpr, 4);
	assert_int_equal(svm_decode_mov_to_cr(cr12, 4, 4, &gpr), -1);
	assert_int_equal(svm_decode_mov_to_cr(cr3, 3, 4, &gpr), -1);
	assert_int_equal(svm_decode_mov_to_cr(read, 3, 4, &gpr), -1);
	assert_int_equal(svm_decode_mov_to_cr(rax, 2, 4, &gpr), -1);
	assert_int_equal(svm_decode_mov_to_cr(r8, 3, 4, &gpr), -1);
}

static void test_allowed_write(void **state)
{
	static const uint8_t insn[] = { 0x41, 0x0f, 0x22, 0xe5 };   /* r13 */

	code(insn, sizeof(insn));
	vcpu.regs.r13 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	vmcb.int_shadow = INT_SHADOW;
	assert_true(svm_cr4_write(&vcpu));
	assert_int_equal(vmcb.cr4, CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT);
	assert_int_equal(vmcb.rip, CODE + 4);
	assert_int_equal(vmcb.int_shadow, 0);
}

static void test_host_bits_refused(void **state)
{
	static const uint8_t insn[] = { 0x0f, 0x22, 0xe0 };

	code(insn, sizeof(insn));
	/* OSXSAVE, VMXE, SMEP, PKE: each stops the VM, as on VT-x. */
	static const uint64_t bits[] = { 1ull << 18, CR4_VMXE, 1ull << 20,
					 1ull << 22 };
	for (unsigned i = 0; i < 4; i++) {
		vcpu.regs.rax = CR4_PAE | bits[i];
		assert_false(svm_cr4_write(&vcpu));
		assert_int_equal(vmcb.cr4, CR4_PAE);
		assert_int_equal(vmcb.rip, CODE);
	}
	assert_int_equal(gp_injected, 0);
}

static void test_clear_pae_in_long_mode(void **state)
{
	static const uint8_t insn[] = { 0x0f, 0x22, 0xe0 };

	code(insn, sizeof(insn));
	vcpu.regs.rax = CR4_OSFXSR;
	assert_true(svm_cr4_write(&vcpu));
	assert_int_equal(gp_injected, 1);
	assert_int_equal(vmcb.cr4, CR4_PAE);
	assert_int_equal(vmcb.rip, CODE);
}

static void test_unreadable_instruction(void **state)
{
	static const uint8_t insn[] = { 0x0f, 0x22, 0xe0 };

	code(insn, sizeof(insn));
	vcpu.regs.rax = CR4_PAE;
	mapped_limit = 0x201000;        /* its last byte is not mapped */
	assert_false(svm_cr4_write(&vcpu));
	mapped_limit = RAM_SIZE;
	put64(PD + 8, 0);               /* nor is the guest's page */
	assert_false(svm_cr4_write(&vcpu));
	assert_int_equal(vmcb.rip, CODE);
}

static void test_decode_assists(void **state)
{
	svm_cfg.decode_assists = svm_cfg.nrips = true;
	memset(ram + CODE, 0x90, 4);    /* not read at all */
	vmcb.exit_info1 = 1ull << 63 | 3;       /* RBX */
	vmcb.next_rip = CODE + 3;
	vcpu.regs.rbx = CR4_PAE | CR4_PGE;
	assert_true(svm_cr4_write(&vcpu));
	assert_int_equal(vmcb.cr4, CR4_PAE | CR4_PGE);
	assert_int_equal(vmcb.rip, CODE + 3);
}

static void test_decode_cr0(void **state)
{
	static const uint8_t rax[] = { 0x0f, 0x22, 0xc0 };
	static const uint8_t r9[] = { 0x41, 0x0f, 0x22, 0xc1 };
	static const uint8_t cr8[] = { 0x44, 0x0f, 0x22, 0xc0 };
	unsigned gpr = 99;

	assert_int_equal(svm_decode_mov_to_cr(rax, 3, 0, &gpr), 3);
	assert_int_equal(gpr, 0);
	assert_int_equal(svm_decode_mov_to_cr(r9, 4, 0, &gpr), 4);
	assert_int_equal(gpr, 9);
	assert_int_equal(svm_decode_mov_to_cr(rax, 3, 4, &gpr), -1);
	assert_int_equal(svm_decode_mov_to_cr(cr8, 4, 0, &gpr), -1);
	assert_int_equal(svm_decode_mov_to_cr(cr8, 4, 8, &gpr), 4);
}

#define CR0_ENTRY (CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG)

static void cr0_setup(void)
{
	vmcb.exit_code = SVM_EXIT_CR0_WRITE;
	vmcb.cr0 = CR0_ENTRY;
}

static void test_cr0_guest_bits(void **state)
{
	static const uint8_t insn[] = { 0x0f, 0x22, 0xc3 };        /* rbx */

	cr0_setup();
	code(insn, sizeof(insn));
	vcpu.regs.rbx = (CR0_ENTRY & ~CR0_WP) | CR0_MP | CR0_EM | CR0_TS |
			CR0_AM;
	assert_true(svm_cr0_write(&vcpu));
	assert_int_equal(vmcb.cr0, vcpu.regs.rbx);
	assert_int_equal(vmcb.rip, CODE + 3);
	assert_int_equal(gp_injected, 0);
}

static void test_cr0_host_bits_refused(void **state)
{
	static const uint8_t insn[] = { 0x0f, 0x22, 0xc0 };
	/* Clearing PE, NE or PG, setting CD or NW: each stops the VM, as
	 * the VT-x guest/host mask does. */
	static const uint64_t vals[] = {
		CR0_ENTRY & ~CR0_PE, CR0_ENTRY & ~CR0_NE, CR0_ENTRY & ~CR0_PG,
		CR0_ENTRY | CR0_CD, CR0_ENTRY | CR0_NW,
	};

	cr0_setup();
	code(insn, sizeof(insn));
	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		vcpu.regs.rax = vals[i];
		assert_false(svm_cr0_write(&vcpu));
		assert_int_equal(vmcb.cr0, CR0_ENTRY);
		assert_int_equal(vmcb.rip, CODE);
	}
	/* Bits 63:32: the guest's own #GP, nothing written. */
	vcpu.regs.rax = CR0_ENTRY | 1ull << 32;
	assert_true(svm_cr0_write(&vcpu));
	assert_int_equal(gp_injected, 1);
	assert_int_equal(vmcb.cr0, CR0_ENTRY);
	assert_int_equal(vmcb.rip, CODE);
}

static void test_cr0_clts_and_lmsw(void **state)
{
	static const uint8_t clts[] = { 0x0f, 0x06 };
	static const uint8_t lmsw[] = { 0x0f, 0x01, 0xf0 };        /* lmsw ax */

	cr0_setup();
	vmcb.cr0 |= CR0_TS;
	code(clts, sizeof(clts));
	assert_true(svm_cr0_write(&vcpu));
	assert_int_equal(vmcb.cr0, CR0_ENTRY);
	assert_int_equal(vmcb.rip, CODE + 2);
	/* LMSW is not emulated: the VM stops. */
	vmcb.rip = CODE;
	code(lmsw, sizeof(lmsw));
	vcpu.regs.rax = CR0_PE | CR0_TS;
	assert_false(svm_cr0_write(&vcpu));
	assert_int_equal(vmcb.cr0, CR0_ENTRY);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test_setup_teardown(test_allowed_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_bits_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_pae_in_long_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_instruction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_assists, setup, teardown),
		cmocka_unit_test(test_decode_cr0),
		cmocka_unit_test_setup_teardown(test_cr0_guest_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_host_bits_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cr0_clts_and_lmsw, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
