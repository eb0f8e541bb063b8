/* Host tests for arch/x86/svm/svm_exit.c: each #VMEXIT code the AMD-V
 * backend intercepts, decoded from a VMCB as QEMU's TCG leaves it (no
 * NRIP save) and as a CPU with NRIP save does; the next RIP for each
 * instruction vmm/ steps over; event re-injection from EXITINTINFO. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "arch/x86/svm/svm.h"

struct svm_config svm_cfg;

/* svm_vcpu.c's, which needs the hardware: record what was asked. */
static int window_calls;
static bool window_last;

void svm_vcpu_want_irq_window(struct vcpu *v, bool on)
{
	window_calls++;
	window_last = on;
}

#define RIP 0x100a10ull

static struct vmcb vmcb;
static struct vcpu vcpu;

static int setup(void **state)
{
	memset(&vmcb, 0, sizeof(vmcb));
	memset(&vcpu, 0, sizeof(vcpu));
	vcpu.vmcb = &vmcb;
	vmcb.rip = RIP;
	svm_cfg.nrips = false;
	window_calls = 0;
	return 0;
}

static struct vm_exit decode(uint64_t code, uint64_t i1, uint64_t i2)
{
	struct vm_exit e;

	vmcb.exit_code = code;
	vmcb.exit_info1 = i1;
	vmcb.exit_info2 = i2;
	memset(&e, 0xa5, sizeof(e));
	svm_exit_decode(&vcpu, &e);
	return e;
}

static void test_lengths_without_nrip(void **state)
{
	struct vm_exit e = decode(SVM_EXIT_CPUID, 0, 0);

	assert_int_equal(e.kind, EXIT_CPUID);
	assert_int_equal(e.rip, RIP);
	assert_int_equal(vcpu.next_rip, RIP + 2);
	e = decode(SVM_EXIT_HLT, 0, 0);
	assert_int_equal(e.kind, EXIT_HLT);
	assert_int_equal(vcpu.next_rip, RIP + 1);
	e = decode(SVM_EXIT_VMMCALL, 0, 0);
	assert_int_equal(e.kind, EXIT_HYPERCALL);
	assert_int_equal(vcpu.next_rip, RIP + 3);
}

static void test_nrip_save_wins(void **state)
{
	svm_cfg.nrips = true;
	vmcb.next_rip = RIP + 5;        /* a prefixed CPUID, say */
	decode(SVM_EXIT_CPUID, 0, 0);
	assert_int_equal(vcpu.next_rip, RIP + 5);
}

static void test_ioio(void **state)
{
	/* OUT DX, AL to 0x3F8: EXITINFO2 is the next RIP [APM 2 15.10.2]. */
	struct vm_exit e = decode(SVM_EXIT_IOIO, 0x3f8ull << 16 | IOIO_SZ8,
				  RIP + 1);

	assert_int_equal(e.kind, EXIT_IO);
	assert_int_equal(e.io.port, 0x3f8);
	assert_int_equal(e.io.size, 1);
	assert_false(e.io.in);
	assert_false(e.io.string);
	assert_int_equal(vcpu.next_rip, RIP + 1);

	/* IN EAX, imm8 from 0x71: two bytes long. */
	e = decode(SVM_EXIT_IOIO, 0x71ull << 16 | IOIO_SZ32 | IOIO_IN, RIP + 2);
	assert_int_equal(e.io.port, 0x71);
	assert_int_equal(e.io.size, 4);
	assert_true(e.io.in);
	assert_int_equal(vcpu.next_rip, RIP + 2);

	e = decode(SVM_EXIT_IOIO, 0x80ull << 16 | IOIO_SZ16, RIP + 2);
	assert_int_equal(e.io.size, 2);

	/* REP OUTSB: string, which vmm/ refuses. */
	e = decode(SVM_EXIT_IOIO, 0x3f8ull << 16 | IOIO_SZ8 | IOIO_STR |
		   IOIO_REP, RIP + 2);
	assert_true(e.io.string);
}

/* HLT at the top of the address space: the next RIP is 0, which is a
 * RIP like any other (it panicked the hypervisor when 0 meant
 * "unknown"; found by tests/fuzz/fuzz_exit.c). */
static void test_next_rip_wraps_to_0(void **state)
{
	vmcb.rip = ~0ull;
	assert_int_equal(decode(SVM_EXIT_HLT, 0, 0).kind, EXIT_HLT);
	assert_true(vcpu.next_rip_known);
	assert_int_equal(vcpu.next_rip, 0);
	decode(SVM_EXIT_NPF, 1, 0x1000);
	assert_false(vcpu.next_rip_known);
}

