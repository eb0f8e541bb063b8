/* HC_MODE_CPU_STATE_WRITE and HC_MODE_CPU_STATE_SPY: the guest-visible
 * CPU state that the VMCS or the VMCB does not hold must still be each
 * VM's own (docs/security.md, "CPU state").
 *
 * The writer sets DR0-DR3, DR6, DR7, CR2, FS and GS base, KERNEL_GS_BASE
 * (through SWAPGS, the way that needs no WRMSR of it), STAR, LSTAR, CSTAR
 * and FMASK to markers of its own, then sleeps and checks them every
 * CHECK_MS: "cpu_state kept N", or a LOST line per register that changed.
 * It also tries what must stay refused: WRMSR of TSC_AUX (#GP) and XGETBV
 * (#UD: CR4.OSXSAVE is the hypervisor's).
 *
 * The spy sleeps first, so the writer has run, then reads the same
 * registers: each must hold the documented entry value (docs/hypercalls.md,
 * "Entry state"), else a "SAW" line names it; RDPID, where the CPU has it,
 * must read TSC_AUX as 0. Then it sets markers of its own and checks them
 * like the writer, so a value the writer finds changed could only have
 * come from the spy. */
#include <stdint.h>

#include "guest-stub/cpu.h"
#include "guest-stub/hostile.h"
#include "guest-stub/modes.h"
#include "guest-stub/print.h"
#include "guest-stub/probe.h"

#define CHECK_MS        20
#define SPY_DELAY_MS    50
#define TAG_WRITER      0xa1
#define TAG_SPY         0xb2

#define MSR_FS_BASE         0xc0000100
#define MSR_GS_BASE         0xc0000101
#define MSR_KERNEL_GS_BASE  0xc0000102
#define MSR_STAR            0xc0000081
#define MSR_LSTAR           0xc0000082
#define MSR_CSTAR           0xc0000083
#define MSR_FMASK           0xc0000084
#define MSR_TSC_AUX         0xc0000103

/* DR6 bits a guest can set: B0-B3, BD, BS, BT [SDM 3B 18.2.3]; the rest
 * read as fixed values that differ between CPUs. */
#define DR6_STATUS      0xe00full
#define DR7_INIT        0x400ull

enum reg {
	R_DR0, R_DR1, R_DR2, R_DR3, R_DR6, R_DR7, R_CR2,
	R_FS_BASE, R_GS_BASE, R_KERNEL_GS_BASE,
	R_SWAPGS,               /* KERNEL_GS_BASE as SWAPGS exposes it */
	R_STAR, R_LSTAR, R_CSTAR, R_FMASK,
	R_COUNT
};

static const char *const reg_name[R_COUNT] = {
	"DR0", "DR1", "DR2", "DR3", "DR6", "DR7", "CR2",
	"FS_BASE", "GS_BASE", "KERNEL_GS_BASE", "KERNEL_GS_BASE(swapgs)",
	"STAR", "LSTAR", "CSTAR", "FMASK",
};

static const uint32_t reg_msr[R_COUNT] = {
	[R_FS_BASE] = MSR_FS_BASE, [R_GS_BASE] = MSR_GS_BASE,
	[R_KERNEL_GS_BASE] = MSR_KERNEL_GS_BASE, [R_STAR] = MSR_STAR,
	[R_LSTAR] = MSR_LSTAR, [R_CSTAR] = MSR_CSTAR, [R_FMASK] = MSR_FMASK,
};

/* What VM 'tag' writes into register r: canonical addresses (bit 47
 * clear), FMASK within its 32 bits, DR6 and DR7 with bits that arm no
 * breakpoint (DR7 L0-L3 and G0-G3 stay clear). */
static uint64_t marker(uint8_t tag, enum reg r)
{
	if (r == R_DR6)
		return tag == TAG_WRITER ? 0xffff4fffull : 0xffff0ff3ull;
	if (r == R_DR7)
		return tag == TAG_WRITER ? 0x00fd0400ull : 0x00ff0400ull;
	if (r == R_FMASK)
		return 0x7a7a0000ull | (uint64_t)tag << 8 | r;
	if (r == R_SWAPGS)
		r = R_KERNEL_GS_BASE;
	return 0x00007a7a00000000ull | (uint64_t)tag << 16 | (uint64_t)r << 4;
}

/* The entry state (docs/hypercalls.md): DR7 0x400, everything else 0. */
static uint64_t entry_value(enum reg r)
{
	return r == R_DR7 ? DR7_INIT : 0;
}

