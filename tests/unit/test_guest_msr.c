/* Host tests for vmm/guest_msr.c: RDMSR and WRMSR of the MSRs a guest
 * keeps as its own go to its vCPU's copy and step over the instruction;
 * IA32_MISC_ENABLE reads a fixed value; a value the CPU would refuse,
 * and every other MSR, is #GP(0), counted, remembered for the VM's end
 * message, and changes nothing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/msr.h"
#include "vmm/cpuid.h"
#include "vmm/guest_msr.h"

/* The vCPU, faked: its MSRs, what was injected, whether RIP moved. */
static struct guest_regs regs;
static uint64_t msrs[VCPU_MSR_COUNT];
static int sets, skips, gps;

struct guest_regs *vcpu_regs(struct vcpu *v) { return &regs; }
void vcpu_skip_insn(struct vcpu *v) { skips++; }
uint64_t vcpu_msr_get(struct vcpu *v, enum vcpu_msr m) { return msrs[m]; }

void vcpu_msr_set(struct vcpu *v, enum vcpu_msr m, uint64_t val)
{
	msrs[m] = val;
	sets++;
}

void vcpu_inject_exception(struct vcpu *v, uint8_t vector, bool has_error,
			   uint32_t error)
{
	assert_int_equal(vector, 13);
	assert_true(has_error);
	assert_int_equal(error, 0);
	gps++;
}

static struct vm vm;
static bool cpu_has_nx = true;

/* CPUID, faked: only NX (leaf 0x80000001 EDX bit 20) is asked. */
void cpuid_guest(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	assert_int_equal(leaf, 0x80000001u);
	out[0] = out[1] = out[2] = 0;
	out[3] = cpu_has_nx ? 1u << 20 : 0;
}

static int setup(void **state)
{
	memset(&regs, 0, sizeof(regs));
	memset(msrs, 0, sizeof(msrs));
	memset(&vm, 0, sizeof(vm));
	sets = skips = gps = 0;
	cpu_has_nx = true;
	return 0;
}

static void access(uint32_t msr, bool write, uint64_t rdx, uint64_t rax)
{
	struct vm_exit e = { .kind = EXIT_MSR, .rip = 0x1000 + msr };

	e.msr.msr = msr;
	e.msr.write = write;
	regs.rcx = msr;
	regs.rdx = rdx;
	regs.rax = rax;
	guest_msr_exit(&vm, &e);
}

/* Refused: #GP, counted, no MSR changed, RIP where it was. */
static void assert_refused(uint64_t before_refused)
{
	uint64_t zero[VCPU_MSR_COUNT] = { 0 };

	assert_int_equal(gps, 1);
	assert_int_equal(vm.stats.msr_refused, before_refused + 1);
	assert_int_equal(sets, 0);
	assert_int_equal(skips, 0);
	assert_memory_equal(msrs, zero, sizeof(msrs));
	gps = 0;
}

static void test_write_then_read(void **state)
{
	/* The upper halves of RDX and RAX are not part of the value. */
	access(MSR_IA32_LSTAR, true, 0xdead000000007fffull, 0xbeef0000ffff8000ull);
	assert_int_equal(msrs[VCPU_MSR_LSTAR], 0x7fffffff8000ull);
	assert_int_equal(skips, 1);
	access(MSR_IA32_LSTAR, false, 0x1234, 0x5678);
	assert_int_equal(regs.rdx, 0x7fff);
	assert_int_equal(regs.rax, 0xffff8000ull);
	assert_int_equal(skips, 2);
	assert_int_equal(gps, 0);
	assert_int_equal(vm.stats.msr_refused, 0);
}

static void test_each_index(void **state)
{
	static const struct { uint32_t index; enum vcpu_msr m; } map[] = {
		{ MSR_IA32_FS_BASE, VCPU_MSR_FS_BASE },
		{ MSR_IA32_GS_BASE, VCPU_MSR_GS_BASE },
		{ MSR_IA32_KERNEL_GS_BASE, VCPU_MSR_KERNEL_GS_BASE },
		{ MSR_IA32_STAR, VCPU_MSR_STAR },
		{ MSR_IA32_LSTAR, VCPU_MSR_LSTAR },
		{ MSR_IA32_CSTAR, VCPU_MSR_CSTAR },
		{ MSR_IA32_FMASK, VCPU_MSR_FMASK },
	};

	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		access(map[i].index, true, 0, 0x1000 + i);
		assert_int_equal(msrs[map[i].m], 0x1000 + i);
	}
	assert_int_equal(sets, 7);
	assert_int_equal(gps, 0);
}

