/* Host tests for vmm/xapic_mmio.c: which faults it claims, and that every
 * access it emulates reaches the local APIC once with the right offset,
 * direction and value, sets the register (a 32-bit load zeroes bits
 * 63:32) and steps over exactly the instruction; and that each refusal
 * (an instruction fetch, bytes that are no 32-bit MOV or end early, a
 * direction other than the fault's, ESP, an unaligned offset, a register
 * the APIC refuses) stops the VM with one line and changes nothing. The
 * vCPU, the device model and vm_stop are faked. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/dev/vdev.h"
#include "vmm/dev/vlapic.h"
#include "vmm/xapic_mmio.h"

static struct guest_regs regs;
static uint8_t code[32];
static unsigned code_len, advanced, stops, apic_calls;
static char stop_line[256];
static struct { uint32_t offset, val; bool write; } last;
static bool apic_ok;
static uint32_t apic_read_val;

struct guest_regs *vcpu_regs(struct vcpu *v) { return &regs; }

unsigned vcpu_fetch_insn(struct vcpu *v, uint8_t *b, unsigned n)
{
	unsigned k = n < code_len ? n : code_len;

	memcpy(b, code, k);
	return k;
}

void vcpu_advance_rip(struct vcpu *v, unsigned len) { advanced += len; }

bool vdev_apic_mmio(struct vdev *d, uint32_t offset, bool write, uint32_t *val,
		    uint64_t now)
{
	apic_calls++;
	last.offset = offset;
	last.write = write;
	last.val = *val;
	if (apic_ok && !write)
		*val = apic_read_val;
	return apic_ok;
}

void vm_stop(struct vm *vm, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(stop_line, sizeof(stop_line), fmt, ap);
	va_end(ap);
	stops++;
}

static struct vm vm;
static uint8_t dev_page[64];

static int setup(void **state)
{
	memset(&regs, 0xee, sizeof(regs));
	memset(&vm, 0, sizeof(vm));
	vm.dev = (struct vdev *)dev_page;
	code_len = advanced = stops = apic_calls = 0;
	stop_line[0] = 0;
	apic_ok = true;
	apic_read_val = 0;
	return 0;
}

#define CODE(...) do { static const uint8_t b_[] = { __VA_ARGS__ }; \
		memcpy(code, b_, sizeof(b_)); code_len = sizeof(b_); } while (0)

static bool fault(uint64_t gpa, bool write, bool exec)
{
	struct vm_exit e = { .kind = EXIT_NPT_VIOLATION, .rip = 0x1000 };

	e.npt.gpa = gpa;
	e.npt.write = write;
	e.npt.exec = exec;
	e.npt.read = !write && !exec;
	assert_true(xapic_mmio_claims(&vm, gpa));
	return xapic_mmio_exit(&vm, &e, 0);
}

static void test_claims(void **state)
{
	assert_false(xapic_mmio_claims(&vm, APIC_BASE_ADDR - 1));
	assert_true(xapic_mmio_claims(&vm, APIC_BASE_ADDR));
	assert_true(xapic_mmio_claims(&vm, APIC_BASE_ADDR + 0xfff));
	assert_false(xapic_mmio_claims(&vm, APIC_BASE_ADDR + 0x1000));
	vm.dev = NULL;          /* a guest-stub VM has no local APIC */
	assert_false(xapic_mmio_claims(&vm, APIC_BASE_ADDR));
}

static void test_load(void **state)
{
	/* mov eax, [rdi + 0xff5fd000]: Linux 6.1's native_apic_mem_read */
	CODE(0x8b, 0x87, 0x00, 0xd0, 0x5f, 0xff, 0xe9, 0xd3);
	apic_read_val = 0x05000000;
	assert_true(fault(APIC_BASE_ADDR + 0x20, false, false));
	assert_int_equal(apic_calls, 1);
	assert_int_equal(last.offset, 0x20);
	assert_false(last.write);
	assert_int_equal(regs.rax, 0x05000000);        /* bits 63:32 zeroed */
	assert_int_equal(advanced, 6);
	assert_int_equal(stops, 0);
	/* r13d: past RSP in guest_regs' order */
	CODE(0x44, 0x8b, 0x2f);
	apic_read_val = 0x14;
	assert_true(fault(APIC_BASE_ADDR + 0x30, false, false));
	assert_int_equal(regs.r13, 0x14);
	assert_int_equal(regs.rbp, 0xeeeeeeeeeeeeeeeeull);
}