static uint64_t masked(enum reg r, uint64_t v)
{
	return r == R_DR6 ? v & DR6_STATUS : v;
}

static int read_reg(enum reg r, uint64_t *v)
{
	int err;

	switch (r) {
	case R_DR0: *v = read_dr0(); return 0;
	case R_DR1: *v = read_dr1(); return 0;
	case R_DR2: *v = read_dr2(); return 0;
	case R_DR3: *v = read_dr3(); return 0;
	case R_DR6: *v = read_dr6(); return 0;
	case R_DR7: *v = read_dr7(); return 0;
	case R_CR2: *v = read_cr2(); return 0;
	case R_SWAPGS:
		swapgs();
		err = probe_rdmsr(MSR_GS_BASE, v);
		swapgs();
		return err;
	default:
		return probe_rdmsr(reg_msr[r], v);
	}
}

static void set_msr(enum reg r, uint32_t msr, uint64_t v)
{
	int err = probe_wrmsr(msr, v);

	if (err)
		print("cpu_state: WRMSR %s REFUSED (vector %d)\n", reg_name[r],
		      err);
}

/* Set every register to VM 'tag's marker; a refused WRMSR is printed. */
static void set_all(uint8_t tag)
{
	write_dr0(marker(tag, R_DR0));
	write_dr1(marker(tag, R_DR1));
	write_dr2(marker(tag, R_DR2));
	write_dr3(marker(tag, R_DR3));
	write_dr6(marker(tag, R_DR6));
	write_dr7(marker(tag, R_DR7));
	write_cr2(marker(tag, R_CR2));
	/* KERNEL_GS_BASE by SWAPGS: the marker into GS base, swapped in;
	 * GS base gets its own marker below. */
	set_msr(R_GS_BASE, MSR_GS_BASE, marker(tag, R_KERNEL_GS_BASE));
	swapgs();
	for (enum reg r = R_FS_BASE; r < R_COUNT; r++)
		if (r != R_KERNEL_GS_BASE && r != R_SWAPGS)
			set_msr(r, reg_msr[r], marker(tag, r));
}

/* Compare every register with want(r); print each that differs as
 * 'what'. Returns how many differed. */
static unsigned check_all(uint8_t tag, const char *what)
{
	unsigned bad = 0;

	for (enum reg r = 0; r < R_COUNT; r++) {
		uint64_t v = 0, want = tag ? marker(tag, r) : entry_value(r);
		int err = read_reg(r, &v);

		if (err) {
			print("cpu_state: RDMSR %s REFUSED (vector %d)\n",
			      reg_name[r], err);
			bad++;
		} else if (masked(r, v) != masked(r, want)) {
			print("cpu_state %s %s 0x%lx, want 0x%lx\n", what,
			      reg_name[r], v, want);
			bad++;
		}
	}
	return bad;
}

static __attribute__((noreturn)) void keep_checking(const struct hc_identity *id,
						    uint8_t tag)
{
	cpu_cli();
	for (uint64_t n = 1;; n++) {
		hostile_sleep_ms(id, CHECK_MS);
		if (check_all(tag, "LOST"))
			set_all(tag);
		else
			print("cpu_state kept %lu\n", n);
	}
}

void mode_cpu_state_write(const struct hc_identity *id)
{
	uint64_t xcr0;
	int aux_err, xcr_err;

	set_all(TAG_WRITER);
	aux_err = probe_wrmsr(MSR_TSC_AUX, marker(TAG_WRITER, R_FS_BASE));
	xcr_err = probe_xgetbv(&xcr0);
	print("cpu_state: markers set; WRMSR TSC_AUX vector %d, XGETBV vector "
	      "%d\n", aux_err, xcr_err);
	keep_checking(id, TAG_WRITER);
}

void mode_cpu_state_spy(const struct hc_identity *id)
{
	uint64_t aux;
	int err;

	cpu_cli();
	hostile_sleep_ms(id, SPY_DELAY_MS);
	if (!check_all(0, "SAW"))
		print("cpu_state: first look clean\n");
	err = probe_rdpid(&aux);
	if (err)
		print("cpu_state: RDPID vector %d\n", err);
	else if (aux)
		print("cpu_state SAW TSC_AUX 0x%lx, want 0\n", aux);
	else
		print("cpu_state: RDPID TSC_AUX 0\n");
	set_all(TAG_SPY);
	keep_checking(id, TAG_SPY);
}