static void test_noncanonical_refused(void **state)
{
	static const uint32_t addr[] = { MSR_IA32_FS_BASE, MSR_IA32_GS_BASE,
		MSR_IA32_KERNEL_GS_BASE, MSR_IA32_LSTAR, MSR_IA32_CSTAR };

	for (unsigned i = 0; i < sizeof(addr) / sizeof(addr[0]); i++) {
		access(addr[i], true, 0x00008000, 0);      /* bit 47 alone */
		assert_refused(i);
	}
	/* The other half of the canonical range is fine. */
	access(MSR_IA32_KERNEL_GS_BASE, true, 0xffff8000, 0);
	assert_int_equal(msrs[VCPU_MSR_KERNEL_GS_BASE], 0xffff800000000000ull);
}

static void test_fmask_reserved_refused(void **state)
{
	access(MSR_IA32_FMASK, true, 1, 0);
	assert_refused(0);
	/* STAR has no reserved bits. */
	access(MSR_IA32_STAR, true, 0xffffffff, 0xffffffff);
	assert_int_equal(msrs[VCPU_MSR_STAR], ~0ull);
}

static void test_others_refused(void **state)
{
	static const uint32_t other[] = { MSR_IA32_APIC_BASE,
		MSR_IA32_TSC_AUX, 0x277 /* PAT */, 0x1d9 /* DEBUGCTL */,
		0x174 /* SYSENTER_CS */, 0xffffffff };

	for (unsigned i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		access(other[i], true, 0, 0);
		assert_refused(2 * i);
		access(other[i], false, 0x11, 0x22);
		assert_refused(2 * i + 1);
		assert_int_equal(regs.rdx, 0x11);
		assert_int_equal(regs.rax, 0x22);
	}
}

/* The refusal is remembered: the MSR, the direction, where. */
static void test_refusal_remembered(void **state)
{
	assert_false(vm.msr_refused_last.valid);
	access(0x277, false, 0, 0);
	assert_refused(0);
	assert_true(vm.msr_refused_last.valid);
	assert_int_equal(vm.msr_refused_last.msr, 0x277);
	assert_false(vm.msr_refused_last.write);
	assert_int_equal(vm.msr_refused_last.rip, 0x1000 + 0x277);
	access(0x1d9, true, 0, 1);
	assert_refused(1);
	assert_int_equal(vm.msr_refused_last.msr, 0x1d9);
	assert_true(vm.msr_refused_last.write);
	/* An access that succeeds leaves the last refusal as it was. */
	access(MSR_IA32_STAR, true, 0, 1);
	assert_int_equal(vm.msr_refused_last.msr, 0x1d9);
}

/* IA32_MISC_ENABLE, as Linux's verify_cpu uses it before it has an IDT:
 * read (fast strings, no BTS, no PEBS, XD not disabled), and no write
 * needed since bit 34 is clear. Writing the same value back is fine;
 * changing any bit is #GP. */
static void test_misc_enable(void **state)
{
	uint64_t zero[VCPU_MSR_COUNT] = { 0 };
	const uint64_t want = (1ull << 0) | (1ull << 11) | (1ull << 12);

	access(MSR_IA32_MISC_ENABLE, false, 0xffffffff11111111ull, 0xffffffff22222222ull);
	assert_int_equal(regs.rax, (uint32_t)want);
	assert_int_equal(regs.rdx, want >> 32);
	assert_false(regs.rdx & (1ull << (34 - 32)));   /* XD Bit Disable */
	assert_int_equal(skips, 1);
	access(MSR_IA32_MISC_ENABLE, true, 0xabcd00000000ull, want);
	assert_int_equal(skips, 2);
	assert_int_equal(gps, 0);
	assert_int_equal(vm.stats.msr_refused, 0);
	assert_int_equal(sets, 0);
	skips = 0;
	static const uint64_t bad[] = { want & ~1ull, want | (1ull << 34),
					want | (1ull << 22), 0 };
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		access(MSR_IA32_MISC_ENABLE, true, bad[i] >> 32, (uint32_t)bad[i]);
		assert_refused(i);
	}
	assert_memory_equal(msrs, zero, sizeof(msrs));
}