static void test_store(void **state)
{
	regs.rsi = 0xaaaaaaaa000000b0ull;
	CODE(0x89, 0x37);                               /* mov [rdi], esi */
	assert_true(fault(APIC_BASE_ADDR + 0xb0, true, false));
	assert_true(last.write);
	assert_int_equal(last.offset, 0xb0);
	assert_int_equal(last.val, 0xb0);               /* the low 32 bits */
	assert_int_equal(advanced, 2);
	assert_int_equal(regs.rsi, 0xaaaaaaaa000000b0ull);
	regs.r8 = 0x1ff;
	CODE(0x44, 0x89, 0x80, 0xf0, 0, 0, 0);          /* mov [rax+0xf0], r8d */
	assert_true(fault(APIC_BASE_ADDR + 0xf0, true, false));
	assert_int_equal(last.val, 0x1ff);
	/* mov dword [disp32], 0x700 */
	CODE(0xc7, 0x04, 0x25, 0x50, 0xd3, 0x5f, 0xff, 0x00, 0x07, 0, 0);
	assert_true(fault(APIC_BASE_ADDR + 0x350, true, false));
	assert_int_equal(last.val, 0x700);
	assert_int_equal(advanced, 2 + 7 + 11);
	assert_int_equal(stops, 0);
}

/* One refusal: the VM stopped once with 'why' in its line, the APIC not
 * reached (unless 'apic' says it refused), RIP and registers unchanged. */
static void refused(uint64_t gpa, bool write, bool exec, const char *why,
		    unsigned apic)
{
	struct guest_regs before = regs;

	assert_false(fault(gpa, write, exec));
	assert_int_equal(stops, 1);
	assert_non_null(strstr(stop_line, why));
	assert_non_null(strstr(stop_line, "not emulated"));
	assert_int_equal(apic_calls, apic);
	assert_int_equal(advanced, 0);
	assert_memory_equal(&before, &regs, sizeof(regs));
	stops = apic_calls = 0;
}

static void test_refused(void **state)
{
	CODE(0x8b, 0x07);
	refused(APIC_BASE_ADDR, false, true, "instruction fetch", 0);
	CODE(0x48, 0x8b, 0x07);                         /* 64-bit load */
	refused(APIC_BASE_ADDR + 0x20, false, false, "not a 32-bit MOV", 0);
	assert_non_null(strstr(stop_line, "bytes 48 8b 07"));
	CODE(0x0f, 0xb7, 0x07);                         /* MOVZX */
	refused(APIC_BASE_ADDR + 0x20, false, false, "not a 32-bit MOV", 0);
	CODE(0x8b, 0x87, 0x00, 0xd0);                   /* fetch ended early */
	refused(APIC_BASE_ADDR + 0x20, false, false, "not a 32-bit MOV", 0);
	code_len = 0;                                   /* nothing mapped */
	refused(APIC_BASE_ADDR + 0x20, false, false, "not a 32-bit MOV", 0);
	assert_non_null(strstr(stop_line, "bytes none"));
	CODE(0x8b, 0x07);                               /* a load ... */
	refused(APIC_BASE_ADDR + 0x80, true, false, "direction", 0); /* ... written */
	CODE(0x89, 0x07);
	refused(APIC_BASE_ADDR + 0x80, false, false, "direction", 0);
	CODE(0x8b, 0x27);                               /* mov esp, [rdi] */
	refused(APIC_BASE_ADDR + 0x80, false, false, "ESP", 0);
	CODE(0x89, 0x27);
	refused(APIC_BASE_ADDR + 0x80, true, false, "ESP", 0);
	CODE(0x89, 0x07);
	refused(APIC_BASE_ADDR + 0x82, true, false, "unaligned", 0);
	apic_ok = false;                                /* the APIC says no */
	CODE(0x8b, 0x07);
	refused(APIC_BASE_ADDR + 0x20, false, false, "register refused", 1);
	CODE(0x89, 0x07);
	refused(APIC_BASE_ADDR + 0x20, true, false, "register refused", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_claims, setup),
		cmocka_unit_test_setup(test_load, setup),
		cmocka_unit_test_setup(test_store, setup),
		cmocka_unit_test_setup(test_refused, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