static void test_npf(void **state)
{
	/* A write to a not-present page: P=0, W=1, U=1 (a guest access). */
	struct vm_exit e = decode(SVM_EXIT_NPF, NPF_WRITE | 1u << 2,
				  0x40000000);

	assert_int_equal(e.kind, EXIT_NPT_VIOLATION);
	assert_int_equal(e.npt.gpa, 0x40000000);
	assert_true(e.npt.write);
	assert_false(e.npt.read);
	assert_false(e.npt.exec);

	e = decode(SVM_EXIT_NPF, NPF_FETCH | 1u, 0x80001000);
	assert_true(e.npt.exec);
	assert_false(e.npt.read);
	assert_false(e.npt.write);

	e = decode(SVM_EXIT_NPF, 1u, 0x80002000);
	assert_true(e.npt.read);
	assert_int_equal(vcpu.next_rip, 0);     /* never stepped over */
}

static void test_msr(void **state)
{
	vcpu.regs.rcx = 0xc0000080;
	struct vm_exit e = decode(SVM_EXIT_MSR, 1, 0);

	assert_int_equal(e.kind, EXIT_MSR);
	assert_true(e.msr.write);
	assert_int_equal(e.msr.msr, 0xc0000080);
	/* WRMSR 0F 30: emulated ones are stepped over. */
	assert_int_equal(vcpu.next_rip, RIP + 2);
	e = decode(SVM_EXIT_MSR, 0, 0);
	assert_false(e.msr.write);
	assert_int_equal(vcpu.next_rip, RIP + 2);
}

static void test_simple_kinds(void **state)
{
	assert_int_equal(decode(SVM_EXIT_INTR, 0, 0).kind, EXIT_EXT_INTR);
	assert_int_equal(decode(SVM_EXIT_SHUTDOWN, 0, 0).kind, EXIT_TRIPLE_FAULT);
	assert_int_equal(decode(SVM_EXIT_INVALID, 0, 0).kind, EXIT_ENTRY_FAILED);
	assert_int_equal(decode(SVM_EXIT_NMI, 0, 0).kind, EXIT_NMI);
	/* XSETBV, say: unexpected, so the VM stops, naming the code. */
	struct vm_exit e = decode(0x8d, 0, 0);

	assert_int_equal(e.kind, EXIT_OTHER);
	assert_int_equal(e.raw, 0x8d);
}

/* The instructions vmm/intercept.c refuses or steps over: each decoded
 * to its name; only those it steps over get a next RIP. */
static void test_intercepted_insns(void **state)
{
	static const struct { uint64_t code; enum exit_insn insn; uint64_t len; }
	cases[] = {
		{ SVM_EXIT_MONITOR,     INSN_MONITOR, 0 },
		{ SVM_EXIT_MWAIT,       INSN_MWAIT,   0 },
		{ SVM_EXIT_MWAIT_ARMED, INSN_MWAIT,   0 },
		{ SVM_EXIT_RDPMC,       INSN_RDPMC,   0 },
		{ SVM_EXIT_WBINVD,      INSN_WBINVD,  2 },     /* 0F 09 */
		{ SVM_EXIT_INVD,        INSN_INVD,    2 },     /* 0F 08 */
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vm_exit e = decode(cases[i].code, 0, 0);

		assert_int_equal(e.kind, EXIT_INSN);
		assert_int_equal(e.insn, cases[i].insn);
		assert_int_equal(vcpu.next_rip, cases[i].len ? RIP + cases[i].len : 0);
	}
	/* With NRIP save the CPU's next RIP wins (a WBNOINVD is 3 bytes). */
	svm_cfg.nrips = true;
	vmcb.next_rip = RIP + 3;
	decode(SVM_EXIT_WBINVD, 0, 0);
	assert_int_equal(vcpu.next_rip, RIP + 3);
}

static void test_vintr_withdraws_the_request(void **state)
{
	assert_int_equal(decode(SVM_EXIT_VINTR, 0, 0).kind, EXIT_IRQ_WINDOW);
	assert_int_equal(window_calls, 1);
	assert_false(window_last);
}

static void test_reinjection(void **state)
{
	/* A #PF (vector 14, error code 2) cut short by a nested page fault
	 * goes back into EVENTINJ as it was [APM 2 15.7.2]. */
	uint64_t ev = EVT_VALID | EVT_TYPE_EXCEPTION | EVT_ERROR_VALID | 14 |
		      2ull << EVT_ERROR_SHIFT;

	vmcb.exit_int_info = ev;
	decode(SVM_EXIT_NPF, 1, 0x1000);
	assert_int_equal(vmcb.event_inj, ev);

	/* Delivered: nothing left to inject. */
	vmcb.exit_int_info = 0;
	decode(SVM_EXIT_HLT, 0, 0);
	assert_int_equal(vmcb.event_inj, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_lengths_without_nrip, setup),
		cmocka_unit_test_setup(test_nrip_save_wins, setup),
		cmocka_unit_test_setup(test_ioio, setup),
		cmocka_unit_test_setup(test_next_rip_wraps_to_0, setup),
		cmocka_unit_test_setup(test_npf, setup),
		cmocka_unit_test_setup(test_msr, setup),
		cmocka_unit_test_setup(test_simple_kinds, setup),
		cmocka_unit_test_setup(test_intercepted_insns, setup),
		cmocka_unit_test_setup(test_vintr_withdraws_the_request, setup),
		cmocka_unit_test_setup(test_reinjection, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