/* IA32_BIOS_SIGN_ID as Linux reads the microcode revision: write 0,
 * (CPUID), read: 0, no update loaded. Any other write is #GP. */
static void test_bios_sign_id(void **state)
{
	access(MSR_IA32_BIOS_SIGN_ID, true, 0, 0);
	access(MSR_IA32_BIOS_SIGN_ID, false, 0x11, 0x22);
	assert_int_equal(regs.rax, 0);
	assert_int_equal(regs.rdx, 0);
	assert_int_equal(skips, 2);
	assert_int_equal(gps + sets, 0);
	skips = 0;
	access(MSR_IA32_BIOS_SIGN_ID, true, 1, 0);
	assert_refused(0);
}

/* EFER: SCE and NXE are the guest's; LME stays as it is (long mode for
 * good), LMA is the CPU's, the rest is reserved. */
static void test_efer(void **state)
{
	msrs[VCPU_MSR_EFER] = EFER_LME | EFER_LMA;
	/* What Linux's head_64.S does: read, set SCE and NX, write. */
	access(MSR_IA32_EFER, false, 0, 0);
	assert_int_equal(regs.rax, EFER_LME | EFER_LMA);
	access(MSR_IA32_EFER, true, 0, EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE);
	assert_int_equal(msrs[VCPU_MSR_EFER],
			 EFER_LME | EFER_LMA | EFER_SCE | EFER_NXE);
	/* LMA written as 0 is ignored, not an exit from long mode. */
	access(MSR_IA32_EFER, true, 0, EFER_LME);
	assert_int_equal(msrs[VCPU_MSR_EFER], EFER_LME | EFER_LMA);
	assert_int_equal(gps, 0);
	sets = skips = 0;
	memset(msrs, 0, sizeof(msrs));
}

static void test_efer_refused(void **state)
{
	static const uint64_t bad[] = {
		EFER_LMA,                       /* LME cleared */
		EFER_LME | EFER_LMA | (1ull << 12), /* SVME: no SVM here */
		EFER_LME | EFER_LMA | (1ull << 1),  /* reserved */
		EFER_LME | EFER_LMA | (1ull << 32), /* reserved (EDX) */
	};

	msrs[VCPU_MSR_EFER] = EFER_LME | EFER_LMA;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		access(MSR_IA32_EFER, true, bad[i] >> 32, (uint32_t)bad[i]);
		assert_int_equal(gps, 1);
		assert_int_equal(vm.stats.msr_refused, i + 1);
		assert_int_equal(msrs[VCPU_MSR_EFER], EFER_LME | EFER_LMA);
		assert_int_equal(sets + skips, 0);
		gps = 0;
	}
	/* NXE where CPUID has no NX would fail the VM entry. */
	cpu_has_nx = false;
	access(MSR_IA32_EFER, true, 0, EFER_LME | EFER_NXE);
	assert_int_equal(gps, 1);
	assert_int_equal(msrs[VCPU_MSR_EFER], EFER_LME | EFER_LMA);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_write_then_read, setup),
		cmocka_unit_test_setup(test_each_index, setup),
		cmocka_unit_test_setup(test_noncanonical_refused, setup),
		cmocka_unit_test_setup(test_fmask_reserved_refused, setup),
		cmocka_unit_test_setup(test_others_refused, setup),
		cmocka_unit_test_setup(test_efer, setup),
		cmocka_unit_test_setup(test_efer_refused, setup),
		cmocka_unit_test_setup(test_refusal_remembered, setup),
		cmocka_unit_test_setup(test_misc_enable, setup),
		cmocka_unit_test_setup(test_bios_sign_id, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
